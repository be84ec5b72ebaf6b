// RUN: aiopt-opt %s -split-input-file -convert-aiopt-to-linalg | FileCheck %s

// The input transform: the input channels-last and padded to whole tiles,
// then per row of tiles one generic reading the 4x4 patch entries and
// writing the 16 transformed positions (F(2x2): additions only).
// CHECK-LABEL: @input
// CHECK: linalg.transpose ins(%arg0 : tensor<1x16x10x9xf32>) {{.*}} permutation = [0, 2, 3, 1]
// CHECK: tensor.pad {{.*}} low[0, 1, 1, 0] high[0, 1, 2, 0]
// CHECK: scf.forall (%[[TY:.*]]) in (5) shared_outs
// CHECK: %[[ROW:.*]] = tensor.extract_slice %{{.*}}[0, %{{.*}}, 0, 0] [1, 4, 12, 16]
// CHECK: %{{.*}}:16 = linalg.generic {{.*}} ins(%[[ROW]], %[[ROW]],
// CHECK-NOT: math.fma
// CHECK: linalg.yield
// CHECK-COUNT-16: tensor.parallel_insert_slice
// CHECK: tensor.collapse_shape {{.*}} into tensor<16x25x16xf32>
func.func @input(%x: tensor<1x16x10x9xf32>) -> tensor<16x25x16xf32> {
  %v = aiopt.winograd_input %x {tile = 2 : i64, kernel = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : tensor<1x16x10x9xf32>
  return %v : tensor<16x25x16xf32>
}

// -----

// The output transform: per row of tiles the 4x4 outputs of F(4x4) (with
// fused multiply-adds by its powers of 1/2) plus the bias, then the tiles'
// overhang cut off and the result transposed back to channels-first.
// CHECK-LABEL: @output
// CHECK: scf.forall (%{{.*}}) in (3) shared_outs
// CHECK: %{{.*}}:16 = linalg.generic
// CHECK: math.fma
// CHECK: arith.addf
// CHECK: linalg.yield
// CHECK-COUNT-16: tensor.parallel_insert_slice
// CHECK: tensor.extract_slice {{.*}}[0, 0, 0, 0] [1, 10, 9, 32] [1, 1, 1, 1] : tensor<1x12x12x32xf32> to tensor<1x10x9x32xf32>
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
func.func @output(%m: tensor<36x9x32xf32>, %b: tensor<32xf32>) -> tensor<1x32x10x9xf32> {
  %y = aiopt.winograd_output %m, %b {tile = 4 : i64, kernel = 3 : i64, output_size = array<i64: 10, 9>} : tensor<36x9x32xf32>, tensor<32xf32>
  return %y : tensor<1x32x10x9xf32>
}
