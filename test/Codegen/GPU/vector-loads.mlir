// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="vector-loads=spirv" --canonicalize --cse | FileCheck %s --check-prefix=SPIRV
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="vector-loads=nvvm" --canonicalize --cse | FileCheck %s --check-prefix=NVVM
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions | FileCheck %s --check-prefix=NONE
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="vector-loads=spirv thread-tile=8" --canonicalize --cse | FileCheck %s --check-prefix=EIGHT
// RUN: not aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="vector-loads=wide" 2>&1 | FileCheck %s --check-prefix=BAD

// Tiles of 32 x 32 over K steps of 16, 64 invocations: each stages two
// vectors of four of each operand. A's rows run along K: a vector's
// elements go to four steps of K of one row; B's run along N: to four
// columns of one step. SPIR-V loads without a test (the runtime binds
// buffers at 16-byte boundaries); NVVM tests each operand's address once,
// before K's loop, and keeps the scalar loads for an unaligned one.
// Each invocation's 4 x 4 outputs are consecutive rows (tm * 4 + i) and
// columns (tn * 4 + j), read from the tiles as one vector each per step
// of K; the tiles' rows are padded by a vector (36), which keeps them
// aligned.
// SPIRV-LABEL: func.func @matmul
// SPIRV: workgroup(%[[AT:.*]] : memref<16x36xf32, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<16x36xf32, #gpu.address_space<workgroup>>)
// SPIRV: %[[TN:.*]] = arith.remui %{{.*}}, %c8
// SPIRV: %[[TM:.*]] = arith.divui %{{.*}}, %c8
// SPIRV: %[[R0:.*]] = arith.muli %[[TM]], %c4
// SPIRV: %[[C0:.*]] = arith.muli %[[TN]], %c4
// SPIRV-NOT: extract_aligned_pointer
// SPIRV: scf.for
// SPIRV: %[[E:.*]] = arith.muli %{{.*}}, %c4 : index
// SPIRV: %[[KK:.*]] = arith.remui %[[E]], %c16
// SPIRV: %[[ROW:.*]] = arith.divui %[[E]], %c16
// SPIRV: %[[V:.*]] = vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<128x64xf32>, vector<4xf32>
// SPIRV: %[[X0:.*]] = vector.extract %[[V]][0]
// SPIRV: memref.store %[[X0]], %[[AT]][%[[KK]], %[[ROW]]]
// SPIRV: %[[X1:.*]] = vector.extract %[[V]][1]
// SPIRV: %[[KK1:.*]] = arith.addi %[[KK]], %c1
// SPIRV: memref.store %[[X1]], %[[AT]][%[[KK1]], %[[ROW]]]
// SPIRV: vector.load %arg0[
// SPIRV: %[[COL:.*]] = arith.remui %[[E]], %c32
// SPIRV: %[[KB:.*]] = arith.divui %[[E]], %c32
// SPIRV: %[[W:.*]] = vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<64x96xf32>, vector<4xf32>
// SPIRV: %[[Y1:.*]] = vector.extract %[[W]][1]
// SPIRV: %[[COL1:.*]] = arith.addi %[[COL]], %c1
// SPIRV: memref.store %[[Y1]], %[[BT]][%[[KB]], %[[COL1]]]
// SPIRV: vector.load %arg1[
// SPIRV-NEXT: vector.extract
// SPIRV-NOT: memref.load %arg
// SPIRV: gpu.barrier
// SPIRV-NEXT: %[[VA:.*]] = vector.load %[[AT]][%c0, %[[R0]]] {alignment = 16 : i64} : memref<16x36xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// SPIRV-COUNT-4: vector.extract %[[VA]]
// SPIRV-NEXT: %[[VB:.*]] = vector.load %[[BT]][%c0, %[[C0]]] {alignment = 16 : i64}
// SPIRV-COUNT-4: vector.extract %[[VB]]
// SPIRV-NOT: memref.load
// SPIRV: gpu.barrier
// NVVM-LABEL: func.func @matmul
// NVVM: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %arg0
// NVVM: %[[RA:.*]] = arith.remui %[[PA]], %c16
// NVVM: %[[OKA:.*]] = arith.cmpi eq, %[[RA]], %c0
// NVVM: memref.extract_aligned_pointer_as_index %arg1
// NVVM: scf.for
// NVVM-NEXT: scf.if %[[OKA]] {
// NVVM-COUNT-2: vector.load %arg0[
// NVVM: } else {
// NVVM-COUNT-8: memref.load %arg0
// NVVM: }
// NVVM: scf.if
// NVVM-COUNT-2: vector.load %arg1[
// NVVM: } else {
// NVVM-COUNT-8: memref.load %arg1
// NVVM: }
// NVVM-NEXT: gpu.barrier
// NVVM-NEXT: vector.load %{{.*}} : memref<16x36xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// NONE-LABEL: func.func @matmul
// NONE: memref<16x33xf32, #gpu.address_space<workgroup>>
// NONE-NOT: vector.load
// NONE: gpu.terminator
// Thread-tiles of 8 x 8 (64x64 tiles, 64 invocations): each step reads two
// vectors of four from each tile, at rows tm * 8 and tm * 8 + 4; the rows
// are padded by a vector.
// EIGHT-LABEL: func.func @matmul
// EIGHT: workgroup(%[[AT:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>)
// EIGHT: %[[TN:.*]] = arith.remui %{{.*}}, %c8
// EIGHT: %[[TM:.*]] = arith.divui %{{.*}}, %c8
// EIGHT: %[[R0:.*]] = arith.muli %[[TM]], %c8
// EIGHT: %[[C0:.*]] = arith.muli %[[TN]], %c8
// EIGHT-DAG: %[[R4:.*]] = arith.addi %[[R0]], %c4
// EIGHT-DAG: %[[C4:.*]] = arith.addi %[[C0]], %c4
// EIGHT: gpu.barrier
// EIGHT-NEXT: vector.load %[[AT]][%c0, %[[R0]]] {alignment = 16 : i64} : memref<16x68xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// EIGHT-COUNT-4: vector.extract
// EIGHT-NEXT: vector.load %[[AT]][%c0, %[[R4]]]
// EIGHT-COUNT-4: vector.extract
// EIGHT-NEXT: vector.load %[[BT]][%c0, %[[C0]]]
// EIGHT-COUNT-4: vector.extract
// EIGHT-NEXT: vector.load %[[BT]][%c0, %[[C4]]]
func.func @matmul(%a: memref<128x64xf32>, %b: memref<64x96xf32>) -> memref<128x96xf32> {
  %c = memref.alloc() : memref<128x96xf32>
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x96xf32>) outs(%c : memref<128x96xf32>)
  return %c : memref<128x96xf32>
}

