// RUN: aiopt-opt %s --convert-aiopt-to-linalg -split-input-file | FileCheck %s

// Plain matrices use linalg.matmul on a zero-filled accumulator.
// CHECK-LABEL: func @matmul2d
// CHECK-SAME: (%[[A:[^:]*]]: tensor<?x16xf32> {bufferization.writable = false}, %[[B:[^:]*]]: tensor<16x8xf32> {bufferization.writable = false})
// CHECK: %[[D:.*]] = tensor.dim %[[A]]
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x8xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x8xf32>)
// CHECK: linalg.matmul ins(%[[A]], %[[B]] : tensor<?x16xf32>, tensor<16x8xf32>) outs(%[[F]] : tensor<?x8xf32>)
func.func @matmul2d(%a: tensor<?x16xf32>, %b: tensor<16x8xf32>) -> tensor<?x8xf32> {
  %0 = aiopt.matmul %a, %b : tensor<?x16xf32>, tensor<16x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A dynamic number of columns sizes the accumulator too (it was left
// unsized, a crash found by aiopt-fuzz-compile).
// CHECK-LABEL: func @matmul2d_dynamic_columns
// CHECK-SAME: (%{{[^:]*}}: tensor<3x4xf32> {bufferization.writable = false}, %[[B:[^:]*]]: tensor<4x?xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<4x?xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<3x?xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[B]] : tensor<3x4xf32>, tensor<4x?xf32>)
func.func @matmul2d_dynamic_columns(%a: tensor<3x4xf32>, %b: tensor<4x?xf32>) -> tensor<3x?xf32> {
  %0 = aiopt.matmul %a, %b : tensor<3x4xf32>, tensor<4x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// [B, M, K] x [K, N] collapses the rows into one matmul.
// CHECK-LABEL: func @matmul3d
// CHECK: %[[C:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<2x4x16xf32> into tensor<8x16xf32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[C]], %{{.*}} : tensor<8x16xf32>, tensor<16x8xf32>)
// CHECK: tensor.expand_shape %[[M]] {{\[}}[0, 1], [2]] output_shape [2, 4, 8] : tensor<8x8xf32> into tensor<2x4x8xf32>
func.func @matmul3d(%a: tensor<2x4x16xf32>, %b: tensor<16x8xf32>) -> tensor<2x4x8xf32> {
  %0 = aiopt.matmul %a, %b : tensor<2x4x16xf32>, tensor<16x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Broadcast batch dimensions: a generic contraction, unit batch read at 0.
// CHECK-DAG: #[[L:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @batched
// CHECK: linalg.generic {indexing_maps = [#[[L]], #[[R]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @batched(%a: tensor<2x1x4x16xf32>, %b: tensor<3x16x8xf32>) -> tensor<2x3x4x8xf32> {
  %0 = aiopt.matmul %a, %b : tensor<2x1x4x16xf32>, tensor<3x16x8xf32>
  return %0 : tensor<2x3x4x8xf32>
}

// -----

// Gemm: the accumulator starts at beta * C; transposes are operand maps and
// alpha scales each product.
// CHECK-DAG: #[[TA:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[TB:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func @gemm
// CHECK: %[[INIT:.*]] = linalg.generic
// CHECK: %[[BETA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: arith.mulf %{{.*}}, %[[BETA]]
// CHECK: %[[ALPHA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: linalg.generic {indexing_maps = [#[[TA]], #[[TB]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<3x4xf32>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: arith.mulf %{{.*}}, %[[ALPHA]]
func.func @gemm(%a: tensor<4x2xf32>, %b: tensor<3x4xf32>, %c: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = aiopt.gemm %a, %b, %c {alpha = 0.5 : f32, beta = 2.0 : f32, transA = true, transB = true} : tensor<4x2xf32>, tensor<3x4xf32>, tensor<3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A matmul epilogue: the contraction, then the bias added and the
// activation applied by their own elementwise generics (fused into one by
// aiopt-cpu-fuse-elementwise later).
// CHECK-LABEL: func @matmul_epilogue
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK:   arith.addf
// CHECK: linalg.generic
// CHECK:   arith.maximumf
func.func @matmul_epilogue(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>, %bias: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = aiopt.matmul %a, %b, %bias {activation = 0 : i32} : tensor<3x4xf32>, tensor<4x5xf32>, tensor<5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// A conv with a clip epilogue (Relu6).
// CHECK-LABEL: func @conv_relu6
// CHECK: linalg.generic
// CHECK:   arith.mulf
// CHECK: linalg.generic
// CHECK:   arith.minimumf
func.func @conv_relu6(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32> {
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = 1 : i32, activation_params = array<f64: 0.0, 6.0>} : tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// Mixed precision: f16 operands widen into the f32 accumulator, in
// linalg.matmul for plain matrices ...
// CHECK-LABEL: func @matmul_f16_accumulate_f32
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<6x5xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<6x4xf16>, tensor<4x5xf16>) outs(%[[F]] : tensor<6x5xf32>)
func.func @matmul_f16_accumulate_f32(%a: tensor<2x3x4xf16>, %b: tensor<4x5xf16>) -> tensor<2x3x5xf32> {
  %0 = aiopt.matmul %a, %b {accumulate = f32} : tensor<2x3x4xf16>, tensor<4x5xf16>
  return %0 : tensor<2x3x5xf32>
}

// -----

// ... and exactly (arith.extf) in the generic of batched products and Gemm.
// CHECK-LABEL: func @batched_bf16_accumulate_f32
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x3x4xbf16>, tensor<2x4x5xbf16>) outs(%{{.*}} : tensor<2x3x5xf32>)
// CHECK: ^bb0(%[[X:.*]]: bf16, %[[Y:.*]]: bf16, %[[ACC:.*]]: f32):
// CHECK: %[[XE:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK: %[[YE:.*]] = arith.extf %[[Y]] : bf16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[XE]], %[[YE]] : f32
// CHECK: arith.addf %[[ACC]], %[[P]] : f32
func.func @batched_bf16_accumulate_f32(%a: tensor<2x3x4xbf16>, %b: tensor<2x4x5xbf16>) -> tensor<2x3x5xf32> {
  %0 = aiopt.matmul %a, %b {accumulate = f32} : tensor<2x3x4xbf16>, tensor<2x4x5xbf16>
  return %0 : tensor<2x3x5xf32>
}

// -----

// CHECK-LABEL: func @gemm_f16_accumulate_f32
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<3x4xf16>, tensor<5x4xf16>) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.extf %{{.*}} : f16 to f32
func.func @gemm_f16_accumulate_f32(%a: tensor<3x4xf16>, %b: tensor<5x4xf16>, %c: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = aiopt.gemm %a, %b, %c {accumulate = f32, transB = true} : tensor<3x4xf16>, tensor<5x4xf16>, tensor<5xf32>
  return %0 : tensor<3x5xf32>
}
