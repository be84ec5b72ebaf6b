// RUN: aiopt-opt --aiopt-merge-products -split-input-file %s | FileCheck %s

// Three projections of one input (attention's query, key and value, with
// biases) become one product by the weights side by side, biases end to
// end, where the first one was; each is the slice of its columns. The
// weights interleave by rows: row 0 of each, then row 1 of each.
// CHECK-LABEL: func.func @qkv
// CHECK-DAG: %[[W:.*]] = aiopt.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 5.000000e+00, 6.000000e+00, 9.000000e+00], [3.000000e+00, 4.000000e+00, 7.000000e+00, 8.000000e+00, 1.000000e+01]]> : tensor<2x5xf32>
// CHECK-DAG: %[[B:.*]] = aiopt.constant dense<[1.000000e-01, 2.000000e-01, 3.000000e-01, 4.000000e-01, 5.000000e-01]> : tensor<5xf32>
// CHECK: %[[M:.*]] = aiopt.matmul %arg0, %[[W]], %[[B]] : tensor<3x2xf32>, tensor<2x5xf32>, tensor<5xf32>
// CHECK-NEXT: %[[Q:.*]] = aiopt.slice %[[M]] {ends = array<i64: 3, 2>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<3x5xf32>
// CHECK-NEXT: aiopt.relu %[[Q]]
// CHECK-NEXT: %[[K:.*]] = aiopt.slice %[[M]] {ends = array<i64: 3, 4>, starts = array<i64: 0, 2>, steps = array<i64: 1, 1>} : tensor<3x5xf32>
// CHECK-NEXT: %[[V:.*]] = aiopt.slice %[[M]] {ends = array<i64: 3, 5>, starts = array<i64: 0, 4>, steps = array<i64: 1, 1>} : tensor<3x5xf32>
// CHECK-NOT: aiopt.matmul
// CHECK: return %{{.*}}, %[[K]], %[[V]]
func.func @qkv(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x1xf32>) {
  %wq = aiopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wk = aiopt.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %wv = aiopt.constant dense<[[9.0], [10.0]]> : tensor<2x1xf32>
  %bq = aiopt.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %bk = aiopt.constant dense<[0.3, 0.4]> : tensor<2xf32>
  %bv = aiopt.constant dense<[0.5]> : tensor<1xf32>
  %q = aiopt.matmul %x, %wq, %bq : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>
  %r = aiopt.relu %q : tensor<3x2xf32>
  %k = aiopt.matmul %x, %wk, %bk : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>
  %v = aiopt.matmul %x, %wv, %bv : tensor<3x2xf32>, tensor<2x1xf32>, tensor<1xf32>
  return %r, %k, %v : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x1xf32>
}

// -----

// Splat weights and a batched input (the slices keep the batch).
// CHECK-LABEL: func.func @splat_batched
// CHECK: %[[M:.*]] = aiopt.matmul %arg0, %{{.*}} : tensor<2x3x4xf32>, tensor<4x6xf32>
// CHECK: aiopt.slice %[[M]] {ends = array<i64: 2, 3, 2>, starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x6xf32>
// CHECK: aiopt.slice %[[M]] {ends = array<i64: 2, 3, 6>, starts = array<i64: 0, 0, 2>, steps = array<i64: 1, 1, 1>} : tensor<2x3x6xf32>
func.func @splat_batched(%x: tensor<2x3x4xf32>) -> (tensor<2x3x2xf32>, tensor<2x3x4xf32>) {
  %a = aiopt.constant dense<1.0> : tensor<4x2xf32>
  %b = aiopt.constant dense<2.0> : tensor<4x4xf32>
  %p = aiopt.matmul %x, %a : tensor<2x3x4xf32>, tensor<4x2xf32>
  %q = aiopt.matmul %x, %b : tensor<2x3x4xf32>, tensor<4x4xf32>
  return %p, %q : tensor<2x3x2xf32>, tensor<2x3x4xf32>
}

// -----

// Products that differ stay apart: another input, weights computed at run
// time, a bias on one only, another epilogue, weights for the sparse
// kernel, and int8 operands.
// CHECK-LABEL: func.func @apart
// CHECK-NOT: aiopt.slice
// CHECK-COUNT-7: aiopt.matmul
// CHECK-NOT: aiopt.slice
func.func @apart(%x: tensor<3x2xf32>, %y: tensor<3x2xf32>, %w: tensor<2x2xf32>,
                 %xi: tensor<3x2xi8>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xi32>) {
  %c = aiopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %bias = aiopt.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %ci = aiopt.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %a = aiopt.matmul %x, %c : tensor<3x2xf32>, tensor<2x2xf32>
  %b = aiopt.matmul %y, %c : tensor<3x2xf32>, tensor<2x2xf32>
  %d = aiopt.matmul %x, %w : tensor<3x2xf32>, tensor<2x2xf32>
  %e = aiopt.matmul %x, %c, %bias : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>
  %f = aiopt.matmul %x, %c, %bias {activation = 0 : i32} : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>
  %g = aiopt.matmul %y, %c {aiopt.sparse_weight} : tensor<3x2xf32>, tensor<2x2xf32>
  %h = aiopt.matmul %xi, %ci : tensor<3x2xi8>, tensor<2x2xi8>
  return %a, %b, %d, %e, %f, %g, %h : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xi32>
}
