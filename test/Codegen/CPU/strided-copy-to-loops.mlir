// RUN: aiopt-opt %s --aiopt-cpu-strided-copy-to-loops -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-strided-copy-to-loops="vector-size=8" -split-input-file | FileCheck %s --check-prefix=VEC
// RUN: not aiopt-opt %s --aiopt-cpu-strided-copy-to-loops="vector-size=-1" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-strided-copy-to-loops: vector-size must not be negative

// CHECK-LABEL: func @strided
// CHECK: linalg.copy ins(%{{.*}} : memref<4x2xf32, strided<[8, 1]>>) outs(%{{.*}} : memref<4x2xf32>)
func.func @strided(%src: memref<4x2xf32, strided<[8, 1]>>, %dst: memref<4x2xf32>) {
  memref.copy %src, %dst : memref<4x2xf32, strided<[8, 1]>> to memref<4x2xf32>
  return
}

// -----

// Contiguous copies stay memref.copy (they become memcpy).
// CHECK-LABEL: func @contiguous
// CHECK: memref.copy
func.func @contiguous(%src: memref<8xf32>, %dst: memref<8xf32>) {
  memref.copy %src, %dst : memref<8xf32> to memref<8xf32>
  return
}

// -----

// With vector-size, a static copy whose innermost dimension is contiguous
// on both sides becomes loops over the outer dimensions around vector
// loads and stores: 20 = two vectors of 8 in a loop and one of 4.
// VEC-LABEL: func @window
// VEC-NOT: linalg.copy
// VEC: scf.for {{.*}} = %c0 to %c3 step %c1
// VEC:   scf.for {{.*}} = %c0 to %c16 step %c8
// VEC:     vector.load {{.*}} : memref<3x20xf32, strided<[24, 1], offset: ?>>, vector<8xf32>
// VEC:     vector.store {{.*}} : memref<3x20xf32, strided<[40, 1], offset: ?>>, vector<8xf32>
// VEC:   vector.load {{.*}}[{{.*}}, %c16] : {{.*}}, vector<4xf32>
// VEC:   vector.store
func.func @window(%src: memref<3x20xf32, strided<[24, 1], offset: ?>>,
                  %dst: memref<3x20xf32, strided<[40, 1], offset: ?>>) {
  memref.copy %src, %dst : memref<3x20xf32, strided<[24, 1], offset: ?>> to memref<3x20xf32, strided<[40, 1], offset: ?>>
  return
}

// -----

// One full vector needs no loop; integers too.
// VEC-LABEL: func @one_vector
// VEC-NOT: scf.for
// VEC: vector.load {{.*}} : memref<8xi8, strided<[1], offset: 4>>, vector<8xi8>
// VEC: vector.store
func.func @one_vector(%src: memref<8xi8, strided<[1], offset: 4>>, %dst: memref<8xi8>) {
  memref.copy %src, %dst : memref<8xi8, strided<[1], offset: 4>> to memref<8xi8>
  return
}

// -----

// An innermost dimension at a stride above four, a strided destination
// or a dynamic shape keeps linalg.copy.
// VEC-LABEL: func @not_contiguous
// VEC: linalg.copy
// VEC: linalg.copy
// VEC: linalg.copy
func.func @not_contiguous(%a: memref<4x4xf32, strided<[40, 5]>>, %b: memref<4x4xf32>,
                          %c: memref<?x4xf32, strided<[8, 1]>>, %d: memref<?x4xf32>,
                          %e: memref<4x4xf32>, %f: memref<4x4xf32, strided<[8, 2]>>) {
  memref.copy %a, %b : memref<4x4xf32, strided<[40, 5]>> to memref<4x4xf32>
  memref.copy %c, %d : memref<?x4xf32, strided<[8, 1]>> to memref<?x4xf32>
  memref.copy %e, %f : memref<4x4xf32> to memref<4x4xf32, strided<[8, 2]>>
  return
}

// -----

