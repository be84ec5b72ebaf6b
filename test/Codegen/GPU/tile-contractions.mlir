// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions --canonicalize --cse | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tile-memory=alloc target-workgroups=1" | FileCheck %s --check-prefix=ALLOC
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="split-k=true split-k-workgroups=128" --canonicalize --cse | FileCheck %s --check-prefix=SPLIT
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="thread-tile=8" --canonicalize --cse | FileCheck %s --check-prefix=EIGHT
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="fit-tiles=false" | FileCheck %s --check-prefix=NOFIT
// RUN: not aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tile-m=48" 2>&1 | FileCheck %s --check-prefix=BADTILE
// RUN: not aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tile-memory=global" 2>&1 | FileCheck %s --check-prefix=BADMEM

// A 128x96 product over K = 64: with fewer than 128 workgroups of 64x64,
// tiles shrink to 32x32 (a 3x4 grid of 64 invocations, 4x4 outputs each).
// K walks in steps of 16: both tiles staged in workgroup memory (rows
// padded by one), a barrier, sixteen unrolled steps of the payload (its
// multiply-adds may contract), a barrier. The accumulators start from the
// output's values and are stored once.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[C:.*]] = memref.alloc() : memref<128x96xf32>
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c3, {{.*}} = %c4, {{.*}} = %c1) threads(%[[T:[^,]*]], {{.*}}) in ({{.*}} = %c64, {{.*}} = %c1, {{.*}} = %c1)
// CHECK-SAME: workgroup(%[[AT:.*]] : memref<16x33xf32, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<16x33xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-16: memref.load %[[C]]
// CHECK: scf.for %[[K0:.*]] = %c0 to %c64 step %c16 iter_args
// CHECK-COUNT-8: memref.store {{.*}}, %[[AT]]
// CHECK-COUNT-8: memref.store {{.*}}, %[[BT]]
// CHECK-NEXT: gpu.barrier
// CHECK-NOT: scf.for
// CHECK: arith.mulf {{.*}} fastmath<contract> : f32
// CHECK-NEXT: arith.addf {{.*}} fastmath<contract> : f32
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK-COUNT-16: memref.store {{.*}}, %[[C]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.matmul
// ALLOC-LABEL: func.func @matmul
// ALLOC: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads
// ALLOC-NOT: workgroup(
// ALLOC: memref.alloc() : memref<16x65xf32, 3>
// ALLOC: memref.alloc() : memref<16x65xf32, 3>
func.func @matmul(%a: memref<128x64xf32>, %b: memref<64x96xf32>) -> memref<128x96xf32> {
  %c = memref.alloc() : memref<128x96xf32>
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x96xf32>) outs(%c : memref<128x96xf32>)
  return %c : memref<128x96xf32>
}

// -----

// A side whose extent fits in half a tile takes the smallest tile that
// holds it: a 16-row product (a projection to 16 channels) tiles 16 x 256,
// then shrinks along its long side towards 128 workgroups, to 16 x 64 (a
// grid of 128 along N, of 64 invocations with 4x4 outputs each), instead
// of a 64 x 64 tile three quarters of whose rows are past the end.
// CHECK-LABEL: func.func @sixteen_rows
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c64, {{.*}} = %c1, {{.*}} = %c1)
// CHECK-SAME: workgroup(%{{.*}} : memref<16x17xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>>)
// With 8x8 blocks the 16 x 64 tile has 16 invocations: each stages 16
// elements of the 16 x 16 slice of A, unrolled, and 64 of the 16 x 64
// slice of B, in a loop of 64 rounds (more than 16 are not unrolled).
// With fit-tiles=false the tile stays 64 x 64 (128 workgroups already).
// NOFIT-LABEL: func.func @sixteen_rows
// NOFIT: gpu.launch blocks({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256,
// NOFIT-SAME: workgroup(%{{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>>)
// EIGHT-LABEL: func.func @sixteen_rows
// EIGHT: gpu.launch blocks({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c16, {{.*}} = %c1, {{.*}} = %c1)
// EIGHT: scf.for {{.*}} = %c0 to %c32 step %c16 iter_args
// EIGHT-COUNT-16: memref.store {{.*}} : memref<16x17xf32, #gpu.address_space<workgroup>>
// EIGHT-NEXT: scf.for {{.*}} = %c0 to %c1024 step %c16 {
// EIGHT: memref.store {{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>>
// EIGHT-NEXT: }
// EIGHT-NEXT: gpu.barrier
func.func @sixteen_rows(%a: memref<16x32xf32>, %b: memref<32x8192xf32>) -> memref<16x8192xf32> {
  %c = memref.alloc() : memref<16x8192xf32>
  linalg.matmul ins(%a, %b : memref<16x32xf32>, memref<32x8192xf32>) outs(%c : memref<16x8192xf32>)
  return %c : memref<16x8192xf32>
}

