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

// -----

// Einsum: one generic, a loop per letter; j is summed.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @einsum
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @einsum(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) -> tensor<2x3x5xf32> {
  %0 = aiopt.einsum %a, %b {equation = "Aij,jk->Aik"} : tensor<2x3x4xf32>, tensor<4x5xf32> -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// TopK: ranks (a reduction over j counting better elements), then the
// element of each rank.
// CHECK-LABEL: func @top_k
// CHECK: %[[RANKS:.*]] = linalg.generic
// CHECK: arith.cmpf ogt
// CHECK: arith.extui %{{.*}} : i1 to i64
// CHECK: linalg.generic {{.*}} ins(%arg0, %[[RANKS]] : tensor<3x4xf32>, tensor<3x4xi64>) outs(%{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<3x2xi64>)
// CHECK: arith.cmpi eq
func.func @top_k(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %v, %i = aiopt.top_k %x {axis = 1 : i64, k = 2 : i64} : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// Reflect padding reads the input at mirrored indices.
// CHECK-LABEL: func @pad_reflect
// CHECK: linalg.generic
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi sgt
// CHECK: tensor.extract %arg0
func.func @pad_reflect(%x: tensor<4xf32>) -> tensor<7xf32> {
  %0 = aiopt.pad %x {mode = 2 : i32, pads = array<i64: 1, 2>} : tensor<4xf32>
  return %0 : tensor<7xf32>
}

// -----

// GatherND with one batch dimension: the tuple element read from the
// indices addresses dimension 1.
// CHECK-LABEL: func @gather_nd
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[RAW:.*]] = tensor.extract %arg1[%[[B]], %{{.*}}] : tensor<2x1xi64>
// CHECK: %[[I:.*]] = arith.minsi
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: tensor.extract %arg0[%[[B]], %[[I]], %[[J]]] : tensor<2x3x4xf32>
func.func @gather_nd(%x: tensor<2x3x4xf32>, %i: tensor<2x1xi64>) -> tensor<2x4xf32> {
  %0 = aiopt.gather_nd %x, %i {batch_dims = 1 : i64} : tensor<2x3x4xf32>, tensor<2x1xi64> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// GridSample, linear with zero padding: per output element the two grid
// coordinates (x from grid entry 0 for the last dimension), four taps,
// each read only when inside the input.
// CHECK-LABEL: func @grid_sample_linear
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x1x3x3xf32>)
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<1x3x3x2xf32>
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x1x2x4xf32>
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @grid_sample_linear(%x: tensor<1x1x2x4xf32>, %g: tensor<1x3x3x2xf32>) -> tensor<1x1x3x3xf32> {
  %0 = aiopt.grid_sample %x, %g {mode = 4 : i32, padding_mode = 0 : i32, align_corners = false} : tensor<1x1x2x4xf32>, tensor<1x3x3x2xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// Antialiased linear resize at factor 0.5: four taps (offsets -1..2 from
// floor(x)), weights max(0, 1 - |k - frac| / 2) renormalized.
// CHECK-LABEL: func @resize_antialias
// CHECK: linalg.generic
// CHECK-COUNT-4: arith.maximumf
// CHECK: arith.divf
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x8xf32>
func.func @resize_antialias(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %0 = aiopt.resize %x {mode = 4 : i32, coord_scale = array<f64: 1.0, 2.0>, coord_offset = array<f64: 0.0, 0.5>, antialias_scale = array<f64: 1.0, 0.5>} : tensor<1x8xf32> to tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}
