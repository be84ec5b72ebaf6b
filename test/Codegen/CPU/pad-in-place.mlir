// RUN: aiopt-opt %s --aiopt-cpu-pad-in-place -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-pad-in-place --aiopt-cpu-vectorize-elementwise="vector-size=16" -split-input-file | FileCheck %s --check-prefix=VEC

#id = affine_map<(a, b, c) -> (a, b, c)>

// A Relu whose only use is a pad (a convolution's input) writes the
// padded tensor's interior; then the border is filled box by box.
// CHECK-LABEL: func @relu_then_pad
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x6xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.0
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x6x9xf32>
// CHECK: %[[IN:.*]] = tensor.extract_slice %[[E]][0, 1, 2] [2, 4, 6] [1, 1, 1]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<2x4x6xf32>) outs(%[[IN]] : tensor<2x4x6xf32>)
// CHECK: arith.maximumf
// CHECK: %[[D:.*]] = tensor.insert_slice %[[R]] into %[[E]][0, 1, 2] [2, 4, 6] [1, 1, 1]
// The rows before and after the interior along dimension 1 (one each:
// rows 0 and 5), as one box of two rows 5 apart.
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[D]][0, 0, 0] [2, 2, 9] [1, 5, 1]
// CHECK: %[[F0:.*]] = linalg.generic {{.*}} outs(%[[S0]] : tensor<2x2x9xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[ZERO]] : f32
// CHECK: %[[D1:.*]] = tensor.insert_slice %[[F0]] into %[[D]][0, 0, 0] [2, 2, 9] [1, 5, 1]
// Columns before and after the interior rows, as seams: the 1 column
// after row r and the 2 before row r + 1 are adjacent, so the rows from
// offset 8 (after the first border row's interior) seen as 5 rows of 9
// start with them.
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[D1]] {{\[}}[0], [1, 2]] : tensor<2x6x9xf32> into tensor<2x54xf32>
// CHECK: %[[ROWS:.*]] = tensor.extract_slice %[[FLAT]][0, 8] [2, 45] [1, 1]
// CHECK: %[[GRID:.*]] = tensor.expand_shape %[[ROWS]] {{\[}}[0], [1, 2]] output_shape [2, 5, 9]
// CHECK: %[[SEAMS:.*]] = tensor.extract_slice %[[GRID]][0, 0, 0] [2, 5, 3] [1, 1, 1]
// CHECK: %[[F:.*]] = linalg.generic {{.*}} outs(%[[SEAMS]] : tensor<2x5x3xf32>)
// CHECK: %[[G:.*]] = tensor.insert_slice %[[F]] into %[[GRID]][0, 0, 0] [2, 5, 3] [1, 1, 1]
// CHECK: %[[BACK:.*]] = tensor.collapse_shape %[[G]]
// CHECK: %[[FLAT2:.*]] = tensor.insert_slice %[[BACK]] into %[[FLAT]][0, 8] [2, 45] [1, 1]
// CHECK: %[[P:.*]] = tensor.expand_shape %[[FLAT2]] {{\[}}[0], [1, 2]] output_shape [2, 6, 9]
// CHECK-NOT: tensor.pad
// CHECK: return %[[P]]
// The fills and the Relu are vectorized like other elementwise nests.
// VEC-LABEL: func @relu_then_pad
// VEC-NOT: tensor.pad
// VEC: arith.maximumf %{{.*}} : vector<6xf32>
// VEC: vector.transfer_write %{{.*}} : vector<9xf32>, tensor<9xf32>
// VEC: vector.transfer_write %{{.*}} : vector<3xf32>, tensor<3xf32>
func.func @relu_then_pad(%x: tensor<2x4x6xf32>) -> tensor<2x6x9xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x6xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x4x6xf32>) outs(%e : tensor<2x4x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4x6xf32>
  %p = tensor.pad %r low[0, 1, 2] high[0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<2x4x6xf32> to tensor<2x6x9xf32>
  return %p : tensor<2x6x9xf32>
}

// -----

// A function argument (the network's input) is copied into the interior
// by linalg.copy, which vectorize-elementwise splits into rows; a pad value
// defined inside the pad's body (max pooling's -inf) is hoisted. Padding on
// one side only fills one box.
// CHECK-LABEL: func @argument_then_pad
// CHECK-SAME: (%[[X:.*]]: tensor<3x16xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x19xf32>
// CHECK: %[[IN:.*]] = tensor.extract_slice %[[E]][0, 0] [3, 16] [1, 1]
// CHECK: %[[C:.*]] = linalg.copy ins(%[[X]] : tensor<3x16xf32>) outs(%[[IN]] : tensor<3x16xf32>)
// CHECK: %[[D:.*]] = tensor.insert_slice %[[C]] into %[[E]][0, 0] [3, 16] [1, 1]
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.extract_slice %[[D]][0, 16] [3, 3] [1, 1]
// CHECK: linalg.yield %[[NEG]]
// CHECK: tensor.insert_slice %{{.*}} into %[[D]][0, 16] [3, 3] [1, 1]
// CHECK-NOT: tensor.insert_slice
// The copy goes row by row (whole rows fold into slice copies, which
// aiopt-cpu-strided-copy-to-loops vectorizes after bufferization).
// VEC-LABEL: func @argument_then_pad
// VEC-NOT: linalg.copy
// VEC: scf.for %[[ROW:.*]] = %c0 to %c3 {{.*}} -> (tensor<3x16xf32>)
// VEC: tensor.extract_slice %arg0[%[[ROW]], 0] [1, 16] [1, 1]
// VEC-NOT: linalg.copy
// VEC: return
func.func @argument_then_pad(%x: tensor<3x16xf32>) -> tensor<3x19xf32> {
  %p = tensor.pad %x low[0, 0] high[0, 3] {
  ^bb0(%i: index, %j: index):
    %neg = arith.constant 0xFF800000 : f32
    tensor.yield %neg : f32
  } : tensor<3x16xf32> to tensor<3x19xf32>
  return %p : tensor<3x19xf32>
}

// -----

#id = affine_map<(a, b) -> (a, b)>

// The producer's result has another use: it keeps its own tensor and the
// interior is a copy.
// CHECK-LABEL: func @shared_producer
// CHECK: %[[R:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x4xf32>)
// CHECK: tensor.empty() : tensor<6x6xf32>
// CHECK: linalg.copy ins(%[[R]] : tensor<4x4xf32>)
func.func @shared_producer(%x: tensor<4x4xf32>) -> (tensor<6x6xf32>, tensor<4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  %p = tensor.pad %r low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<4x4xf32> to tensor<6x6xf32>
  return %p, %r : tensor<6x6xf32>, tensor<4x4xf32>
}

// -----

#id = affine_map<(a, b) -> (a, b)>

// A producer that reads its initial value keeps its tensor (the interior
// is a copy). A pad value computed after the producer is no obstacle: the
// border is filled where the pad was.
// CHECK-LABEL: func @not_redirected
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} outs(%[[INIT:.*]] : tensor<4x4xf32>)
// CHECK: arith.addf
// CHECK: linalg.copy ins(%[[ACC]] : tensor<4x4xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x6xf32>
// CHECK: %[[IN:.*]] = tensor.extract_slice %[[E]][0, 1] [4, 4] [1, 1]
// CHECK: linalg.generic {{.*}} outs(%[[IN]] : tensor<4x4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[V:.*]] = arith.mulf
// CHECK: linalg.yield %[[V]]
// CHECK-NOT: linalg.copy
func.func @not_redirected(%x: tensor<4x4xf32>, %a: f32) -> (tensor<6x6xf32>, tensor<4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %acc = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  %p = tensor.pad %acc low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<4x4xf32> to tensor<6x6xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  %v = arith.mulf %a, %a : f32
  %q = tensor.pad %r low[0, 1] high[0, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %v : f32
  } : tensor<4x4xf32> to tensor<4x6xf32>
  return %p, %q : tensor<6x6xf32>, tensor<4x6xf32>
}

