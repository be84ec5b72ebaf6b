// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,64,64 register-tile=4,32 vnni-lanes=16" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="cache-tiles=20,64,64 register-tile=4,16 vnni-lanes=8" --loop-invariant-subset-hoisting --canonicalize -split-input-file | FileCheck %s --check-prefix=AVX
// RUN: not aiopt-opt %s --aiopt-cpu-tile-and-vectorize="vnni-lanes=4" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-tile-and-vectorize: vnni-lanes is 0, 8 or 16, not 4

// Signed 8-bit weights: packed at compile time into [n/32, k/4, 32, 4]
// (row 0 of the packed data: column 0's k = 0..3, then column 1's); the
// left operand has its top bit flipped (xor -128) and the accumulator
// starts at -128 x each column's sum; each register tile row broadcasts
// four bytes and issues one vpdpbusd per 16 columns.
// CHECK-LABEL: func @weights
// CHECK-DAG: arith.constant dense<{{\[\[}}-256, -248, {{.*}}]]> : tensor<2x32xi32>
// CHECK-DAG: arith.constant dense<"0x004080C0014181C1{{.*}}"> : tensor<2x2x32x4xi8>
// CHECK: linalg.generic
// CHECK: arith.xori %{{.*}}, %c-128_i8 : i8
// CHECK: %[[C:.*]] = arith.muli %{{.*}}, %c128_i32 : i32
// CHECK: arith.subi %c0_i32, %[[C]] : i32
// CHECK: scf.for
// CHECK: %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<4x1x32xi32>, vector<4x1x32xi32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ACC]]) -> (vector<4x1x32xi32>)
// CHECK: %[[WORD:.*]] = vector.bitcast %{{.*}} : vector<4xi8> to vector<1xi32>
// CHECK: %[[SPLAT:.*]] = vector.broadcast %[[WORD]] : vector<1xi32> to vector<16xi32>
// CHECK: %[[BYTES:.*]] = vector.bitcast %[[SPLAT]] : vector<16xi32> to vector<64xi8>
// CHECK: aiopt.dot_bytes %{{.*}}, %[[BYTES]], %{{.*}} : vector<64xi8> -> vector<16xi32>
// CHECK: aiopt.dot_bytes %{{.*}}, %[[BYTES]], %{{.*}} : vector<64xi8> -> vector<16xi32>
// CHECK: vector.transfer_write
// CHECK-NOT: arith.muli {{.*}} : vector
// AVX-LABEL: func @weights
// AVX: aiopt.dot_bytes %{{.*}}, %{{.*}}, %{{.*}} : vector<32xi8> -> vector<8xi32>
func.func @weights(%a: tensor<8x8xi8>) -> tensor<8x64xi32> {
  // w[k, n] = n + 64 k, wrapped to 8 bits.
  %w = arith.constant dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63], [64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127], [-128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65], [-64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63], [64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127], [-128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65], [-64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1]]> : tensor<8x64xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<8x64xi32>) -> tensor<8x64xi32>
  %y = linalg.matmul ins(%a, %w : tensor<8x8xi8>, tensor<8x64xi8>) outs(%f : tensor<8x64xi32>) -> tensor<8x64xi32>
  return %y : tensor<8x64xi32>
}

// -----

// A reduction that is not a multiple of four: the weights are padded with
// zero rows (ten k become three groups) and the left operand with zeros.
// CHECK-LABEL: func @ragged_k
// CHECK: tensor<2x3x32x4xi8>
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 2]
// CHECK: aiopt.dot_bytes
func.func @ragged_k(%a: tensor<8x10xi8>) -> tensor<8x64xi32> {
  %w = arith.constant dense<-7> : tensor<10x64xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<8x64xi32>) -> tensor<8x64xi32>
  %y = linalg.matmul ins(%a, %w : tensor<8x10xi8>, tensor<10x64xi8>) outs(%f : tensor<8x64xi32>) -> tensor<8x64xi32>
  return %y : tensor<8x64xi32>
}

// -----