// -----

// A product that starts from a bias broadcast along its rows (a value per
// output channel, M) reads the bias once per row of each invocation's 4x4
// block, under M's bound only (N = 50 ends inside a tile too): 4 loads,
// not 16. The broadcast is erased.
// CHECK-LABEL: func.func @row_bias
// CHECK: gpu.launch
// CHECK-COUNT-4: memref.load %arg2
// CHECK-NOT: memref.load %arg2
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
#rows = affine_map<(m, n) -> (m)>
#id = affine_map<(m, n) -> (m, n)>
func.func @row_bias(%a: memref<40x64xf32>, %b: memref<64x50xf32>, %bias: memref<40xf32>) -> memref<40x50xf32> {
  %c = memref.alloc() : memref<40x50xf32>
  linalg.generic {indexing_maps = [#rows, #id], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<40xf32>) outs(%c : memref<40x50xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a, %b : memref<40x64xf32>, memref<64x50xf32>) outs(%c : memref<40x50xf32>)
  return %c : memref<40x50xf32>
}

// -----

// Along its columns (a value per N), once per column: 4 loads.
// CHECK-LABEL: func.func @column_bias
// CHECK: gpu.launch
// CHECK-COUNT-4: memref.load %arg2
// CHECK-NOT: memref.load %arg2
// CHECK: gpu.terminator
#cols = affine_map<(m, n) -> (n)>
#id = affine_map<(m, n) -> (m, n)>
func.func @column_bias(%a: memref<40x64xf32>, %b: memref<64x50xf32>, %bias: memref<50xf32>) -> memref<40x50xf32> {
  %c = memref.alloc() : memref<40x50xf32>
  linalg.generic {indexing_maps = [#cols, #id], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<50xf32>) outs(%c : memref<40x50xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a, %b : memref<40x64xf32>, memref<64x50xf32>) outs(%c : memref<40x50xf32>)
  return %c : memref<40x50xf32>
}

// -----

// Mixed precision: f16 tiles in workgroup memory (half the bytes), widened
// exactly (no fast-math flags on arith.extf) before the multiply-adds.
// CHECK-LABEL: func.func @matmul_f16_f32
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%{{.*}} : memref<16x33xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x33xf16, #gpu.address_space<workgroup>>)
// CHECK: arith.extf %{{[0-9]+}} : f16 to f32
// CHECK: arith.mulf {{.*}} fastmath<contract> : f32
func.func @matmul_f16_f32(%a: memref<128x64xf16>, %b: memref<64x96xf16>) -> memref<128x96xf32> {
  %c = memref.alloc() : memref<128x96xf32>
  linalg.matmul ins(%a, %b : memref<128x64xf16>, memref<64x96xf16>) outs(%c : memref<128x96xf32>)
  return %c : memref<128x96xf32>
}

// -----

// A convolution's generic form: the filters (used only by the weights) are
// M, the batch and output positions (only by the input) N, (c, kh, kw) K.
// K = 72 is not a multiple of 16: staged elements past it are zero and the
// last step's loop runs min(16, 72 - k0) times. Weight tiles are read along
// K (their contiguous dimension): consecutive invocations take consecutive
// k, delinearized into (c, kh, kw).
// CHECK-LABEL: func.func @conv
// CHECK: gpu.launch
// CHECK: scf.for %[[K0:.*]] = %c0 to %c72 step %c16
// CHECK: %[[KK:.*]] = arith.remui %{{.*}}, %c16 : index
// CHECK: %[[K:.*]] = arith.addi %[[K0]], %[[KK]] : index
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[K]], %c72 : index
// CHECK: scf.if %[[IN]] -> (f32)
// CHECK: %[[KW:.*]] = arith.remui %[[K]], %c3
// CHECK: %[[Q:.*]] = arith.divui %[[K]], %c3
// CHECK: %[[KH:.*]] = arith.remui %[[Q]], %c3
// CHECK: %[[C:.*]] = arith.divui %[[Q]], %c3
// CHECK: memref.load %arg1[%{{.*}}, %[[C]], %[[KH]], %[[KW]]] : memref<32x8x3x3xf32>
// CHECK: } else {
// CHECK-NEXT: scf.yield %cst
// CHECK: gpu.barrier
// CHECK: %[[REST:.*]] = arith.subi %c72, %[[K0]]
// CHECK: %[[STEPS:.*]] = arith.minui %[[REST]], %c16
// CHECK: scf.for %{{.*}} = %c0 to %[[STEPS]] step %c1
func.func @conv(%x: memref<1x8x18x18xf32>, %w: memref<32x8x3x3xf32>) -> memref<1x32x16x16xf32> {
  %c = memref.alloc() : memref<1x32x16x16xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, oh, ow, c, kh, kw) -> (n, c, oh + kh, ow + kw)>,
                                   affine_map<(n, f, oh, ow, c, kh, kw) -> (f, c, kh, kw)>,
                                   affine_map<(n, f, oh, ow, c, kh, kw) -> (n, f, oh, ow)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x8x18x18xf32>, memref<32x8x3x3xf32>) outs(%c : memref<1x32x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  return %c : memref<1x32x16x16xf32>
}

// -----

// Batched: the batch (used by both inputs) is the grid's third axis; M and
// N (40 and 50) are not multiples of the 32x32 tiles, so staging, initial
// loads and stores are guarded.
// CHECK-LABEL: func.func @batched
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2, {{.*}} = %c2, {{.*}} = %c3)
// CHECK: arith.cmpi ult, %{{.*}}, %c40
// CHECK: arith.cmpi ult, %{{.*}}, %c50
// CHECK: scf.if
// CHECK: memref.load %arg0[%{{.*}}, %{{.*}}, %{{.*}}] : memref<3x40x24xf32>
// CHECK: memref.store %{{.*}}, %[[OUT:.*]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<3x40x50xf32>
// CHECK-NEXT: }
// CHECK-NOT: linalg.batch_matmul
func.func @batched(%a: memref<3x40x24xf32>, %b: memref<3x24x50xf32>) -> memref<3x40x50xf32> {
  %c = memref.alloc() : memref<3x40x50xf32>
  linalg.batch_matmul ins(%a, %b : memref<3x40x24xf32>, memref<3x24x50xf32>) outs(%c : memref<3x40x50xf32>)
  return %c : memref<3x40x50xf32>
}

// -----

// Left to the loop path: a product with M = 1 (under 16); an output that
// may be an input's buffer (two function arguments); a payload reading
// linalg.index.
// CHECK-LABEL: func.func @left
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul ins(%arg0, %arg1 : memref<1x64xf32>, memref<64x96xf32>)
// CHECK: linalg.matmul ins(%arg2, %arg1 : memref<64x64xf32>, memref<64x96xf32>) outs(%arg3
// CHECK: linalg.generic
// CHECK: linalg.index
func.func @left(%v: memref<1x64xf32>, %b: memref<64x96xf32>, %a: memref<64x64xf32>,
                %o: memref<64x96xf32>) -> memref<1x96xf32> {
  %c = memref.alloc() : memref<1x96xf32>
  linalg.matmul ins(%v, %b : memref<1x64xf32>, memref<64x96xf32>) outs(%c : memref<1x96xf32>)
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x96xf32>) outs(%o : memref<64x96xf32>)
  %d = memref.alloc() : memref<64x96xf32>
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<64x64xf32>, memref<64x96xf32>) outs(%d : memref<64x96xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %i = linalg.index 2 : index
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %m = arith.mulf %x, %f : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return %c : memref<1x96xf32>
}

