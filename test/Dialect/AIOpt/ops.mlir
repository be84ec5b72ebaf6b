// RUN: aiopt-opt %s | aiopt-opt | FileCheck %s
// RUN: aiopt-opt %s --mlir-print-op-generic | aiopt-opt | FileCheck %s

// Round trip of every aiopt operation.

// CHECK-LABEL: func @elementwise
func.func @elementwise(%x: tensor<2x3xf32>, %y: tensor<3xf32>, %i: tensor<2x3xi64>, %b: tensor<2x3xi1>) -> tensor<2x3xf32> {
  // CHECK: aiopt.relu %{{.*}} : tensor<2x3xf32>
  %0 = aiopt.relu %x : tensor<2x3xf32>
  // CHECK: aiopt.sigmoid
  %1 = aiopt.sigmoid %0 : tensor<2x3xf32>
  // CHECK: aiopt.tanh
  %2 = aiopt.tanh %1 : tensor<2x3xf32>
  // CHECK: aiopt.erf
  %3 = aiopt.erf %2 : tensor<2x3xf32>
  // CHECK: aiopt.exp
  %4 = aiopt.exp %3 : tensor<2x3xf32>
  // CHECK: aiopt.log
  %5 = aiopt.log %4 : tensor<2x3xf32>
  // CHECK: aiopt.sqrt
  %6 = aiopt.sqrt %5 : tensor<2x3xf32>
  // CHECK: aiopt.reciprocal
  %7 = aiopt.reciprocal %6 : tensor<2x3xf32>
  // CHECK: aiopt.floor
  %8 = aiopt.floor %7 : tensor<2x3xf32>
  // CHECK: aiopt.ceil
  %9 = aiopt.ceil %8 : tensor<2x3xf32>
  // CHECK: aiopt.neg %{{.*}} : tensor<2x3xi64>
  %10 = aiopt.neg %i : tensor<2x3xi64>
  // CHECK: aiopt.abs
  %11 = aiopt.abs %9 : tensor<2x3xf32>
  // CHECK: aiopt.not
  %12 = aiopt.not %b : tensor<2x3xi1>
  // CHECK: aiopt.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32}
  %13 = aiopt.leaky_relu %11 {alpha = 0.1 : f32} : tensor<2x3xf32>
  // CHECK: aiopt.clip %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64}
  %14 = aiopt.clip %13 {min = 0.0 : f64, max = 6.0 : f64} : tensor<2x3xf32>
  // CHECK: aiopt.cast %{{.*}} : tensor<2x3xi64> to tensor<2x3xf32>
  %15 = aiopt.cast %10 : tensor<2x3xi64> to tensor<2x3xf32>
  // CHECK: aiopt.add %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32>
  %16 = aiopt.add %14, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.sub
  %17 = aiopt.sub %16, %15 : tensor<2x3xf32>, tensor<2x3xf32>
  // CHECK: aiopt.mul
  %18 = aiopt.mul %17, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.div
  %19 = aiopt.div %18, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.pow
  %20 = aiopt.pow %19, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.max
  %21 = aiopt.max %20, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.min
  %22 = aiopt.min %21, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.less %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32>
  %23 = aiopt.less %22, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.equal
  %24 = aiopt.equal %22, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.greater
  %25 = aiopt.greater %22, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.less_equal
  %26 = aiopt.less_equal %22, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.greater_equal
  %27 = aiopt.greater_equal %22, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: aiopt.and
  %28 = aiopt.and %23, %24 : tensor<2x3xi1>, tensor<2x3xi1>
  // CHECK: aiopt.or
  %29 = aiopt.or %28, %25 : tensor<2x3xi1>, tensor<2x3xi1>
  // CHECK: aiopt.where %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>
  %30 = aiopt.where %29, %22, %y : tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>
  return %30 : tensor<2x3xf32>
}

