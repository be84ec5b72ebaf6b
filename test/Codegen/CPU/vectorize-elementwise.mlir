// RUN: aiopt-opt %s --aiopt-cpu-vectorize-elementwise -split-input-file | FileCheck %s
// RUN: not aiopt-opt %s --aiopt-cpu-vectorize-elementwise="vector-size=0" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-vectorize-elementwise: vector-size must be positive

// 20 columns: two vectors of 8 and a peeled remainder of 4; a per-row
// operand is broadcast along the vector.
// CHECK-LABEL: func @bias_relu
// CHECK: scf.for {{.*}} = %c0 to %c3 step %c1
// CHECK:   scf.for {{.*}} = %c0 to %c16 step %c8
// CHECK:     vector.transfer_read {{.*}} : tensor<8xf32>, vector<8xf32>
// CHECK:     vector.transfer_read {{.*}} permutation_map = {{.*}} : tensor<f32>, vector<8xf32>
// CHECK:     arith.maximumf {{.*}} : vector<8xf32>
// CHECK:     vector.transfer_write {{.*}} : vector<8xf32>, tensor<8xf32>
// CHECK:   arith.maximumf {{.*}} : vector<4xf32>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @bias_relu(%x: tensor<3x20xf32>, %b: tensor<3xf32>, %o: tensor<3x20xf32>) -> tensor<3x20xf32> {
  %zero = arith.constant 0.0 : f32
  %0 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<3x20xf32>, tensor<3xf32>) outs(%o : tensor<3x20xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %s = arith.addf %a, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<3x20xf32>
  return %0 : tensor<3x20xf32>
}

// -----

