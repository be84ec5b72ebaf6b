// RUN: aiopt-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// Shapes of the Winograd ops: 7x9 outputs of a padded 3x3 convolution are
// 4x5 tiles of F(2x2) (16 transformed positions), 2x3 tiles of F(4x4) (36).

// CHECK-LABEL: @shapes
// CHECK: aiopt.winograd_input %{{.*}} {kernel = 3 : i64, pads = array<i64: 1, 1, 1, 1>, tile = 2 : i64} : tensor<2x8x7x9xf32>
// CHECK: aiopt.winograd_output %{{.*}}, %{{.*}} {kernel = 3 : i64, output_size = array<i64: 7, 9>, tile = 2 : i64} : tensor<16x40x8xf32>, tensor<8xf32>
// CHECK: aiopt.winograd_input %{{.*}} {kernel = 3 : i64, pads = array<i64: 0, 0, 0, 0>, tile = 4 : i64} : tensor<1x8x9x11xf32>
func.func @shapes(%x: tensor<2x8x7x9xf32>, %m: tensor<16x40x8xf32>, %b: tensor<8xf32>,
                  %y: tensor<1x8x9x11xf32>)
    -> (tensor<16x40x8xf32>, tensor<2x8x7x9xf32>, tensor<36x6x8xf32>) {
  %v = aiopt.winograd_input %x {tile = 2 : i64, kernel = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : tensor<2x8x7x9xf32>
  %o = aiopt.winograd_output %m, %b {tile = 2 : i64, kernel = 3 : i64, output_size = array<i64: 7, 9>} : tensor<16x40x8xf32>, tensor<8xf32>
  %w = aiopt.winograd_input %y {tile = 4 : i64, kernel = 3 : i64, pads = array<i64: 0, 0, 0, 0>} : tensor<1x8x9x11xf32>
  return %v, %o, %w : tensor<16x40x8xf32>, tensor<2x8x7x9xf32>, tensor<36x6x8xf32>
}

// -----

func.func @bad_tile(%x: tensor<1x8x8x8xf32>) {
  // expected-error @+1 {{tile 7 and kernel 3 have no Winograd transform}}
  %v = aiopt.winograd_input %x {tile = 7 : i64, kernel = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : tensor<1x8x8x8xf32>
  return
}

// -----

func.func @dynamic_input(%x: tensor<?x8x8x8xf32>) {
  // expected-error @+1 {{input must be a static N x C x H x W tensor}}
  %v = aiopt.winograd_input %x {tile = 2 : i64, kernel = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : tensor<?x8x8x8xf32>
  return
}

// -----

func.func @bad_pads(%x: tensor<1x8x8x8xf32>) {
  // expected-error @+1 {{pads must be 4 non-negative values}}
  %v = aiopt.winograd_input %x {tile = 2 : i64, kernel = 3 : i64, pads = array<i64: 1, 1>} : tensor<1x8x8x8xf32>
  return
}

// -----

func.func @too_small(%x: tensor<1x8x2x2xf32>) {
  // expected-error @+1 {{the padded input is smaller than the kernel}}
  %v = aiopt.winograd_input %x {tile = 2 : i64, kernel = 3 : i64, pads = array<i64: 0, 0, 0, 0>} : tensor<1x8x2x2xf32>
  return
}

// -----

func.func @wrong_positions(%m: tensor<36x4x8xf32>) {
  // expected-error @+1 {{products have 36 transformed positions, not alpha^2 = 16}}
  %o = aiopt.winograd_output %m {tile = 2 : i64, kernel = 3 : i64, output_size = array<i64: 4, 4>} : tensor<36x4x8xf32>
  return
}

// -----

func.func @wrong_tiles(%m: tensor<16x5x8xf32>) {
  // expected-error @+1 {{products have 5 tiles, not a multiple of the 4 tiles of one output image}}
  %o = aiopt.winograd_output %m {tile = 2 : i64, kernel = 3 : i64, output_size = array<i64: 4, 4>} : tensor<16x5x8xf32>
  return
}

// -----

func.func @bad_bias(%m: tensor<16x4x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias must be 1-D of size 8 and of the products' type}}
  %o = aiopt.winograd_output %m, %b {tile = 2 : i64, kernel = 3 : i64, output_size = array<i64: 4, 4>} : tensor<16x4x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @bad_output_size(%m: tensor<16x4x8xf32>) {
  // expected-error @+1 {{output_size must be 2 positive values}}
  %o = aiopt.winograd_output %m {tile = 2 : i64, kernel = 3 : i64, output_size = array<i64: 4>} : tensor<16x4x8xf32>
  return
}
