// RUN: aiopt-opt %s -split-input-file -aiopt-winograd=tile=2 | FileCheck %s --check-prefix=TILE2
// RUN: aiopt-opt %s -split-input-file -aiopt-winograd | FileCheck %s --check-prefix=AUTO
// RUN: aiopt-opt %s -split-input-file -aiopt-winograd="tile=2 min-channels=1" | FileCheck %s --check-prefix=ONE
// RUN: not aiopt-opt %s -split-input-file -aiopt-winograd=tile=3 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: aiopt-winograd: tile must be 0, 2 or 4, not 3

// A padded 3x3 convolution with bias and ReLU: the input transform, the
// filter transformed into one 16 x C x F constant, a batched product, the
// output transform with the bias, then the activation.
// TILE2-LABEL: @conv_relu
// TILE2: %[[V:.*]] = aiopt.winograd_input %arg0 {kernel = 3 : i64, pads = array<i64: 1, 1, 1, 1>, tile = 2 : i64} : tensor<1x16x10x9xf32>
// TILE2: %[[U:.*]] = aiopt.constant {{.*}} : tensor<16x16x32xf32>
// TILE2: %[[M:.*]] = aiopt.matmul %[[V]], %[[U]] : tensor<16x25x16xf32>, tensor<16x16x32xf32>
// TILE2: %[[Y:.*]] = aiopt.winograd_output %[[M]], %{{.*}} {kernel = 3 : i64, output_size = array<i64: 10, 9>, tile = 2 : i64} : tensor<16x25x32xf32>, tensor<32xf32>
// TILE2: aiopt.relu %[[Y]] : tensor<1x32x10x9xf32>
// TILE2-NOT: aiopt.conv
// Per layer, a 10x9 image's products do not pay for the transforms and the
// larger weights.
// AUTO-LABEL: @conv_relu
// AUTO-NOT: winograd
func.func @conv_relu(%x: tensor<1x16x10x9xf32>) -> tensor<1x32x10x9xf32> {
  %w = aiopt.constant dense<0.5> : tensor<32x16x3x3xf32>
  %b = aiopt.constant dense<0.25> : tensor<32xf32>
  %y = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = 0 : i32} : tensor<1x16x10x9xf32>, tensor<32x16x3x3xf32>, tensor<32xf32>
  return %y : tensor<1x32x10x9xf32>
}

// -----

// Per layer: F(4x4) for ResNet-50's 56x56 layers, F(2x2) for its 14x14
// ones (whose 4x4 tiles would cover 16x16).
// AUTO-LABEL: @per_layer
// AUTO: aiopt.winograd_input {{.*}}tile = 4 : i64} : tensor<1x64x56x56xf32>
// AUTO: aiopt.winograd_input {{.*}}tile = 2 : i64} : tensor<1x256x14x14xf32>
func.func @per_layer(%x: tensor<1x64x56x56xf32>, %z: tensor<1x256x14x14xf32>)
    -> (tensor<1x64x56x56xf32>, tensor<1x256x14x14xf32>) {
  %w = aiopt.constant dense<0.5> : tensor<64x64x3x3xf32>
  %y = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>
  %v = aiopt.constant dense<0.5> : tensor<256x256x3x3xf32>
  %u = aiopt.conv %z, %v {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x256x14x14xf32>, tensor<256x256x3x3xf32>
  return %y, %u : tensor<1x64x56x56xf32>, tensor<1x256x14x14xf32>
}

// -----

// The transformed filter of one channel, G g G^T for g = 1..9 with F(2x2)'s
// G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
// ONE-LABEL: @filter_values
// ONE: aiopt.constant dense<[{{\[}}[1.000000e+00]], {{\[}}[3.000000e+00]], {{\[}}[1.000000e+00]], {{\[}}[3.000000e+00]], {{\[}}[6.000000e+00]], {{\[}}[1.125000e+01]], {{\[}}[3.750000e+00]], {{\[}}[9.000000e+00]], {{\[}}[2.000000e+00]], {{\[}}[3.750000e+00]], {{\[}}[1.250000e+00]], {{\[}}[3.000000e+00]], {{\[}}[7.000000e+00]], {{\[}}[1.200000e+01]], {{\[}}[4.000000e+00]], {{\[}}[9.000000e+00]]]> : tensor<16x1x1xf32>
// TILE2-LABEL: @filter_values
// TILE2: aiopt.conv
func.func @filter_values(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %w = aiopt.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]> : tensor<1x1x3x3xf32>
  %y = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// Left direct: strided, dilated, grouped, 1x1, non-constant filters,
// dynamic shapes, and (per layer) a 7x7 image with 512 channels, whose
// transformed weights would cost more memory traffic than the
// multiplications save.
// TILE2-LABEL: @stays_direct
// TILE2-NOT: winograd
// TILE2-COUNT-6: aiopt.conv
// AUTO-LABEL: @stays_direct
// AUTO-NOT: winograd
// AUTO: aiopt.conv
func.func @stays_direct(%x: tensor<1x32x8x8xf32>, %wd: tensor<32x32x3x3xf32>, %xd: tensor<?x32x8x8xf32>,
                        %big: tensor<1x512x7x7xf32>)
    -> (tensor<1x32x4x4xf32>, tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>,
        tensor<1x32x8x8xf32>, tensor<?x32x8x8xf32>, tensor<1x512x7x7xf32>) {
  %w = aiopt.constant dense<0.5> : tensor<32x32x3x3xf32>
  %wg = aiopt.constant dense<0.5> : tensor<32x16x3x3xf32>
  %w1 = aiopt.constant dense<0.5> : tensor<32x32x1x1xf32>
  %s = aiopt.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x32x8x8xf32>, tensor<32x32x3x3xf32>
  %d = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>, group = 1 : i64} : tensor<1x32x8x8xf32>, tensor<32x32x3x3xf32>
  %g = aiopt.conv %x, %wg {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : tensor<1x32x8x8xf32>, tensor<32x16x3x3xf32>
  %p = aiopt.conv %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x32x8x8xf32>, tensor<32x32x1x1xf32>
  %n = aiopt.conv %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x32x8x8xf32>, tensor<32x32x3x3xf32>
  %q = aiopt.conv %xd, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<?x32x8x8xf32>, tensor<32x32x3x3xf32>
  %wb = aiopt.constant dense<0.01> : tensor<512x512x3x3xf32>
  %b = aiopt.conv %big, %wb {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x512x7x7xf32>, tensor<512x512x3x3xf32>
  return %s, %d, %g, %p, %n, %q, %b : tensor<1x32x4x4xf32>, tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>,
      tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>, tensor<?x32x8x8xf32>, tensor<1x512x7x7xf32>
}
