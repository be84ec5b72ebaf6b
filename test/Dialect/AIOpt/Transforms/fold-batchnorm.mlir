// RUN: aiopt-opt --aiopt-fold-batchnorm -split-input-file %s | FileCheck %s

// Conv + BN: k = scale / sqrt(var + eps) = [2, 0.5]; filter rows scaled by
// k, bias (b - mean) * k + beta = [(1 - 1) * 2 + 3, (2 - 0) * 0.5 + 0].
// CHECK-LABEL: func.func @conv_bn
// CHECK-DAG: %[[W:.*]] = aiopt.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}5.000000e-01]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = aiopt.constant dense<[3.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = aiopt.conv %arg0, %[[W]], %[[B]]
// CHECK-NOT: aiopt.batch_norm
// CHECK: return %[[Y]]
func.func @conv_bn(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = aiopt.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = aiopt.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %s = aiopt.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = aiopt.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %m = aiopt.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %v = aiopt.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>
  %y = aiopt.batch_norm %c, %s, %beta, %m, %v {epsilon = 0.0 : f32} : tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Gemm (transB) + BN over its 2 columns: rows of B scale, C becomes the
// shifted bias; beta becomes 1 (the default, not printed).
// CHECK-LABEL: func.func @gemm_bn
// CHECK-DAG: %[[B:.*]] = aiopt.constant dense<{{\[\[}}2.000000e+00, 2.000000e+00], [5.000000e-01, 5.000000e-01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[C:.*]] = aiopt.constant dense<[2.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK: aiopt.gemm %arg0, %[[B]], %[[C]] {transB = true}
func.func @gemm_bn(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = aiopt.constant dense<1.0> : tensor<2x2xf32>
  %s = aiopt.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = aiopt.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = aiopt.constant dense<[-1.0, 0.0]> : tensor<2xf32>
  %v = aiopt.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %g = aiopt.gemm %x, %w {transB = true} : tensor<3x2xf32>, tensor<2x2xf32>
  %y = aiopt.batch_norm %g, %s, %beta, %m, %v {epsilon = 0.0 : f32} : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A per-channel constant multiplier ([1, C, 1, 1]) folds into the filter
// and the bias.
// CHECK-LABEL: func.func @conv_scale
// CHECK-DAG: %[[W:.*]] = aiopt.constant dense<{{\[\[\[\[}}3.000000e+00]]], {{\[\[\[}}-1.000000e+00]]]]>
// CHECK-DAG: %[[B:.*]] = aiopt.constant dense<[3.000000e+00, -2.000000e+00]>
// CHECK: aiopt.conv %arg0, %[[W]], %[[B]]
// CHECK-NOT: aiopt.mul
func.func @conv_scale(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = aiopt.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = aiopt.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %k = aiopt.constant dense<[[[[3.0]], [[-1.0]]]]> : tensor<1x2x1x1xf32>
  %c = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>
  %y = aiopt.mul %c, %k : tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Negative: the filter is not a constant (a graph input).
// CHECK-LABEL: func.func @dynamic_filter
// CHECK: aiopt.conv
// CHECK: aiopt.batch_norm
func.func @dynamic_filter(%x: tensor<1x1x2x2xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32> {
  %s = aiopt.constant dense<1.0> : tensor<2xf32>
  %c = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>
  %y = aiopt.batch_norm %c, %s, %s, %s, %s {epsilon = 0.0 : f32} : tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Negative: statistics that are not constants (as a training-mode
// normalization computes them), a conv with a second use, and a
// multiplier that varies along a spatial dimension.
// CHECK-LABEL: func.func @not_foldable
// CHECK: %[[C:.*]] = aiopt.conv
// CHECK: aiopt.batch_norm %[[C]]
// CHECK: %[[C2:.*]] = aiopt.conv
// CHECK: aiopt.batch_norm %[[C2]]
// CHECK: %[[C3:.*]] = aiopt.conv
// CHECK: aiopt.mul %[[C3]]
func.func @not_foldable(%x: tensor<1x1x2x2xf32>, %m: tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = aiopt.constant dense<1.0> : tensor<2x1x1x1xf32>
  %s = aiopt.constant dense<1.0> : tensor<2xf32>
  %k = aiopt.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %c = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>
  %y = aiopt.batch_norm %c, %s, %s, %m, %s {epsilon = 0.0 : f32} : tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  %c2 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>
  %y2 = aiopt.batch_norm %c2, %s, %s, %s, %s {epsilon = 0.0 : f32} : tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  %c3 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>
  %y3 = aiopt.mul %c3, %k : tensor<1x2x2x2xf32>, tensor<2x1xf32>
  return %y, %y2, %c2, %y3 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
