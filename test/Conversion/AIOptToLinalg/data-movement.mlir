// RUN: aiopt-opt %s --convert-aiopt-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func @reshape_transpose
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<?x2x4xf32> into tensor<?x8xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<?x2x4xf32>) outs(%{{.*}} : tensor<4x2x?xf32>) permutation = [2, 1, 0]
func.func @reshape_transpose(%x: tensor<?x2x4xf32>) -> (tensor<?x8xf32>, tensor<4x2x?xf32>) {
  %0 = aiopt.reshape %x : tensor<?x2x4xf32> to tensor<?x8xf32>
  %1 = aiopt.transpose %x {perm = array<i64: 2, 1, 0>} : tensor<?x2x4xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<4x2x?xf32>
}

// -----

// A reshape that is neither a collapse nor an expand goes through 1-D.
// CHECK-LABEL: func @reshape_general
// CHECK: %[[F:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: tensor.expand_shape %[[F]] {{\[}}[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
func.func @reshape_general(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = aiopt.reshape %x : tensor<2x3xf32> to tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Gather wraps negative indices and clamps to the axis extent.
// CHECK-LABEL: func @gather
// CHECK: linalg.generic
// CHECK: arith.index_cast %{{.*}} : i64 to index
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %[[J]]] : tensor<10x4xf32>
func.func @gather(%t: tensor<10x4xf32>, %ids: tensor<3xi64>) -> tensor<3x4xf32> {
  %0 = aiopt.gather %t, %ids {axis = 0 : i64} : tensor<10x4xf32>, tensor<3xi64>
  return %0 : tensor<3x4xf32>
}

// -----