// CHECK-LABEL: func @nn
func.func @nn(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %bias: tensor<4xf32>,
              %a: tensor<?x16xf32>, %b: tensor<16x8xf32>, %c: tensor<8xf32>) -> (tensor<?x4x4x4xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  // CHECK: aiopt.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
  %0 = aiopt.conv %x, %w, %bias {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
  // CHECK: aiopt.batch_norm
  %1 = aiopt.batch_norm %0, %bias, %bias, %bias, %bias {epsilon = 1.0e-05 : f32} : tensor<?x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  // CHECK: aiopt.pool max %{{.*}} {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<?x4x8x8xf32>
  %2 = aiopt.pool max %1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : tensor<?x4x8x8xf32>
  // CHECK: aiopt.pool average
  %3 = aiopt.pool average %2 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad = true} : tensor<?x4x4x4xf32>
  // CHECK: aiopt.matmul %{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<16x8xf32>
  %4 = aiopt.matmul %a, %b : tensor<?x16xf32>, tensor<16x8xf32>
  // CHECK: aiopt.gemm %{{.*}}, %{{.*}}, %{{.*}} {alpha = 5.000000e-01 : f32} : tensor<?x16xf32>, tensor<16x8xf32>, tensor<8xf32>
  %5 = aiopt.gemm %a, %b, %c {alpha = 0.5 : f32} : tensor<?x16xf32>, tensor<16x8xf32>, tensor<8xf32>
  return %3, %4, %5 : tensor<?x4x4x4xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}

