// RUN: aiopt-opt %s --convert-aiopt-to-linalg="window-copies=false" -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --convert-aiopt-to-linalg -split-input-file | FileCheck %s --check-prefix=COPIES

// Without window copies (GPU targets), a unit-stride 3x3 convolution is one
// product reading the padded input through window indices: no copy of
// shifted rows (the CPU's form, a 6-loop product over a gathered tensor).
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 + d5, d6 + d7)>
// CHECK-LABEL: func @conv3x3
// CHECK: tensor.pad
// CHECK: linalg.generic {{.*}}ins(%{{.*}} : tensor<1x4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[WIN]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
// CHECK-NOT: linalg.generic
// CHECK: return
// COPIES-LABEL: func @conv3x3
// COPIES: tensor.pad
// COPIES: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%padded
// COPIES: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
func.func @conv3x3(%x: tensor<1x3x6x28xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x28xf32> {
  %0 = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x6x28xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
  return %0 : tensor<1x4x6x28xf32>
}

// -----

// A 1x1 convolution with unit strides reads its input in place either way:
// a product over the collapsed input.
// CHECK-LABEL: func @pointwise
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<1x8x25xf32>)
// COPIES-LABEL: func @pointwise
// COPIES: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<1x8x25xf32>)
func.func @pointwise(%x: tensor<1x8x5x5xf32>, %w: tensor<16x8x1x1xf32>) -> tensor<1x16x5x5xf32> {
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x8x5x5xf32>, tensor<16x8x1x1xf32>
  return %0 : tensor<1x16x5x5xf32>
}
