// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=64,4,32 register-tile=6,16" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="register-tile=6,32 vector-size=16" --canonicalize -split-input-file | FileCheck %s --check-prefix=SPLIT
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="register-tile=6,16" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s --check-prefix=WHOLE
// RUN: not aiopt-opt %s --aiopt-cpu-tile-and-vectorize="vector-size=-16" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-tile-and-vectorize: vector-size must not be negative, not -16

// A unit-stride 3x3 convolution as convert-aiopt-to-linalg lowers it: the
// 6x6 input padded to 8x8 plus a row, flattened (72), read at q + 8 kh +
// kw for the 6 x 8 positions of the padded rows. The filter W[m, c, kh, kw]
// (value m*18 + c*9 + kh*3 + kw) is laid out as [kh, kw, m, c] at compile
// time: 0, 9, 18, 27 first. Its two channels fit in a step (4), so each
// register tile of 16 positions runs through the whole reduction with its
// accumulator in registers: channels, then (too few channels to loop over
// innermost) the taps, each reading a row of the input itself at offset
// 8 kh + kw (no packed copy).
// CHECK-LABEL: func @shifted_window
// CHECK-NOT: linalg.transpose
// CHECK: %[[W:.*]] = arith.constant dense<"0x0000000000001041000090410000D841{{.*}}"> : tensor<3x3x6x2xf32>
// CHECK: scf.forall (%[[Q:.*]]) = (0) to (48) step (16)
// CHECK:   %[[BLOCK:.*]] = tensor.extract_slice %{{.*}}[0, %[[Q]]] [2, 34] [1, 1]
// CHECK:   %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<6x16xf32>, vector<6x16xf32>
// CHECK:   scf.for %[[C:.*]] = %c0 to %c2 step %c1 iter_args(%{{.*}} = %[[ACC]])
// CHECK:     scf.for %[[KH:.*]] = %c0 to %c3 step %c1
// CHECK:       scf.for %[[KW:.*]] = %c0 to %c3 step %c1
// CHECK:         %[[OFF:.*]] = affine.apply #{{.*}}(%[[KH]], %[[KW]])
// CHECK:         tensor.extract_slice %[[W]][%[[KH]], %[[KW]], 0, %[[C]]] [1, 1, 6, 1]
// CHECK:         tensor.extract_slice %[[BLOCK]][%[[C]], %[[OFF]]] [1, 16] [1, 1]
// CHECK:         vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
// CHECK:   vector.transfer_write {{.*}} : vector<6x16xf32>
// CHECK-NOT: linalg.generic
#w = affine_map<(n, m, q, c, kh, kw) -> (m, c, kh, kw)>
#x = affine_map<(n, m, q, c, kh, kw) -> (n, c, q + kh * 8 + kw)>
#o = affine_map<(n, m, q, c, kh, kw) -> (n, m, q)>
func.func @shifted_window(%x: tensor<1x2x72xf32>, %init: tensor<1x6x48xf32>) -> tensor<1x6x48xf32> {
  %w = arith.constant dense<[[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], [[9.0, 10.0, 11.0], [12.0, 13.0, 14.0], [15.0, 16.0, 17.0]]], [[[18.0, 19.0, 20.0], [21.0, 22.0, 23.0], [24.0, 25.0, 26.0]], [[27.0, 28.0, 29.0], [30.0, 31.0, 32.0], [33.0, 34.0, 35.0]]], [[[36.0, 37.0, 38.0], [39.0, 40.0, 41.0], [42.0, 43.0, 44.0]], [[45.0, 46.0, 47.0], [48.0, 49.0, 50.0], [51.0, 52.0, 53.0]]], [[[54.0, 55.0, 56.0], [57.0, 58.0, 59.0], [60.0, 61.0, 62.0]], [[63.0, 64.0, 65.0], [66.0, 67.0, 68.0], [69.0, 70.0, 71.0]]], [[[72.0, 73.0, 74.0], [75.0, 76.0, 77.0], [78.0, 79.0, 80.0]], [[81.0, 82.0, 83.0], [84.0, 85.0, 86.0], [87.0, 88.0, 89.0]]], [[[90.0, 91.0, 92.0], [93.0, 94.0, 95.0], [96.0, 97.0, 98.0]], [[99.0, 100.0, 101.0], [102.0, 103.0, 104.0], [105.0, 106.0, 107.0]]]]> : tensor<6x2x3x3xf32>
  %0 = linalg.generic {indexing_maps = [#w, #x, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<6x2x3x3xf32>, tensor<1x2x72xf32>) outs(%init : tensor<1x6x48xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x6x48xf32>
  return %0 : tensor<1x6x48xf32>
}

// -----

// Register tile remainders are split into whole vectors: 49 columns are a
// tile of 32, then 16 + 1 rather than one 17-lane vector.
// SPLIT-LABEL: func @remainder
// SPLIT: vector.outerproduct {{.*}} : vector<6xf32>, vector<32xf32>
// SPLIT: vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
// SPLIT: vector.outerproduct {{.*}} : vector<6xf32>, vector<1xf32>
// SPLIT-NOT: vector<17xf32>
func.func @remainder(%a: tensor<6x8xf32>, %b: tensor<8x49xf32>, %c: tensor<6x49xf32>) -> tensor<6x49xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<6x8xf32>, tensor<8x49xf32>) outs(%c : tensor<6x49xf32>) -> tensor<6x49xf32>
  return %0 : tensor<6x49xf32>
}

