// RUN: aiopt-opt %s --aiopt-cpu-prefetch-weights -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-prefetch-weights="locality=3 line-bytes=128" -split-input-file | FileCheck %s --check-prefix=WIDE
// RUN: aiopt-opt %s --aiopt-cpu-prefetch-weights="epilogues=false" -split-input-file | FileCheck %s --check-prefix=NOEPI
// RUN: not aiopt-opt %s --aiopt-cpu-prefetch-weights="locality=4" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not aiopt-opt %s --aiopt-cpu-prefetch-weights="line-bytes=0" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-prefetch-weights: locality is 0 to 3 and line-bytes positive

// Column panels of constant weights (4 panels of 8 k x 32 columns), read
// a k row (32 floats, two 64-byte lines) per step of the reduction loop,
// in blocks of two panels, one panel after the other: each read also
// prefetches the same row of the next panel (the panel loop's next
// iteration, the last panel its own), into L2 (locality 2), one prefetch
// per line.
// CHECK-LABEL: func @panels
// CHECK: scf.forall (%[[B:.*]]) = (0) to (4) step (2)
// CHECK: %[[BLOCK:.*]] = memref.subview %{{.*}}[%[[B]], 0, 0] [2, 8, 32]
// CHECK: scf.for %[[P:.*]] = %c0 to %c2 step %c1
// CHECK: scf.for %[[K:.*]] = %c0 to %c8 step %c1
// CHECK: vector.transfer_read
// CHECK: %[[NEXT:.*]] = arith.addi %[[P]], %c1
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[NEXT]], %c2
// CHECK: %[[NP:.*]] = arith.select %[[IN]], %[[NEXT]], %[[P]]
// CHECK: %[[ROW:.*]] = memref.subview %[[BLOCK]][%[[NP]], %[[K]], 0] [1, 1, 32]
// CHECK: memref.prefetch %[[ROW]][%c0, %c0, %c0], read, locality<2>, data
// CHECK: %[[SECOND:.*]] = arith.addi %c0, %c16{{.*}}
// CHECK: memref.prefetch %[[ROW]][%c0, %c0, %[[SECOND]]], read, locality<2>, data
// CHECK-NOT: memref.prefetch
// With 128-byte lines, one prefetch per row, into all levels.
// WIDE-LABEL: func @panels
// WIDE: memref.prefetch %{{.*}}[%c0, %c0, %c0], read, locality<3>, data
// WIDE-NOT: memref.prefetch
// WIDE-LABEL: func @rows
memref.global "private" constant @w : memref<4x8x32xf32> = dense<1.0> {alignment = 64 : i64}
func.func @panels(%out: memref<4x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<4x8x32xf32>
  scf.forall (%b) = (0) to (4) step (2) {
    %block = memref.subview %w[%b, 0, 0] [2, 8, 32] [1, 1, 1] : memref<4x8x32xf32> to memref<2x8x32xf32, strided<[256, 32, 1], offset: ?>>
    scf.for %p = %c0 to %c2 step %c1 {
      %acc = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %cst) -> (f32) {
        %row = memref.subview %block[%p, %k, 0] [1, 1, 32] [1, 1, 1] : memref<2x8x32xf32, strided<[256, 32, 1], offset: ?>> to memref<1x1x32xf32, strided<[256, 32, 1], offset: ?>>
        %v = vector.transfer_read %row[%c0, %c0, %c0], %cst {in_bounds = [true, true, true]} : memref<1x1x32xf32, strided<[256, 32, 1], offset: ?>>, vector<1x1x32xf32>
        %e = vector.extract %v[0, 0, 0] : f32 from vector<1x1x32xf32>
        %s = arith.addf %a, %e : f32
        scf.yield %s : f32
      }
      memref.store %acc, %out[%p, %c0] : memref<4x32xf32>
    }
  }
  return
}

// -----

