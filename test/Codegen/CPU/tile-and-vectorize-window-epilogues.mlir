// RUN: aiopt-opt %s --aiopt-cpu-pad-in-place --aiopt-cpu-tile-and-vectorize="register-tile=8,16 vector-size=16" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-pad-in-place --aiopt-cpu-tile-and-vectorize="register-tile=8,16 vector-size=16 fuse-epilogues=false" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s --check-prefix=OFF

// A direct (stride-2) convolution, a network's first layer: its result
// reaches the Relu only through reshapes that add unit dimensions (the
// batch and group of one), so the Relu reads the result itself, keeps its
// destination (the interior of the padded input of a max pooling, written
// in place) and is tiled with the convolution: each register tile starts
// from the bias, runs through the whole window and goes through the Relu
// in registers. Without epilogue fusion, only the bias is.
// CHECK-LABEL: func @direct_window_epilogue
// CHECK: %[[PADDED:.*]] = tensor.empty() : tensor<1x16x18x18xf32>
// CHECK: %[[INTERIOR:.*]] = tensor.extract_slice %[[PADDED]][0, 0, 1, 1] [1, 16, 16, 16] [1, 1, 1, 1]
// CHECK: scf.forall (%{{.*}}) in (16) shared_outs(%{{.*}} = %[[INTERIOR]])
// CHECK:   %[[BIAS:.*]] = vector.transfer_read {{.*}} : tensor<8xf32>, vector<8xf32>
// CHECK:   vector.broadcast %[[BIAS]] : vector<8xf32> to vector<16x8xf32>
// CHECK:   vector.outerproduct {{.*}} : vector<8xf32>, vector<16xf32>
// CHECK:   arith.maximumf %{{.*}}, %{{.*}} : vector<8x16xf32>
// CHECK:   vector.transfer_write
// CHECK:   tensor.parallel_insert_slice
// CHECK: tensor.insert_slice %{{.*}} into %[[PADDED]][0, 0, 1, 1] [1, 16, 16, 16]
// CHECK-NOT: arith.maximumf
// OFF-LABEL: func @direct_window_epilogue
// OFF: vector.broadcast %{{.*}} : vector<8xf32> to vector<16x8xf32>
// OFF: vector.outerproduct
// OFF: linalg.generic
// OFF:   arith.maximumf %{{.*}}, %{{.*}} : f32

#out5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#bias = affine_map<(d0, d1, d2, d3, d4) -> (d2)>
#xmap = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 * 2 + d5, d7 * 2 + d6)>
#wmap = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d4, d5, d6)>
#cmap = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @direct_window_epilogue(%x: tensor<1x1x3x34x34xf32>, %w: tensor<1x16x3x3x3xf32>, %b: tensor<16xf32>) -> tensor<1x16x18x18xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x1x16x16x16xf32>
  %init = linalg.generic {indexing_maps = [#bias, #out5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<16xf32>) outs(%e : tensor<1x1x16x16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x1x16x16x16xf32>
  %conv = linalg.generic {indexing_maps = [#xmap, #wmap, #cmap], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%x, %w : tensor<1x1x3x34x34xf32>, tensor<1x16x3x3x3xf32>) outs(%init : tensor<1x1x16x16x16xf32>) {
  ^bb0(%in: f32, %f: f32, %out: f32):
    %p = arith.mulf %in, %f : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1x16x16x16xf32>
  %c = tensor.collapse_shape %conv [[0], [1, 2], [3], [4]] : tensor<1x1x16x16x16xf32> into tensor<1x16x16x16xf32>
  %e4 = tensor.empty() : tensor<1x16x16x16xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x16x16x16xf32>) outs(%e4 : tensor<1x16x16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16x16x16xf32>
  %padded = tensor.pad %relu low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %ninf : f32
  } : tensor<1x16x16x16xf32> to tensor<1x16x18x18xf32>
  return %padded : tensor<1x16x18x18xf32>
}

// -----

// A shifted-window (unit-stride) convolution's Relu reads its flat result
// as an image (8 x 8 of 64 positions): it is relinearized to the flat
// shape and goes through each register tile too.
// CHECK-LABEL: func @shifted_window_epilogue
// CHECK: scf.for
// CHECK:   vector.broadcast %{{.*}} : vector<8xf32> to vector<16x8xf32>
// CHECK:   vector.outerproduct {{.*}} : vector<8xf32>, vector<16xf32>
// CHECK:   arith.maximumf %{{.*}}, %{{.*}} : vector<8x16xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [1, 16, 8, 8] : tensor<16x64xf32> into tensor<1x16x8x8xf32>
// CHECK-NOT: linalg.generic
// OFF-LABEL: func @shifted_window_epilogue
// OFF: vector.outerproduct
// OFF: linalg.generic
// OFF:   arith.maximumf %{{.*}}, %{{.*}} : f32
#bias3 = affine_map<(d0, d1, d2) -> (d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#w = affine_map<(n, m, q, c, kh, kw) -> (m, c, kh, kw)>
#x = affine_map<(n, m, q, c, kh, kw) -> (n, c, q + kh * 8 + kw * 80)>
#o = affine_map<(n, m, q, c, kh, kw) -> (n, m, q)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @shifted_window_epilogue(%x: tensor<1x4x240xf32>, %w: tensor<16x4x3x3xf32>, %b: tensor<16xf32>) -> tensor<1x16x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x64xf32>
  %init = linalg.generic {indexing_maps = [#bias3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x64xf32>
  %conv = linalg.generic {indexing_maps = [#w, #x, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%w, %x : tensor<16x4x3x3xf32>, tensor<1x4x240xf32>) outs(%init : tensor<1x16x64xf32>) {
  ^bb0(%f: f32, %in: f32, %out: f32):
    %p = arith.mulf %f, %in : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x16x64xf32>
  %image = tensor.expand_shape %conv [[0], [1], [2, 3]] output_shape [1, 16, 8, 8] : tensor<1x16x64xf32> into tensor<1x16x8x8xf32>
  %e4 = tensor.empty() : tensor<1x16x8x8xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%image : tensor<1x16x8x8xf32>) outs(%e4 : tensor<1x16x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16x8x8xf32>
  return %relu : tensor<1x16x8x8xf32>
}