// -----

// A strided read (q * 2: a stride-2 convolution) whose reduction takes more
// than one step (six channels, steps of 4) keeps its generic loops: only a whole
// reduction per register tile reads strided slices (see the last case).
// CHECK-LABEL: func @strided_read
// CHECK-NOT: vector.outerproduct
// CHECK: linalg.generic
#w2 = affine_map<(n, m, q, c, k) -> (m, c, k)>
#x2 = affine_map<(n, m, q, c, k) -> (n, c, q * 2 + k)>
#o2 = affine_map<(n, m, q, c, k) -> (n, m, q)>
func.func @strided_read(%w: tensor<6x6x3xf32>, %x: tensor<1x6x33xf32>, %init: tensor<1x6x16xf32>) -> tensor<1x6x16xf32> {
  %0 = linalg.generic {indexing_maps = [#w2, #x2, #o2], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%w, %x : tensor<6x6x3xf32>, tensor<1x6x33xf32>) outs(%init : tensor<1x6x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x6x16xf32>
  return %0 : tensor<1x6x16xf32>
}

// -----

// Filter weights computed at run time are read where they are (no
// relayout); a 1-D window (taps k only) also reads the input in place.
// CHECK-LABEL: func @runtime_filter
// CHECK-NOT: arith.constant dense
// CHECK: scf.for %[[C:.*]] = %c0 to %c2 step %c1
// CHECK:   scf.for %[[K:.*]] = %c0 to %c3 step %c1
// CHECK:     tensor.extract_slice %arg0[0, %[[C]], %[[K]]] [6, 1, 1]
// CHECK:     vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
func.func @runtime_filter(%w: tensor<6x2x3xf32>, %x: tensor<1x2x18xf32>, %init: tensor<1x6x16xf32>) -> tensor<1x6x16xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(n, m, q, c, k) -> (m, c, k)>, affine_map<(n, m, q, c, k) -> (n, c, q + k)>, affine_map<(n, m, q, c, k) -> (n, m, q)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%w, %x : tensor<6x2x3xf32>, tensor<1x2x18xf32>) outs(%init : tensor<1x6x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x6x16xf32>
  return %0 : tensor<1x6x16xf32>
}

// -----

// Constant weights A[32, 4] times a run-time B[4, 5] whose 5 columns are
// less than two register tiles and not a whole one (an NCHW layer over
// 7 x 7 positions) is computed transposed: B^T (a copy) times the weights
// packed as panels of their rows, the result transposed back. The bias
// broadcast is built transposed (along the columns) and, the reduction
// being one step, inside each register tile: its accumulators start from
// the bias vector broadcast to the tile's rows.
// CHECK-LABEL: func @transposed_product
// CHECK: %[[BT:.*]] = linalg.transpose ins(%arg0 : tensor<4x5xf32>) outs(%{{.*}} : tensor<5x4xf32>) permutation = [1, 0]
// CHECK: scf.for
// CHECK:   %[[BIAS:.*]] = vector.transfer_read {{.*}} : tensor<16xf32>, vector<16xf32>
// CHECK:   %[[INIT:.*]] = vector.broadcast %[[BIAS]] : vector<16xf32> to vector<5x16xf32>
// CHECK:   scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]])
// CHECK:     tensor.extract_slice %[[BT]]
// CHECK:     vector.outerproduct {{.*}} : vector<5xf32>, vector<16xf32>
// CHECK: %[[T:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<5x2x16xf32> into tensor<5x32xf32>
// CHECK: linalg.transpose ins(%[[T]] : tensor<5x32xf32>) outs(%{{.*}} : tensor<32x5xf32>) permutation = [1, 0]
func.func @transposed_product(%b: tensor<4x5xf32>, %bias: tensor<32xf32>) -> tensor<32x5xf32> {
  %a = arith.constant dense<1.0> : tensor<32x4xf32>
  %e = tensor.empty() : tensor<32x5xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<32x5xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  } -> tensor<32x5xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<32x4xf32>, tensor<4x5xf32>) outs(%c : tensor<32x5xf32>) -> tensor<32x5xf32>
  return %0 : tensor<32x5xf32>
}

