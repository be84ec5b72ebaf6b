// RUN: aiopt-opt %s --convert-aiopt-to-linalg -split-input-file | FileCheck %s

// Mean: sum over the reduced dims, divide by their (runtime) extent, then
// reinsert the kept unit dimension.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @mean_keepdims
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.addf
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x8xf32>
// CHECK: %[[NF:.*]] = arith.sitofp
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?xf32>)
// CHECK: arith.divf %{{.*}}, %[[NF]]
// CHECK: tensor.expand_shape %[[MEAN]] {{\[}}[0, 1]] output_shape [%{{.*}}, 1] : tensor<?xf32> into tensor<?x1xf32>
func.func @mean_keepdims(%x: tensor<?x8xf32>) -> tensor<?x1xf32> {
  %0 = aiopt.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<?x8xf32>
  return %0 : tensor<?x1xf32>
}

// -----

// CHECK-LABEL: func @max_int
// CHECK: arith.constant -9223372036854775808 : i64
// CHECK: arith.maxsi
func.func @max_int(%x: tensor<3x4xi64>) -> tensor<4xi64> {
  %0 = aiopt.reduce max %x {axes = array<i64: 0>, keepdims = false} : tensor<3x4xi64>
  return %0 : tensor<4xi64>
}

// -----

// Softmax: max-reduce, subtract, exp, sum-reduce, divide.
// CHECK-LABEL: func @softmax
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: %[[SUB:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[MAX]] : tensor<2x10xf32>, tensor<2xf32>)
// CHECK: arith.subf
// CHECK: %[[EXP:.*]] = linalg.generic
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] : tensor<2x10xf32>, tensor<2xf32>)
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = aiopt.softmax %x {axis = 1 : i64} : tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// -----

// CHECK-LABEL: func @log_softmax
// CHECK: math.log
// CHECK: arith.subf
func.func @log_softmax(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = aiopt.softmax %x {axis = 1 : i64, log = true} : tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}