// -----

// The Relu of a 1x1 convolution (a matmul over flattened positions, read
// through expand_shape) writes the interior too: aiopt-cpu-tile-and-vectorize
// then makes it the epilogue of the matmul's blocks in whole rows.
// CHECK-LABEL: func @epilogue_of_reshaped_matmul
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x2x5x6xf32>
// CHECK: %[[I:.*]] = tensor.extract_slice %[[E]][0, 0, 1, 1] [1, 2, 3, 4]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} outs(%[[I]] : tensor<1x2x3x4xf32>)
// CHECK: arith.maximumf
// CHECK-NOT: linalg.copy
// CHECK: tensor.insert_slice %[[R]] into %[[E]][0, 0, 1, 1]
func.func @epilogue_of_reshaped_matmul(%w: tensor<2x8xf32>, %x: tensor<8x12xf32>) -> tensor<1x2x5x6xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x12xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x12xf32>) -> tensor<2x12xf32>
  %m = linalg.matmul ins(%w, %x : tensor<2x8xf32>, tensor<8x12xf32>) outs(%init : tensor<2x12xf32>) -> tensor<2x12xf32>
  %image = tensor.expand_shape %m [[0, 1], [2, 3]] output_shape [1, 2, 3, 4] : tensor<2x12xf32> into tensor<1x2x3x4xf32>
  %e = tensor.empty() : tensor<1x2x3x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%image : tensor<1x2x3x4xf32>) outs(%e : tensor<1x2x3x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.maximumf %in, %zero : f32
    linalg.yield %v : f32
  } -> tensor<1x2x3x4xf32>
  %p = tensor.pad %r low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x3x4xf32> to tensor<1x2x5x6xf32>
  return %p : tensor<1x2x5x6xf32>
}

// -----

// Pads this pass leaves alone: a padding value that depends on the
// position, and dynamic shapes.
// CHECK-LABEL: func @kept
// CHECK-COUNT-2: tensor.pad
// CHECK-NOT: tensor.empty
func.func @kept(%x: tensor<4x4xf32>, %y: tensor<?x4xf32>) -> (tensor<6x6xf32>, tensor<?x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    tensor.yield %f : f32
  } : tensor<4x4xf32> to tensor<6x6xf32>
  %q = tensor.pad %y low[0, 1] high[0, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<?x4xf32> to tensor<?x6xf32>
  return %p, %q : tensor<6x6xf32>, tensor<?x6xf32>
}

// -----

// A padded tensor without elements (a batch of zero images) is just a
// tensor.empty: no interior or border slices of it.
// CHECK-LABEL: func @empty_padded
// CHECK: %[[E:.*]] = tensor.empty() : tensor<0x1x9x13xf32>
// CHECK-NEXT: return %[[E]]
func.func @empty_padded(%x: tensor<0x1x7x5xf32>) -> tensor<0x1x9x13xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 8] high[0, 0, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<0x1x7x5xf32> to tensor<0x1x9x13xf32>
  return %p : tensor<0x1x9x13xf32>
}
