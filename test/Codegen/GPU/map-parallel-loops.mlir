// RUN: aiopt-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(func.func(aiopt-gpu-map-parallel-loops))' | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(func.func(aiopt-gpu-map-parallel-loops{max-grid-x=2147483647}))' | FileCheck %s --check-prefix=CUDA

// A 2-D nest: 16 invocations along the innermost dimension (its 10
// iterations rounded up to a power of two), the remaining factor of the
// 64-invocation workgroup (4) along the one before; the tiles are masked.
// CHECK-LABEL: func @two_d
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = ({{.*}}) to ({{.*}}) step (%[[C4]], %[[C16]])
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%[[C4]], %[[C16]])
// CHECK: scf.if
// CHECK: memref.store
func.func @two_d(%m: memref<8x10xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c10 = arith.constant 10 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c10) step (%c1, %c1) {
    memref.store %v, %m[%i, %j] : memref<8x10xf32>
  }
  return
}

// -----

// Four dimensions: the leading two are collapsed (6 iterations), so the
// grid has three; the workgroup is 4 x 8 over the last two (4 and 5
// iterations).
// CHECK-LABEL: func @four_d
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%[[C6]], %[[C4]], %[[C5]]) step (%[[C1]], %[[C4]], %[[C8]])
// CHECK-NEXT: scf.parallel ({{[^,]*}}, {{[^,]*}}, {{[^,]*}}) =
func.func @four_d(%m: memref<2x3x4x5xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  scf.parallel (%a, %b, %c, %d) = (%c0, %c0, %c0, %c0) to (%c2, %c3, %c4, %c5)
      step (%c1, %c1, %c1, %c1) {
    memref.store %v, %m[%a, %b, %c, %d] : memref<2x3x4x5xf32>
  }
  return
}

// -----

// A parallel loop with a reduction stays as it is (it runs on the host).
// CHECK-LABEL: func @reduction
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: scf.reduce
func.func @reduction(%m: memref<10xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%c10) step (%c1) init (%zero) -> f32 {
    %x = memref.load %m[%i] : memref<10xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %s = arith.addf %l, %r : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}

// -----

// 20,000,000 iterations are 312,500 workgroups of 64, more than the 65,535
// a grid axis takes: chunks of 65,535 workgroups (4,194,240 iterations), a
// launch each, by a loop on the host; the last chunk ends at the extent.
// With CUDA's x axis (2^31 - 1 workgroups), one grid.
// CHECK-LABEL: func @long
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 20000000 : index
// CHECK-DAG: %[[CHUNK:.*]] = arith.constant 4194240 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: scf.for %[[S:.*]] = %[[C0]] to %[[N]] step %[[CHUNK]] {
// CHECK-NEXT: %[[E:.*]] = arith.addi %[[S]], %[[CHUNK]]
// CHECK-NEXT: %[[END:.*]] = arith.minsi %[[E]], %[[N]]
// CHECK-NEXT: scf.parallel ({{.*}}) = (%[[S]]) to (%[[END]]) step (%[[C64]])
// CUDA-LABEL: func @long
// CUDA-NOT: scf.for
// CUDA: scf.parallel ({{.*}}) = ({{.*}}) to ({{.*}}) step
func.func @long(%m: memref<20000000xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 20000000 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %v, %m[%i] : memref<20000000xf32>
  }
  return
}

// -----

// Rows (the grid's y axis) are chunked on both targets, and a dynamic
// extent might need chunks: Vulkan's x axis is, CUDA's is not.
// CHECK-LABEL: func @rows
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.parallel
// CUDA-LABEL: func @rows
// CUDA: scf.for
// CUDA-NOT: scf.for
// CUDA: scf.parallel
func.func @rows(%m: memref<70000x?xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = arith.constant 70000 : index
  %cols = memref.dim %m, %c1 : memref<70000x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %cols) step (%c1, %c1) {
    memref.store %v, %m[%i, %j] : memref<70000x?xf32>
  }
  return
}
