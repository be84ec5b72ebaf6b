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

// -----

// ArgMax: one generic reducing (value, index) pairs; ties keep the first.
// CHECK-LABEL: func @argmax
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<2x5xf32>) outs(%{{.*}}, %{{.*}} : tensor<2xf32>, tensor<2xi64>)
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK-NOT: arith.ori
// CHECK: linalg.yield
// CHECK: tensor.expand_shape %[[R]]#1 {{\[}}[0, 1]] output_shape [2, 1] : tensor<2xi64> into tensor<2x1xi64>
func.func @argmax(%x: tensor<2x5xf32>) -> tensor<2x1xi64> {
  %0 = aiopt.arg_reduce max %x {axis = 1 : i64} : tensor<2x5xf32>
  return %0 : tensor<2x1xi64>
}

// -----

// log(sum(exp(x))) = max + log(sum(exp(x - max))).
// CHECK-LABEL: func @log_sum_exp
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: math.log
// CHECK: arith.addf
func.func @log_sum_exp(%x: tensor<2x5xf32>) -> tensor<2xf32> {
  %0 = aiopt.reduce log_sum_exp %x {axes = array<i64: 1>, keepdims = false} : tensor<2x5xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func @layer_norm
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: math.rsqrt
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}]
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @layer_norm(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> tensor<2x8xf32> {
  %0:3 = aiopt.layer_norm %x, %g, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>
  return %0#0 : tensor<2x8xf32>
}