// A vector read at a stride of two (a stride-2 window) becomes two
// contiguous loads of 4 covering its 7 elements (from the first one, and
// from the fourth: nothing past the last element read), and a shuffle of
// elements 0, 2 (first load) and 4, 6 (lanes 1 and 3 of the second). The
// start is the view's offset plus index times stride (9 and 2). Without
// vector-size it stays a transfer_read.
// CHECK-LABEL: func @stride_two_read
// CHECK: vector.transfer_read
// VEC-LABEL: func @stride_two_read
// VEC: %[[BASE:.*]], %[[OFF:.*]], %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata %arg0
// VEC: %[[ROW:.*]] = arith.muli %arg1, %c9
// VEC: %[[AT:.*]] = arith.addi %[[OFF]], %[[ROW]]
// VEC: %[[COL:.*]] = arith.muli %arg2, %c2
// VEC: %[[START:.*]] = arith.addi %[[AT]], %[[COL]]
// VEC: %[[SPAN:.*]] = memref.reinterpret_cast %[[BASE]] to offset: [%[[START]]], sizes: [7], strides: [1]
// VEC: %[[LOW:.*]] = vector.load %[[SPAN]][%c0] : memref<7xf32, strided<[1], offset: ?>>, vector<4xf32>
// VEC: %[[HIGH:.*]] = vector.load %[[SPAN]][%c3] : memref<7xf32, strided<[1], offset: ?>>, vector<4xf32>
// VEC: vector.shuffle %[[LOW]], %[[HIGH]] [0, 2, 5, 7] : vector<4xf32>, vector<4xf32>
// VEC-NOT: vector.transfer_read
func.func @stride_two_read(%m: memref<3x4xf32, strided<[9, 2], offset: ?>>, %i: index, %j: index) -> vector<4xf32> {
  %pad = arith.constant 0.0 : f32
  %v = vector.transfer_read %m[%i, %j], %pad {in_bounds = [true]} : memref<3x4xf32, strided<[9, 2], offset: ?>>, vector<4xf32>
  return %v : vector<4xf32>
}

// -----

// A row of a register tile, read as [1, 4] (the input of a stride-2 first
// layer), is read the same way and keeps its shape.
// VEC-LABEL: func @stride_two_row
// VEC: %[[LOW:.*]] = vector.load {{.*}} : memref<7xf32, strided<[1], offset: ?>>, vector<4xf32>
// VEC: %[[HIGH:.*]] = vector.load {{.*}} : memref<7xf32, strided<[1], offset: ?>>, vector<4xf32>
// VEC: %[[EVEN:.*]] = vector.shuffle %[[LOW]], %[[HIGH]] [0, 2, 5, 7]
// VEC: vector.shape_cast %[[EVEN]] : vector<4xf32> to vector<1x4xf32>
// VEC-NOT: vector.transfer_read
func.func @stride_two_row(%m: memref<3x4xf32, strided<[9, 2], offset: ?>>, %i: index) -> vector<1x4xf32> {
  %pad = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %v = vector.transfer_read %m[%i, %c0], %pad {in_bounds = [true, true]} : memref<3x4xf32, strided<[9, 2], offset: ?>>, vector<1x4xf32>
  return %v : vector<1x4xf32>
}

// -----