// Not vectorized: a transposed result or input, a reduction, an index
// operand, dynamic shapes and booleans (bit-packed as vectors).
// CHECK-LABEL: func @untouched
// CHECK-NOT: vector.
// CHECK-COUNT-6: linalg.generic
#id2 = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
#r = affine_map<(i, j) -> (i)>
func.func @untouched(%x: tensor<8x8xf32>, %acc: tensor<8xf32>, %i: tensor<8x8xindex>, %d: tensor<?x8xf32>,
                     %b: tensor<8x8xi1>)
    -> (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xindex>, tensor<?x8xf32>, tensor<8x8xi1>) {
  %0 = linalg.generic {indexing_maps = [#id2, #t], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x8xf32>) outs(%x : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<8x8xf32>
  %1 = linalg.generic {indexing_maps = [#t, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x8xf32>) outs(%x : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<8x8xf32>
  %2 = linalg.generic {indexing_maps = [#id2, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x8xf32>) outs(%acc : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %3 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%i : tensor<8x8xindex>) outs(%i : tensor<8x8xindex>) {
  ^bb0(%a: index, %o: index):
    %s = arith.addi %a, %a : index
    linalg.yield %s : index
  } -> tensor<8x8xindex>
  %4 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%d : tensor<?x8xf32>) outs(%d : tensor<?x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  %5 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<8x8xi1>) outs(%b : tensor<8x8xi1>) {
  ^bb0(%a: i1, %o: i1):
    %s = arith.xori %a, %o : i1
    linalg.yield %s : i1
  } -> tensor<8x8xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xindex>, tensor<?x8xf32>, tensor<8x8xi1>
}

// -----

// Integer operands too: a requantizing epilogue (i32 accumulators scaled
// per row, rounded, clamped and narrowed to i8) becomes vector code.
// CHECK-LABEL: func @requantize
// CHECK: scf.for {{.*}} = %c0 to %c4 step %c1
// CHECK:   scf.for {{.*}} = %c0 to %c32 step %c8
// CHECK:     vector.transfer_read {{.*}} : tensor<8xi32>, vector<8xi32>
// CHECK:     arith.sitofp {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK:     math.roundeven {{.*}} : vector<8xf32>
// CHECK:     arith.fptosi {{.*}} : vector<8xf32> to vector<8xi64>
// CHECK:     arith.trunci {{.*}} : vector<8xi64> to vector<8xi8>
// CHECK:     vector.transfer_write {{.*}} : vector<8xi8>, tensor<8xi8>
#idq = affine_map<(i, j) -> (i, j)>
#rowq = affine_map<(i, j) -> (i)>
func.func @requantize(%acc: tensor<4x32xi32>, %scale: tensor<4xf32>) -> tensor<4x32xi8> {
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %e = tensor.empty() : tensor<4x32xi8>
  %0 = linalg.generic {indexing_maps = [#idq, #rowq, #idq], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %scale : tensor<4x32xi32>, tensor<4xf32>) outs(%e : tensor<4x32xi8>) {
  ^bb0(%a: i32, %s: f32, %o: i8):
    %f = arith.sitofp %a : i32 to f32
    %m = arith.mulf %f, %s : f32
    %r = math.roundeven %m : f32
    %c0 = arith.maximumf %r, %lo : f32
    %c1 = arith.minimumf %c0, %hi : f32
    %w = arith.fptosi %c1 : f32 to i64
    %n = arith.trunci %w : i64 to i8
    linalg.yield %n : i8
  } -> tensor<4x32xi8>
  return %0 : tensor<4x32xi8>
}

// -----

// Packing a matrix into column panels (a transpose that keeps the innermost
// dimension) copies runs of 16 as two vectors of 8 at a time.
// CHECK-LABEL: func @pack_panels
// CHECK: scf.for {{.*}} = %c0 to %c2 step %c1
// CHECK:   scf.for {{.*}} = %c0 to %c5 step %c1
// CHECK:     scf.for {{.*}} = %c0 to %c16 step %c8
// CHECK:       vector.transfer_read {{.*}} : tensor<1x1x8xf32>, vector<1x1x8xf32>
// CHECK:       vector.transfer_write {{.*}} : vector<1x1x8xf32>, tensor<1x1x8xf32>
// CHECK-NOT: linalg.transpose
func.func @pack_panels(%b: tensor<5x2x16xf32>) -> tensor<2x5x16xf32> {
  %e = tensor.empty() : tensor<2x5x16xf32>
  %t = linalg.transpose ins(%b : tensor<5x2x16xf32>) outs(%e : tensor<2x5x16xf32>) permutation = [1, 0, 2]
  return %t : tensor<2x5x16xf32>
}

// -----

// An im2col gather reads runs along the output columns (window offset plus
// column): tiled to runs of 8, which bufferize as strided copies (what
// aiopt-cpu-strided-copy-to-loops vectorizes). A transpose that moves the
// innermost dimension is left alone.
// CHECK-LABEL: func @gather
// CHECK: scf.for {{.*}} = %c0 to %c4 step %c1
// CHECK: tensor.extract_slice %{{.*}} [1, 1, 1, 8] [1, 1, 1, 1] : tensor<1x4x10x10xf32> to tensor<1x1x1x8xf32>
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func @untouched_moves
// CHECK: linalg.transpose
#window = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>
#out6 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
func.func @gather(%x: tensor<1x4x10x10xf32>) -> tensor<1x4x3x3x8x8xf32> {
  %e = tensor.empty() : tensor<1x4x3x3x8x8xf32>
  %g = linalg.generic {indexing_maps = [#window, #out6], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x10x10xf32>) outs(%e : tensor<1x4x3x3x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x3x3x8x8xf32>
  return %g : tensor<1x4x3x3x8x8xf32>
}
func.func @untouched_moves(%b: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<8x4xf32>
  %t = linalg.transpose ins(%b : tensor<4x8xf32>) outs(%e : tensor<8x4xf32>) permutation = [1, 0]
  return %t : tensor<8x4xf32>
}

// -----

// A gather with a stride along the columns (a stride-2 convolution's
// im2col) is tiled too: each piece of 8 outputs takes the run of 15 input
// elements it spans through a slice of stride 2, so the copy folds into a
// strided slice (aiopt-cpu-strided-copy-to-loops reads it as contiguous
// loads and a shuffle after bufferization); the remainder piece of 2
// takes a run of 3. Strides above four are left to scalar loops.
// CHECK-LABEL: func @gather_strided
// CHECK: scf.for {{.*}} = %c0 to %c3 step %c1
// CHECK:   %[[SPAN:.*]] = tensor.extract_slice %arg0[0, %{{.*}}, %{{.*}}, %{{.*}}] [1, 1, 1, 15] [1, 1, 1, 1] : tensor<1x4x22x22xf32> to tensor<1x1x1x15xf32>
// CHECK:   %[[ROW:.*]] = tensor.extract_slice %[[SPAN]][0, 0, 0, 0] [1, 1, 1, 15] [1, 1, 1, 1] : tensor<1x1x1x15xf32> to tensor<15xf32>
// CHECK:   %[[EVEN:.*]] = tensor.extract_slice %[[ROW]][0] [8] [2] : tensor<15xf32> to tensor<8xf32>
// CHECK:   tensor.insert_slice %[[EVEN]] into
// CHECK:   tensor.extract_slice %{{.*}}[0] [2] [2] : tensor<3xf32> to tensor<2xf32>
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func @gather_wide_stride
// CHECK-NOT: vector.
// CHECK: linalg.generic
#strided = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 + d5 * 2)>
#wide = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5 * 5)>
#out10 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
func.func @gather_strided(%x: tensor<1x4x22x22xf32>) -> tensor<1x4x3x3x10x10xf32> {
  %e = tensor.empty() : tensor<1x4x3x3x10x10xf32>
  %g = linalg.generic {indexing_maps = [#strided, #out10], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x22x22xf32>) outs(%e : tensor<1x4x3x3x10x10xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x3x3x10x10xf32>
  return %g : tensor<1x4x3x3x10x10xf32>
}
func.func @gather_wide_stride(%x: tensor<1x4x60x60xf32>) -> tensor<1x4x3x3x8x8xf32> {
  %e = tensor.empty() : tensor<1x4x3x3x8x8xf32>
  %g = linalg.generic {indexing_maps = [#wide, #out10], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x60x60xf32>) outs(%e : tensor<1x4x3x3x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x3x3x8x8xf32>
  return %g : tensor<1x4x3x3x8x8xf32>
}

// -----

// A copy of static tensors (a padded tensor's interior) is split into
// pieces of one vector along its innermost loop like elementwise generics
// (each piece's copy folds into slice insertions).
// CHECK-LABEL: func @tensor_copy
// CHECK-NOT: linalg.copy
// CHECK: scf.for %[[ROW:.*]] = %c0 to %c3 step %c1
// CHECK: scf.for %[[COL:.*]] = %c0 to %c40 step %c8
// CHECK: tensor.extract_slice %arg0[%[[ROW]], %[[COL]]] [1, 8] [1, 1]
// CHECK-NOT: linalg.copy
func.func @tensor_copy(%x: tensor<3x40xf32>, %y: tensor<3x40xf32>) -> tensor<3x40xf32> {
  %c = linalg.copy ins(%x : tensor<3x40xf32>) outs(%y : tensor<3x40xf32>) -> tensor<3x40xf32>
  return %c : tensor<3x40xf32>
}

// -----

// An epilogue over a 7x7 image (rows of 7, not a whole vector) whose
// operands are whole tensors has its contiguous dimensions collapsed into
// one run of 32 x 49 = 1568 elements, vectorized by 8 (no remainder). One writing the
// interior of a padded tensor, whose rows are not contiguous, keeps its
// rows of 7.
// CHECK-LABEL: func @collapse_image
// CHECK: tensor.collapse_shape %arg0 {{\[}}[0, 1, 2, 3]] : tensor<1x32x7x7xf32> into tensor<1568xf32>
// CHECK: scf.for {{.*}} = %c0 to %c1568 step %c8
// CHECK:   arith.addf {{.*}} : vector<8xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2, 3]] output_shape [1, 32, 7, 7]
// CHECK-LABEL: func @padded_interior_rows
// CHECK-NOT: tensor.collapse_shape
// CHECK: arith.addf {{.*}} : vector<7xf32>
#id4c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @collapse_image(%a: tensor<1x32x7x7xf32>, %b: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %e = tensor.empty() : tensor<1x32x7x7xf32>
  %0 = linalg.generic {indexing_maps = [#id4c, #id4c, #id4c], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %b : tensor<1x32x7x7xf32>, tensor<1x32x7x7xf32>) outs(%e : tensor<1x32x7x7xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<1x32x7x7xf32>
  return %0 : tensor<1x32x7x7xf32>
}
func.func @padded_interior_rows(%a: tensor<1x32x7x7xf32>, %b: tensor<1x32x7x7xf32>, %p: tensor<1x32x9x9xf32>) -> tensor<1x32x9x9xf32> {
  %interior = tensor.extract_slice %p[0, 0, 1, 1] [1, 32, 7, 7] [1, 1, 1, 1] : tensor<1x32x9x9xf32> to tensor<1x32x7x7xf32>
  %0 = linalg.generic {indexing_maps = [#id4c, #id4c, #id4c], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %b : tensor<1x32x7x7xf32>, tensor<1x32x7x7xf32>) outs(%interior : tensor<1x32x7x7xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<1x32x7x7xf32>
  %1 = tensor.insert_slice %0 into %p[0, 0, 1, 1] [1, 32, 7, 7] [1, 1, 1, 1] : tensor<1x32x7x7xf32> into tensor<1x32x9x9xf32>
  return %1 : tensor<1x32x9x9xf32>
}

// -----

// A generic with several results (a Winograd transform's row) whose inputs
// are read at fixed offsets of rows (constant map results): each piece reads
// one vector (8 lanes by default) of channels at each offset and writes a vector of each result.
// CHECK-LABEL: @several_results_fixed_taps
// CHECK-NOT: linalg.generic
// CHECK: %[[A:.*]] = vector.transfer_read {{.*}} : tensor<8xf32>, vector<8xf32>
// CHECK: %[[B:.*]] = vector.transfer_read {{.*}} : tensor<8xf32>, vector<8xf32>
// CHECK-DAG: arith.addf %[[A]], %[[B]] : vector<8xf32>
// CHECK-DAG: arith.subf %[[A]], %[[B]] : vector<8xf32>
// CHECK-COUNT-2: vector.transfer_write {{.*}} : vector<8xf32>, tensor<8xf32>
#rows0 = affine_map<(d0, d1) -> (0, d0 * 2, d1)>
#rows1 = affine_map<(d0, d1) -> (1, d0 * 2 + 1, d1)>
#out = affine_map<(d0, d1) -> (d0, d1)>
func.func @several_results_fixed_taps(%x: tensor<2x6x32xf32>) -> (tensor<3x32xf32>, tensor<3x32xf32>) {
  %e = tensor.empty() : tensor<3x32xf32>
  %r:2 = linalg.generic {indexing_maps = [#rows0, #rows1, #out, #out],
                         iterator_types = ["parallel", "parallel"]}
      ins(%x, %x : tensor<2x6x32xf32>, tensor<2x6x32xf32>) outs(%e, %e : tensor<3x32xf32>, tensor<3x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32, %p: f32):
    %s = arith.addf %a, %b : f32
    %d = arith.subf %a, %b : f32
    linalg.yield %s, %d : f32, f32
  } -> (tensor<3x32xf32>, tensor<3x32xf32>)
  return %r#0, %r#1 : tensor<3x32xf32>, tensor<3x32xf32>
}
