// RUN: aiopt-opt --aiopt-fold-qdq -split-input-file %s | FileCheck %s

// A QDQ matmul: the activation is the dequantization of a uint8 tensor
// (zero point 128, scale 0.5), the float weights lie on one int8 grid (per
// tensor: max|w| = 2.54, s_w = 0.02), so the contraction takes the data
// (as int8 q - 128, zero point 0) and the model's integers, and the
// epilogue scales by 0.5 * 0.02 = 0.01.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[Q:.*]]: tensor<3x2xui8>)
// CHECK: aiopt.constant dense<{{\[}}[2.540000e+00
// CHECK: %[[F:.*]] = aiopt.cast %[[Q]] : tensor<3x2xui8> to tensor<3x2xf32>
// CHECK: %[[H:.*]] = aiopt.constant dense<1.280000e+02> : tensor<f32>
// CHECK: %[[C:.*]] = aiopt.sub %[[F]], %[[H]]
// CHECK: %[[S8:.*]] = aiopt.cast %[[C]] : tensor<3x2xf32> to tensor<3x2xi8>
// CHECK: %[[W:.*]] = aiopt.constant dense<{{\[}}[127, 100], [-127, 1]]> : tensor<2x2xi8>
// CHECK: %[[ACC:.*]] = aiopt.matmul %[[S8]], %[[W]] : tensor<3x2xi8>, tensor<2x2xi8>
// CHECK: %[[AF:.*]] = aiopt.cast %[[ACC]] : tensor<3x2xi32> to tensor<3x2xf32>
// CHECK: %[[S:.*]] = aiopt.constant dense<0.00999999977> : tensor<2xf32>
// CHECK: %[[Y:.*]] = aiopt.mul %[[AF]], %[[S]]
// CHECK-NEXT: return %[[Y]]
func.func @matmul(%q: tensor<3x2xui8>) -> tensor<3x2xf32> {
  %f = aiopt.cast %q : tensor<3x2xui8> to tensor<3x2xf32>
  %zp = aiopt.constant dense<128.0> : tensor<f32>
  %c = aiopt.sub %f, %zp : tensor<3x2xf32>, tensor<f32>
  %s = aiopt.constant dense<0.5> : tensor<f32>
  %x = aiopt.mul %c, %s : tensor<3x2xf32>, tensor<f32>
  %w = aiopt.constant dense<[[2.54, 2.0], [-2.54, 0.02]]> : tensor<2x2xf32>
  %y = aiopt.matmul %x, %w : tensor<3x2xf32>, tensor<2x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A padded QDQ convolution whose weights are int8 constants dequantized per
// output channel: the padding holds the zero point (3), the weights keep
// their integers (per channel, each on its own grid), the scales multiply;
// the zero point's term is -0.25 * [1, 2] * 3 * [0, 191].
// CHECK-LABEL: func.func @conv
// CHECK-SAME: (%[[Q:.*]]: tensor<1x1x3x3xi8>)
// CHECK: aiopt.cast %{{.*}} : tensor<2x1x1x2xi8> to tensor<2x1x1x2xf32>
// CHECK: %[[W:.*]] = aiopt.constant dense<{{\[}}[{{\[}}[127, -127]]], [{{\[}}[64, 127]]]]> : tensor<2x1x1x2xi8>
// CHECK: %[[P:.*]] = aiopt.pad %[[Q]] {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 3.000000e+00 : f64}
// CHECK: aiopt.conv %[[P]], %[[W]] {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x1x5x5xi8>, tensor<2x1x1x2xi8>
// CHECK: aiopt.constant dense<{{\[}}[{{\[}}2.500000e-01]], {{\[}}[5.000000e-01]]]> : tensor<2x1x1xf32>
// CHECK: aiopt.constant dense<{{\[}}[{{\[}}-0.000000e+00]], {{\[}}[-2.865000e+02]]]> : tensor<2x1x1xf32>
func.func @conv(%q: tensor<1x1x3x3xi8>) -> tensor<1x2x5x4xf32> {
  %f = aiopt.cast %q : tensor<1x1x3x3xi8> to tensor<1x1x3x3xf32>
  %zp = aiopt.constant dense<3.0> : tensor<f32>
  %c = aiopt.sub %f, %zp : tensor<1x1x3x3xf32>, tensor<f32>
  %s = aiopt.constant dense<0.25> : tensor<f32>
  %x = aiopt.mul %c, %s : tensor<1x1x3x3xf32>, tensor<f32>
  %wq = aiopt.constant dense<[[[[127, -127]]], [[[64, 127]]]]> : tensor<2x1x1x2xi8>
  %wf = aiopt.cast %wq : tensor<2x1x1x2xi8> to tensor<2x1x1x2xf32>
  %ws = aiopt.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %w = aiopt.mul %wf, %ws : tensor<2x1x1x2xf32>, tensor<2x1x1x1xf32>
  %y = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>,
      dilations = array<i64: 1, 1>, group = 1 : i64}
      : tensor<1x1x3x3xf32>, tensor<2x1x1x2xf32>
  return %y : tensor<1x2x5x4xf32>
}

// -----

// Left alone: an activation dequantized per channel (not one scale), and
// one that is not a dequantization at all.
// CHECK-LABEL: func.func @not_qdq
// CHECK-NOT: xi8>, tensor<2x2xi8>
// CHECK: aiopt.matmul %{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<2x2xf32>
// CHECK: aiopt.matmul %{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<2x2xf32>
func.func @not_qdq(%q: tensor<3x2xi8>, %x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %f = aiopt.cast %q : tensor<3x2xi8> to tensor<3x2xf32>
  %s = aiopt.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %d = aiopt.mul %f, %s : tensor<3x2xf32>, tensor<2xf32>
  %w = aiopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = aiopt.matmul %d, %w : tensor<3x2xf32>, tensor<2x2xf32>
  %z = aiopt.matmul %x, %w : tensor<3x2xf32>, tensor<2x2xf32>
  return %y, %z : tensor<3x2xf32>, tensor<3x2xf32>
}
