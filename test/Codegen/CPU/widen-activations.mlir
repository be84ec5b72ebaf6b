// RUN: aiopt-opt %s --split-input-file --aiopt-cpu-widen-activations | FileCheck %s

// An f16 activation feeding a product into f32 is read from an f32 copy
// (exact); the constant f16 weights stay 16-bit and are widened in the body.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[W:.*]] = arith.constant dense<5.000000e-01> : tensor<8x4xf16>
// CHECK-DAG: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<2x8xf16>) outs(%{{.*}} : tensor<2x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[WIDE]], %[[W]] : tensor<2x8xf32>, tensor<8x4xf16>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f16, %[[C:.*]]: f32):
// CHECK-NEXT: %[[BE:.*]] = arith.extf %[[B]] : f16 to f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[A]], %[[BE]] : f32
// CHECK-NEXT: arith.addf %[[C]], %[[P]] : f32
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: tensor<2x8xf16>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf16>
  %0 = linalg.matmul ins(%a, %w : tensor<2x8xf16>, tensor<8x4xf16>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// One copy serves every product reading the activation.
// CHECK-LABEL: func.func @shared
// CHECK-COUNT-1: ins(%arg0 : tensor<2x8xbf16>)
// CHECK-NOT: ins(%arg0
func.func @shared(%a: tensor<2x8xbf16>, %init: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %w = arith.constant dense<0.5> : tensor<8x4xbf16>
  %v = arith.constant dense<0.25> : tensor<8x4xbf16>
  %0 = linalg.matmul ins(%a, %w : tensor<2x8xbf16>, tensor<8x4xbf16>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = linalg.matmul ins(%a, %v : tensor<2x8xbf16>, tensor<8x4xbf16>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Left alone: f32 products, and f16 products accumulating in f16.
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.matmul ins(%arg0, %arg1 : tensor<2x8xf32>, tensor<8x4xf32>)
// CHECK: linalg.matmul ins(%arg3, %arg4 : tensor<2x8xf16>, tensor<8x4xf16>) outs(%{{.*}} : tensor<2x4xf16>)
func.func @left_alone(%a: tensor<2x8xf32>, %b: tensor<8x4xf32>, %c: tensor<2x4xf32>,
                      %h: tensor<2x8xf16>, %g: tensor<8x4xf16>, %d: tensor<2x4xf16>) -> (tensor<2x4xf32>, tensor<2x4xf16>) {
  %0 = linalg.matmul ins(%a, %b : tensor<2x8xf32>, tensor<8x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = linalg.matmul ins(%h, %g : tensor<2x8xf16>, tensor<8x4xf16>) outs(%d : tensor<2x4xf16>) -> tensor<2x4xf16>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf16>
}
