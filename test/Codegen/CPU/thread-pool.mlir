// RUN: aiopt-opt %s --aiopt-cpu-thread-pool -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-thread-pool=balance=false -split-input-file | FileCheck %s --check-prefix=STATIC

// The module is marked for the runtime's pool; a loop without a schedule
// gets the pool's balancing one (dynamic), with or without nowait.
// CHECK: module attributes {aiopt.thread_pool}
// CHECK-LABEL: func @loops
// CHECK: omp.wsloop schedule(dynamic) {
// CHECK: omp.wsloop nowait schedule(dynamic) {
// STATIC: module attributes {aiopt.thread_pool}
// STATIC-LABEL: func @loops
// STATIC: omp.wsloop {
// STATIC: omp.wsloop nowait {
// STATIC-NOT: schedule
func.func @loops(%buf: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %zero, %buf[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.wsloop nowait {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %zero, %buf[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// A loop that has a schedule keeps it.
// CHECK-LABEL: func @scheduled
// STATIC-LABEL: func @scheduled
// CHECK: omp.wsloop schedule(static) {
func.func @scheduled(%buf: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  omp.parallel {
    omp.wsloop schedule(static) {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %zero, %buf[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
