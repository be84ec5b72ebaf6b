// RUN: aiopt-opt %s --convert-aiopt-to-linalg -split-input-file | FileCheck %s

// ScatterElements: a loop nest over the updates carrying the result; the
// model input is marked read-only, so bufferization writes to a copy.
// CHECK-LABEL: func @scatter_elements
// CHECK-SAME: bufferization.writable = false
// CHECK: scf.for %[[I:[^ ]*]] = {{.*}} iter_args(%[[ACC:[^ ]*]] = %arg0)
// CHECK: %[[RAW:.*]] = tensor.extract %arg1[%[[I]]] : tensor<2xi64>
// CHECK: %[[AT:.*]] = arith.minsi
// CHECK: %[[U:.*]] = tensor.extract %arg2[%[[I]]]
// CHECK: %[[OLD:.*]] = tensor.extract %[[ACC]][%[[AT]]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[U]] : f32
// CHECK: tensor.insert %[[NEW]] into %[[ACC]][%[[AT]]]
func.func @scatter_elements(%x: tensor<4xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>) -> tensor<4xf32> {
  %0 = aiopt.scatter_elements %x, %i, %u {axis = 0 : i64, reduction = 1 : i32} : tensor<4xf32>, tensor<2xi64>, tensor<2xf32>
  return %0 : tensor<4xf32>
}

// -----

// ScatterND: index tuples address rows.
// CHECK-LABEL: func @scatter_nd
// CHECK: scf.for %[[I:[^ ]*]] =
// CHECK: scf.for %[[J:[^ ]*]] =
// CHECK: %[[RAW:.*]] = tensor.extract %arg1[%[[I]], %{{.*}}] : tensor<2x1xi64>
// CHECK: %[[ROW:.*]] = arith.minsi
// CHECK: %[[U:.*]] = tensor.extract %arg2[%[[I]], %[[J]]] : tensor<2x3xf32>
// CHECK: tensor.insert %[[U]] into %{{.*}}[%[[ROW]], %[[J]]] : tensor<4x3xf32>
func.func @scatter_nd(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %0 = aiopt.scatter_nd %x, %i, %u {reduction = 0 : i32} : tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Linear resize: two taps per resampled dimension, weights in f64.
// CHECK-LABEL: func @resize_linear
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x1x4xf32>)
// CHECK: %[[POS:.*]] = linalg.index 2
// CHECK: math.floor %{{.*}} : f64
// CHECK-COUNT-2: tensor.extract %arg0
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @resize_linear(%x: tensor<1x1x2xf32>) -> tensor<1x1x4xf32> {
  %0 = aiopt.resize %x {mode = 4 : i32, coord_scale = array<f64: 1.0, 1.0, 0.5>, coord_offset = array<f64: 0.0, 0.0, -0.25>} : tensor<1x1x2xf32> to tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}

// -----

// Exclusive cumulative sum: a reduction loop j with the predicate j < i.
// CHECK-LABEL: func @cumsum
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[TAKE:.*]] = arith.cmpi ult, %[[J]], %[[I]]
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK: arith.select %[[TAKE]], %[[SUM]]
func.func @cumsum(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = aiopt.cumulative sum %x {axis = 0 : i64, exclusive = true} : tensor<5xf32>
  return %0 : tensor<5xf32>
}