// Constant weights on the left (an NCHW im2col convolution: W [cout, k]
// times the image's columns [k, h*w] computed at run time): the right
// operand is made unsigned instead, packed at run time with its sign
// flipped (k padded to 8), and the accumulator starts at -128 x each row's
// sum of the weights (row i: 6i - 45); the weights are only padded. Only
// 16 columns: the register tile narrows to one vector of 16 and takes
// 8 rows (the same accumulator count); the broadcast bytes are the signed
// operand of vpdpbusd.
// CHECK-LABEL: func @constant_left
// CHECK-DAG: arith.constant dense<"0x00FDFAF7F4F1000001FEFBF8F5F20000{{.*}}"> : tensor<16x2x4xi8>
// CHECK-DAG: arith.constant dense<[-45, -39, -33, {{.*}}, 39, 45]> : tensor<16xi32>
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0] high[2, 0]
// CHECK: %[[VIEW:.*]] = tensor.expand_shape %[[PAD]] {{\[}}[0, 1], [2, 3]] output_shape [2, 4, 1, 16]
// CHECK: linalg.generic {{.*}} ins(%[[VIEW]] : tensor<2x4x1x16xi8>) outs(%{{.*}} : tensor<1x2x16x4xi8>)
// CHECK: arith.xori %{{.*}}, %c-128_i8 : i8
// CHECK: arith.muli %{{.*}}, %c128_i32 : i32
// CHECK: scf.for {{.*}} -> (vector<8x1x16xi32>)
// CHECK: %[[PANEL:.*]] = vector.transfer_read {{.*}} : tensor<64xi8>, vector<64xi8>
// CHECK: %[[BYTES:.*]] = vector.bitcast %{{.*}} : vector<16xi32> to vector<64xi8>
// CHECK: aiopt.dot_bytes %{{.*}}, %[[PANEL]], %[[BYTES]] : vector<64xi8> -> vector<16xi32>
// CHECK-NOT: arith.muli {{.*}} : vector
// AVX-LABEL: func @constant_left
// AVX-COUNT-2: aiopt.dot_bytes %{{.*}}, %{{.*}}, %{{.*}} : vector<32xi8> -> vector<8xi32>
func.func @constant_left(%b: tensor<6x16xi8>) -> tensor<16x16xi32> {
  // w[i, j] = i - 3 j
  %w = arith.constant dense<[[0, -3, -6, -9, -12, -15], [1, -2, -5, -8, -11, -14], [2, -1, -4, -7, -10, -13], [3, 0, -3, -6, -9, -12], [4, 1, -2, -5, -8, -11], [5, 2, -1, -4, -7, -10], [6, 3, 0, -3, -6, -9], [7, 4, 1, -2, -5, -8], [8, 5, 2, -1, -4, -7], [9, 6, 3, 0, -3, -6], [10, 7, 4, 1, -2, -5], [11, 8, 5, 2, -1, -4], [12, 9, 6, 3, 0, -3], [13, 10, 7, 4, 1, -2], [14, 11, 8, 5, 2, -1], [15, 12, 9, 6, 3, 0]]> : tensor<16x6xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<16x16xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<16x16xi32>) -> tensor<16x16xi32>
  %y = linalg.matmul ins(%w, %b : tensor<16x6xi8>, tensor<6x16xi8>) outs(%f : tensor<16x16xi32>) -> tensor<16x16xi32>
  return %y : tensor<16x16xi32>
}

// -----

// The same with the run-time operand transposed ([n, k]): its view is
// [n/nr, nr, k/4, 4], the groups of four k already contiguous.
// CHECK-LABEL: func @constant_left_transposed
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 2]
// CHECK: tensor.expand_shape {{.*}} output_shape [1, 16, 2, 4]
// CHECK: arith.xori
// CHECK: aiopt.dot_bytes
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhsT = affine_map<(m, n, k) -> (n, k)>
#out = affine_map<(m, n, k) -> (m, n)>
func.func @constant_left_transposed(%b: tensor<16x6xi8>) -> tensor<16x16xi32> {
  %w = arith.constant dense<3> : tensor<16x6xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<16x16xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<16x16xi32>) -> tensor<16x16xi32>
  %y = linalg.generic {indexing_maps = [#lhs, #rhsT, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%w, %b : tensor<16x6xi8>, tensor<16x6xi8>) outs(%f : tensor<16x16xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %xe = arith.extsi %x : i8 to i32
    %ve = arith.extsi %v : i8 to i32
    %p = arith.muli %xe, %ve : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<16x16xi32>
  return %y : tensor<16x16xi32>
}

// -----

// Both operands computed at run time keep the i32 multiplies: the
// correction needs one operand's sums at compile time.
// CHECK-LABEL: func @runtime_weights
// CHECK-NOT: aiopt.dot_bytes
// CHECK: arith.extsi %{{.*}} : vector<4xi8> to vector<4xi32>
func.func @runtime_weights(%a: tensor<8x64xi8>, %w: tensor<64x64xi8>) -> tensor<8x64xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<8x64xi32>) -> tensor<8x64xi32>
  %y = linalg.matmul ins(%a, %w : tensor<8x64xi8>, tensor<64x64xi8>) outs(%f : tensor<8x64xi32>) -> tensor<8x64xi32>
  return %y : tensor<8x64xi32>
}

// -----

// f32 contractions are not affected.
// CHECK-LABEL: func @float
// CHECK-NOT: aiopt.dot_bytes
// CHECK: vector.outerproduct
func.func @float(%a: tensor<8x64xf32>, %w: tensor<64x64xf32>) -> tensor<8x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y = linalg.matmul ins(%a, %w : tensor<8x64xf32>, tensor<64x64xf32>) outs(%f : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

// One row (a batch of one): the register tile widens from 32 columns to
// the block's 64, so each k step issues four independent dot products (one
// flat read of the packed weights' 64 columns x 4 bytes).
// CHECK-LABEL: func @one_row
// CHECK: scf.for {{.*}} -> (vector<1x1x64xi32>)
// CHECK: vector.transfer_read {{.*}} : tensor<256xi8>, vector<256xi8>
// CHECK-COUNT-4: aiopt.dot_bytes
// CHECK-NOT: aiopt.dot_bytes
// CHECK: vector.transfer_write
func.func @one_row(%a: tensor<1x8xi8>) -> tensor<1x128xi32> {
  %w = arith.constant dense<5> : tensor<8x128xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x128xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<1x128xi32>) -> tensor<1x128xi32>
  %y = linalg.matmul ins(%a, %w : tensor<1x8xi8>, tensor<8x128xi8>) outs(%f : tensor<1x128xi32>) -> tensor<1x128xi32>
  return %y : tensor<1x128xi32>
}
