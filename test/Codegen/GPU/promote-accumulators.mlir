// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-promote-accumulators))' | FileCheck %s

// A matmul's reduction loop (as convert-linalg-to-parallel-loops makes it)
// carries C[i, j] as an iteration argument: one load before, one store
// after.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK-NEXT: %[[INIT:.*]] = memref.load %[[C:.*]][%[[I]], %[[J]]]
// CHECK-NEXT: %[[SUM:.*]] = scf.for %{{.*}} = {{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
// CHECK-NOT: memref.load %[[C]]
// CHECK: %[[NEW:.*]] = arith.addf %[[ACC]], %{{.*}} : f32
// CHECK-NEXT: scf.yield %[[NEW]] : f32
// CHECK: memref.store %[[SUM]], %[[C]][%[[I]], %[[J]]]
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x16xf32>) -> memref<4x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c = memref.alloc() : memref<4x16xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x8xf32>
      %y = memref.load %b[%k, %j] : memref<8x16xf32>
      %acc = memref.load %c[%i, %j] : memref<4x16xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %c[%i, %j] : memref<4x16xf32>
    }
    scf.reduce
  }
  return %c : memref<4x16xf32>
}

// -----

// A window's nest of reduction loops carries the accumulator through
// every level.
// CHECK-LABEL: func.func @window
// CHECK: memref.load %[[O:[a-z_0-9]+]][%{{.*}}]
// CHECK-NEXT: scf.for {{.*}} iter_args
// CHECK-NEXT: scf.for {{.*}} iter_args
// CHECK-NOT: memref.store %{{.*}}, %[[O]]
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: memref.store %{{.*}}, %[[O]]
func.func @window(%x: memref<10x10xf32>) -> memref<8x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %o = memref.alloc() : memref<8x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    scf.for %r = %c0 to %c3 step %c1 {
      scf.for %s = %c0 to %c3 step %c1 {
        %ii = arith.addi %i, %r : index
        %jj = arith.addi %j, %s : index
        %v = memref.load %x[%ii, %jj] : memref<10x10xf32>
        %acc = memref.load %o[%i, %j] : memref<8x8xf32>
        %m = arith.maximumf %acc, %v : f32
        memref.store %m, %o[%i, %j] : memref<8x8xf32>
      }
    }
    scf.reduce
  }
  return %o : memref<8x8xf32>
}

// -----

// Left alone: the output may be the input (both are arguments), the loop
// reads the output elsewhere, or the indices change in the loop.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: iter_args
// CHECK: return
func.func @left_alone(%a: memref<8xf32>, %out: memref<8xf32>, %own: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %buf = memref.alloc() : memref<8xf32>
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %a[%k] : memref<8xf32>
    %acc = memref.load %out[%c0] : memref<8xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %out[%c0] : memref<8xf32>
  }
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %buf[%k] : memref<8xf32>
    %acc = memref.load %buf[%c0] : memref<8xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %buf[%c0] : memref<8xf32>
  }
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %a[%k] : memref<8xf32>
    %acc = memref.load %buf[%k] : memref<8xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %buf[%k] : memref<8xf32>
  }
  return
}