// -----

// The same product in its NCHW form, a batch of one: the unit loop is
// dropped through reshapes, and the bias broadcast behind them is still
// built transposed, never as [32, 5] then copied.
// CHECK-LABEL: func @transposed_product_batch
// CHECK-NOT: outs(%{{.*}} : tensor<1x32x5xf32>)
// CHECK: %[[BT:.*]] = linalg.transpose ins(%{{.*}} : tensor<4x5xf32>) outs(%{{.*}} : tensor<5x4xf32>) permutation = [1, 0]
// CHECK: %[[BIAS:.*]] = vector.transfer_read {{.*}} : tensor<16xf32>, vector<16xf32>
// CHECK: vector.broadcast %[[BIAS]] : vector<16xf32> to vector<5x16xf32>
// CHECK: vector.outerproduct {{.*}} : vector<5xf32>, vector<16xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<5x32xf32>) outs(%{{.*}} : tensor<32x5xf32>) permutation = [1, 0]
// CHECK-NOT: linalg.transpose
func.func @transposed_product_batch(%b: tensor<1x4x5xf32>, %bias: tensor<32xf32>) -> tensor<1x32x5xf32> {
  %a = arith.constant dense<1.0> : tensor<32x4xf32>
  %e = tensor.empty() : tensor<1x32x5xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(b, m, n) -> (m)>, affine_map<(b, m, n) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<1x32x5xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  } -> tensor<1x32x5xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<32x4xf32>, tensor<1x4x5xf32>) outs(%c : tensor<1x32x5xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x32x5xf32>
  return %0 : tensor<1x32x5xf32>
}

// -----

// With 40 columns (two register tiles and a half), the product keeps its
// orientation: remainders of half a tile cost little.
// CHECK-LABEL: func @wide_enough
// CHECK-NOT: linalg.transpose
func.func @wide_enough(%b: tensor<4x40xf32>, %c: tensor<32x40xf32>) -> tensor<32x40xf32> {
  %a = arith.constant dense<1.0> : tensor<32x4xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<32x4xf32>, tensor<4x40xf32>) outs(%c : tensor<32x40xf32>) -> tensor<32x40xf32>
  return %0 : tensor<32x40xf32>
}

// -----

// The position loop may come after the taps (here the last loop, so the
// read is k + q): the shift is recognised in any order of its terms.
// CHECK-LABEL: func @position_loop_last
// CHECK: scf.for %[[C:.*]] = %c0 to %c2 step %c1
// CHECK:   scf.for %[[K:.*]] = %c0 to %c3 step %c1
// CHECK:     tensor.extract_slice %{{.*}}[%[[C]], %[[K]]] [1, 16] [1, 1]
// CHECK:     vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
func.func @position_loop_last(%w: tensor<6x2x3xf32>, %x: tensor<1x2x18xf32>, %init: tensor<1x6x16xf32>) -> tensor<1x6x16xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(n, m, c, k, q) -> (m, c, k)>, affine_map<(n, m, c, k, q) -> (n, c, k + q)>, affine_map<(n, m, c, k, q) -> (n, m, q)>], iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%w, %x : tensor<6x2x3xf32>, tensor<1x2x18xf32>) outs(%init : tensor<1x6x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x6x16xf32>
  return %0 : tensor<1x6x16xf32>
}

// -----