// CHECK-LABEL: func @reductions
func.func @reductions(%x: tensor<2x8x4xf32>) -> (tensor<2x1x4xf32>, tensor<2x8x4xf32>, tensor<4xf32>) {
  // CHECK: aiopt.reduce mean %{{.*}} {axes = array<i64: 1>} : tensor<2x8x4xf32>
  %0 = aiopt.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8x4xf32>
  // CHECK: aiopt.softmax %{{.*}} {axis = 2 : i64} : tensor<2x8x4xf32>
  %1 = aiopt.softmax %x {axis = 2 : i64} : tensor<2x8x4xf32>
  // CHECK: aiopt.reduce max %{{.*}} {axes = array<i64: 0, 1>, keepdims = false}
  %2 = aiopt.reduce max %x {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x8x4xf32>
  return %0, %1, %2 : tensor<2x1x4xf32>, tensor<2x8x4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func @data_movement
func.func @data_movement(%x: tensor<?x2x4xf32>, %t: tensor<10x4xf32>, %ids: tensor<3xi64>) -> (tensor<?x8xf32>, tensor<4x2x?xf32>, tensor<3x4xf32>, tensor<?x4x6xf32>, tensor<3xi64>, tensor<?x1x2xf32>, tensor<11x4xf32>) {
  // CHECK: aiopt.reshape %{{.*}} : tensor<?x2x4xf32> to tensor<?x8xf32>
  %0 = aiopt.reshape %x : tensor<?x2x4xf32> to tensor<?x8xf32>
  // CHECK: aiopt.transpose %{{.*}} {perm = array<i64: 2, 1, 0>}
  %1 = aiopt.transpose %x {perm = array<i64: 2, 1, 0>} : tensor<?x2x4xf32>
  // CHECK: aiopt.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<10x4xf32>, tensor<3xi64>
  %2 = aiopt.gather %t, %ids {axis = 0 : i64} : tensor<10x4xf32>, tensor<3xi64>
  // CHECK: aiopt.pad %{{.*}} {pads = array<i64: 0, 1, 1, 0, 1, 1>}
  %3 = aiopt.pad %x {pads = array<i64: 0, 1, 1, 0, 1, 1>, value = 0.0 : f64} : tensor<?x2x4xf32>
  // CHECK: aiopt.shape %{{.*}} : tensor<?x2x4xf32>
  %4 = aiopt.shape %x : tensor<?x2x4xf32>
  // CHECK: aiopt.slice %{{.*}} {ends = array<i64: -9223372036854775808, 2, 3>, starts = array<i64: 0, 1, 1>, steps = array<i64: 1, 1, 1>}
  %5 = aiopt.slice %x {starts = array<i64: 0, 1, 1>, ends = array<i64: -9223372036854775808, 2, 3>, steps = array<i64: 1, 1, 1>} : tensor<?x2x4xf32>
  // CHECK: aiopt.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<10x4xf32>, tensor<1x4xf32>
  %c = aiopt.constant dense<1.0> : tensor<1x4xf32>
  %6 = aiopt.concat %t, %c {axis = 0 : i64} : tensor<10x4xf32>, tensor<1x4xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<?x8xf32>, tensor<4x2x?xf32>, tensor<3x4xf32>, tensor<?x4x6xf32>, tensor<3xi64>, tensor<?x1x2xf32>, tensor<11x4xf32>
}

// CHECK-LABEL: func @activations
func.func @activations(%x: tensor<4xf32>, %s: tensor<1xf32>, %i: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>) {
  // CHECK: aiopt.sin
  %0 = aiopt.sin %x : tensor<4xf32>
  // CHECK: aiopt.cos
  %1 = aiopt.cos %0 : tensor<4xf32>
  // CHECK: aiopt.tan
  %2 = aiopt.tan %1 : tensor<4xf32>
  // CHECK: aiopt.asin
  %3 = aiopt.asin %2 : tensor<4xf32>
  // CHECK: aiopt.acos
  %4 = aiopt.acos %3 : tensor<4xf32>
  // CHECK: aiopt.atan
  %5 = aiopt.atan %4 : tensor<4xf32>
  // CHECK: aiopt.sinh
  %6 = aiopt.sinh %5 : tensor<4xf32>
  // CHECK: aiopt.cosh
  %7 = aiopt.cosh %6 : tensor<4xf32>
  // CHECK: aiopt.asinh
  %8 = aiopt.asinh %7 : tensor<4xf32>
  // CHECK: aiopt.acosh
  %9 = aiopt.acosh %8 : tensor<4xf32>
  // CHECK: aiopt.atanh
  %10 = aiopt.atanh %9 : tensor<4xf32>
  // CHECK: aiopt.round
  %11 = aiopt.round %10 : tensor<4xf32>
  // CHECK: aiopt.sign %{{.*}} : tensor<4xi32>
  %12 = aiopt.sign %i : tensor<4xi32>
  // CHECK: aiopt.softplus
  %13 = aiopt.softplus %11 : tensor<4xf32>
  // CHECK: aiopt.softsign
  %14 = aiopt.softsign %13 : tensor<4xf32>
  // CHECK: aiopt.mish
  %15 = aiopt.mish %14 : tensor<4xf32>
  // CHECK: aiopt.hard_swish
  %16 = aiopt.hard_swish %15 : tensor<4xf32>
  // CHECK: aiopt.hard_sigmoid %{{.*}} {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32}
  %17 = aiopt.hard_sigmoid %16 {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<4xf32>
  // CHECK: aiopt.elu %{{.*}} {alpha = 1.000000e+00 : f32}
  %18 = aiopt.elu %17 {alpha = 1.0 : f32} : tensor<4xf32>
  // CHECK: aiopt.selu %{{.*}} {alpha = 1.500000e+00 : f32, gamma = 1.000000e+00 : f32}
  %19 = aiopt.selu %18 {alpha = 1.5 : f32, gamma = 1.0 : f32} : tensor<4xf32>
  // CHECK: aiopt.celu
  %20 = aiopt.celu %19 {alpha = 1.0 : f32} : tensor<4xf32>
  // CHECK: aiopt.thresholded_relu
  %21 = aiopt.thresholded_relu %20 {alpha = 1.0 : f32} : tensor<4xf32>
  // CHECK: aiopt.gelu %{{.*}} {tanh_approximation = true}
  %22 = aiopt.gelu %21 {tanh_approximation = true} : tensor<4xf32>
  // CHECK: aiopt.gelu %{{.*}} : tensor<4xf32>
  %23 = aiopt.gelu %22 : tensor<4xf32>
  // CHECK: aiopt.prelu %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<1xf32>
  %24 = aiopt.prelu %23, %s : tensor<4xf32>, tensor<1xf32>
  return %24, %12 : tensor<4xf32>, tensor<4xi32>
}

// CHECK-LABEL: func @more_reductions
func.func @more_reductions(%x: tensor<2x8x16xf32>, %g: tensor<16xf32>, %a: tensor<4xi1>) -> (tensor<2x8xi64>, tensor<2x8x16xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>, tensor<4xi1>) {
  // CHECK: aiopt.arg_reduce max %{{.*}} {axis = 2 : i64, keepdims = false, select_last_index = true} : tensor<2x8x16xf32>
  %0 = aiopt.arg_reduce max %x {axis = 2 : i64, keepdims = false, select_last_index = true} : tensor<2x8x16xf32>
  // CHECK: aiopt.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 9.99999974E-6 : f32} : tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>
  %1:3 = aiopt.layer_norm %x, %g, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>
  // CHECK: aiopt.reduce log_sum_exp %{{.*}} {axes = array<i64: 1, 2>}
  %2 = aiopt.reduce log_sum_exp %x {axes = array<i64: 1, 2>} : tensor<2x8x16xf32>
  // CHECK: aiopt.xor
  %3 = aiopt.xor %a, %a : tensor<4xi1>, tensor<4xi1>
  return %0, %1#0, %1#1, %1#2, %2, %3 : tensor<2x8xi64>, tensor<2x8x16xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>, tensor<4xi1>
}

// CHECK-LABEL: func @trilu
func.func @trilu(%x: tensor<4x5xf32>, %k: tensor<i64>) -> (tensor<4x5xf32>, tensor<4x5xf32>) {
  // CHECK: aiopt.trilu %{{.*}}, %{{.*}} {upper = true} : tensor<4x5xf32>, tensor<i64>
  %0 = aiopt.trilu %x, %k {upper = true} : tensor<4x5xf32>, tensor<i64>
  // CHECK: aiopt.trilu %{{.*}} {upper = false} : tensor<4x5xf32>
  %1 = aiopt.trilu %x {upper = false} : tensor<4x5xf32>
  return %0, %1 : tensor<4x5xf32>, tensor<4x5xf32>
}

// CHECK-LABEL: func @gather_elements_mod_bitwise
func.func @gather_elements_mod_bitwise(%x: tensor<2x5xf32>, %ids: tensor<2x?xi64>, %a: tensor<4xi8>) -> (tensor<2x?xf32>, tensor<4xi8>, tensor<4xi8>) {
  // CHECK: aiopt.gather_elements %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<2x5xf32>, tensor<2x?xi64>
  %0 = aiopt.gather_elements %x, %ids {axis = 1 : i64} : tensor<2x5xf32>, tensor<2x?xi64>
  // CHECK: aiopt.mod %{{.*}}, %{{.*}} : tensor<4xi8>, tensor<4xi8>
  %1 = aiopt.mod %a, %a : tensor<4xi8>, tensor<4xi8>
  // CHECK: aiopt.xor %{{.*}}, %{{.*}} : tensor<4xi8>, tensor<4xi8>
  %2 = aiopt.xor %a, %1 : tensor<4xi8>, tensor<4xi8>
  return %0, %1, %2 : tensor<2x?xf32>, tensor<4xi8>, tensor<4xi8>
}

// CHECK-LABEL: func.func @attention
// CHECK: aiopt.attention %arg0, %arg1, %arg2, %arg3 {scale = 1.250000e-01 : f32} : tensor<1x2x8x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x8x32xf32>, tensor<1x1x1x8xf32> -> tensor<1x2x8x32xf32>
func.func @attention(%q: tensor<1x2x8x64xf32>, %kt: tensor<1x2x64x8xf32>, %v: tensor<1x2x8x32xf32>,
                     %mask: tensor<1x1x1x8xf32>) -> tensor<1x2x8x32xf32> {
  %0 = aiopt.attention %q, %kt, %v, %mask {scale = 0.125 : f32} : tensor<1x2x8x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x8x32xf32>, tensor<1x1x1x8xf32> -> tensor<1x2x8x32xf32>
  return %0 : tensor<1x2x8x32xf32>
}
