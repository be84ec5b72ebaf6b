// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="split-k=true split-k-sums=kernel" --canonicalize --cse | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="split-k=true" --canonicalize --cse | FileCheck %s --check-prefix=ATOMIC
// RUN: not aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="split-k=true split-k-sums=tree" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: split-k-sums must be 'atomic' or 'kernel', not 'tree'

// A 64x96 product with K = 1024, a bias broadcast into its output and a
// Relu after it. Its 2x3 grid of 32x32 tiles splits K into 16 parts of 64
// (towards 512 workgroups). With split-k-sums=kernel each part stores its
// sums in a [16][1][64][96] workspace; a second kernel (48 workgroups of
// 128 invocations, one per output) adds the 16 parts in order, then the
// bias, applies the Relu and stores: the broadcast and the Relu take no
// kernels, and nothing is added atomically. The workspace is freed after
// the second kernel.
// CHECK-LABEL: func.func @split
// CHECK-SAME: (%{{.*}}: memref<64x1024xf32>, %{{.*}}: memref<1024x96xf32>, %[[BIAS:.*]]: memref<96xf32>)
// CHECK-NOT: linalg.generic
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<64x96xf32>
// CHECK-NEXT: %[[WS:.*]] = memref.alloc() : memref<16x1x64x96xf32>
// CHECK-NEXT: gpu.launch blocks({{.*}}) in ({{.*}} = %c3, {{.*}} = %c2, {{.*}} = %c16)
// CHECK: %[[PART:.*]] = arith.remui %{{.*}}, %c16
// CHECK-NOT: memref.atomic_rmw
// CHECK: memref.store %{{.*}}, %[[WS]][%[[PART]], %{{.*}}, %{{.*}}, %{{.*}}] : memref<16x1x64x96xf32>
// CHECK: gpu.terminator
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c48, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1)
// CHECK: arith.cmpi ult, %{{.*}}, %c6144
// CHECK: %[[P0:.*]] = memref.load %[[WS]][%c0, %[[B:.*]], %[[M:.*]], %[[N:.*]]]
// CHECK-NEXT: %[[P1:.*]] = memref.load %[[WS]][%c1, %[[B]], %[[M]], %[[N]]]
// CHECK-NEXT: arith.addf %[[P0]], %[[P1]]
// CHECK-COUNT-14: memref.load %[[WS]]
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK-NEXT: %[[BV:.*]] = memref.load %[[BIAS]][%[[N]]]
// CHECK-NEXT: %[[ACC:.*]] = arith.addf %[[BV]], %[[SUM]]
// CHECK: %[[RELU:.*]] = arith.maximumf %[[ACC]], %{{.*}}
// CHECK-NEXT: memref.store %[[RELU]], %[[OUT]]
// CHECK-NOT: memref.atomic_rmw
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[WS]] : memref<16x1x64x96xf32>
// CHECK-NEXT: return %[[OUT]]
// By default (atomic) the parts add to the output, zeroed first (a fill
// that an earlier kernel makes, aiopt-gpu-fills-into-kernels) instead of
// the broadcast: the first part adds the bias to its sums. The Relu stays
// after.
// ATOMIC-LABEL: func.func @split
// ATOMIC-NOT: linalg.generic
// ATOMIC: linalg.fill ins(%cst : f32) outs(%[[C:.*]] : memref<64x96xf32>)
// ATOMIC-NEXT: gpu.launch
// ATOMIC: %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0
// ATOMIC-NEXT: %[[BV:.*]] = memref.load %arg2[%[[N:.*]]] : memref<96xf32>
// ATOMIC-NEXT: %[[WITH:.*]] = arith.addf %[[BV]], %[[S:.*]]#0
// ATOMIC-NEXT: %[[V:.*]] = arith.select %[[FIRST]], %[[WITH]], %[[S]]#0
// ATOMIC-NEXT: memref.atomic_rmw addf %[[V]], %[[C]][%{{.*}}, %[[N]]]
// ATOMIC: gpu.terminator
// ATOMIC: linalg.generic
// ATOMIC: arith.maximumf
func.func @split(%a: memref<64x1024xf32>, %b: memref<1024x96xf32>, %bias: memref<96xf32>) -> memref<64x96xf32> {
  %c = memref.alloc() : memref<64x96xf32>
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<96xf32>) outs(%c : memref<64x96xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a, %b : memref<64x1024xf32>, memref<1024x96xf32>) outs(%c : memref<64x96xf32>)
  %r = memref.alloc() : memref<64x96xf32>
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<64x96xf32>) outs(%r : memref<64x96xf32>) {
  ^bb0(%x: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %y = arith.maximumf %x, %z : f32
    linalg.yield %y : f32
  }
  return %r : memref<64x96xf32>
}

