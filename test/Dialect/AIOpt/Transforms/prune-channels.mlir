// RUN: aiopt-opt --aiopt-prune="mode=channels ratio=0.5" --canonicalize -split-input-file -verify-diagnostics %s | FileCheck %s
// RUN: aiopt-opt --aiopt-prune="mode=channels ratio=0.5 norm=l2" --canonicalize -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=L2

// conv -> bias -> batch norm -> relu -> conv: the first keeps its two
// output channels of largest L1 norm (0 and 2); the bias, the batch
// normalization's parameters, the relu and the second convolution's input
// channels follow. The second one's output is the model's: it keeps its
// channels, with a remark.
// CHECK-LABEL: func.func @conv_chain
// CHECK-DAG: %[[W1:.*]] = aiopt.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}1.000000e+00]]], {{\[\[\[}}3.000000e+00]], {{\[\[}}-3.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG: %[[B1:.*]] = aiopt.constant dense<[1.000000e+01, 3.000000e+01]> : tensor<2xf32>
// CHECK-DAG: %[[S:.*]] = aiopt.constant dense<[1.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[W2:.*]] = aiopt.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}3.000000e+00]]], {{\[\[\[}}5.000000e+00]], {{\[\[}}7.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK: %[[C1:.*]] = aiopt.conv %arg0, %[[W1]], %[[B1]] {{.*}} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>
// CHECK: %[[N:.*]] = aiopt.batch_norm %[[C1]], %[[S]], {{.*}} : tensor<1x2x4x4xf32>, tensor<2xf32>
// CHECK: %[[R:.*]] = aiopt.relu %[[N]] : tensor<1x2x4x4xf32>
// CHECK: aiopt.conv %[[R]], %[[W2]] {{.*}} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>
// L2-LABEL: func.func @conv_chain
// L2: tensor<2x2x1x1xf32>
func.func @conv_chain(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = aiopt.constant dense<[[[[1.0]], [[1.0]]], [[[0.5]], [[-1.0]]], [[[3.0]], [[-3.0]]], [[[1.0]], [[0.0]]]]> : tensor<4x2x1x1xf32>
  %b1 = aiopt.constant dense<[10.0, 20.0, 30.0, 40.0]> : tensor<4xf32>
  %c1 = aiopt.conv %x, %w1, %b1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>, tensor<4xf32>
  %s = aiopt.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %z = aiopt.constant dense<0.0> : tensor<4xf32>
  %v = aiopt.constant dense<1.0> : tensor<4xf32>
  %n = aiopt.batch_norm %c1, %s, %z, %z, %v {epsilon = 1.0e-05 : f32}
      : tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  %r = aiopt.relu %n : tensor<1x4x4x4xf32>
  %w2 = aiopt.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]], [[[5.0]], [[6.0]], [[7.0]], [[8.0]]]]> : tensor<2x4x1x1xf32>
  // expected-remark @+1 {{output channels not pruned: its output reaches 'func.return', which a channel rewrite cannot follow}}
  %c2 = aiopt.conv %r, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>
  return %c2 : tensor<1x2x4x4xf32>
}

// -----

