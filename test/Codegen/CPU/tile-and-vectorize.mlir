// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,8,32 register-tile=6,16 read-in-place=false" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s
// RUN: not aiopt-opt %s --aiopt-cpu-tile-and-vectorize="register-tile=6" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=64,0,256" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,8,32 register-tile=6,16" --canonicalize -split-input-file | FileCheck %s --check-prefix=INPLACE
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=8,4,64 register-tile=4,16 vector-size=4" --canonicalize -split-input-file | FileCheck %s --check-prefix=COLS
// BAD: error: aiopt-cpu-tile-and-vectorize: cache-tiles takes three positive sizes (m, k, n) and register-tile two (m, n)

// A plain matmul has its right operand packed as a whole into column
// panels [2, 8, 16] (each panel's 16 columns for every k, contiguous) and
// its result viewed as [20, 2, 16]; one block holds both panels (32
// columns), so the forall folds away. Per panel: 20 rows in register tiles
// of 6 (three), then the peeled remainder of 2 rows (static too). Each
// tile's accumulator is read once, updated by one outer product per
// reduction step, written once.
// CHECK-LABEL: func @matmul
// CHECK: %[[PANELS:.*]] = tensor.expand_shape %arg1 {{\[}}[0], [1, 2]] output_shape [8, 2, 16] : tensor<8x32xf32> into tensor<8x2x16xf32>
// CHECK: %[[PACKED:.*]] = linalg.transpose ins(%[[PANELS]] : tensor<8x2x16xf32>) outs(%{{.*}} : tensor<2x8x16xf32>) permutation = [1, 0, 2]
// CHECK: %[[VIEW:.*]] = tensor.expand_shape %arg2 {{\[}}[0], [1, 2]] output_shape [20, 2, 16]
// CHECK: scf.for %[[P:.*]] = %c0 to %c2 step %c1 iter_args(%{{.*}} = %[[VIEW]])
// CHECK:   scf.for %[[I:.*]] = %c0 to %c18 step %c6
// CHECK:     %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<6x16xf32>, vector<6x16xf32>
// CHECK:     %[[SUM:.*]] = scf.for {{.*}} = %c0 to %c8 step %c1 iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<6x16xf32>)
// CHECK:       tensor.extract_slice %[[PACKED]][%[[P]], %{{.*}}, 0] [1, 1, 16]
// CHECK:       vector.outerproduct {{.*}}, {{.*}}, %[[A]] {kind = #vector.kind<add>} : vector<6xf32>, vector<16xf32>
// CHECK:     vector.transfer_write %[[SUM]]
// CHECK:   vector.outerproduct {{.*}} : vector<2xf32>, vector<16xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<20x2x16xf32> into tensor<20x32xf32>
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: tensor<20x8xf32>, %b: tensor<8x32xf32>, %c: tensor<20x32xf32>) -> tensor<20x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<20x8xf32>, tensor<8x32xf32>) outs(%c : tensor<20x32xf32>) -> tensor<20x32xf32>
  return %0 : tensor<20x32xf32>
}

// -----

// Constant weights are packed at compile time: panel 1 starts at column 16
// of row 0, then column 16 of row 1 (48).
// CHECK-LABEL: func @weights
// CHECK-NOT: linalg.generic
// CHECK: arith.constant dense<{{\[\[\[}}0.000000e+00, 1.000000e+00, {{.*}}, 1.500000e+01], [3.200000e+01, {{.*}}]], {{\[\[}}1.600000e+01, {{.*}}], [4.800000e+01, {{.*}}, 6.300000e+01]]]> : tensor<2x2x16xf32>
// CHECK: vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
func.func @weights(%a: tensor<6x2xf32>, %c: tensor<6x32xf32>) -> tensor<6x32xf32> {
  %w = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0],
                             [32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0]]> : tensor<2x32xf32>
  %0 = linalg.matmul ins(%a, %w : tensor<6x2xf32>, tensor<2x32xf32>) outs(%c : tensor<6x32xf32>) -> tensor<6x32xf32>
  return %0 : tensor<6x32xf32>
}

