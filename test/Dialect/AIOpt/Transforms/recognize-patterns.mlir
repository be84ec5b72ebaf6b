// RUN: aiopt-opt --aiopt-recognize-patterns -split-input-file %s | FileCheck %s

// GELU, erf form as PyTorch exports it: x * 0.5 * (1 + erf(x / sqrt 2)).
// CHECK-LABEL: func.func @gelu_erf
// CHECK: %[[G:.*]] = aiopt.gelu %arg0 : tensor<4xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_erf(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s2 = aiopt.constant dense<1.41421354> : tensor<f32>
  %one = aiopt.constant dense<1.0> : tensor<f32>
  %half = aiopt.constant dense<0.5> : tensor<f32>
  %d = aiopt.div %x, %s2 : tensor<4xf32>, tensor<f32>
  %e = aiopt.erf %d : tensor<4xf32>
  %a = aiopt.add %e, %one : tensor<4xf32>, tensor<f32>
  %m = aiopt.mul %x, %a : tensor<4xf32>, tensor<4xf32>
  %y = aiopt.mul %m, %half : tensor<4xf32>, tensor<f32>
  return %y : tensor<4xf32>
}

// -----

// GELU, tanh form with pow(x, 3), the 0.5 applied to x first.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: %[[G:.*]] = aiopt.gelu %arg0 {tanh_approximation = true} : tensor<4xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_tanh(%x: tensor<4xf32>) -> tensor<4xf32> {
  %three = aiopt.constant dense<3.0> : tensor<f32>
  %c = aiopt.constant dense<0.044715> : tensor<f32>
  %k = aiopt.constant dense<0.797884583> : tensor<f32>
  %one = aiopt.constant dense<1.0> : tensor<f32>
  %half = aiopt.constant dense<0.5> : tensor<f32>
  %p = aiopt.pow %x, %three : tensor<4xf32>, tensor<f32>
  %pc = aiopt.mul %c, %p : tensor<f32>, tensor<4xf32>
  %s = aiopt.add %x, %pc : tensor<4xf32>, tensor<4xf32>
  %sk = aiopt.mul %s, %k : tensor<4xf32>, tensor<f32>
  %t = aiopt.tanh %sk : tensor<4xf32>
  %a = aiopt.add %one, %t : tensor<f32>, tensor<4xf32>
  %h = aiopt.mul %x, %half : tensor<4xf32>, tensor<f32>
  %y = aiopt.mul %h, %a : tensor<4xf32>, tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// SiLU in either operand order.