// A register tile's broadcasts from weights read in place: an 8 x 1 read
// (one element of each of 8 rows of w[m, k]) per step of the reduction,
// in blocks of 8 rows, with no loop between the block and the reduction:
// each step prefetches one of the next block's 8 rows, row k mod 8, at
// the same k.
// CHECK-LABEL: func @rows
// CHECK: scf.forall (%[[B:.*]]) = (0) to (32) step (8)
// CHECK: scf.for %[[K:.*]] = %c0 to %c64 step %c1
// CHECK: vector.transfer_read %{{.*}} : memref<8x1xf32, strided<[64, 1], offset: ?>>, vector<8x1xf32>
// CHECK: %[[NEXT:.*]] = arith.addi %[[B]], %c8
// CHECK: %[[NB:.*]] = arith.select %{{.*}}, %[[NEXT]], %[[B]]
// CHECK: %[[COLUMN:.*]] = memref.subview %{{.*}}[%[[NB]], %[[K]]] [8, 1]
// CHECK: %[[STEP:.*]] = arith.subi %[[K]], %c0
// CHECK: %[[STEPS:.*]] = arith.divui %[[STEP]], %c1
// CHECK: %[[ROW:.*]] = arith.remui %[[STEPS]], %c8
// CHECK: %[[AT:.*]] = arith.addi %c0, %[[ROW]]
// CHECK: memref.prefetch %[[COLUMN]][%[[AT]], %c0], read, locality<2>, data
// CHECK-NOT: memref.prefetch
memref.global "private" constant @w3 : memref<32x64xf32> = dense<1.0> {alignment = 64 : i64}
func.func @rows(%out: memref<32x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w3 : memref<32x64xf32>
  scf.forall (%b) = (0) to (32) step (8) {
    %init = arith.constant dense<0.0> : vector<8xf32>
    %acc = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %init) -> (vector<8xf32>) {
      %column = memref.subview %w[%b, %k] [8, 1] [1, 1] : memref<32x64xf32> to memref<8x1xf32, strided<[64, 1], offset: ?>>
      %v = vector.transfer_read %column[%c0, %c0], %cst {in_bounds = [true, true]} : memref<8x1xf32, strided<[64, 1], offset: ?>>, vector<8x1xf32>
      %r = vector.shape_cast %v : vector<8x1xf32> to vector<8xf32>
      %s = arith.addf %a, %r : vector<8xf32>
      scf.yield %s : vector<8xf32>
    }
    %e = vector.extract %acc[0] : f32 from vector<8xf32>
    memref.store %e, %out[%b, %c0] : memref<32x16xf32>
  }
  return
}

// -----

// Blocks over rows and columns, the weights depending on the rows only
// (the columns' blocks share them): the next block of rows.
// CHECK-LABEL: func @row_blocks
// CHECK: scf.forall (%[[M:.*]], %[[N:.*]]) = (0, 0) to (32, 64) step (8, 16)
// CHECK: %[[NEXT:.*]] = arith.addi %[[M]], %c8
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[NEXT]], %c32
// CHECK: %[[NM:.*]] = arith.select %[[IN]], %[[NEXT]], %[[M]]
// CHECK: memref.subview %{{.*}}[%[[NM]], %{{.*}}] [8, 1]
// CHECK: memref.prefetch
memref.global "private" constant @w4 : memref<32x64xf32> = dense<1.0> {alignment = 64 : i64}
func.func @row_blocks(%out: memref<32x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w4 : memref<32x64xf32>
  scf.forall (%m, %n) = (0, 0) to (32, 64) step (8, 16) {
    %init = arith.constant dense<0.0> : vector<8xf32>
    %acc = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %init) -> (vector<8xf32>) {
      %column = memref.subview %w[%m, %k] [8, 1] [1, 1] : memref<32x64xf32> to memref<8x1xf32, strided<[64, 1], offset: ?>>
      %v = vector.transfer_read %column[%c0, %c0], %cst {in_bounds = [true, true]} : memref<8x1xf32, strided<[64, 1], offset: ?>>, vector<8x1xf32>
      %r = vector.shape_cast %v : vector<8x1xf32> to vector<8xf32>
      %s = arith.addf %a, %r : vector<8xf32>
      scf.yield %s : vector<8xf32>
    }
    %e = vector.extract %acc[0] : f32 from vector<8xf32>
    memref.store %e, %out[%m, %n] : memref<32x64xf32>
  }
  return
}

// -----

// Left alone: a read of a buffer that is not a constant (activations), a
// read that is the same in every block, a read shorter than a line, a
// read outside any loop of the block, a forall of one block, and a loop
// outside any block loop.
// CHECK-LABEL: func @left_alone
// CHECK-NOT: memref.prefetch
// CHECK: return
memref.global "private" constant @w2 : memref<4x8x32xf32> = dense<1.0> {alignment = 64 : i64}
func.func @left_alone(%x: memref<4x8x32xf32>, %out: memref<4x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w2 : memref<4x8x32xf32>
  scf.forall (%b) = (0) to (4) step (2) {
    %first = vector.transfer_read %w[%b, %c0, %c0], %cst {in_bounds = [true, true, true]} : memref<4x8x32xf32>, vector<1x1x32xf32>
    %f = vector.extract %first[0, 0, 0] : f32 from vector<1x1x32xf32>
    %acc = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %f) -> (f32) {
      %act = vector.transfer_read %x[%b, %k, %c0], %cst {in_bounds = [true, true, true]} : memref<4x8x32xf32>, vector<1x1x32xf32>
      %same = vector.transfer_read %w[%c0, %k, %c0], %cst {in_bounds = [true, true, true]} : memref<4x8x32xf32>, vector<1x1x32xf32>
      %short = vector.transfer_read %w[%b, %k, %c0], %cst {in_bounds = [true, true, true]} : memref<4x8x32xf32>, vector<1x1x8xf32>
      %e1 = vector.extract %act[0, 0, 0] : f32 from vector<1x1x32xf32>
      %e2 = vector.extract %same[0, 0, 0] : f32 from vector<1x1x32xf32>
      %e3 = vector.extract %short[0, 0, 0] : f32 from vector<1x1x8xf32>
      %s1 = arith.addf %a, %e1 : f32
      %s2 = arith.addf %s1, %e2 : f32
      %s3 = arith.addf %s2, %e3 : f32
      scf.yield %s3 : f32
    }
    memref.store %acc, %out[%b, %c0] : memref<4x32xf32>
  }
  scf.forall (%b) = (0) to (4) step (4) {
    scf.for %k = %c0 to %c8 step %c1 {
      %one = vector.transfer_read %w[%b, %k, %c0], %cst {in_bounds = [true, true, true]} : memref<4x8x32xf32>, vector<1x1x32xf32>
      vector.transfer_write %one, %x[%b, %k, %c0] {in_bounds = [true, true, true]} : vector<1x1x32xf32>, memref<4x8x32xf32>
    }
  }
  scf.for %k = %c0 to %c8 step %c1 {
    %outside = vector.transfer_read %w[%c0, %k, %c0], %cst {in_bounds = [true, true, true]} : memref<4x8x32xf32>, vector<1x1x32xf32>
    vector.transfer_write %outside, %x[%c0, %k, %c0] {in_bounds = [true, true, true]} : vector<1x1x32xf32>, memref<4x8x32xf32>
  }
  return
}

