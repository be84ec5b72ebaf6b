// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,8,32 register-tile=6,16 read-in-place=false" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,8,32 register-tile=6,16 fuse-epilogues=false read-in-place=false" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s --check-prefix=OFF
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,8,32 register-tile=6,16" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s --check-prefix=INPLACE

// A reduction that fits in one step (k = 8, steps of 8) takes its
// accumulator's initializer and its epilogue into each register tile:
// the accumulators start from the bias (a row of the panel, broadcast to
// the tile's rows), run through the whole reduction and go through
// relu(x + residual) in registers; the tile is stored once, into the
// result. The panel view's unit loop is dropped from the initializer's
// and the epilogue's tiles, as from the register tile's. The remainder
// rows (18, 19) are a tile of their own. Without epilogue fusion
// (-O1), the initializer still goes into the register tiles, and the
// epilogue runs after the product, as a generic of its own.
// CHECK-LABEL: func @matmul_epilogue
// CHECK-NOT: linalg.generic
// CHECK: scf.forall
// CHECK:   scf.for %[[P:.*]] = %c0 to %c2
// CHECK:     scf.for %[[I:.*]] = %c0 to %c18 step %c6
// CHECK:       %[[BIAS:.*]] = vector.transfer_read {{.*}} : tensor<16xf32>, vector<16xf32>
// CHECK:       %[[INIT:.*]] = vector.broadcast %[[BIAS]] : vector<16xf32> to vector<6x16xf32>
// CHECK:       %[[ACC:.*]] = scf.for {{.*}} = %c0 to %c8 step %c1 iter_args(%{{.*}} = %[[INIT]]) -> (vector<6x16xf32>)
// CHECK:         vector.outerproduct
// CHECK:       %[[RES:.*]] = vector.transfer_read {{.*}} : tensor<6x16xf32>, vector<6x16xf32>
// CHECK:       %[[SUM:.*]] = arith.addf %[[ACC]], %[[RES]] : vector<6x16xf32>
// CHECK:       %[[RELU:.*]] = arith.maximumf %[[SUM]], %{{.*}} : vector<6x16xf32>
// CHECK:       vector.transfer_write %[[RELU]], {{.*}} : vector<6x16xf32>, tensor<6x16xf32>
// CHECK:     scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<2x16xf32>)
// CHECK:     arith.maximumf {{.*}} : vector<2x16xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
// OFF-LABEL: func @matmul_epilogue
// OFF: scf.forall
// OFF:   %[[INIT:.*]] = vector.broadcast {{.*}} : vector<16xf32> to vector<6x16xf32>
// OFF:   scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (vector<6x16xf32>)
// OFF: scf.forall.in_parallel
// OFF: linalg.generic {{.*}} ins(%{{.*}}, %arg3 : tensor<20x64xf32>, tensor<20x64xf32>)
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#col = affine_map<(m, n) -> (n)>
#id = affine_map<(m, n) -> (m, n)>
func.func @matmul_epilogue(%a: tensor<20x8xf32>, %b: tensor<8x64xf32>, %bias: tensor<64xf32>,
                           %res: tensor<20x64xf32>) -> tensor<20x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<20x64xf32>
  %init = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%bias : tensor<64xf32>) outs(%e : tensor<20x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<20x64xf32>
  %mm = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<20x8xf32>, tensor<8x64xf32>) outs(%init : tensor<20x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<20x64xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %res : tensor<20x64xf32>, tensor<20x64xf32>) outs(%e : tensor<20x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<20x64xf32>
  return %r : tensor<20x64xf32>
}

// -----

// The form of an NCHW 1x1 convolution: weights on the left, the input read
// in place on the right, the bias per row. Each register tile starts from
// its six rows' biases, each broadcast along the tile's columns.
// INPLACE-LABEL: func @conv1x1_epilogue
// INPLACE: scf.forall
// INPLACE:   scf.for {{.*}} = %c0 to %c12 step %c6
// INPLACE:     %[[BIAS:.*]] = vector.transfer_read {{.*}} : tensor<6xf32>, vector<6xf32>
// INPLACE:     %[[COLS:.*]] = vector.broadcast %[[BIAS]] : vector<6xf32> to vector<16x6xf32>
// INPLACE:     %[[INIT:.*]] = vector.transpose %[[COLS]], [1, 0] : vector<16x6xf32> to vector<6x16xf32>
// INPLACE:     %[[ACC:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (vector<6x16xf32>)
// INPLACE:     %[[RELU:.*]] = arith.maximumf %[[ACC]], %{{.*}} : vector<6x16xf32>
// INPLACE:     vector.transfer_write %[[RELU]]
// INPLACE-NOT: linalg.generic
// INPLACE: return
#row = affine_map<(m, n) -> (m)>
#id2 = affine_map<(m, n) -> (m, n)>
func.func @conv1x1_epilogue(%w: tensor<12x8xf32>, %x: tensor<8x48xf32>, %bias: tensor<12xf32>) -> tensor<12x48xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x48xf32>
  %init = linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%bias : tensor<12xf32>) outs(%e : tensor<12x48xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<12x48xf32>
  %mm = linalg.matmul ins(%w, %x : tensor<12x8xf32>, tensor<8x48xf32>) outs(%init : tensor<12x48xf32>) -> tensor<12x48xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<12x48xf32>) outs(%e : tensor<12x48xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<12x48xf32>
  return %r : tensor<12x48xf32>
}
