// RUN: aiopt-opt --aiopt-infer-shapes -split-input-file %s | FileCheck %s

// A cast that forgets the batch: the matmul reads through it and the
// static shape flows through relu and transpose; the return keeps its
// declared type through a cast.
// CHECK-LABEL: func.func @through_cast
// CHECK: %[[M:.*]] = aiopt.matmul %arg0, %arg1 : tensor<2x3xf32>, tensor<3x4xf32>
// CHECK: %[[R:.*]] = aiopt.relu %[[M]] : tensor<2x4xf32>
// CHECK: %[[T:.*]] = aiopt.transpose %[[R]] {perm = array<i64: 1, 0>} : tensor<2x4xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[T]] : tensor<4x2xf32> to tensor<4x?xf32>
// CHECK: return %[[C]] : tensor<4x?xf32>
func.func @through_cast(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<4x?xf32> {
  %c = tensor.cast %x : tensor<2x3xf32> to tensor<?x3xf32>
  %m = aiopt.matmul %c, %w : tensor<?x3xf32>, tensor<3x4xf32>
  %r = aiopt.relu %m : tensor<?x4xf32>
  %t = aiopt.transpose %r {perm = array<i64: 1, 0>} : tensor<?x4xf32>
  return %t : tensor<4x?xf32>
}

// -----

// Negative: a dynamic function argument stays dynamic; a cast to a
// different static shape is not read through.
// CHECK-LABEL: func.func @nothing_to_refine
// CHECK: aiopt.relu %arg0 : tensor<?x3xf32>
// CHECK-NOT: tensor.cast
func.func @nothing_to_refine(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r = aiopt.relu %x : tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
