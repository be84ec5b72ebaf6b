// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,64,64 register-tile=4,16 pair-lanes=16" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,64,64 register-tile=4,16 pair-lanes=8" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s --check-prefix=AVX2
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,64,64 register-tile=4,16 vnni-lanes=16 pair-lanes=16" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s --check-prefix=VNNI
// RUN: not aiopt-opt %s --aiopt-cpu-tile-and-vectorize="pair-lanes=2" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-tile-and-vectorize: pair-lanes is 0, 4, 8 or 16, not 2

// Without VNNI, 8-bit matmuls take vpmaddwd: the weights are packed at
// compile time into [n/16, k/2, 16, 2] (three k padded to four with zeros:
// column 0's k = 0, 1, then column 1's, ...), signs kept (no offset, no
// correction); each register tile sign-extends its bytes to 16 bits,
// broadcasts a row's pair to every lane and issues one vpmaddwd per 16
// columns (8 with AVX2's 256-bit registers). VNNI, where there is, wins.
// CHECK-LABEL: func @weights
// CHECK: arith.constant dense<{{\[\[\[\[}}0, 16], [1, 17], [2, 18], {{.*}}, [15, 31]], {{\[\[}}32, 0], [33, 0], {{.*}}, [47, 0]]]]> : tensor<1x2x16x2xi8>
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 1]
// CHECK-NOT: arith.xori
// CHECK-NOT: %c128_i32
// CHECK: scf.for {{.*}} -> (vector<4x1x16xi32>)
// CHECK: arith.extsi %{{.*}} : vector<4x2xi8> to vector<4x2xi16>
// CHECK: arith.extsi %{{.*}} : vector<32xi8> to vector<32xi16>
// CHECK: %[[WORD:.*]] = vector.bitcast %{{.*}} : vector<2xi16> to vector<1xi32>
// CHECK: %[[SPLAT:.*]] = vector.broadcast %[[WORD]] : vector<1xi32> to vector<16xi32>
// CHECK: %[[PAIRS:.*]] = vector.bitcast %[[SPLAT]] : vector<16xi32> to vector<32xi16>
// CHECK: aiopt.dot_pairs %{{.*}}, %[[PAIRS]], %{{.*}} : vector<32xi16> -> vector<16xi32>
// CHECK-NOT: arith.muli {{.*}} : vector
// AVX2-LABEL: func @weights
// AVX2-COUNT-2: aiopt.dot_pairs %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi16> -> vector<8xi32>
// VNNI-LABEL: func @weights
// VNNI: aiopt.dot_bytes
// VNNI-NOT: aiopt.dot_pairs
func.func @weights(%a: tensor<8x3xi8>) -> tensor<8x16xi32> {
  // w[k, n] = n + 16 k
  %w = arith.constant dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31], [32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47]]> : tensor<3x16xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x16xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<8x16xi32>) -> tensor<8x16xi32>
  %y = linalg.matmul ins(%a, %w : tensor<8x3xi8>, tensor<3x16xi8>) outs(%f : tensor<8x16xi32>) -> tensor<8x16xi32>
  return %y : tensor<8x16xi32>
}

// -----

// No correction to compute, so both operands may come at run time: the
// right one is packed by a transpose of its [k/2, 2, n/16, 16] view.
// With VNNI too, whose sign offset would need a constant operand.
// CHECK-LABEL: func @runtime
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [3, 2, 1, 16]
// CHECK: linalg.transpose {{.*}} permutation = [2, 0, 3, 1]
// CHECK: aiopt.dot_pairs
// VNNI-LABEL: func @runtime
// VNNI-NOT: aiopt.dot_bytes
// VNNI: aiopt.dot_pairs
func.func @runtime(%a: tensor<8x6xi8>, %w: tensor<6x16xi8>) -> tensor<8x16xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x16xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<8x16xi32>) -> tensor<8x16xi32>
  %y = linalg.matmul ins(%a, %w : tensor<8x6xi8>, tensor<6x16xi8>) outs(%f : tensor<8x16xi32>) -> tensor<8x16xi32>
  return %y : tensor<8x16xi32>
}

// -----

// Unsigned bytes (zero-extended in the body) never take a dot product
// (both instructions' offsets assume signed bytes): such contractions keep
// their generic loops, as do i32 ones (below).
// CHECK-LABEL: func @unsigned_left
// CHECK-NOT: aiopt.dot_
// CHECK: linalg.generic
// CHECK: arith.extui %{{.*}} : i8 to i32
// VNNI-LABEL: func @unsigned_left
// VNNI-NOT: aiopt.dot_
// VNNI: arith.extui %{{.*}} : i8 to i32
#l = affine_map<(m, n, k) -> (m, k)>
#r = affine_map<(m, n, k) -> (k, n)>
#o = affine_map<(m, n, k) -> (m, n)>
func.func @unsigned_left(%a: tensor<8x6xi8>) -> tensor<8x32xi32> {
  %w = arith.constant dense<3> : tensor<6x32xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x32xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<8x32xi32>) -> tensor<8x32xi32>
  %y = linalg.generic {indexing_maps = [#l, #r, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : tensor<8x6xi8>, tensor<6x32xi8>) outs(%f : tensor<8x32xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %ve = arith.extsi %v : i8 to i32
    %p = arith.muli %xe, %ve : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<8x32xi32>
  return %y : tensor<8x32xi32>
}

// -----

// CHECK-LABEL: func @i32_operands
// CHECK-NOT: aiopt.dot_
// CHECK: linalg.matmul
func.func @i32_operands(%a: tensor<8x6xi32>) -> tensor<8x32xi32> {
  %w = arith.constant dense<3> : tensor<6x32xi32>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x32xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<8x32xi32>) -> tensor<8x32xi32>
  %y = linalg.matmul ins(%a, %w : tensor<8x6xi32>, tensor<6x32xi32>) outs(%f : tensor<8x32xi32>) -> tensor<8x32xi32>
  return %y : tensor<8x32xi32>
}
