// RUN: aiopt-opt %s | aiopt-opt | FileCheck %s
// RUN: aiopt-opt %s --mlir-print-op-generic | aiopt-opt | FileCheck %s

// Mixed precision: f16 and bf16 products accumulate into f32 results with
// `accumulate = f32`; the bias (Gemm's C) is f32 like the result.
// CHECK-LABEL: func.func @products
// CHECK: aiopt.matmul %{{.*}}, %{{.*}} {accumulate = f32} : tensor<3x4xf16>, tensor<4x5xf16>
// CHECK: aiopt.matmul %{{.*}}, %{{.*}}, %{{.*}} {accumulate = f32} : tensor<2x3x4xbf16>, tensor<4x5xbf16>, tensor<5xf32>
// CHECK: aiopt.gemm %{{.*}}, %{{.*}}, %{{.*}} {accumulate = f32, transB = true} : tensor<3x4xf16>, tensor<5x4xf16>, tensor<5xf32>
// CHECK: aiopt.conv %{{.*}}, %{{.*}}, %{{.*}} {accumulate = f32, {{.*}}} : tensor<1x3x8x8xf16>, tensor<4x3x3x3xf16>, tensor<4xf32>
// CHECK: aiopt.matmul %{{.*}}, %{{.*}} : tensor<3x4xf16>, tensor<4x5xf16>
func.func @products(%a: tensor<3x4xf16>, %b: tensor<4x5xf16>, %c: tensor<2x3x4xbf16>,
                    %d: tensor<4x5xbf16>, %bias: tensor<5xf32>, %t: tensor<5x4xf16>,
                    %x: tensor<1x3x8x8xf16>, %w: tensor<4x3x3x3xf16>, %cb: tensor<4xf32>)
    -> (tensor<3x5xf32>, tensor<2x3x5xf32>, tensor<3x5xf32>, tensor<1x4x8x8xf32>, tensor<3x5xf16>) {
  %0 = aiopt.matmul %a, %b {accumulate = f32} : tensor<3x4xf16>, tensor<4x5xf16>
  %1 = aiopt.matmul %c, %d, %bias {accumulate = f32} : tensor<2x3x4xbf16>, tensor<4x5xbf16>, tensor<5xf32>
  %2 = aiopt.gemm %a, %t, %bias {accumulate = f32, transB = true} : tensor<3x4xf16>, tensor<5x4xf16>, tensor<5xf32>
  %3 = aiopt.conv %x, %w, %cb {accumulate = f32, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x8x8xf16>, tensor<4x3x3x3xf16>, tensor<4xf32>
  // Without it, f16 products give f16.
  %4 = aiopt.matmul %a, %b : tensor<3x4xf16>, tensor<4x5xf16>
  return %0, %1, %2, %3, %4 : tensor<3x5xf32>, tensor<2x3x5xf32>, tensor<3x5xf32>, tensor<1x4x8x8xf32>, tensor<3x5xf16>
}
