// RUN: aiopt-opt --aiopt-fold-constants -split-input-file %s | FileCheck %s
// RUN: aiopt-opt --aiopt-fold-constants=max-elements=4 -split-input-file %s | FileCheck %s --check-prefix=LIMIT

// A transposed weight (as exporters write x @ W^T) becomes a constant in
// the layout the matmul reads; the reshape of a constant keeps its data.
// CHECK-LABEL: func.func @transpose_reshape
// CHECK-DAG: %[[T:.*]] = aiopt.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: %[[R:.*]] = aiopt.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi64>
// CHECK: aiopt.matmul %arg0, %[[T]]
// CHECK: return %{{.*}}, %[[R]]
// LIMIT-LABEL: func.func @transpose_reshape
// LIMIT: aiopt.transpose %{{.*}} {perm = array<i64: 1, 0>} : tensor<2x3xf32>

func.func @transpose_reshape(%x: tensor<4x3xf32>) -> (tensor<4x2xf32>, tensor<6xi64>) {
  %w = aiopt.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %wt = aiopt.transpose %w {perm = array<i64: 1, 0>} : tensor<2x3xf32>
  %y = aiopt.matmul %x, %wt : tensor<4x3xf32>, tensor<3x2xf32>
  %i = aiopt.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %r = aiopt.reshape %i : tensor<2x3xi64> to tensor<6xi64>
  return %y, %r : tensor<4x2xf32>, tensor<6xi64>
}

// -----

// A 3-D transpose and an f16 weight widened to f32.
// CHECK-LABEL: func.func @transpose3d_cast
// CHECK-DAG: aiopt.constant dense<{{\[\[\[}}0, 4], [1, 5]], {{\[\[}}2, 6], [3, 7]]]> : tensor<2x2x2xi32>
// CHECK-DAG: aiopt.constant dense<[5.000000e-01, 1.500000e+00]> : tensor<2xf32>
// CHECK-NOT: aiopt.cast
func.func @transpose3d_cast() -> (tensor<2x2x2xi32>, tensor<2xf32>) {
  %c = aiopt.constant dense<[[[0, 1], [2, 3]], [[4, 5], [6, 7]]]> : tensor<2x2x2xi32>
  %t = aiopt.transpose %c {perm = array<i64: 1, 2, 0>} : tensor<2x2x2xi32>
  %h = aiopt.constant dense<[0.5, 1.5]> : tensor<2xf16>
  %f = aiopt.cast %h : tensor<2xf16> to tensor<2xf32>
  return %t, %f : tensor<2x2x2xi32>, tensor<2xf32>
}

// -----

// Negative: a transpose of a function argument stays.
// CHECK-LABEL: func.func @not_constant
// CHECK: aiopt.transpose %arg0
func.func @not_constant(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = aiopt.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32>
  return %t : tensor<3x2xf32>
}
