// RUN: aiopt-opt %s --aiopt-cpu-drop-loop-barriers -split-input-file | FileCheck %s

// A loop that ends its parallel region: the region's join is its barrier.
// CHECK-LABEL: func @last
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop nowait {
func.func @last(%buf: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c8) {
        memref.store %zero, %buf[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Two loops in one region: the first one's barrier orders the second's
// reads after its writes, so it stays; the last one drops its own.
// CHECK-LABEL: func @two
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop {
// CHECK: omp.wsloop nowait {
func.func @two(%buf: memref<64xf32>, %out: memref<64xf32>) {
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
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %j = arith.subi %c64, %i : index
        %k = arith.subi %j, %c1 : index
        %v = memref.load %buf[%k] : memref<64xf32>
        memref.store %v, %out[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Work after the loop inside the region (every thread's store) keeps the
// loop's barrier.
// CHECK-LABEL: func @after
// CHECK: omp.wsloop {
// CHECK-NOT: nowait
func.func @after(%buf: memref<64xf32>, %flag: memref<f32>) {
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
    %v = memref.load %buf[%c0] : memref<64xf32>
    memref.store %v, %flag[] : memref<f32>
    omp.terminator
  }
  return
}