// -----

// A 64x64 product over K = 4096 fills 4 workgroups of 32x32: with split-k
// (towards 128 workgroups) K goes in 32 parts of 128 along the grid's
// third axis. Each part sums
// from zero and adds to the output atomically; without split-k the product
// is one part, its accumulators loaded from the output and stored.
// SPLIT-LABEL: func.func @splitk
// SPLIT: gpu.launch blocks({{.*}}) in ({{.*}} = %c2, {{.*}} = %c2, {{.*}} = %c32)
// SPLIT: %[[PART:.*]] = arith.remui %{{.*}}, %c32 : index
// SPLIT: %[[BEGIN:.*]] = arith.muli %[[PART]], %c128 : index
// SPLIT: %[[NEXT:.*]] = arith.addi %[[BEGIN]], %c128 : index
// SPLIT: %[[END:.*]] = arith.minui %[[NEXT]], %c4096 : index
// SPLIT-NOT: memref.load %alloc
// SPLIT: scf.for %{{.*}} = %[[BEGIN]] to %[[END]] step %c16 iter_args(%{{.*}} = %cst,
// SPLIT-COUNT-16: memref.atomic_rmw addf
// SPLIT-NOT: memref.store {{.*}}, %alloc
// CHECK-LABEL: func.func @splitk
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2, {{.*}} = %c2, {{.*}} = %c1)
// CHECK-NOT: atomic_rmw
func.func @splitk(%a: memref<64x4096xf32>, %b: memref<4096x64xf32>) -> memref<64x64xf32> {
  %c = memref.alloc() : memref<64x64xf32>
  linalg.matmul ins(%a, %b : memref<64x4096xf32>, memref<4096x64xf32>) outs(%c : memref<64x64xf32>)
  return %c : memref<64x64xf32>
}

// -----