// A stride-2 convolution over two channels in its direct form (as
// convert-aiopt-to-linalg leaves a network's first layer: the input first,
// unit batch and group loops, rows o_h outer): its whole reduction (2 x 3
// x 3) fits in one step, so each register tile (6 or 2 rows of m, 16
// outputs of a row) runs through all of it, channels and taps, with its
// accumulator in registers; its input is read in place as a slice at a
// stride of two.
// WHOLE-LABEL: func @strided_whole_reduction
// WHOLE: scf.forall (%[[ROW:.*]]) in (2)
// WHOLE:   %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<6x16xf32>, vector<6x16xf32>
// WHOLE:   scf.for %[[C:.*]] = %c0 to %c2 step %c1 iter_args(%{{.*}} = %[[ACC]])
// WHOLE:     scf.for %[[KW:.*]] = %c0 to %c3 step %c1
// WHOLE:       scf.for %[[KH:.*]] = %c0 to %c3 step %c1
// WHOLE:         tensor.extract_slice %{{.*}}[0, %[[C]], %[[KH]], %[[KW]]] [6, 1, 1, 1]
// WHOLE:         %[[ROWS:.*]] = tensor.extract_slice %{{.*}}[%[[C]], %[[KH]], %[[KW]]] [1, 1, 31]
// WHOLE:         tensor.extract_slice %{{.*}}[0, 0] [1, 16] [1, 2]
// WHOLE:         vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
// WHOLE:   vector.transfer_write {{.*}} : vector<6x16xf32>
// WHOLE:   vector.outerproduct {{.*}} : vector<2xf32>, vector<16xf32>
// WHOLE-NOT: linalg.generic
// WHOLE: return
func.func @strided_whole_reduction(%x: tensor<1x1x2x5x33xf32>, %w: tensor<1x8x2x3x3xf32>, %init: tensor<1x1x8x2x16xf32>) -> tensor<1x1x8x2x16xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 * 2 + d5, d7 * 2 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
      ins(%x, %w : tensor<1x1x2x5x33xf32>, tensor<1x8x2x3x3xf32>) outs(%init : tensor<1x1x8x2x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x1x8x2x16xf32>
  return %0 : tensor<1x1x8x2x16xf32>
}

// -----

// Six channels are more than a step (4): the reduction goes by steps of a
// tap and up to four channels (the last step two), each a matmul of a
// slice of the input read in place at offset 8 kh + kw; the accumulator
// stays in registers across the steps.
// CHECK-LABEL: func @shifted_window_steps
// CHECK: scf.forall (%[[Q:.*]]) = (0) to (48) step (16)
// CHECK:   %[[BLOCK:.*]] = tensor.extract_slice %{{.*}}[0, %[[Q]]] [6, 34] [1, 1]
// CHECK:   %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<6x16xf32>, vector<6x16xf32>
// CHECK:   scf.for %[[C:.*]] = %c0 to %c6 step %c4 iter_args(%{{.*}} = %[[ACC]])
// CHECK:     scf.for %[[KH:.*]] = %c0 to %c3 step %c1
// CHECK:       scf.for %[[KW:.*]] = %c0 to %c3 step %c1
// CHECK:         %[[N:.*]] = affine.min
// CHECK:         %[[OFF:.*]] = affine.apply #{{.*}}(%[[KH]], %[[KW]])
// CHECK:         tensor.extract_slice %[[BLOCK]][%[[C]], %[[OFF]]] [%[[N]], 16] [1, 1]
// CHECK:         scf.for
// CHECK:           vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @shifted_window_steps(%w: tensor<6x6x3x3xf32>, %x: tensor<1x6x72xf32>, %init: tensor<1x6x48xf32>) -> tensor<1x6x48xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(n, m, q, c, kh, kw) -> (m, c, kh, kw)>, affine_map<(n, m, q, c, kh, kw) -> (n, c, q + kh * 8 + kw)>, affine_map<(n, m, q, c, kh, kw) -> (n, m, q)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<6x6x3x3xf32>, tensor<1x6x72xf32>) outs(%init : tensor<1x6x48xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x6x48xf32>
  return %0 : tensor<1x6x48xf32>
}

// -----

// With 16 channels (at most a step of 256, at least 16), a register tile
// runs through the whole reduction with the channels innermost: the taps
// outside, each tap a row of the input shifted by 8 kh + kw.
// WHOLE-LABEL: func @channels_innermost
// WHOLE: %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<6x16xf32>, vector<6x16xf32>
// WHOLE: scf.for %[[KH:.*]] = %c0 to %c3 step %c1 iter_args(%{{.*}} = %[[ACC]])
// WHOLE:   scf.for %[[KW:.*]] = %c0 to %c3 step %c1
// WHOLE:     scf.for %[[C:.*]] = %c0 to %c16 step %c1
// WHOLE:       tensor.extract_slice %arg0[0, %[[C]], %[[KH]], %[[KW]]] [6, 1, 1, 1]
// WHOLE:       vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
// WHOLE: vector.transfer_write {{.*}} : vector<6x16xf32>
func.func @channels_innermost(%w: tensor<6x16x3x3xf32>, %x: tensor<1x16x72xf32>, %init: tensor<1x6x48xf32>) -> tensor<1x6x48xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(n, m, q, c, kh, kw) -> (m, c, kh, kw)>, affine_map<(n, m, q, c, kh, kw) -> (n, c, q + kh * 8 + kw)>, affine_map<(n, m, q, c, kh, kw) -> (n, m, q)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<6x16x3x3xf32>, tensor<1x16x72xf32>) outs(%init : tensor<1x6x48xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x6x48xf32>
  return %0 : tensor<1x6x48xf32>
}