// -----

// Transposed constant weights (a Gemm with transB, B[n, k]) pack into the
// same panels as @weights.
// CHECK-LABEL: func @weights_transposed
// CHECK-NOT: linalg.generic
// CHECK: arith.constant dense<{{\[\[\[}}0.000000e+00, 1.000000e+00, {{.*}}, 1.500000e+01], [3.200000e+01, {{.*}}]], {{\[\[}}1.600000e+01, {{.*}}], [4.800000e+01, {{.*}}, 6.300000e+01]]]> : tensor<2x2x16xf32>
// CHECK: vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @weights_transposed(%a: tensor<6x2xf32>, %c: tensor<6x32xf32>) -> tensor<6x32xf32> {
  %w = arith.constant dense<[[0.0, 32.0], [1.0, 33.0], [2.0, 34.0], [3.0, 35.0], [4.0, 36.0], [5.0, 37.0], [6.0, 38.0], [7.0, 39.0], [8.0, 40.0], [9.0, 41.0], [10.0, 42.0], [11.0, 43.0], [12.0, 44.0], [13.0, 45.0], [14.0, 46.0], [15.0, 47.0], [16.0, 48.0], [17.0, 49.0], [18.0, 50.0], [19.0, 51.0], [20.0, 52.0], [21.0, 53.0], [22.0, 54.0], [23.0, 55.0], [24.0, 56.0], [25.0, 57.0], [26.0, 58.0], [27.0, 59.0], [28.0, 60.0], [29.0, 61.0], [30.0, 62.0], [31.0, 63.0]]> : tensor<32x2xf32>
  %0 = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : tensor<6x2xf32>, tensor<32x2xf32>) outs(%c : tensor<6x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<6x32xf32>
  return %0 : tensor<6x32xf32>
}

// -----