// An output just filled with a constant (here through a copy of a filled
// buffer, as bufferization leaves a shared zero init) starts from that
// constant: the copy goes, and so does the fill, which nothing else reads.
// When the output is read in between, both stay and the kernel loads it.
// SPLIT-LABEL: func.func @filled
// CHECK-LABEL: func.func @filled
// CHECK-NOT: linalg.fill
// CHECK-NOT: linalg.copy
// CHECK: gpu.launch
// CHECK-NOT: memref.load %[[C:alloc_0]]
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16 iter_args(%{{.*}} = %cst,
// CHECK-LABEL: func.func @read_between
// CHECK: linalg.fill
// CHECK: linalg.copy
// CHECK: memref.load
// CHECK: gpu.launch
// CHECK: memref.load %alloc_0
func.func @filled(%a: memref<128x64xf32>, %b: memref<64x96xf32>) -> memref<128x96xf32> {
  %zero = arith.constant 0.0 : f32
  %z = memref.alloc() : memref<128x96xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<128x96xf32>)
  %c = memref.alloc() : memref<128x96xf32>
  linalg.copy ins(%z : memref<128x96xf32>) outs(%c : memref<128x96xf32>)
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x96xf32>) outs(%c : memref<128x96xf32>)
  memref.dealloc %z : memref<128x96xf32>
  return %c : memref<128x96xf32>
}
func.func @read_between(%a: memref<128x64xf32>, %b: memref<64x96xf32>, %i: index) -> (memref<128x96xf32>, f32) {
  %zero = arith.constant 0.0 : f32
  %z = memref.alloc() : memref<128x96xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<128x96xf32>)
  %c = memref.alloc() : memref<128x96xf32>
  linalg.copy ins(%z : memref<128x96xf32>) outs(%c : memref<128x96xf32>)
  %v = memref.load %c[%i, %i] : memref<128x96xf32>
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x96xf32>) outs(%c : memref<128x96xf32>)
  return %c, %v : memref<128x96xf32>, f32
}

// -----

// A dynamic batch (M's outermost, and only, dimension): full 64x64 tiles
// (a grid of unknown size is not shrunk, nor K split), the grid's rows
// from the host ((M + 63) / 64, at most 65535: each workgroup loops over
// the rows of tiles its row strides through), every row bounded by the
// extent.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[M:.*]] = memref.dim %arg0, %c0
// CHECK: %[[UP:.*]] = arith.addi %[[M]], %c63
// CHECK: %[[ROWS:.*]] = arith.divui %[[UP]], %c64
// CHECK: %[[GRID:.*]] = arith.minui %[[ROWS]], %c65535
// CHECK: gpu.launch blocks(%{{.*}}, %[[BY:.*]], %{{.*}}) in ({{.*}} = %c2, %[[GY:.*]] = %[[GRID]], {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c256,
// CHECK: scf.for %[[T:.*]] = %[[BY]] to %[[ROWS]] step %[[GY]] {
// CHECK: arith.muli %[[T]], %c64
// CHECK: arith.cmpi ult, %{{.*}}, %[[M]]
// CHECK: gpu.barrier
// CHECK: gpu.terminator
// CHECK-NOT: linalg.matmul
// SPLIT-LABEL: func.func @dynamic
// SPLIT-NOT: memref.atomic_rmw
// SPLIT: return
func.func @dynamic(%a: memref<?x64xf32>, %b: memref<64x96xf32>) -> memref<?x96xf32> {
  %c0 = arith.constant 0 : index
  %m = memref.dim %a, %c0 : memref<?x64xf32>
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc(%m) : memref<?x96xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<?x96xf32>)
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x96xf32>) outs(%c : memref<?x96xf32>)
  return %c : memref<?x96xf32>
}

// -----

// A dynamic dimension inside a group (after a static one) or along K keeps
// the loop path.
// CHECK-LABEL: func.func @dynamic_inside
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK: linalg.matmul
#dx = affine_map<(b0, b1, m, n, k) -> (b0, b1, m, k)>
#dy = affine_map<(b0, b1, m, n, k) -> (b0, b1, k, n)>
#dz = affine_map<(b0, b1, m, n, k) -> (b0, b1, m, n)>
func.func @dynamic_inside(%a: memref<2x?x32x32xf32>, %b: memref<2x?x32x32xf32>,
                          %c: memref<2x?x32x32xf32>, %d: memref<32x?xf32>, %e: memref<?x32xf32>,
                          %f: memref<32x32xf32>) {
  linalg.generic {indexing_maps = [#dx, #dy, #dz],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x?x32x32xf32>, memref<2x?x32x32xf32>) outs(%c : memref<2x?x32x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.matmul ins(%d, %e : memref<32x?xf32>, memref<?x32xf32>) outs(%f : memref<32x32xf32>)
  return
}

// BADTILE: error: tile-m and tile-n must be powers of two of at least 32
// BADMEM: error: tile-memory must be 'alloc' or 'attribution', not 'global'
