// RUN: aiopt-opt %s --convert-aiopt-to-linalg -split-input-file | FileCheck %s

// Broadcasting binary ops become one generic; a missing leading dimension
// is dropped from the operand's map, dynamic sizes come from tensor.dim.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @add_broadcast
// CHECK-SAME: (%[[A:[^:]*]]: tensor<?x3xf32> {bufferization.writable = false}, %[[B:[^:]*]]: tensor<3xf32> {bufferization.writable = false})
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[B]] : tensor<?x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<?x3xf32>)
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %0 = aiopt.add %a, %b : tensor<?x3xf32>, tensor<3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Unit dimensions broadcast through constant-0 map results.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func @unit_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #{{.*}}]
// CHECK: arith.cmpf olt
// CHECK: -> tensor<4x5xi1>
func.func @unit_broadcast(%a: tensor<4x1xf32>, %b: tensor<1x5xf32>) -> tensor<4x5xi1> {
  %0 = aiopt.less %a, %b : tensor<4x1xf32>, tensor<1x5xf32>
  return %0 : tensor<4x5xi1>
}

// -----

// CHECK-LABEL: func @cast_clip
// CHECK: arith.sitofp %{{.*}} : i64 to f32
// CHECK: arith.maximumf
// CHECK: arith.minimumf
func.func @cast_clip(%a: tensor<4xi64>) -> tensor<4xf32> {
  %0 = aiopt.cast %a : tensor<4xi64> to tensor<4xf32>
  %1 = aiopt.clip %0 {min = 0.0 : f64, max = 6.0 : f64} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @activations
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: math.erf
// CHECK: math.tanh
// CHECK: arith.cmpf oge
// CHECK: arith.select
func.func @activations(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = aiopt.relu %x : tensor<8xf32>
  %1 = aiopt.sigmoid %0 : tensor<8xf32>
  %2 = aiopt.erf %1 : tensor<8xf32>
  %3 = aiopt.tanh %2 : tensor<8xf32>
  %4 = aiopt.leaky_relu %3 {alpha = 0.1 : f32} : tensor<8xf32>
  return %4 : tensor<8xf32>
}

// -----

// Batch norm reads its per-channel parameters through dimension 1.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func @batch_norm
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH]], #[[CH]], #[[CH]], #[[CH]], #{{.*}}]
// CHECK: math.sqrt
func.func @batch_norm(%x: tensor<?x4x2x2xf32>, %p: tensor<4xf32>) -> tensor<?x4x2x2xf32> {
  %0 = aiopt.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f32} : tensor<?x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<?x4x2x2xf32>
}

// -----

// CHECK-LABEL: func @where_int
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : i64
// CHECK: arith.divsi
func.func @where_int(%c: tensor<3xi1>, %a: tensor<3xi64>, %b: tensor<i64>) -> tensor<3xi64> {
  %0 = aiopt.where %c, %a, %b : tensor<3xi1>, tensor<3xi64>, tensor<i64>
  %1 = aiopt.div %0, %b : tensor<3xi64>, tensor<i64>
  return %1 : tensor<3xi64>
}

// -----

// Parametric activations expand to arithmetic on their attributes.
// CHECK-LABEL: func @parametric
// CHECK: %[[ALPHA:.*]] = arith.constant 2.000000e-01 : f32
// CHECK: arith.mulf %{{.*}}, %[[ALPHA]]
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.cmpf ogt
// CHECK: math.erf
// CHECK: math.tanh
// CHECK: math.log1p
// CHECK: math.roundeven
// CHECK: arith.cmpf olt
// CHECK: arith.select
func.func @parametric(%x: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<4xf32> {
  %0 = aiopt.hard_sigmoid %x {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<4xf32>
  %1 = aiopt.elu %0 {alpha = 1.0 : f32} : tensor<4xf32>
  %2 = aiopt.gelu %1 : tensor<4xf32>
  %3 = aiopt.gelu %2 {tanh_approximation = true} : tensor<4xf32>
  %4 = aiopt.softplus %3 : tensor<4xf32>
  %5 = aiopt.round %4 : tensor<4xf32>
  %6 = aiopt.prelu %5, %s : tensor<4xf32>, tensor<4xf32>
  return %6 : tensor<4xf32>
}

// -----

// Python-style integer Mod: a non-zero remainder takes the divisor's sign.
// CHECK-LABEL: func @mod_int
// CHECK: %[[R:.*]] = arith.remsi
// CHECK: arith.cmpi slt, %[[R]]
// CHECK: arith.cmpi ne, %[[R]]
// CHECK: %[[FIX:.*]] = arith.addi %[[R]]
// CHECK: arith.select %{{.*}}, %[[FIX]], %[[R]] : i32
func.func @mod_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = aiopt.mod %a, %b : tensor<4xi32>, tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// fmod keeps the dividend's sign: a plain remf.
// CHECK-LABEL: func @mod_fmod
// CHECK: %[[R:.*]] = arith.remf
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @mod_fmod(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = aiopt.mod %a, %b {fmod = true} : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Bitwise not on integers xors with all ones.
// CHECK-LABEL: func @bitwise_not
// CHECK: %[[ONES:.*]] = arith.constant -1 : i8
// CHECK: arith.xori %{{.*}}, %[[ONES]] : i8
func.func @bitwise_not(%a: tensor<4xi8>) -> tensor<4xi8> {
  %0 = aiopt.not %a : tensor<4xi8>
  return %0 : tensor<4xi8>
}