// Constant weights whose 40 columns are not a whole number of 16-column
// panels (a 1000-class Gemm, B[n, k]) fill up a third panel with zero
// columns; the accumulator is padded to 48 columns and the result is its
// first 40. Column 39 (39, 139) is followed by zeros.
// CHECK-LABEL: func @weights_filled_up
// CHECK: arith.constant dense<{{.*}}3.900000e+01, 0.000000e+00{{.*}}1.390000e+02, 0.000000e+00{{.*}}> : tensor<3x2x16xf32>
// CHECK: tensor.pad %arg1 low[0, 0] high[0, 8]
// CHECK: vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [6, 40] [1, 1] : tensor<6x48xf32> to tensor<6x40xf32>
#mk3 = affine_map<(m, n, k) -> (m, k)>
#nk3 = affine_map<(m, n, k) -> (n, k)>
#mn3 = affine_map<(m, n, k) -> (m, n)>
func.func @weights_filled_up(%a: tensor<6x2xf32>, %c: tensor<6x40xf32>) -> tensor<6x40xf32> {
  %w = arith.constant dense<[[0.0, 100.0], [1.0, 101.0], [2.0, 102.0], [3.0, 103.0], [4.0, 104.0], [5.0, 105.0], [6.0, 106.0], [7.0, 107.0], [8.0, 108.0], [9.0, 109.0], [10.0, 110.0], [11.0, 111.0], [12.0, 112.0], [13.0, 113.0], [14.0, 114.0], [15.0, 115.0], [16.0, 116.0], [17.0, 117.0], [18.0, 118.0], [19.0, 119.0], [20.0, 120.0], [21.0, 121.0], [22.0, 122.0], [23.0, 123.0], [24.0, 124.0], [25.0, 125.0], [26.0, 126.0], [27.0, 127.0], [28.0, 128.0], [29.0, 129.0], [30.0, 130.0], [31.0, 131.0], [32.0, 132.0], [33.0, 133.0], [34.0, 134.0], [35.0, 135.0], [36.0, 136.0], [37.0, 137.0], [38.0, 138.0], [39.0, 139.0]]> : tensor<40x2xf32>
  %0 = linalg.generic {indexing_maps = [#mk3, #nk3, #mn3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : tensor<6x2xf32>, tensor<40x2xf32>) outs(%c : tensor<6x40xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<6x40xf32>
  return %0 : tensor<6x40xf32>
}

// -----

// An im2col convolution: the blocks (an scf.forall over batch and
// columns) are independent; the reduction steps through 27 by 8; the tiles
// drop the unit batch dimension. Columns: 40 = two blocks of 20 (a divisor
// in [16, 32], so blocks are static), each a vector of 16 and a peeled,
// also vectorized, remainder of 4.
// CHECK-LABEL: func @batched
// CHECK: scf.forall ({{.*}}) = (0, 0) to (2, 40) step (1, 20)
// CHECK: scf.for {{.*}} = %c0 to %c27 step %c8
// CHECK: vector.outerproduct {{.*}} : vector<6xf32>, vector<16xf32>
// CHECK: vector.outerproduct {{.*}} : vector<6xf32>, vector<4xf32>
// CHECK-NOT: linalg.generic
#a = affine_map<(n, m, p, k) -> (m, k)>
#b = affine_map<(n, m, p, k) -> (n, k, p)>
#c = affine_map<(n, m, p, k) -> (n, m, p)>
func.func @batched(%w: tensor<6x27xf32>, %col: tensor<2x27x40xf32>, %init: tensor<2x6x40xf32>) -> tensor<2x6x40xf32> {
  %0 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %col : tensor<6x27xf32>, tensor<2x27x40xf32>) outs(%init : tensor<2x6x40xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x6x40xf32>
  return %0 : tensor<2x6x40xf32>
}

// -----

// Without an epilogue, the accumulator's initializer (here a zero fill)
// is fused into the blocks too: no separate pass (no parallel region of
// its own) fills the whole result. The reduction (8) being one step, the
// fill goes into each register tile, whose accumulators start from zeros
// in registers (the tile of the panel view, 6 x 1 x 16, without its unit
// loop).
// CHECK-LABEL: func @fill_in_blocks
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<6x16xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.forall ({{.*}}) = (0, 0) to (4, 40) step (2, 20)
// CHECK:   scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (vector<6x16xf32>)
// CHECK:     vector.outerproduct
// CHECK: scf.forall.in_parallel
func.func @fill_in_blocks(%a: tensor<40x8xf32>, %b: tensor<8x64xf32>) -> tensor<40x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<40x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<40x64xf32>) -> tensor<40x64xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<40x8xf32>, tensor<8x64xf32>) outs(%f : tensor<40x64xf32>) -> tensor<40x64xf32>
  return %0 : tensor<40x64xf32>
}

// -----