// -----

// M = 100 ends inside a tile: a vector's elements share their row, so one
// bound guards the whole vector (zeros past the end).
// SPIRV-LABEL: func.func @ragged
// SPIRV: scf.for
// SPIRV: %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %c100
// SPIRV: scf.if %[[IN]] -> (vector<4xf32>) {
// SPIRV-NEXT: vector.load %arg0[
// SPIRV-NEXT: scf.yield
// SPIRV-NEXT: } else {
// SPIRV-NEXT: scf.yield %cst : vector<4xf32>
func.func @ragged(%a: memref<100x64xf32>, %b: memref<64x96xf32>) -> memref<100x96xf32> {
  %c = memref.alloc() : memref<100x96xf32>
  linalg.matmul ins(%a, %b : memref<100x64xf32>, memref<64x96xf32>) outs(%c : memref<100x96xf32>)
  return %c : memref<100x96xf32>
}

// -----

// Scalar loads where vectors would not fit: K = 18 (A's rows are not whole
// vectors), and a strided view (B, an odd column offset). Other operands
// still load vectors.
// SPIRV-LABEL: func.func @odd_k
// SPIRV: scf.for
// SPIRV-NOT: vector.load %arg0[
// SPIRV: vector.load %arg1[
// SPIRV: gpu.barrier
// SPIRV-LABEL: func.func @strided
// SPIRV: scf.for
// SPIRV-COUNT-2: vector.load %arg0[
// SPIRV-NOT: vector.load
// SPIRV: gpu.barrier
func.func @odd_k(%a: memref<64x18xf32>, %b: memref<18x64xf32>) -> memref<64x64xf32> {
  %c = memref.alloc() : memref<64x64xf32>
  linalg.matmul ins(%a, %b : memref<64x18xf32>, memref<18x64xf32>) outs(%c : memref<64x64xf32>)
  return %c : memref<64x64xf32>
}
func.func @strided(%a: memref<64x64xf32>, %b: memref<64x65xf32>) -> memref<64x64xf32> {
  %c = memref.alloc() : memref<64x64xf32>
  %v = memref.subview %b[0, 1] [64, 64] [1, 1] : memref<64x65xf32> to memref<64x64xf32, strided<[65, 1], offset: 1>>
  linalg.matmul ins(%a, %v : memref<64x64xf32>, memref<64x64xf32, strided<[65, 1], offset: 1>>) outs(%c : memref<64x64xf32>)
  return %c : memref<64x64xf32>
}

// -----