// -----

// A register tile's epilogue reads an activation (a residual sum's other
// operand): 8 rows of 32 floats, after the tile's reduction (a loop that
// carries the accumulators). Each read also prefetches the next tile's
// rows (the tile loop's next iteration), every line of every row: 8 x 2.
// An epilogue read shorter than a line is left alone, and so is every
// epilogue with epilogues=false.
// CHECK-LABEL: func @epilogue
// CHECK: scf.forall (%[[B:.*]]) = (0) to (32) step (16)
// CHECK: scf.for %[[T:.*]] = %c0 to %c16 step %c8
// CHECK: scf.for {{.*}} -> (vector<8x32xf32>)
// CHECK: vector.transfer_read %{{.*}} : memref<8x32xf32, strided<[32, 1], offset: ?>>, vector<8x32xf32>
// CHECK: %[[NEXT:.*]] = arith.addi %[[T]], %c8
// CHECK: %[[NT:.*]] = arith.select %{{.*}}, %[[NEXT]], %[[T]]
// CHECK: %[[TILE:.*]] = memref.subview %{{.*}}[%[[NT]], 0] [8, 32]
// CHECK: memref.prefetch %[[TILE]][%c0, %c0], read, locality<2>, data
// CHECK-COUNT-15: memref.prefetch %[[TILE]]
// CHECK-NOT: memref.prefetch
// CHECK: return
// NOEPI-LABEL: func @epilogue
// NOEPI-NOT: memref.prefetch
func.func @epilogue(%x: memref<32x32xf32>, %res: memref<32x32xf32>, %out: memref<32x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %cst = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<8x32xf32>
  scf.forall (%b) = (0) to (32) step (16) {
    %rblock = memref.subview %res[%b, 0] [16, 32] [1, 1] : memref<32x32xf32> to memref<16x32xf32, strided<[32, 1], offset: ?>>
    scf.for %t = %c0 to %c16 step %c8 {
      %acc = scf.for %k = %c0 to %c32 step %c1 iter_args(%a = %zero) -> (vector<8x32xf32>) {
        %v = vector.transfer_read %x[%k, %c0], %cst {in_bounds = [true]} : memref<32x32xf32>, vector<32xf32>
        %bv = vector.broadcast %v : vector<32xf32> to vector<8x32xf32>
        %s = arith.addf %a, %bv : vector<8x32xf32>
        scf.yield %s : vector<8x32xf32>
      }
      %tile = memref.subview %rblock[%t, 0] [8, 32] [1, 1] : memref<16x32xf32, strided<[32, 1], offset: ?>> to memref<8x32xf32, strided<[32, 1], offset: ?>>
      %r = vector.transfer_read %tile[%c0, %c0], %cst {in_bounds = [true, true]} : memref<8x32xf32, strided<[32, 1], offset: ?>>, vector<8x32xf32>
      %short = vector.transfer_read %tile[%c0, %c0], %cst {in_bounds = [true, true]} : memref<8x32xf32, strided<[32, 1], offset: ?>>, vector<8x4xf32>
      %sum = arith.addf %acc, %r : vector<8x32xf32>
      %e = vector.extract %short[0, 0] : f32 from vector<8x4xf32>
      %o = memref.subview %out[%b, 0] [16, 32] [1, 1] : memref<32x32xf32> to memref<16x32xf32, strided<[32, 1], offset: ?>>
      vector.transfer_write %sum, %o[%t, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, memref<16x32xf32, strided<[32, 1], offset: ?>>
      memref.store %e, %out[%b, %c0] : memref<32x32xf32>
    }
  }
  return
}