// Not candidates: dynamic shapes, other element types, results not
// contiguous along the right operand's columns, non-contractions.
// CHECK-LABEL: func @untouched
// CHECK-NOT: vector.
// CHECK-NOT: scf.for
// CHECK: linalg.matmul ins({{.*}} : tensor<?x8xf32>, tensor<8x32xf32>)
// CHECK: linalg.matmul ins({{.*}} : tensor<8x8xf16>, tensor<8x8xf16>)
// CHECK: linalg.matmul ins({{.*}} : tensor<8x8xi32>, tensor<8x8xi32>)
// CHECK: linalg.generic
// CHECK: linalg.generic
#t = affine_map<(m, n, k) -> (m, k)>
#u = affine_map<(m, n, k) -> (k, n)>
#v = affine_map<(m, n, k) -> (n, m)>
#id = affine_map<(i, j) -> (i, j)>
func.func @untouched(%a: tensor<?x8xf32>, %b: tensor<8x32xf32>, %c: tensor<?x32xf32>,
                     %h: tensor<8x8xf16>, %i: tensor<8x8xi32>, %f: tensor<8x8xf32>) -> (tensor<?x32xf32>, tensor<8x8xf16>, tensor<8x8xi32>, tensor<8x8xf32>, tensor<8x8xf32>) {
  %0 = linalg.matmul ins(%a, %b : tensor<?x8xf32>, tensor<8x32xf32>) outs(%c : tensor<?x32xf32>) -> tensor<?x32xf32>
  %1 = linalg.matmul ins(%h, %h : tensor<8x8xf16>, tensor<8x8xf16>) outs(%h : tensor<8x8xf16>) -> tensor<8x8xf16>
  %2 = linalg.matmul ins(%i, %i : tensor<8x8xi32>, tensor<8x8xi32>) outs(%i : tensor<8x8xi32>) -> tensor<8x8xi32>
  // The result is transposed: its rows run along n.
  %3 = linalg.generic {indexing_maps = [#t, #u, #v], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%f, %f : tensor<8x8xf32>, tensor<8x8xf32>) outs(%f : tensor<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x8xf32>
  %4 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%f : tensor<8x8xf32>) outs(%f : tensor<8x8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %x : f32
    linalg.yield %s : f32
  } -> tensor<8x8xf32>
  return %0, %1, %2, %3, %4 : tensor<?x32xf32>, tensor<8x8xf16>, tensor<8x8xi32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// -----

// A contraction already inside a block of an outer forall (an attention
// block) is tiled with scf.for: its blocks run in order.
// CHECK-LABEL: func @nested
// CHECK: scf.forall
// CHECK-NOT: scf.forall
// CHECK: vector.outerproduct
func.func @nested(%a: tensor<4x40x8xf32>, %b: tensor<8x64xf32>) -> tensor<4x40x64xf32> {
  %e = tensor.empty() : tensor<4x40x64xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %e) -> (tensor<4x40x64xf32>) {
    %s = tensor.extract_slice %a[%i, 0, 0] [1, 40, 8] [1, 1, 1] : tensor<4x40x8xf32> to tensor<40x8xf32>
    %zero = arith.constant 0.0 : f32
    %init = tensor.empty() : tensor<40x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%init : tensor<40x64xf32>) -> tensor<40x64xf32>
    %m = linalg.matmul ins(%s, %b : tensor<40x8xf32>, tensor<8x64xf32>) outs(%f : tensor<40x64xf32>) -> tensor<40x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %m into %o[%i, 0, 0] [1, 40, 64] [1, 1, 1] : tensor<40x64xf32> into tensor<4x40x64xf32>
    }
  }
  return %r : tensor<4x40x64xf32>
}

// -----

// Quantized: int8 operands accumulating in i32 take the same blocks and
// register tiles as f32, sign-extended in the register loop.
// CHECK-LABEL: func @int8_weights
// CHECK: scf.forall
// CHECK: arith.extsi %{{.*}} : vector<6xi8> to vector<6xi32>
// CHECK: arith.extsi %{{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: vector.outerproduct {{.*}} : vector<6xi32>, vector<16xi32>
func.func @int8_weights(%a: tensor<40x64xi8>) -> tensor<40x64xi32> {
  %w = arith.constant dense<3> : tensor<64x64xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<40x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<40x64xi32>) -> tensor<40x64xi32>
  %y = linalg.matmul ins(%a, %w : tensor<40x64xi8>, tensor<64x64xi8>) outs(%f : tensor<40x64xi32>) -> tensor<40x64xi32>
  return %y : tensor<40x64xi32>
}

// -----

// An unsigned 8-bit operand (zero-extended) is left to the loops: the
// named ops the tiles become would extend it with its sign.
// CHECK-LABEL: func @uint8_refused
// CHECK-NOT: scf.forall
// CHECK: linalg.generic
// CHECK: arith.extui
func.func @uint8_refused(%a: tensor<40x64xi8>, %w: tensor<64x64xi8>) -> tensor<40x64xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<40x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<40x64xi32>) -> tensor<40x64xi32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : tensor<40x64xi8>, tensor<64x64xi8>) outs(%f : tensor<40x64xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %ve = arith.extsi %v : i8 to i32
    %p = arith.muli %xe, %ve : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<40x64xi32>
  return %y : tensor<40x64xi32>
}