// GatherElements reads data at the loop indices with the axis coordinate
// replaced by the wrapped, clamped index.
// CHECK-LABEL: func @gather_elements
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK: ^bb0(%[[IDX:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: arith.index_cast %[[IDX]] : i64 to index
// CHECK: %[[J:.*]] = arith.minsi
// CHECK: tensor.extract %{{.*}}[%[[I]], %[[J]]] : tensor<2x5xf32>
func.func @gather_elements(%x: tensor<2x5xf32>, %ids: tensor<2x3xi64>) -> tensor<2x3xf32> {
  %0 = aiopt.gather_elements %x, %ids {axis = 1 : i64} : tensor<2x5xf32>, tensor<2x3xi64>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @shape_of_dynamic
// CHECK: tensor.dim
// CHECK: tensor.from_elements %{{.*}}, %{{.*}}, %{{.*}} : tensor<3xi64>
func.func @shape_of_dynamic(%x: tensor<?x2x4xf32>) -> tensor<3xi64> {
  %0 = aiopt.shape %x : tensor<?x2x4xf32>
  return %0 : tensor<3xi64>
}

// -----

// Positive steps are views; negative steps read `start + i * step`.
// CHECK-DAG: #[[REV:.*]] = affine_map<(d0) -> (-d0 + 3)>
// CHECK-LABEL: func @slices
// CHECK: tensor.extract_slice %{{.*}}[1] [2] [2] : tensor<5xf32> to tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[REV]], #{{.*}}]
func.func @slices(%x: tensor<5xf32>) -> (tensor<2xf32>, tensor<4xf32>) {
  %0 = aiopt.slice %x {starts = array<i64: 1>, ends = array<i64: 5>, steps = array<i64: 2>} : tensor<5xf32>
  %1 = aiopt.slice %x {starts = array<i64: 3>, ends = array<i64: -1>, steps = array<i64: -1>} : tensor<5xf32>
  return %0, %1 : tensor<2xf32>, tensor<4xf32>
}

// -----

// Concat inserts each operand at its running offset.
// CHECK-LABEL: func @concat_pad
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<2x?xf32>
// CHECK: %[[I:.*]] = tensor.insert_slice %{{.*}} into %[[E]][0, 0] [2, %{{.*}}] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %[[I]][0, %{{.*}}] [2, 3] [1, 1]
// CHECK: tensor.pad %{{.*}} low[1, 0] high[1, 2]
// CHECK: tensor.yield %{{.*}} : f32
func.func @concat_pad(%a: tensor<2x?xf32>, %b: tensor<2x3xf32>) -> (tensor<2x?xf32>, tensor<4x5xf32>) {
  %0 = aiopt.concat %a, %b {axis = 1 : i64} : tensor<2x?xf32>, tensor<2x3xf32>
  %1 = aiopt.pad %b {pads = array<i64: 1, 0, 1, 2>, value = 1.0 : f64} : tensor<2x3xf32>
  return %0, %1 : tensor<2x?xf32>, tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func @constant
// CHECK: arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
func.func @constant() -> tensor<2xf32> {
  %0 = aiopt.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func @expand
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #{{.*}}]
// CHECK: linalg.yield %{{.*}} : f32
func.func @expand(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = aiopt.expand %x : tensor<3x1xf32> to tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Trilu reads k once and compares col - row with it.
// CHECK-LABEL: func @trilu
// CHECK: %[[K:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: %[[KI:.*]] = arith.index_cast %[[K]] : i64 to index
// CHECK: linalg.generic
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[D:.*]] = arith.subi %[[J]], %[[I]] : index
// CHECK: arith.cmpi sge, %[[D]], %[[KI]] : index
// CHECK: arith.select
func.func @trilu(%x: tensor<4x5xf32>, %k: tensor<i64>) -> tensor<4x5xf32> {
  %0 = aiopt.trilu %x, %k {upper = true} : tensor<4x5xf32>, tensor<i64>
  return %0 : tensor<4x5xf32>
}

// -----

// Constant extents from a batch of any size: the batch is what the
// destination's element count makes it (a cast), then the static forms;
// with two dynamic extents, the flat tensor takes the destination's count.
// CHECK-LABEL: func @reshape_dynamic_to_static
// CHECK: %[[C:.*]] = tensor.cast %{{.*}} : tensor<?x48x16xf32> to tensor<2x48x16xf32>
// CHECK: tensor.collapse_shape %[[C]] {{\[}}[0, 1], [2]] : tensor<2x48x16xf32> into tensor<96x16xf32>
// CHECK: %[[C2:.*]] = tensor.cast %{{.*}} : tensor<?x48xf32> to tensor<48x48xf32>
// CHECK: tensor.expand_shape %[[C2]] {{\[}}[0, 1], [2]] output_shape [2, 24, 48] : tensor<48x48xf32> into tensor<2x24x48xf32>
// CHECK: tensor.cast %{{.*}} : tensor<?x3xf32> to tensor<2x3xf32>
// CHECK: tensor.collapse_shape
// CHECK-NOT: tensor.cast
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<?x?xf32> into tensor<?xf32>
// CHECK: tensor.cast %{{.*}} : tensor<?xf32> to tensor<16xf32>
// CHECK: tensor.expand_shape
// CHECK-SAME: tensor<16xf32> into tensor<4x4xf32>
func.func @reshape_dynamic_to_static(%x: tensor<?x48x16xf32>, %y: tensor<?x48xf32>, %z: tensor<?x3xf32>, %w: tensor<?x?xf32>)
    -> (tensor<96x16xf32>, tensor<2x24x48xf32>, tensor<6xf32>, tensor<4x4xf32>) {
  %0 = aiopt.reshape %x : tensor<?x48x16xf32> to tensor<96x16xf32>
  %1 = aiopt.reshape %y : tensor<?x48xf32> to tensor<2x24x48xf32>
  %2 = aiopt.reshape %z : tensor<?x3xf32> to tensor<6xf32>
  %3 = aiopt.reshape %w : tensor<?x?xf32> to tensor<4x4xf32>
  return %0, %1, %2, %3 : tensor<96x16xf32>, tensor<2x24x48xf32>, tensor<6xf32>, tensor<4x4xf32>
}
