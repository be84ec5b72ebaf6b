// RUN: aiopt-opt --aiopt-prune="mode=magnitude sparsity=0.5" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=MAG
// RUN: aiopt-opt --aiopt-prune="mode=magnitude sparsity=0.5 global" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=GLOBAL
// RUN: aiopt-opt --aiopt-prune="mode=nm n=1 m=2" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=NM
// RUN: aiopt-opt --aiopt-prune="mode=magnitude sparsity=0.5 exclude=second" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=EXCL

// Two layers; per layer, half of each weight (its smallest magnitudes)
// becomes zero. With one global threshold the small-valued second layer
// loses all of its weights and the first keeps all of its.
// N:M 1:2 keeps the larger of each pair along K (the rows of a matmul's
// right operand).
// MAG-LABEL: func.func @two_layers
// MAG: %[[W1:.*]] = aiopt.constant dense<{{\[}}[0.000000e+00, -3.000000e+00], [4.000000e+00, 0.000000e+00]]>
// MAG: aiopt.matmul %arg0, %[[W1]]
// MAG: %[[W2:.*]] = aiopt.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [3.000000e-01, -4.000000e-01]]>
// MAG: aiopt.matmul %{{.*}}, %[[W2]]
// GLOBAL-LABEL: func.func @two_layers
// GLOBAL: %[[W1:.*]] = aiopt.constant dense<{{\[}}[1.000000e+00, -3.000000e+00], [4.000000e+00, 2.000000e+00]]>
// GLOBAL: aiopt.matmul %arg0, %[[W1]]
// GLOBAL: %[[W2:.*]] = aiopt.constant dense<0.000000e+00>
// GLOBAL: aiopt.matmul %{{.*}}, %[[W2]]
// NM-LABEL: func.func @two_layers
// NM: aiopt.constant dense<{{\[}}[0.000000e+00, -3.000000e+00], [4.000000e+00, 0.000000e+00]]>
// NM: aiopt.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [3.000000e-01, -4.000000e-01]]>
// EXCL-LABEL: func.func @two_layers
// EXCL: %[[W2:.*]] = aiopt.constant dense<{{\[}}[1.000000e-01, -2.000000e-01], [3.000000e-01, -4.000000e-01]]>
// EXCL: %[[W1:.*]] = aiopt.constant dense<{{\[}}[0.000000e+00, -3.000000e+00], [4.000000e+00, 0.000000e+00]]>
// EXCL: aiopt.matmul %arg0, %[[W1]]
// EXCL: aiopt.matmul %{{.*}}, %[[W2]]
func.func @two_layers(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w1 = aiopt.constant dense<[[1.0, -3.0], [4.0, 2.0]]> : tensor<2x2xf32>
  %w2 = aiopt.constant dense<[[0.1, -0.2], [0.3, -0.4]]> : tensor<2x2xf32>
  %h = aiopt.matmul %x, %w1 : tensor<1x2xf32>, tensor<2x2xf32> loc("first")
  %y = aiopt.matmul %h, %w2 : tensor<1x2xf32>, tensor<2x2xf32> loc("second")
  return %y : tensor<1x2xf32>
}

// -----

// A convolution's N:M groups run along its input channels, for each
// output channel and filter tap. Gemm with B transposed reduces along
// B's columns. The guard's per-layer amount replaces the option.
// MAG-LABEL: func.func @conv_gemm
// MAG: aiopt.constant dense<{{\[\[\[\[}}0.000000e+00]], {{\[\[}}2.000000e+00]]]]>
// MAG: aiopt.constant dense<{{\[}}[0.000000e+00, 5.000000e+00], [0.000000e+00, 0.000000e+00]]>
// NM-LABEL: func.func @conv_gemm
// NM: aiopt.constant dense<{{\[\[\[\[}}0.000000e+00]], {{\[\[}}2.000000e+00]]]]>
// NM: aiopt.constant dense<{{\[}}[0.000000e+00, 5.000000e+00], [0.000000e+00, -3.000000e+00]]>
func.func @conv_gemm(%x: tensor<1x2x4x4xf32>, %a: tensor<3x2xf32>) -> (tensor<1x1x4x4xf32>, tensor<3x2xf32>) {
  %w = aiopt.constant dense<[[[[1.0]], [[2.0]]]]> : tensor<1x2x1x1xf32>
  %y = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>
  %b = aiopt.constant dense<[[4.0, 5.0], [1.0, -3.0]]> : tensor<2x2xf32>
  %g = aiopt.gemm %a, %b {transB = true, aiopt.prune_amount = 0.75 : f64} : tensor<3x2xf32>, tensor<2x2xf32>
  return %y, %g : tensor<1x1x4x4xf32>, tensor<3x2xf32>
}

// -----

// Refusals: a weight computed at run time, a grouped convolution.
func.func @refused(%x: tensor<1x2xf32>, %w: tensor<2x2xf32>, %i: tensor<1x2x4x4xf32>) -> (tensor<1x2xf32>, tensor<1x2x4x4xf32>) {
  // expected-remark @+1 {{not pruned: its weight is not a float constant}}
  %y = aiopt.matmul %x, %w : tensor<1x2xf32>, tensor<2x2xf32>
  %f = aiopt.constant dense<1.0> : tensor<2x1x3x3xf32>
  // expected-remark @+1 {{not pruned: grouped convolution}}
  %c = aiopt.conv %i, %f {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>,
      dilations = array<i64: 1, 1>, group = 2 : i64} : tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>
  return %y, %c : tensor<1x2xf32>, tensor<1x2x4x4xf32>
}
