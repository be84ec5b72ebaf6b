// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,4,32 register-tile=6,16 read-in-place=false" --canonicalize -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,4,32 register-tile=6,16 fuse-epilogues=false read-in-place=false" --canonicalize -split-input-file | FileCheck %s --check-prefix=OFF
// Reductions here take two steps (k = 8, steps of 4); a reduction in one
// step takes its epilogue into its register tiles instead
// (tile-and-vectorize-register-epilogues.mlir).

// A packed matmul (bias in its accumulator) followed by relu(x + residual):
// the epilogue iterates over the panels ([20, 4, 16], the residual and the
// bias viewed so) and its blocks of two panels are the forall; the bias
// broadcast, the contraction and the epilogue are in each block.
// CHECK-LABEL: func @matmul_epilogue
// CHECK: %[[BIAS:.*]] = tensor.expand_shape %arg2 {{\[}}[0, 1]] output_shape [4, 16]
// CHECK: %[[RES:.*]] = tensor.expand_shape %arg3 {{\[}}[0], [1, 2]] output_shape [20, 4, 16]
// CHECK: %[[OUT:.*]] = scf.forall (%[[P:.*]]) = (0) to (4) step (2) shared_outs(%[[S:.*]] = %{{.*}}) -> (tensor<20x4x16xf32>)
// CHECK:   %[[B:.*]] = tensor.extract_slice %[[BIAS]][%[[P]], 0] [2, 16]
// CHECK:   %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<2x16xf32>) outs(%{{.*}} : tensor<20x2x16xf32>)
// CHECK:   %[[MM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]])
// CHECK:     vector.outerproduct
// CHECK:   %[[R:.*]] = tensor.extract_slice %[[RES]][0, %[[P]], 0] [20, 2, 16]
// CHECK:   %[[E:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[R]] : tensor<20x2x16xf32>, tensor<20x2x16xf32>)
// CHECK:     arith.maximumf
// CHECK:   tensor.parallel_insert_slice %[[E]] into %[[S]][0, %[[P]], 0] [20, 2, 16]
// CHECK: tensor.collapse_shape %[[OUT]] {{\[}}[0], [1, 2]] : tensor<20x4x16xf32> into tensor<20x64xf32>
// OFF-LABEL: func @matmul_epilogue
// OFF: scf.forall
// OFF: scf.forall.in_parallel
// OFF: linalg.generic {{.*}} ins(%{{.*}}, %arg3 : tensor<20x64xf32>, tensor<20x64xf32>)
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#bias = affine_map<(m, n) -> (n)>
#id = affine_map<(m, n) -> (m, n)>
func.func @matmul_epilogue(%a: tensor<20x8xf32>, %b: tensor<8x64xf32>, %bias: tensor<64xf32>,
                           %res: tensor<20x64xf32>) -> tensor<20x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<20x64xf32>
  %init = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
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

