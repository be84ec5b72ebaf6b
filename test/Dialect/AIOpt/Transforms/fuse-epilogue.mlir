// RUN: aiopt-opt --aiopt-fuse-epilogue -split-input-file %s | FileCheck %s

// MatMul + bias + GELU: the bias becomes the matmul's bias operand, the
// GELU (tanh form) its epilogue.
// CHECK-LABEL: func.func @matmul_bias_gelu
// CHECK: %[[Y:.*]] = aiopt.matmul %arg0, %arg1, %arg2 {activation = 5 : i32} : tensor<2x3x4xf32>, tensor<4x5xf32>, tensor<5xf32>
// CHECK-NEXT: return %[[Y]]
func.func @matmul_bias_gelu(%x: tensor<2x3x4xf32>, %w: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<2x3x5xf32> {
  %m = aiopt.matmul %x, %w : tensor<2x3x4xf32>, tensor<4x5xf32>
  %a = aiopt.add %b, %m : tensor<5xf32>, tensor<2x3x5xf32>
  %y = aiopt.gelu %a {tanh_approximation = true} : tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// Conv + per-channel bias + Relu6 (clip 0..6): the constant joins the conv
// bias, the clip with its bounds becomes the epilogue.
// CHECK-LABEL: func.func @conv_bias_relu6
// CHECK: %[[B:.*]] = aiopt.constant dense<[1.500000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK: aiopt.conv %arg0, %{{.*}}, %[[B]] {activation = 1 : i32, activation_params = array<f64: 0.000000e+00, 6.000000e+00>
// CHECK-NOT: aiopt.add
// CHECK-NOT: aiopt.clip
func.func @conv_bias_relu6(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = aiopt.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = aiopt.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %k = aiopt.constant dense<0.5> : tensor<2x1x1xf32>
  %c = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>
  %a = aiopt.add %c, %k : tensor<1x2x2x2xf32>, tensor<2x1x1xf32>
  %y = aiopt.clip %a {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Gemm without C + bias + SiLU; Gemm with C + leaky relu.
// CHECK-LABEL: func.func @gemm_epilogues
// CHECK: aiopt.gemm %arg0, %arg1, %arg2 {activation = 3 : i32}
// CHECK: aiopt.gemm %arg0, %arg1, %arg2 {activation = 7 : i32, activation_params = array<f64: 0.10000000149011612>}
func.func @gemm_epilogues(%x: tensor<3x4xf32>, %w: tensor<4x5xf32>, %b: tensor<5xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>) {
  %g = aiopt.gemm %x, %w : tensor<3x4xf32>, tensor<4x5xf32>
  %a = aiopt.add %g, %b : tensor<3x5xf32>, tensor<5xf32>
  %y = aiopt.silu %a : tensor<3x5xf32>
  %g2 = aiopt.gemm %x, %w, %b : tensor<3x4xf32>, tensor<4x5xf32>, tensor<5xf32>
  %y2 = aiopt.leaky_relu %g2 {alpha = 0.1 : f32} : tensor<3x5xf32>
  return %y, %y2 : tensor<3x5xf32>, tensor<3x5xf32>
}

// -----

// Negative: a matmul result used twice keeps its add and relu; a bias that
// grows the result (broadcasts it) is not a bias; a clip with one bound is
// not an epilogue; an activation after another activation stays.
// CHECK-LABEL: func.func @not_fusable
// CHECK: %[[M:.*]] = aiopt.matmul %arg0, %arg1 : tensor<3x4xf32>, tensor<4x5xf32>
// CHECK: aiopt.add %[[M]], %arg2
// CHECK: %[[M2:.*]] = aiopt.matmul %arg0, %arg1 : tensor<3x4xf32>, tensor<4x5xf32>
// CHECK: aiopt.add %[[M2]], %arg3 : tensor<3x5xf32>, tensor<2x3x5xf32>
// CHECK: %[[M3:.*]] = aiopt.matmul %arg0, %arg1 : tensor<3x4xf32>, tensor<4x5xf32>
// CHECK: aiopt.clip %[[M3]] {min = 0.000000e+00 : f64}
// CHECK: %[[M4:.*]] = aiopt.matmul %arg0, %arg1 {activation = 0 : i32}
// CHECK: aiopt.sigmoid %[[M4]]
func.func @not_fusable(%x: tensor<3x4xf32>, %w: tensor<4x5xf32>, %b: tensor<5xf32>, %big: tensor<2x3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<2x3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>) {
  %m = aiopt.matmul %x, %w : tensor<3x4xf32>, tensor<4x5xf32>
  %a = aiopt.add %m, %b : tensor<3x5xf32>, tensor<5xf32>
  %m2 = aiopt.matmul %x, %w : tensor<3x4xf32>, tensor<4x5xf32>
  %a2 = aiopt.add %m2, %big : tensor<3x5xf32>, tensor<2x3x5xf32>
  %m3 = aiopt.matmul %x, %w : tensor<3x4xf32>, tensor<4x5xf32>
  %c3 = aiopt.clip %m3 {min = 0.0 : f64} : tensor<3x5xf32>
  %m4 = aiopt.matmul %x, %w : tensor<3x4xf32>, tensor<4x5xf32>
  %r4 = aiopt.relu %m4 : tensor<3x5xf32>
  %s4 = aiopt.sigmoid %r4 : tensor<3x5xf32>
  return %m, %a, %a2, %c3, %s4 : tensor<3x5xf32>, tensor<3x5xf32>, tensor<2x3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>
}

// -----

// A bias computed after the matmul: the matmul moves to the add's place so
// that it follows its new operand.
// CHECK-LABEL: func.func @late_bias
// CHECK: %[[B:.*]] = aiopt.neg %arg2
// CHECK: aiopt.matmul %arg0, %arg1, %[[B]]
func.func @late_bias(%x: tensor<3x4xf32>, %w: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<3x5xf32> {
  %m = aiopt.matmul %x, %w : tensor<3x4xf32>, tensor<4x5xf32>
  %nb = aiopt.neg %b : tensor<5xf32>
  %a = aiopt.add %m, %nb : tensor<3x5xf32>, tensor<5xf32>
  return %a : tensor<3x5xf32>
}
