// RUN: aiopt-opt --convert-aiopt-to-linalg %s | FileCheck %s

// A matmul marked aiopt.sparse_weight: W^T in CSR (32-bit positions and
// coordinates of each output column's nonzeros), assembled from constant
// arrays; the activation's rows collapse into one matrix, transposed so
// that the innermost loop runs over its rows; the bias and activation
// follow as usual. The transposes are generics, which elementwise fusion
// merges with their neighbours.
// CHECK-DAG: #[[SWAP:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[CSR:.*]] = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed), posWidth = 32, crdWidth = 32 }>
// CHECK-LABEL: func.func @matmul_rows
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[POS:.*]] = arith.constant dense<[0, 2, 3]> : tensor<3xi32>
// CHECK: %[[CRD:.*]] = arith.constant dense<[0, 3, 2]> : tensor<3xi32>
// CHECK: %[[VAL:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK: %[[W:.*]] = sparse_tensor.assemble (%[[POS]], %[[CRD]]), %[[VAL]] {{.*}} to tensor<2x4xf32, #[[CSR]]>
// CHECK: %[[XT:.*]] = linalg.generic {indexing_maps = [#[[SWAP]], {{.*}}]{{.*}} ins(%[[X]] : tensor<6x4xf32>)
// CHECK: %[[YT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[W]], %[[XT]] : tensor<2x4xf32, #[[CSR]]>, tensor<4x6xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[SWAP]], {{.*}}]{{.*}} ins(%[[YT]] : tensor<2x6xf32>)
// CHECK: tensor.expand_shape %[[Y]]
// CHECK: arith.addf
// CHECK: arith.maximumf
func.func @matmul_rows(%x: tensor<2x3x4xf32>, %b: tensor<2xf32>) -> tensor<2x3x2xf32> {
  %w = aiopt.constant dense<[[1.0, 0.0], [0.0, 0.0], [0.0, 3.0], [2.0, 0.0]]> : tensor<4x2xf32>
  %y = aiopt.matmul %x, %w, %b {aiopt.sparse_weight, activation = 0 : i32} : tensor<2x3x4xf32>, tensor<4x2xf32>, tensor<2xf32>
  return %y : tensor<2x3x2xf32>
}

// One row: W itself is compressed (by input row), and each nonzero
// w[k, n] adds x[k] * w[k, n] to y[n]. Gemm's B transposed is read back
// as W; alpha scales the stored values.
// CHECK-LABEL: func.func @gemm_row
// CHECK: arith.constant dense<[0, 1, 1, 2, 3]> : tensor<5xi32>
// CHECK: arith.constant dense<[0, 1, 0]> : tensor<3xi32>
// CHECK: arith.constant dense<[2.000000e+00, 6.000000e+00, 4.000000e+00]> : tensor<3xf32>
// CHECK: %[[W:.*]] = sparse_tensor.assemble {{.*}} to tensor<4x2xf32, #[[CSR]]>
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1]] : tensor<1x4xf32> into tensor<4xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%[[W]], %[[X]] : tensor<4x2xf32, #[[CSR]]>, tensor<4xf32>)
// CHECK: tensor.expand_shape
func.func @gemm_row(%a: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = aiopt.constant dense<[[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 3.0, 0.0]]> : tensor<2x4xf32>
  %y = aiopt.gemm %a, %w {aiopt.sparse_weight, transB = true, alpha = 2.0 : f32} : tensor<1x4xf32>, tensor<2x4xf32>
  return %y : tensor<1x2xf32>
}

// Without the mark, the dense lowering.
// CHECK-LABEL: func.func @unmarked
// CHECK-NOT: sparse_tensor
// CHECK: linalg.matmul
func.func @unmarked(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = aiopt.constant dense<[[1.0, 0.0], [0.0, 0.0], [0.0, 3.0], [2.0, 0.0]]> : tensor<4x2xf32>
  %y = aiopt.matmul %x, %w : tensor<3x4xf32>, tensor<4x2xf32>
  return %y : tensor<3x2xf32>
}
