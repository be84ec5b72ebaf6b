// RUN: aiopt-opt --aiopt-prune="mode=channels ratio=0.5" --canonicalize -split-input-file -verify-diagnostics %s | FileCheck %s

// Two heads of size 2 over a hidden size of 4. Head 1 (columns 2 and 3 of
// the Q, K and V projections, rows 2 and 3 of the output projection) has
// the larger weights: head 0 goes, with its bias entries, and every shape
// between the projections loses it.
// CHECK-LABEL: func.func @heads
// CHECK-DAG: %[[WQ:.*]] = aiopt.constant dense<3.000000e+00> : tensor<4x2xf32>
// CHECK-DAG: %[[BQ:.*]] = aiopt.constant dense<[3.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[WO:.*]] = aiopt.constant dense<{{\[}}[5.000000e+00, 5.000000e+00, 5.000000e+00, 5.000000e+00], [6.000000e+00, 6.000000e+00, 6.000000e+00, 6.000000e+00]]> : tensor<2x4xf32>
// CHECK: %[[Q:.*]] = aiopt.matmul %arg0, %[[WQ]], %[[BQ]] : tensor<1x3x4xf32>, tensor<4x2xf32>, tensor<2xf32>
// CHECK: %[[QS:.*]] = aiopt.reshape %[[Q]] : tensor<1x3x2xf32> to tensor<1x3x1x2xf32>
// CHECK: aiopt.transpose %[[QS]] {perm = array<i64: 0, 2, 1, 3>} : tensor<1x3x1x2xf32>
// CHECK: aiopt.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x1x2xf32>
// CHECK: %[[A:.*]] = aiopt.attention {{.*}} : tensor<1x1x3x2xf32>, tensor<1x1x2x3xf32>, tensor<1x1x3x2xf32> -> tensor<1x1x3x2xf32>
// CHECK: %[[B:.*]] = aiopt.transpose %[[A]] {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x3x2xf32>
// CHECK: %[[M:.*]] = aiopt.reshape %[[B]] : tensor<1x3x1x2xf32> to tensor<1x3x2xf32>
// CHECK: aiopt.matmul %[[M]], %[[WO]] : tensor<1x3x2xf32>, tensor<2x4xf32>
func.func @heads(%x: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %wq = aiopt.constant dense<[[1.0, 1.0, 3.0, 3.0], [1.0, 1.0, 3.0, 3.0], [1.0, 1.0, 3.0, 3.0], [1.0, 1.0, 3.0, 3.0]]> : tensor<4x4xf32>
  %bq = aiopt.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %w = aiopt.constant dense<[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]> : tensor<4x4xf32>
  %q = aiopt.matmul %x, %wq, %bq : tensor<1x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>
  %qs = aiopt.reshape %q : tensor<1x3x4xf32> to tensor<1x3x2x2xf32>
  %qt = aiopt.transpose %qs {perm = array<i64: 0, 2, 1, 3>} : tensor<1x3x2x2xf32>
  %k = aiopt.matmul %x, %w : tensor<1x3x4xf32>, tensor<4x4xf32>
  %ks = aiopt.reshape %k : tensor<1x3x4xf32> to tensor<1x3x2x2xf32>
  %kt = aiopt.transpose %ks {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x2x2xf32>
  %v = aiopt.matmul %x, %w : tensor<1x3x4xf32>, tensor<4x4xf32>
  %vs = aiopt.reshape %v : tensor<1x3x4xf32> to tensor<1x3x2x2xf32>
  %vt = aiopt.transpose %vs {perm = array<i64: 0, 2, 1, 3>} : tensor<1x3x2x2xf32>
  %a = aiopt.attention %qt, %kt, %vt {scale = 0.5 : f32} : tensor<1x2x3x2xf32>, tensor<1x2x2x3xf32>, tensor<1x2x3x2xf32> -> tensor<1x2x3x2xf32>
  %b = aiopt.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<1x2x3x2xf32>
  %m = aiopt.reshape %b : tensor<1x3x2x2xf32> to tensor<1x3x4xf32>
  %wo = aiopt.constant dense<[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0], [5.0, 5.0, 5.0, 5.0], [6.0, 6.0, 6.0, 6.0]]> : tensor<4x4xf32>
  // expected-remark @+1 {{output channels not pruned}}
  %y = aiopt.matmul %m, %wo : tensor<1x3x4xf32>, tensor<4x4xf32>
  return %y : tensor<1x3x4xf32>
}

// -----

// The output is used twice: the block keeps its heads.
func.func @two_uses(%x: tensor<1x3x4xf32>) -> (tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>) {
  %w = aiopt.constant dense<1.0> : tensor<4x4xf32>
  %q = aiopt.matmul %x, %w : tensor<1x3x4xf32>, tensor<4x4xf32>
  %qs = aiopt.reshape %q : tensor<1x3x4xf32> to tensor<1x3x2x2xf32>
  %qt = aiopt.transpose %qs {perm = array<i64: 0, 2, 1, 3>} : tensor<1x3x2x2xf32>
  %k = aiopt.matmul %x, %w : tensor<1x3x4xf32>, tensor<4x4xf32>
  %ks = aiopt.reshape %k : tensor<1x3x4xf32> to tensor<1x3x2x2xf32>
  %kt = aiopt.transpose %ks {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x2x2xf32>
  %v = aiopt.matmul %x, %w : tensor<1x3x4xf32>, tensor<4x4xf32>
  %vs = aiopt.reshape %v : tensor<1x3x4xf32> to tensor<1x3x2x2xf32>
  %vt = aiopt.transpose %vs {perm = array<i64: 0, 2, 1, 3>} : tensor<1x3x2x2xf32>
  // expected-remark @+1 {{attention heads not pruned: its output is not merged and projected by a matmul with constant weights}}
  %a = aiopt.attention %qt, %kt, %vt {scale = 0.5 : f32} : tensor<1x2x3x2xf32>, tensor<1x2x2x3xf32>, tensor<1x2x3x2xf32> -> tensor<1x2x3x2xf32>
  return %a, %a : tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>
}
