// RUN: aiopt-opt %s --aiopt-cpu-vectorize-transposes="vector-size=16" -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-vectorize-transposes="vector-size=8" -split-input-file | FileCheck %s --check-prefix=AVX2
// RUN: not aiopt-opt %s --aiopt-cpu-vectorize-transposes="vector-size=0" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-vectorize-transposes: vector-size must be positive, not 0

// A 49 x 40 transpose: 16 x 16 tiles read by rows, transposed with the
// shuffles of the 16x16 lowering and written by rows; the remainders (one
// row of 16, 8 columns) are tiles of static sizes.
// CHECK-LABEL: func @transpose_2d
// CHECK: scf.for %[[I:.*]] = %c0 to %c32 step %c16
// CHECK:   scf.for %[[J:.*]] = %c0 to %c48 step %c16
// CHECK:     %[[ROWS:.*]] = vector.transfer_read {{.*}} {in_bounds = [true, true]} : tensor<16x16xf32>, vector<16x16xf32>
// CHECK-NOT: permutation_map
// CHECK-COUNT-64: vector.shuffle {{.*}} : vector<16xf32>, vector<16xf32>
// CHECK:     vector.transfer_write {{.*}} {in_bounds = [true, true]} : vector<16x16xf32>, tensor<16x16xf32>
// The last input row (48): a 1 x 16 tile, a plain copy of one row into a column.
// CHECK:   tensor.extract_slice %{{.*}}[48, %[[I]]] [1, 16] [1, 1]
// CHECK-NOT: vector.transpose
// The last 8 columns: 16 x 8 tiles, each transposed by one shuffle of the
// flattened tile.
// CHECK: vector.transfer_read {{.*}} : tensor<16x8xf32>, vector<16x8xf32>
// CHECK: vector.shuffle {{.*}} : vector<128xf32>, vector<128xf32>
// CHECK-NOT: vector.transpose
// CHECK: return
// AVX2-LABEL: func @transpose_2d
// AVX2: vector.transfer_read {{.*}} : tensor<8x8xf32>, vector<8x8xf32>
// AVX2: vector.shuffle {{.*}} : vector<64xf32>, vector<64xf32>
// AVX2-NOT: vector.transpose
func.func @transpose_2d(%a: tensor<49x40xf32>) -> tensor<40x49xf32> {
  %e = tensor.empty() : tensor<40x49xf32>
  %t = linalg.transpose ins(%a : tensor<49x40xf32>) outs(%e : tensor<40x49xf32>) permutation = [1, 0]
  return %t : tensor<40x49xf32>
}

// -----

// NCHW -> NHWC: the channels (loop 3 of the result) and the columns (loop
// 2, innermost in the input, one tile) are the tile's two loops; rows are
// tiled by one.
// CHECK-LABEL: func @nchw_to_nhwc
// CHECK: scf.for {{.*}} = %c0 to %c2 step %c1
// CHECK:   scf.for {{.*}} = %c0 to %c32 step %c16
// CHECK:     tensor.extract_slice %arg0[0, %{{.*}}, %{{.*}}, 0] [1, 16, 1, 16]
// CHECK:     vector.transfer_read {{.*}} : tensor<16x16xf32>, vector<16x16xf32>
// CHECK:     vector.shuffle
func.func @nchw_to_nhwc(%a: tensor<1x32x2x16xf32>) -> tensor<1x2x16x32xf32> {
  %e = tensor.empty() : tensor<1x2x16x32xf32>
  %t = linalg.transpose ins(%a : tensor<1x32x2x16xf32>) outs(%e : tensor<1x2x16x32xf32>) permutation = [0, 2, 3, 1]
  return %t : tensor<1x2x16x32xf32>
}

// -----

// Left alone: the innermost dimension stays (aiopt-cpu-vectorize-elementwise
// copies such runs), dynamic shapes, and booleans (bit-packed as vectors).
// CHECK-LABEL: func @untouched
// CHECK-NOT: vector.
// CHECK-COUNT-3: linalg.transpose
func.func @untouched(%a: tensor<4x8x16xf32>, %d: tensor<?x16xf32>, %b: tensor<16x16xi1>)
    -> (tensor<8x4x16xf32>, tensor<16x?xf32>, tensor<16x16xi1>) {
  %c0 = arith.constant 0 : index
  %e0 = tensor.empty() : tensor<8x4x16xf32>
  %0 = linalg.transpose ins(%a : tensor<4x8x16xf32>) outs(%e0 : tensor<8x4x16xf32>) permutation = [1, 0, 2]
  %n = tensor.dim %d, %c0 : tensor<?x16xf32>
  %e1 = tensor.empty(%n) : tensor<16x?xf32>
  %1 = linalg.transpose ins(%d : tensor<?x16xf32>) outs(%e1 : tensor<16x?xf32>) permutation = [1, 0]
  %e2 = tensor.empty() : tensor<16x16xi1>
  %2 = linalg.transpose ins(%b : tensor<16x16xi1>) outs(%e2 : tensor<16x16xi1>) permutation = [1, 0]
  return %0, %1, %2 : tensor<8x4x16xf32>, tensor<16x?xf32>, tensor<16x16xi1>
}
