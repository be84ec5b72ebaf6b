// RUN: aiopt-opt %s --convert-aiopt-to-linalg -split-input-file | FileCheck %s

// An 8-bit matmul accumulates in i32: the uint8 activation extends with
// zeros, the int8 weight with its sign (no linalg.matmul, whose one cast
// attribute cannot say both).
// CHECK-LABEL: func.func @u8s8_matmul
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic
// CHECK: ^bb0(%[[A:.*]]: i8, %[[B:.*]]: i8, %[[ACC:.*]]: i32):
// CHECK: %[[EA:.*]] = arith.extui %[[A]] : i8 to i32
// CHECK: %[[EB:.*]] = arith.extsi %[[B]] : i8 to i32
// CHECK: %[[P:.*]] = arith.muli %[[EA]], %[[EB]] : i32
// CHECK: arith.addi %[[ACC]], %[[P]] : i32
func.func @u8s8_matmul(%a: tensor<4x8xui8>, %b: tensor<8x16xi8>) -> tensor<4x16xi32> {
  %y = aiopt.matmul %a, %b : tensor<4x8xui8>, tensor<8x16xi8>
  return %y : tensor<4x16xi32>
}

// -----

// An int8 convolution goes through im2col like a float one: the gathered
// columns stay int8, the product extends both sides with their signs.
// CHECK-LABEL: func.func @s8_conv
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<1x2x6x6xi8>) outs(%{{.*}} : tensor<1x2x3x3x4x4xi8>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<3x18xi8>, tensor<1x18x16xi8>) outs(%{{.*}} : tensor<1x3x16xi32>)
// CHECK: arith.extsi {{.*}} : i8 to i32
// CHECK: arith.extsi {{.*}} : i8 to i32
func.func @s8_conv(%x: tensor<1x2x6x6xi8>, %w: tensor<3x2x3x3xi8>) -> tensor<1x3x4x4xi32> {
  %y = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x2x6x6xi8>, tensor<3x2x3x3xi8>
  return %y : tensor<1x3x4x4xi32>
}