// CHECK-LABEL: func.func @silu
// CHECK: aiopt.silu %arg0
// CHECK: aiopt.silu %arg0
// CHECK-NOT: aiopt.sigmoid
func.func @silu(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %s = aiopt.sigmoid %x : tensor<4xf32>
  %a = aiopt.mul %x, %s : tensor<4xf32>, tensor<4xf32>
  %b = aiopt.mul %s, %x : tensor<4xf32>, tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// LayerNorm over the last axis with scale and shift.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}} = aiopt.layer_norm %arg0, %arg1, %arg2 {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm(%x: tensor<2x3x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %two = aiopt.constant dense<2.0> : tensor<f32>
  %eps = aiopt.constant dense<1.0e-5> : tensor<f32>
  %m = aiopt.reduce mean %x {axes = array<i64: 2>, keepdims = true} : tensor<2x3x4xf32>
  %d = aiopt.sub %x, %m : tensor<2x3x4xf32>, tensor<2x3x1xf32>
  %p = aiopt.pow %d, %two : tensor<2x3x4xf32>, tensor<f32>
  %v = aiopt.reduce mean %p {axes = array<i64: 2>, keepdims = true} : tensor<2x3x4xf32>
  %ve = aiopt.add %v, %eps : tensor<2x3x1xf32>, tensor<f32>
  %s = aiopt.sqrt %ve : tensor<2x3x1xf32>
  %n = aiopt.div %d, %s : tensor<2x3x4xf32>, tensor<2x3x1xf32>
  %y1 = aiopt.mul %n, %g : tensor<2x3x4xf32>, tensor<4xf32>
  %y = aiopt.add %y1, %b : tensor<2x3x4xf32>, tensor<4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Negative: erf of x * 0.5 (not x / sqrt 2); a "layer norm" whose variance
// is of x, not of the centered x; x * sigmoid(y).
// CHECK-LABEL: func.func @lookalikes
// CHECK-NOT: aiopt.gelu
// CHECK-NOT: aiopt.layer_norm
// CHECK-NOT: aiopt.silu
func.func @lookalikes(%x: tensor<2x4xf32>, %z: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %one = aiopt.constant dense<1.0> : tensor<f32>
  %half = aiopt.constant dense<0.5> : tensor<f32>
  %d = aiopt.mul %x, %half : tensor<2x4xf32>, tensor<f32>
  %e = aiopt.erf %d : tensor<2x4xf32>
  %a = aiopt.add %e, %one : tensor<2x4xf32>, tensor<f32>
  %m = aiopt.mul %x, %a : tensor<2x4xf32>, tensor<2x4xf32>
  %g = aiopt.mul %m, %half : tensor<2x4xf32>, tensor<f32>
  %mean = aiopt.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x4xf32>
  %c = aiopt.sub %x, %mean : tensor<2x4xf32>, tensor<2x1xf32>
  %sq = aiopt.mul %x, %x : tensor<2x4xf32>, tensor<2x4xf32>
  %v = aiopt.reduce mean %sq {axes = array<i64: 1>, keepdims = true} : tensor<2x4xf32>
  %ve = aiopt.add %v, %one : tensor<2x1xf32>, tensor<f32>
  %s = aiopt.sqrt %ve : tensor<2x1xf32>
  %n = aiopt.div %c, %s : tensor<2x4xf32>, tensor<2x1xf32>
  %sz = aiopt.sigmoid %z : tensor<2x4xf32>
  %w = aiopt.mul %x, %sz : tensor<2x4xf32>, tensor<2x4xf32>
  return %g, %n, %w : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Attention as BERT exports it: Q K^T / sqrt(d) + mask, softmax, times V.
// CHECK-LABEL: func.func @attention
// CHECK: %[[O:.*]] = aiopt.attention %arg0, %arg1, %arg2, %arg3 {scale = 1.250000e-01 : f32} : tensor<1x2x8x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x8x64xf32>, tensor<1x1x1x8xf32> -> tensor<1x2x8x64xf32>
// CHECK-NEXT: return %[[O]]
func.func @attention(%q: tensor<1x2x8x64xf32>, %kt: tensor<1x2x64x8xf32>, %v: tensor<1x2x8x64xf32>,
                     %mask: tensor<1x1x1x8xf32>) -> tensor<1x2x8x64xf32> {
  %c = aiopt.constant dense<8.0> : tensor<f32>
  %s = aiopt.matmul %q, %kt : tensor<1x2x8x64xf32>, tensor<1x2x64x8xf32>
  %d = aiopt.div %s, %c : tensor<1x2x8x8xf32>, tensor<f32>
  %a = aiopt.add %mask, %d : tensor<1x1x1x8xf32>, tensor<1x2x8x8xf32>
  %p = aiopt.softmax %a {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o = aiopt.matmul %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xf32>
  return %o : tensor<1x2x8x64xf32>
}

// -----

// No mask, the scale as a multiplication, three dimensions.
// CHECK-LABEL: func.func @attention_unmasked
// CHECK: aiopt.attention %arg0, %arg1, %arg2 {scale = 2.500000e-01 : f32} : tensor<2x4x16xf32>, tensor<2x16x4xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>
func.func @attention_unmasked(%q: tensor<2x4x16xf32>, %kt: tensor<2x16x4xf32>, %v: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %c = aiopt.constant dense<0.25> : tensor<1xf32>
  %s = aiopt.matmul %q, %kt : tensor<2x4x16xf32>, tensor<2x16x4xf32>
  %m = aiopt.mul %c, %s : tensor<1xf32>, tensor<2x4x4xf32>
  %p = aiopt.softmax %m {axis = 2 : i64} : tensor<2x4x4xf32>
  %o = aiopt.matmul %p, %v : tensor<2x4x4xf32>, tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

// Not attention: a softmax along another axis, scores used twice, a
// non-constant scale, and values broadcast along the batch.
// CHECK-LABEL: func.func @attention_lookalikes
// CHECK-NOT: aiopt.attention
func.func @attention_lookalikes(%q: tensor<2x4x16xf32>, %kt: tensor<2x16x4xf32>, %v: tensor<2x4x8xf32>,
                                %k: tensor<f32>, %v1: tensor<1x4x8xf32>)
    -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x4xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>) {
  %s0 = aiopt.matmul %q, %kt : tensor<2x4x16xf32>, tensor<2x16x4xf32>
  %p0 = aiopt.softmax %s0 {axis = 1 : i64} : tensor<2x4x4xf32>
  %o0 = aiopt.matmul %p0, %v : tensor<2x4x4xf32>, tensor<2x4x8xf32>
  %s1 = aiopt.matmul %q, %kt : tensor<2x4x16xf32>, tensor<2x16x4xf32>
  %p1 = aiopt.softmax %s1 {axis = 2 : i64} : tensor<2x4x4xf32>
  %o1 = aiopt.matmul %p1, %v : tensor<2x4x4xf32>, tensor<2x4x8xf32>
  %s2 = aiopt.matmul %q, %kt : tensor<2x4x16xf32>, tensor<2x16x4xf32>
  %d2 = aiopt.div %s2, %k : tensor<2x4x4xf32>, tensor<f32>
  %p2 = aiopt.softmax %d2 {axis = 2 : i64} : tensor<2x4x4xf32>
  %o2 = aiopt.matmul %p2, %v : tensor<2x4x4xf32>, tensor<2x4x8xf32>
  %s3 = aiopt.matmul %q, %kt : tensor<2x4x16xf32>, tensor<2x16x4xf32>
  %p3 = aiopt.softmax %s3 {axis = 2 : i64} : tensor<2x4x4xf32>
  %o3 = aiopt.matmul %p3, %v1 : tensor<2x4x4xf32>, tensor<1x4x8xf32>
  return %o0, %o2, %s1, %o3, %o1 : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x4xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>
}