// 16-bit operands: eight per 16-byte load on NVVM, and four per read of
// the tiles; SPIR-V vectorizes 32-bit elements only.
// SPIRV-LABEL: func.func @half
// SPIRV-NOT: vector.load
// SPIRV: return
// NVVM-LABEL: func.func @half
// NVVM: vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<128x64xf16>, vector<8xf16>
// NVVM: vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<64x96xf16>, vector<8xf16>
// NVVM: gpu.barrier
// NVVM-NEXT: vector.load {{.*}} {alignment = 8 : i64} : memref<16x36xf16, #gpu.address_space<workgroup>>, vector<4xf16>
func.func @half(%a: memref<128x64xf16>, %b: memref<64x96xf16>) -> memref<128x96xf32> {
  %c = memref.alloc() : memref<128x96xf32>
  linalg.matmul ins(%a, %b : memref<128x64xf16>, memref<64x96xf16>) outs(%c : memref<128x96xf32>)
  return %c : memref<128x96xf32>
}

// -----

// A convolution reads its input at sums of dimensions and its filters'
// innermost dimension (3 wide) is not whole vectors: scalar loads (its
// workgroup tiles are still read as vectors).
// SPIRV-LABEL: func.func @conv
// SPIRV: gpu.launch
// SPIRV-NOT: vector.load {{.*}} : memref<1x16x18x18xf32>
// SPIRV-NOT: vector.load {{.*}} : memref<32x16x3x3xf32>
// SPIRV: return
func.func @conv(%x: memref<1x16x18x18xf32>, %w: memref<32x16x3x3xf32>) -> memref<1x32x16x16xf32> {
  %y = memref.alloc() : memref<1x32x16x16xf32>
  linalg.conv_2d_nchw_fchw ins(%x, %w : memref<1x16x18x18xf32>, memref<32x16x3x3xf32>) outs(%y : memref<1x32x16x16xf32>)
  return %y : memref<1x32x16x16xf32>
}

// BAD: vector-loads must be 'none', 'spirv' or 'nvvm', not 'wide'

// -----

// A 1x1 convolution reads its input at (n, c, oh + kh, ow + kw) with kh
// and kw of extent 1, that is at (n, c, oh, ow): its rows (the output
// positions) are contiguous along ow, staged a vector at a time, where
// consecutive invocations used to take consecutive channels, H x W apart.
// The filters' innermost dimension (1 wide) keeps scalar loads, along K.
// SPIRV-LABEL: func.func @pointwise
// SPIRV: scf.for
// SPIRV: memref.load %arg1[{{.*}}, %c0, %c0] : memref<64x32x1x1xf32>
// SPIRV: vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<1x32x16x16xf32>, vector<4xf32>
// SPIRV: gpu.barrier
func.func @pointwise(%x: memref<1x32x16x16xf32>, %w: memref<64x32x1x1xf32>) -> memref<1x64x16x16xf32> {
  %y = memref.alloc() : memref<1x64x16x16xf32>
  linalg.conv_2d_nchw_fchw ins(%x, %w : memref<1x32x16x16xf32>, memref<64x32x1x1xf32>) outs(%y : memref<1x64x16x16xf32>)
  return %y : memref<1x64x16x16xf32>
}

// -----

// 8-bit operands with `nvvm` loads. CUDA's 64x64 tiles over 256 invocations (4x4
// blocks) stage four elements each, a 4-byte vector under a 4-byte
// alignment test (16 bytes would be more than an invocation stages).
// NVVM-LABEL: func.func @int8
// NVVM: gpu.launch blocks({{.*}}) in ({{.*}} = %c16, {{.*}} = %c16, {{.*}}) threads({{.*}}) in ({{.*}} = %c256,
// NVVM: memref.extract_aligned_pointer_as_index %arg0
// NVVM-NEXT: arith.remui %{{.*}}, %c4
// NVVM: memref.extract_aligned_pointer_as_index %arg1
// NVVM-NEXT: arith.remui %{{.*}}, %c4
// NVVM: scf.if
// NVVM: vector.load %arg0[{{.*}}] {alignment = 4 : i64} : memref<1024x64xi8>, vector<4xi8>
// NVVM: else
// NVVM: memref.load %arg0[
// NVVM: vector.load %arg1[{{.*}}] {alignment = 4 : i64} : memref<64x1024xi8>, vector<4xi8>
// NVVM: gpu.barrier
// SPIRV-LABEL: func.func @int8
// SPIRV-NOT: vector.load %arg
// SPIRV: return
func.func @int8(%a: memref<1024x64xi8>, %b: memref<64x1024xi8>) -> memref<1024x1024xi32> {
  %c = memref.alloc() : memref<1024x1024xi32>
  linalg.matmul ins(%a, %b : memref<1024x64xi8>, memref<64x1024xi8>) outs(%c : memref<1024x1024xi32>)
  return %c : memref<1024x1024xi32>
}