// A BERT-style MLP: matmul -> add bias -> gelu -> matmul. Half the hidden
// columns go (1 and 3 have the smallest norms), with the bias entries and
// the second matmul's rows.
// CHECK-LABEL: func.func @mlp
// CHECK-DAG: %[[W1:.*]] = aiopt.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = aiopt.constant dense<[0.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[W2:.*]] = aiopt.constant dense<{{\[}}[0.000000e+00, 1.000000e+00], [2.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[H:.*]] = aiopt.matmul %arg0, %[[W1]] : tensor<3x2xf32>, tensor<2x2xf32>
// CHECK: %[[A:.*]] = aiopt.add %[[H]], %[[B]] : tensor<3x2xf32>, tensor<2xf32>
// CHECK: %[[G:.*]] = aiopt.gelu %[[A]] : tensor<3x2xf32>
// CHECK: aiopt.matmul %[[G]], %[[W2]] : tensor<3x2xf32>, tensor<2x2xf32>
func.func @mlp(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = aiopt.constant dense<[[2.0, 1.0, 4.0, -1.0], [2.0, 1.0, 4.0, 1.0]]> : tensor<2x4xf32>
  %h = aiopt.matmul %x, %w1 : tensor<3x2xf32>, tensor<2x4xf32>
  %b = aiopt.constant dense<[0.0, 1.0, 2.0, 3.0]> : tensor<4xf32>
  %a = aiopt.add %h, %b : tensor<3x4xf32>, tensor<4xf32>
  %g = aiopt.gelu %a : tensor<3x4xf32>
  %w2 = aiopt.constant dense<[[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.0, 1.0]]> : tensor<4x2xf32>
  // expected-remark @+1 {{output channels not pruned}}
  %y = aiopt.matmul %g, %w2 : tensor<3x4xf32>, tensor<4x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// The last convolution of a CNN, through global pooling and a flatten,
// into a gemm with B transposed (whose columns follow).
// CHECK-LABEL: func.func @flatten
// CHECK: aiopt.conv {{.*}} : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>
// CHECK: aiopt.pool average {{.*}} : tensor<1x1x4x4xf32>
// CHECK: aiopt.reshape {{.*}} : tensor<1x1x1x1xf32> to tensor<1x1xf32>
// CHECK: aiopt.gemm {{.*}} : tensor<1x1xf32>, tensor<3x1xf32>
func.func @flatten(%x: tensor<1x1x4x4xf32>) -> tensor<1x3xf32> {
  %w = aiopt.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %c = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>
  %p = aiopt.pool average %c {kernel_shape = array<i64: 4, 4>, strides = array<i64: 1, 1>,
      pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x2x4x4xf32>
  %f = aiopt.reshape %p : tensor<1x2x1x1xf32> to tensor<1x2xf32>
  %b = aiopt.constant dense<1.0> : tensor<3x2xf32>
  // expected-remark @+1 {{output channels not pruned}}
  %y = aiopt.gemm %f, %b {transB = true} : tensor<1x2xf32>, tensor<3x2xf32>
  return %y : tensor<1x3xf32>
}

// -----

// A residual connection to a model input: the input cannot lose
// channels, so the layer keeps them.
// CHECK-LABEL: func.func @residual_input
// CHECK: aiopt.conv {{.*}} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>
func.func @residual_input(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = aiopt.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  // expected-remark @+1 {{output channels not pruned}}
  %c = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>
  %r = aiopt.relu %c : tensor<1x2x4x4xf32>
  %y = aiopt.add %r, %x : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A residual stream: the stem and the block's convolution are added, so
// both keep the same two channels (largest L1 norms summed over both
// filters: channels 0 and 3, 10 and 6, against 4 and 0.5), and
// the block's and the next convolution's input channels follow.
// CHECK-LABEL: func.func @residual_stream
// CHECK-DAG: %[[WA:.*]] = aiopt.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}0.000000e+00]]], {{\[\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG: %[[WB:.*]] = aiopt.constant dense<{{\[\[\[\[}}9.000000e+00]], {{\[\[}}0.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}1.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG: %[[WY:.*]] = aiopt.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK: %[[A:.*]] = aiopt.conv %arg0, %[[WA]] {{.*}} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>
// CHECK: %[[RA:.*]] = aiopt.relu %[[A]] : tensor<1x2x4x4xf32>
// CHECK: %[[B:.*]] = aiopt.conv %[[RA]], %[[WB]]
// CHECK: %[[S:.*]] = aiopt.add %[[B]], %[[RA]] : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
// CHECK: %[[R:.*]] = aiopt.relu %[[S]] : tensor<1x2x4x4xf32>
// CHECK: aiopt.conv %[[R]], %[[WY]] {{.*}} : tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>
func.func @residual_stream(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %wa = aiopt.constant dense<[[[[1.0]], [[0.0]]], [[[3.0]], [[0.0]]], [[[0.0]], [[0.5]]], [[[2.0]], [[2.0]]]]> : tensor<4x2x1x1xf32>
  %a = aiopt.conv %x, %wa {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>
  %ra = aiopt.relu %a : tensor<1x4x4x4xf32>
  %wb = aiopt.constant dense<[[[[9.0]], [[0.0]], [[0.0]], [[0.0]]], [[[0.0]], [[0.0]], [[0.0]], [[1.0]]], [[[0.0]], [[0.0]], [[0.0]], [[0.0]]], [[[0.0]], [[1.0]], [[0.0]], [[1.0]]]]> : tensor<4x4x1x1xf32>
  %b = aiopt.conv %ra, %wb {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>
  %s = aiopt.add %b, %ra : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
  %r = aiopt.relu %s : tensor<1x4x4x4xf32>
  %wy = aiopt.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x4x1x1xf32>
  %y = aiopt.conv %r, %wy {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// Global average pooling as a reduction over the spatial axes (without
// keepdims the channels move to axis 1 of a 2-D result) into a gemm.
// CHECK-LABEL: func.func @reduce
// CHECK: aiopt.reduce mean {{.*}} : tensor<1x1x4x4xf32>
// CHECK: aiopt.gemm {{.*}} : tensor<1x1xf32>, tensor<3x1xf32>
func.func @reduce(%x: tensor<1x1x4x4xf32>) -> tensor<1x3xf32> {
  %w = aiopt.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %c = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>
  %m = aiopt.reduce mean %c {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x2x4x4xf32>
  %b = aiopt.constant dense<1.0> : tensor<3x2xf32>
  // expected-remark @+1 {{output channels not pruned}}
  %y = aiopt.gemm %m, %b {transB = true} : tensor<1x2xf32>, tensor<3x2xf32>
  return %y : tensor<1x3xf32>
}
