// RUN: aiopt-opt --aiopt-quantize -split-input-file %s | FileCheck %s --check-prefix=DYN
// RUN: aiopt-opt --aiopt-quantize="mode=static" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=STAT
// RUN: aiopt-opt --aiopt-quantize="mode=static activation-type=uint8 per-channel=false exclude=skipped" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=U8

// A matmul with constant weights and a bias: int8 weights (per column,
// max|w| / 127), the activation quantized before the i8 x i8 -> i32
// product, then the float epilogue.
// DYN-LABEL: func.func @matmul
// DYN: %[[A:.*]] = aiopt.abs %arg0
// DYN: %[[M:.*]] = aiopt.reduce max %[[A]] {axes = array<i64: 0, 1>, keepdims = false}
// DYN: %[[S:.*]] = aiopt.div {{.*}} : tensor<f32>, tensor<f32>
// DYN: %[[D:.*]] = aiopt.div %arg0, %[[S]]
// DYN: %[[R:.*]] = aiopt.round %[[D]]
// DYN: %[[C:.*]] = aiopt.clip %[[R]] {max = 1.270000e+02 : f64, min = -1.270000e+02 : f64}
// DYN: %[[Q:.*]] = aiopt.cast %[[C]] : tensor<3x2xf32> to tensor<3x2xi8>
// DYN: %[[W:.*]] = aiopt.constant dense<{{\[}}[127, -64], [-127, 127]]> : tensor<2x2xi8>
// DYN: %[[ACC:.*]] = aiopt.matmul %[[Q]], %[[W]] : tensor<3x2xi8>, tensor<2x2xi8>
// DYN: %[[F:.*]] = aiopt.cast %[[ACC]] : tensor<3x2xi32> to tensor<3x2xf32>
// DYN: %[[WS:.*]] = aiopt.constant dense<[1.000000e+00, 0.0314960629]> : tensor<2xf32>
// DYN: %[[CS:.*]] = aiopt.mul %[[WS]], %[[S]]
// DYN: %[[Y:.*]] = aiopt.mul %[[F]], %[[CS]]
// DYN: %[[YB:.*]] = aiopt.add %[[Y]], %{{.*}} : tensor<3x2xf32>, tensor<2xf32>
// DYN: aiopt.relu %[[YB]]
// STAT-LABEL: func.func @matmul
// STAT: aiopt.matmul %{{.*}}, %{{.*}} : tensor<3x2xi8>, tensor<2x2xi8>
// uint8 (range [-1, 3]: scale 4/255, zero point 64) is stored as int8
// q - 128 with zero point -64, so the product is signed x signed.
// U8-LABEL: func.func @matmul
// U8: aiopt.constant dense<-6.400000e+01> : tensor<f32>
// U8: aiopt.clip %{{.*}} {max = 1.270000e+02 : f64, min = -1.280000e+02 : f64}
// U8: aiopt.cast %{{.*}} : tensor<3x2xf32> to tensor<3x2xi8>
// U8: aiopt.matmul %{{.*}}, %{{.*}} : tensor<3x2xi8>, tensor<2x2xi8>
func.func @matmul(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = aiopt.constant dense<[[127.0, -2.0], [-127.0, 4.0]]> : tensor<2x2xf32>
  %b = aiopt.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = aiopt.matmul %x, %w, %b {activation = 0 : i32, aiopt.activation_range = array<f64: -1.0, 3.0>}
      : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Static: a padded convolution with an asymmetric activation range pads
// with the zero point explicitly, and the zero point's term
// (-s_x * s_w * z * sum(w)) joins the bias. Range [0, 2.55], int8: scale
// 0.01, zero point -128; w = [1, 2, 3, 4] -> q = [32, 64, 95, 127],
// s_w = 4/127; bias = -0.01 * 4/127 * -128 * 318 = 12.82...
// STAT-LABEL: func.func @conv
// STAT: %[[Q:.*]] = aiopt.cast %{{.*}} : tensor<1x1x3x3xf32> to tensor<1x1x3x3xi8>
// STAT: %[[P:.*]] = aiopt.pad %[[Q]] {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = -1.280000e+02 : f64}
// STAT: %[[ACC:.*]] = aiopt.conv %[[P]], %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x1x5x5xi8>, tensor<1x1x2x2xi8>
// STAT: aiopt.constant dense<3.14960635E-4> : tensor<1x1x1xf32>
// STAT: %[[B:.*]] = aiopt.constant dense<12.8201571> : tensor<1x1x1xf32>
// STAT: aiopt.add %{{.*}}, %[[B]] : tensor<1x1x4x4xf32>, tensor<1x1x1xf32>
// DYN-LABEL: func.func @conv
// DYN: aiopt.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x1x3x3xi8>, tensor<1x1x2x2xi8>
func.func @conv(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32> {
  %w = aiopt.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %y = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>,
      dilations = array<i64: 1, 1>, group = 1 : i64, aiopt.activation_range = array<f64: 0.0, 2.55>}
      : tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// Gemm with B transposed: the int8 weights are stored [K, N]; alpha scales
// the per-column scales and beta * C becomes the bias.
// DYN-LABEL: func.func @gemm
// DYN: aiopt.constant dense<{{\[}}[127, 0, 0], [0, 127, 0]]> : tensor<2x3xi8>
// DYN: aiopt.matmul %{{.*}}, %{{.*}} : tensor<1x2xi8>, tensor<2x3xi8>
// DYN: aiopt.constant dense<3.000000e+00> : tensor<3xf32>
// DYN-NOT: aiopt.gemm
func.func @gemm(%a: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %b = aiopt.constant dense<[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]> : tensor<3x2xf32>
  %c = aiopt.constant dense<[1.0, 1.0, 1.0]> : tensor<3xf32>
  %y = aiopt.gemm %a, %b, %c {transB = true, alpha = 2.0 : f32, beta = 3.0 : f32,
      aiopt.activation_range = array<f64: -1.0, 1.0>}
      : tensor<1x2xf32>, tensor<3x2xf32>, tensor<3xf32>
  return %y : tensor<1x3xf32>
}

// -----

// Not candidates: weights that are not constants, grouped convolutions,
// and (U8 run) a layer excluded by name.
// DYN-LABEL: func.func @refused
// DYN: aiopt.matmul %arg0, %arg1 : tensor<2x2xf32>, tensor<2x2xf32>
// DYN: aiopt.conv %arg2, %{{.*}} {{.*}} : tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>
// U8-LABEL: func.func @refused
// U8-NOT: xi8>
// U8: aiopt.matmul %arg0, %{{.*}} {aiopt.activation_range = array<f64: 0.000000e+00, 1.000000e+00>} : tensor<2x2xf32>, tensor<2x2xf32>
func.func @refused(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>, %img: tensor<1x2x3x3xf32>)
    -> (tensor<2x2xf32>, tensor<1x2x3x3xf32>, tensor<2x2xf32>) {
  %m = aiopt.matmul %x, %w : tensor<2x2xf32>, tensor<2x2xf32>
  %f = aiopt.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = aiopt.conv %img, %f {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 2 : i64} : tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>
  %k = aiopt.constant dense<1.0> : tensor<2x2xf32>
  %e = aiopt.matmul %x, %k {aiopt.activation_range = array<f64: 0.0, 1.0>}
      : tensor<2x2xf32>, tensor<2x2xf32> loc("skipped")
  return %m, %c, %e : tensor<2x2xf32>, tensor<1x2x3x3xf32>, tensor<2x2xf32>
}
