// RUN: aiopt-opt --aiopt-sparse-weights="min-weights=16" -split-input-file %s | FileCheck %s
// RUN: aiopt-opt --aiopt-sparse-weights -split-input-file %s | FileCheck %s --check-prefix=SMALL
// RUN: not aiopt-opt --aiopt-sparse-weights="min-speedup=0" %s 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: aiopt-sparse-weights: min-speedup must be positive

// 14 of 16 weights zero: with several rows the sparse kernel is estimated
// 0.2 / 0.125 = 1.6x the dense one; with one row 0.13 / 0.125 < 1.2.
// Half zeros stay dense. Below min-weights (default 16384) all stay dense.
// CHECK-LABEL: func.func @choices
// CHECK: aiopt.matmul %arg0, %{{.*}} {aiopt.sparse_weight} : tensor<8x4xf32>
// CHECK: aiopt.matmul %arg1, %{{.*}} : tensor<1x4xf32>
// CHECK: aiopt.matmul %arg0, %{{.*}} : tensor<8x4xf32>
// SMALL-LABEL: func.func @choices
// SMALL-NOT: aiopt.sparse_weight
func.func @choices(%x: tensor<8x4xf32>, %r: tensor<1x4xf32>) -> (tensor<8x4xf32>, tensor<1x4xf32>, tensor<8x4xf32>) {
  %sparse = aiopt.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %half = aiopt.constant dense<[[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %a = aiopt.matmul %x, %sparse : tensor<8x4xf32>, tensor<4x4xf32>
  %b = aiopt.matmul %r, %sparse : tensor<1x4xf32>, tensor<4x4xf32>
  %c = aiopt.matmul %x, %half : tensor<8x4xf32>, tensor<4x4xf32>
  return %a, %b, %c : tensor<8x4xf32>, tensor<1x4xf32>, tensor<8x4xf32>
}

// -----

// Gemm with B transposed qualifies; with beta other than 1, a weight
// computed at run time, or a convolution, the dense kernels stay.
// CHECK-LABEL: func.func @gemm_and_refusals
// CHECK: aiopt.gemm %arg0, %{{.*}} {aiopt.sparse_weight, transB = true}
// CHECK: aiopt.gemm %arg0, %{{.*}}, %{{.*}} {beta = 5.000000e-01 : f32}
// CHECK: aiopt.matmul %arg0, %arg1 :
// CHECK: aiopt.conv
// CHECK-NOT: aiopt.sparse_weight
func.func @gemm_and_refusals(%x: tensor<8x4xf32>, %w: tensor<4x4xf32>, %i: tensor<1x4x4x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<1x4x4x4xf32>) {
  %sparse = aiopt.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %c = aiopt.constant dense<1.0> : tensor<4xf32>
  %a = aiopt.gemm %x, %sparse {transB = true} : tensor<8x4xf32>, tensor<4x4xf32>
  %b = aiopt.gemm %x, %sparse, %c {beta = 0.5 : f32} : tensor<8x4xf32>, tensor<4x4xf32>, tensor<4xf32>
  %d = aiopt.matmul %x, %w : tensor<8x4xf32>, tensor<4x4xf32>
  %f = aiopt.constant dense<0.0> : tensor<4x4x1x1xf32>
  %e = aiopt.conv %i, %f {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>
  return %a, %b, %d, %e : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<1x4x4x4xf32>
}