// -----

// An integer product (i8 operands into i32) splits the same way; its
// parts add up in i32 after a zero fill, which adds nothing.
// CHECK-LABEL: func.func @integers
// CHECK-NOT: linalg.fill
// CHECK: memref.alloc() : memref<16x1x64x96xi32>
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: arith.addi
// CHECK-NOT: memref.atomic_rmw
// CHECK: gpu.terminator
func.func @integers(%a: memref<64x1024xi8>, %b: memref<1024x96xi8>) -> memref<64x96xi32> {
  %zero = arith.constant 0 : i32
  %c = memref.alloc() : memref<64x96xi32>
  linalg.fill ins(%zero : i32) outs(%c : memref<64x96xi32>)
  linalg.matmul ins(%a, %b : memref<64x1024xi8>, memref<1024x96xi8>) outs(%c : memref<64x96xi32>)
  return %c : memref<64x96xi32>
}

// -----

// One bias broadcast that two products copy into their outputs (the
// buffer of a shared broadcast): each product starts from the bias, read
// where the broadcast read it; the copies go, and then the broadcast,
// which nothing reads any more. With atomic parts, each output is zeroed
// instead and the first part adds the bias.
// CHECK-LABEL: func.func @copied_broadcast
// CHECK-NOT: linalg.copy
// CHECK-NOT: linalg.generic
// CHECK: gpu.launch
// CHECK: memref.load %arg2[
// CHECK: gpu.launch
// CHECK: memref.load %arg2[
// ATOMIC-LABEL: func.func @copied_broadcast
// ATOMIC-NOT: linalg.copy
// ATOMIC-NOT: linalg.generic
// ATOMIC: linalg.fill
// ATOMIC: gpu.launch
// ATOMIC: arith.select
// ATOMIC: linalg.fill
// ATOMIC: gpu.launch
// ATOMIC: arith.select
func.func @copied_broadcast(%a: memref<64x1024xf32>, %b: memref<1024x96xf32>, %bias: memref<96xf32>) -> (memref<64x96xf32>, memref<64x96xf32>) {
  %bb = memref.alloc() : memref<64x96xf32>
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<96xf32>) outs(%bb : memref<64x96xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  %c1 = memref.alloc() : memref<64x96xf32>
  linalg.copy ins(%bb : memref<64x96xf32>) outs(%c1 : memref<64x96xf32>)
  linalg.matmul ins(%a, %b : memref<64x1024xf32>, memref<1024x96xf32>) outs(%c1 : memref<64x96xf32>)
  %c2 = memref.alloc() : memref<64x96xf32>
  linalg.copy ins(%bb : memref<64x96xf32>) outs(%c2 : memref<64x96xf32>)
  linalg.matmul ins(%a, %b : memref<64x1024xf32>, memref<1024x96xf32>) outs(%c2 : memref<64x96xf32>)
  memref.dealloc %bb : memref<64x96xf32>
  return %c1, %c2 : memref<64x96xf32>, memref<64x96xf32>
}
