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

// -----

// A convolution's filter is the operand its register tiles broadcast (it
// does not vary along the output's innermost loop): a constant filter is
// widened too, right before the product, so that its f32 copy lives only
// as long as the product; the input (the vector operand) is an activation
// and is widened as above.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d2 + d4)>
// CHECK-LABEL: func.func @conv
// CHECK: %[[XW:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<1x3x10xf16>) outs(%{{.*}} : tensor<1x3x10xf32>)
// CHECK: %[[WW:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4x3x3xf16>) outs(%{{.*}} : tensor<4x3x3xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.extf
// CHECK-NEXT: linalg.yield
// CHECK-NEXT: } -> tensor<4x3x3xf32>
// CHECK-NEXT: linalg.generic {indexing_maps = [#{{.*}}, #[[X]], #{{.*}}], {{.*}} ins(%[[WW]], %[[XW]] : tensor<4x3x3xf32>, tensor<1x3x10xf32>)
// CHECK-NOT: arith.extf
// CHECK: linalg.yield
func.func @conv(%x: tensor<1x3x10xf16>, %init: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %w = arith.constant dense<[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]> : tensor<4x3x3xf16>
  %0 = linalg.generic {indexing_maps = [affine_map<(n, m, q, c, k) -> (m, c, k)>, affine_map<(n, m, q, c, k) -> (n, c, q + k)>, affine_map<(n, m, q, c, k) -> (n, m, q)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%w, %x : tensor<4x3x3xf16>, tensor<1x3x10xf16>) outs(%init : tensor<1x4x8xf32>) {
  ^bb0(%a: f16, %b: f16, %acc: f32):
    %ae = arith.extf %a : f16 to f32
    %be = arith.extf %b : f16 to f32
    %p = arith.mulf %ae, %be : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}