// At a stride of three (a stride-3 convolution's gather) the span of 10
// elements is read as three vectors of 4 (at 0, 4 and 6): lanes 0 and 1
// (elements 0 and 3) from the first, lane 2 (element 6) from the second,
// lane 3 (element 9) from the third, one shuffle per vector after the
// first. Strides above four stay transfer_reads.
// VEC-LABEL: func @stride_three_read
// VEC: memref.reinterpret_cast %{{.*}} to offset: [%{{.*}}], sizes: [10], strides: [1]
// VEC: %[[A:.*]] = vector.load %{{.*}}[%c0] : memref<10xf32, strided<[1], offset: ?>>, vector<4xf32>
// VEC: %[[B:.*]] = vector.load %{{.*}}[%c4] : memref<10xf32, strided<[1], offset: ?>>, vector<4xf32>
// VEC: %[[C:.*]] = vector.load %{{.*}}[%c6] : memref<10xf32, strided<[1], offset: ?>>, vector<4xf32>
// VEC: %[[AB:.*]] = vector.shuffle %[[A]], %[[B]] [0, 3, 6, 3] : vector<4xf32>, vector<4xf32>
// VEC: vector.shuffle %[[AB]], %[[C]] [0, 1, 2, 7] : vector<4xf32>, vector<4xf32>
// Two lanes at a stride of four span 5 elements: vectors of 2 at 0, 2 and
// 3 (never past the span: 4 would read elements 4 and 5), lane 1 (element
// 4) from the last; the vector at 2, which no lane takes, folds away.
// VEC-LABEL: func @stride_four_pair
// VEC: memref.reinterpret_cast %{{.*}} to offset: [%{{.*}}], sizes: [5], strides: [1]
// VEC: %[[A:.*]] = vector.load %{{.*}}[%c0] : memref<5xf32, strided<[1], offset: ?>>, vector<2xf32>
// VEC-NOT: vector.load %{{.*}}[%c4]
// VEC: %[[C:.*]] = vector.load %{{.*}}[%c3] : memref<5xf32, strided<[1], offset: ?>>, vector<2xf32>
// VEC: vector.shuffle %[[A]], %[[C]] [0, 3] : vector<2xf32>, vector<2xf32>
// VEC-LABEL: func @stride_five_read
// VEC-NOT: vector.shuffle
// VEC: vector.transfer_read
func.func @stride_three_read(%m: memref<3x4xf32, strided<[13, 3], offset: ?>>, %i: index) -> vector<4xf32> {
  %pad = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %v = vector.transfer_read %m[%i, %c0], %pad {in_bounds = [true]} : memref<3x4xf32, strided<[13, 3], offset: ?>>, vector<4xf32>
  return %v : vector<4xf32>
}
func.func @stride_four_pair(%m: memref<3x2xf32, strided<[9, 4], offset: ?>>, %i: index) -> vector<2xf32> {
  %pad = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %v = vector.transfer_read %m[%i, %c0], %pad {in_bounds = [true]} : memref<3x2xf32, strided<[9, 4], offset: ?>>, vector<2xf32>
  return %v : vector<2xf32>
}
func.func @stride_five_read(%m: memref<3x4xf32, strided<[21, 5], offset: ?>>, %i: index) -> vector<4xf32> {
  %pad = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %v = vector.transfer_read %m[%i, %c0], %pad {in_bounds = [true]} : memref<3x4xf32, strided<[21, 5], offset: ?>>, vector<4xf32>
  return %v : vector<4xf32>
}

// -----

// A copy read at a stride of two into a contiguous row (a piece of a
// stride-2 im2col gather) is vectorized like a contiguous one, its reads
// then made contiguous loads and a shuffle.
// VEC-LABEL: func @strided_source_copy
// VEC: vector.load %{{.*}} : memref<15xf32, strided<[1], offset: ?>>, vector<8xf32>
// VEC: vector.load %{{.*}} : memref<15xf32, strided<[1], offset: ?>>, vector<8xf32>
// VEC: vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 9, 11, 13, 15] : vector<8xf32>, vector<8xf32>
// VEC: vector.store %{{.*}}, %arg1[%{{.*}}] : memref<8xf32>, vector<8xf32>
// VEC-NOT: linalg.copy
func.func @strided_source_copy(%src: memref<8xf32, strided<[2], offset: ?>>, %dst: memref<8xf32>) {
  memref.copy %src, %dst : memref<8xf32, strided<[2], offset: ?>> to memref<8xf32>
  return
}

// -----

// Reads that may run out of bounds, and unit-stride ones, are left alone.
// VEC-LABEL: func @other_reads
// VEC-NOT: vector.shuffle
// VEC: vector.transfer_read %arg0[%c0, %arg2], %{{.*}} : memref
// VEC: vector.transfer_read %arg1
func.func @other_reads(%m: memref<3x4xf32, strided<[9, 2], offset: ?>>, %u: memref<4xf32>, %j: index) -> (vector<4xf32>, vector<4xf32>) {
  %pad = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %a = vector.transfer_read %m[%c0, %j], %pad {in_bounds = [false]} : memref<3x4xf32, strided<[9, 2], offset: ?>>, vector<4xf32>
  %b = vector.transfer_read %u[%c0], %pad {in_bounds = [true]} : memref<4xf32>, vector<4xf32>
  return %a, %b : vector<4xf32>, vector<4xf32>
}