// An im2col convolution whose result is expanded to an image before its
// relu: the relu runs over the contraction's [6, 40] (unit batch dropped)
// inside each block, after the block's fill and contraction, and the image
// is a reshape of the forall's result.
// CHECK-LABEL: func @conv_epilogue
// CHECK: %[[OUT:.*]] = scf.forall
// CHECK:   linalg.fill
// CHECK:   vector.outerproduct
// CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<6x20xf32>)
// CHECK:     arith.maximumf
// CHECK:   tensor.parallel_insert_slice
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [1, 6, 5, 8] : tensor<6x40xf32> into tensor<1x6x5x8xf32>
#a = affine_map<(n, m, p, k) -> (m, k)>
#b = affine_map<(n, m, p, k) -> (n, k, p)>
#c = affine_map<(n, m, p, k) -> (n, m, p)>
#img = affine_map<(n, c, h, w) -> (n, c, h, w)>
func.func @conv_epilogue(%w: tensor<6x27xf32>, %col: tensor<1x27x40xf32>) -> tensor<1x6x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x6x40xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x40xf32>) -> tensor<1x6x40xf32>
  %0 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %col : tensor<6x27xf32>, tensor<1x27x40xf32>) outs(%init : tensor<1x6x40xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x6x40xf32>
  %image = tensor.expand_shape %0 [[0], [1], [2, 3]] output_shape [1, 6, 5, 8] : tensor<1x6x40xf32> into tensor<1x6x5x8xf32>
  %ei = tensor.empty() : tensor<1x6x5x8xf32>
  %r = linalg.generic {indexing_maps = [#img, #img], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%image : tensor<1x6x5x8xf32>) outs(%ei : tensor<1x6x5x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.maximumf %x, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x6x5x8xf32>
  return %r : tensor<1x6x5x8xf32>
}

// -----

// Not fused: a result with a second user, and an epilogue reading another
// operand through a broadcast across a reshape (it cannot be re-indexed
// over the contraction's shape). Both epilogues stay after the forall.
// CHECK-LABEL: func @not_fused
// CHECK: scf.forall
// CHECK: scf.forall.in_parallel
// CHECK: linalg.generic
// CHECK: scf.forall
// CHECK: scf.forall.in_parallel
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %arg2 : tensor<20x64xf32>, tensor<64xf32>)
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#bias = affine_map<(m, n) -> (n)>
#id = affine_map<(m, n) -> (m, n)>
func.func @not_fused(%a: tensor<20x8xf32>, %b: tensor<8x64xf32>, %bias: tensor<64xf32>,
                     %c: tensor<20x64xf32>) -> (tensor<20x64xf32>, tensor<20x64xf32>, tensor<20x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<20x64xf32>
  %mm = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<20x8xf32>, tensor<8x64xf32>) outs(%c : tensor<20x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<20x64xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<20x64xf32>) outs(%e : tensor<20x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.maximumf %x, %zero : f32
    linalg.yield %m : f32
  } -> tensor<20x64xf32>
  %mm2 = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<20x8xf32>, tensor<8x64xf32>) outs(%c : tensor<20x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<20x64xf32>
  %r2 = linalg.generic {indexing_maps = [#id, #bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm2, %bias : tensor<20x64xf32>, tensor<64xf32>) outs(%e : tensor<20x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<20x64xf32>
  return %r, %mm, %r2 : tensor<20x64xf32>, tensor<20x64xf32>, tensor<20x64xf32>
}

// -----

// A row epilogue: a 1x1 convolution's relu, read through an expansion of
// the matmul's columns to the image's rows, writes the interior of a padded
// tensor (aiopt-cpu-pad-in-place). The blocks are whole rows (two of 8
// columns: 16, a register tile), the matmul and its fill fused into each
// through the reshape, and the relu writes the interior in place: no copy,
// no tensor of its own.
// CHECK-LABEL: func @row_epilogue
// CHECK: %[[PADDED:.*]] = tensor.empty() : tensor<1x6x8x10xf32>
// CHECK: %[[INTERIOR:.*]] = tensor.extract_slice %[[PADDED]][0, 0, 1, 1] [1, 6, 6, 8]
// CHECK: %[[OUT:.*]] = scf.forall (%[[ROW:.*]]) = (0) to (6) step (2) shared_outs(%[[DEST:.*]] = %[[INTERIOR]])
// CHECK:   %[[COL:.*]] = affine.linearize_index disjoint [%[[ROW]], %{{.*}}] by (6, 8)
// CHECK:   tensor.extract_slice %{{.*}}[0, %[[COL]]] [27, 16]
// CHECK:   linalg.fill
// CHECK:   arith.mulf {{.*}} : vector<6x16x1xf32>
// CHECK:   %[[ROWS:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [1, 6, 2, 8] : tensor<6x16xf32> into tensor<1x6x2x8xf32>
// CHECK:   %[[SLOT:.*]] = tensor.extract_slice %[[DEST]][0, 0, %[[ROW]], 0] [1, 6, 2, 8]
// CHECK:   %[[R:.*]] = linalg.generic {{.*}} ins(%[[ROWS]] : tensor<1x6x2x8xf32>) outs(%[[SLOT]] : tensor<1x6x2x8xf32>)
// CHECK:     arith.maximumf
// CHECK:   tensor.parallel_insert_slice %[[R]] into %[[DEST]][0, 0, %[[ROW]], 0] [1, 6, 2, 8]
// CHECK-NOT: linalg.copy
// CHECK: tensor.insert_slice %[[OUT]] into %[[PADDED]][0, 0, 1, 1] [1, 6, 6, 8]
// OFF-LABEL: func @row_epilogue
// OFF: scf.forall
// OFF: scf.forall.in_parallel
// OFF: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x6x6x8xf32>)
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
#img = affine_map<(n, c, h, w) -> (n, c, h, w)>
func.func @row_epilogue(%w: tensor<6x27xf32>, %x: tensor<27x48xf32>) -> tensor<1x6x8x10xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x48xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<6x48xf32>) -> tensor<6x48xf32>
  %0 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%w, %x : tensor<6x27xf32>, tensor<27x48xf32>) outs(%init : tensor<6x48xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %t : f32
    linalg.yield %s : f32
  } -> tensor<6x48xf32>
  %image = tensor.expand_shape %0 [[0, 1], [2, 3]] output_shape [1, 6, 6, 8] : tensor<6x48xf32> into tensor<1x6x6x8xf32>
  %padded = tensor.empty() : tensor<1x6x8x10xf32>
  %interior = tensor.extract_slice %padded[0, 0, 1, 1] [1, 6, 6, 8] [1, 1, 1, 1] : tensor<1x6x8x10xf32> to tensor<1x6x6x8xf32>
  %r = linalg.generic {indexing_maps = [#img, #img], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%image : tensor<1x6x6x8xf32>) outs(%interior : tensor<1x6x6x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x6x6x8xf32>
  %full = tensor.insert_slice %r into %padded[0, 0, 1, 1] [1, 6, 6, 8] [1, 1, 1, 1] : tensor<1x6x6x8xf32> into tensor<1x6x8x10xf32>
  return %full : tensor<1x6x8x10xf32>
}