// -----

// By default (read-in-place), a right operand computed at run time is read
// where it is, not packed, when its rows are not a multiple of 512 bytes
// apart: 32 columns (128 bytes) are; 128 columns (512 bytes) would share
// a few cache sets, and are packed into panels.
// INPLACE-LABEL: func @run_time_right_operands
// INPLACE-NOT: tensor.expand_shape %arg1
// INPLACE: tensor.extract_slice %arg1[%{{.*}}, %{{.*}}] [1, 16] [1, 1] : tensor<8x32xf32> to tensor<1x16xf32>
// INPLACE: vector.outerproduct
// INPLACE: %[[P:.*]] = tensor.expand_shape %arg3 {{\[}}[0], [1, 2]] output_shape [8, 8, 16]
// INPLACE: linalg.transpose ins(%[[P]] : tensor<8x8x16xf32>)
// INPLACE: vector.outerproduct
func.func @run_time_right_operands(%a: tensor<20x8xf32>, %b: tensor<8x32xf32>, %c: tensor<20x32xf32>,
                                   %wide: tensor<8x128xf32>, %d: tensor<20x128xf32>)
    -> (tensor<20x32xf32>, tensor<20x128xf32>) {
  %0 = linalg.matmul ins(%a, %b : tensor<20x8xf32>, tensor<8x32xf32>) outs(%c : tensor<20x32xf32>) -> tensor<20x32xf32>
  %1 = linalg.matmul ins(%a, %wide : tensor<20x8xf32>, tensor<8x128xf32>) outs(%d : tensor<20x128xf32>) -> tensor<20x128xf32>
  return %0, %1 : tensor<20x32xf32>, tensor<20x128xf32>
}

// -----

// Blocks of columns leave as few partial register tiles as they can: 196
// columns read in place (blocks of at most 64) are not four blocks of 49
// (3 tiles of 16 and one column each) but two of 98 (6 tiles of 16 and a
// remainder of 2 each).
// COLS-LABEL: func @column_blocks
// COLS: scf.forall (%{{.*}}) = (0) to (196) step (98)
// COLS:   tensor.extract_slice %arg0[0, %{{.*}}] [4, 98] [1, 1] : tensor<4x196xf32> to tensor<4x98xf32>
// COLS:   scf.for %{{.*}} = %c0 to %c96 step %c16
// COLS:   vector<4x2xf32>
func.func @column_blocks(%b: tensor<4x196xf32>) -> tensor<8x196xf32> {
  %a = arith.constant dense<1.0> : tensor<8x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x196xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<8x196xf32>) -> tensor<8x196xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<8x4xf32>, tensor<4x196xf32>) outs(%f : tensor<8x196xf32>) -> tensor<8x196xf32>
  return %0 : tensor<8x196xf32>
}

// -----

// Mixed precision: f16 weights into an f32 accumulator tile and vectorize
// as f32 ones do; each k step converts a whole vector of weights.
// CHECK-LABEL: func.func @matmul_f16_weights
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<1x16xf16>, vector<1x16xf16>
// CHECK: arith.extf %{{.*}} : vector<16xf16> to vector<16xf32>
// CHECK: vector.outerproduct %{{.*}}, %{{.*}}, %{{.*}} {kind = #vector.kind<add>} : vector<6xf32>, vector<16xf32>
func.func @matmul_f16_weights(%a: tensor<24x64xf32>, %init: tensor<24x32xf32>) -> tensor<24x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf16>
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : tensor<24x64xf32>, tensor<64x32xf16>) outs(%init : tensor<24x32xf32>) {
  ^bb0(%x: f32, %y: f16, %acc: f32):
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %x, %ye : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<24x32xf32>
  return %0 : tensor<24x32xf32>
}

// -----

// A batched product with constant weights (Winograd's, one product per
// transformed tile element) has them packed at compile time, each batch's
// B[k, n] into panels B'[n/16, k, 16]: batch 0's first panel holds
// columns 0-15 for k = 0, then the same columns for k = 1 (values
// b*1000 + k*100 + n: 0.0 ... 15.0, then 100.0, in the hex form of the
// attribute); the blocks read the panels (loops b, m, n1, n0, k) and none
// packs them at run time.
// CHECK-LABEL: func @batched_constant
// CHECK: arith.constant dense<"0x000000000000803F0000004000004040000080400000A0400000C0400000E04000000041000010410000204100003041000040410000504100006041000070410000C842
// CHECK-SAME: tensor<2x4x2x16xf32>
// CHECK-NOT: linalg.transpose
// CHECK: scf.forall
#blhs = affine_map<(b, m, n, k) -> (b, m, k)>
#brhs = affine_map<(b, m, n, k) -> (b, k, n)>
#bacc = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @batched_constant(%x: tensor<2x64x2xf32>, %c: tensor<2x64x64xf32>) -> tensor<2x64x64xf32> {
  %w = arith.constant dense<[[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0], [100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 121.0, 122.0, 123.0, 124.0, 125.0, 126.0, 127.0, 128.0, 129.0, 130.0, 131.0, 132.0, 133.0, 134.0, 135.0, 136.0, 137.0, 138.0, 139.0, 140.0, 141.0, 142.0, 143.0, 144.0, 145.0, 146.0, 147.0, 148.0, 149.0, 150.0, 151.0, 152.0, 153.0, 154.0, 155.0, 156.0, 157.0, 158.0, 159.0, 160.0, 161.0, 162.0, 163.0]], [[1000.0, 1001.0, 1002.0, 1003.0, 1004.0, 1005.0, 1006.0, 1007.0, 1008.0, 1009.0, 1010.0, 1011.0, 1012.0, 1013.0, 1014.0, 1015.0, 1016.0, 1017.0, 1018.0, 1019.0, 1020.0, 1021.0, 1022.0, 1023.0, 1024.0, 1025.0, 1026.0, 1027.0, 1028.0, 1029.0, 1030.0, 1031.0, 1032.0, 1033.0, 1034.0, 1035.0, 1036.0, 1037.0, 1038.0, 1039.0, 1040.0, 1041.0, 1042.0, 1043.0, 1044.0, 1045.0, 1046.0, 1047.0, 1048.0, 1049.0, 1050.0, 1051.0, 1052.0, 1053.0, 1054.0, 1055.0, 1056.0, 1057.0, 1058.0, 1059.0, 1060.0, 1061.0, 1062.0, 1063.0], [1100.0, 1101.0, 1102.0, 1103.0, 1104.0, 1105.0, 1106.0, 1107.0, 1108.0, 1109.0, 1110.0, 1111.0, 1112.0, 1113.0, 1114.0, 1115.0, 1116.0, 1117.0, 1118.0, 1119.0, 1120.0, 1121.0, 1122.0, 1123.0, 1124.0, 1125.0, 1126.0, 1127.0, 1128.0, 1129.0, 1130.0, 1131.0, 1132.0, 1133.0, 1134.0, 1135.0, 1136.0, 1137.0, 1138.0, 1139.0, 1140.0, 1141.0, 1142.0, 1143.0, 1144.0, 1145.0, 1146.0, 1147.0, 1148.0, 1149.0, 1150.0, 1151.0, 1152.0, 1153.0, 1154.0, 1155.0, 1156.0, 1157.0, 1158.0, 1159.0, 1160.0, 1161.0, 1162.0, 1163.0]]]> : tensor<2x2x64xf32>
  %p = linalg.generic {indexing_maps = [#blhs, #brhs, #bacc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x64x2xf32>, tensor<2x2x64xf32>) outs(%c : tensor<2x64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x64x64xf32>
  return %p : tensor<2x64x64xf32>
}
