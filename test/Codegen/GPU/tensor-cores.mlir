// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=nvvm" --canonicalize --cse | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=nvvm target-workgroups=1" --canonicalize --cse | FileCheck %s --check-prefix=BIG
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=emulate" --canonicalize --cse | FileCheck %s --check-prefix=EMU
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions --canonicalize --cse | FileCheck %s --check-prefix=NONE
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=nvvm split-k=true" --canonicalize --cse | FileCheck %s --check-prefix=SPLIT
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=nvvm tile-m=128 tile-n=128 target-workgroups=1" --canonicalize --cse | FileCheck %s --check-prefix=LARGE
// RUN: not aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=mma" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: tensor-cores must be 'none', 'nvvm' or 'emulate', not 'mma'

// An f16 product into f32 (128x96, K = 64) on fragments: tiles shrink to
// 32x32 (a 3x4 grid), four warps of 32 invocations each own one 16x16
// fragment. K steps by 32: M's tile is staged row-major ([32][32 + 8]),
// N's [32][32 + 8], a barrier, two 16-deep slices multiplied (the warp's
// row and column of fragments loaded from the tiles), a barrier. The
// fragments meet in an f32 tile ([32][32 + 4]); after a barrier every
// invocation stores every 128th element (the zero fill adds nothing).
// CHECK-LABEL: func.func @matmul
// CHECK: %[[C:.*]] = memref.alloc() : memref<128x96xf32>
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c3, {{.*}} = %c4, {{.*}} = %c1) threads(%[[T:[^,]*]], {{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1)
// CHECK-SAME: workgroup(%[[AT:.*]] : memref<32x40xf16, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<32x40xf16, #gpu.address_space<workgroup>>, %[[CT:.*]] : memref<32x36xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[W:.*]] = arith.divui %[[T]], %c32
// CHECK: %[[WR:.*]] = arith.muli %{{.*}}, %c16
// CHECK: %[[WC:.*]] = arith.muli %{{.*}}, %c16
// CHECK: %[[Z:.*]] = gpu.subgroup_mma_constant_matrix %{{.*}} : !gpu.mma_matrix<16x16xf32, "COp">
// CHECK: %[[ACC:.*]] = scf.for %[[K0:.*]] = %c0 to %c64 step %c32 iter_args(%[[A0:.*]] = %[[Z]])
// CHECK-COUNT-8: memref.store {{.*}}, %[[AT]]
// CHECK-COUNT-8: memref.store {{.*}}, %[[BT]]
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[FA:.*]] = gpu.subgroup_mma_load_matrix %[[AT]][%[[WR]], %c0] {leadDimension = 40 : index} {{.*}} -> !gpu.mma_matrix<16x16xf16, "AOp">
// CHECK-NEXT: %[[FB:.*]] = gpu.subgroup_mma_load_matrix %[[BT]][%c0, %[[WC]]] {leadDimension = 40 : index} {{.*}} -> !gpu.mma_matrix<16x16xf16, "BOp">
// CHECK-NEXT: %[[S0:.*]] = gpu.subgroup_mma_compute %[[FA]], %[[FB]], %[[A0]]
// CHECK-NEXT: gpu.subgroup_mma_load_matrix %[[AT]][%[[WR]], %c16]
// CHECK-NEXT: gpu.subgroup_mma_load_matrix %[[BT]][%c16, %[[WC]]]
// CHECK-NEXT: %[[S1:.*]] = gpu.subgroup_mma_compute {{.*}}, %[[S0]]
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.yield %[[S1]]
// CHECK: gpu.subgroup_mma_store_matrix %[[ACC]], %[[CT]][%[[WR]], %[[WC]]] {leadDimension = 36 : index}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.for %[[E:.*]] = %c0 to %c1024 step %c128 {
// CHECK: %[[V:.*]] = memref.load %[[CT]]
// CHECK-NEXT: memref.store %[[V]], %[[C]]
// CHECK-NOT: linalg.matmul
// The same product in 64x64 tiles: each warp owns 2x2 fragments (a
// 32x32 quarter), each slice loads two of A and two of B.
// BIG-LABEL: func.func @matmul
// BIG: threads({{.*}}) in ({{.*}} = %c128,
// BIG-SAME: memref<64x40xf16, #gpu.address_space<workgroup>>, {{.*}} : memref<32x72xf16, #gpu.address_space<workgroup>>, {{.*}} : memref<64x68xf32, #gpu.address_space<workgroup>>)
// BIG: scf.for {{.*}} iter_args({{.*}}, {{.*}}, {{.*}}, {{.*}}) -> (!gpu.mma_matrix<16x16xf32, "COp">, !gpu.mma_matrix<16x16xf32, "COp">, !gpu.mma_matrix<16x16xf32, "COp">, !gpu.mma_matrix<16x16xf32, "COp">)
// BIG: gpu.barrier
// BIG-COUNT-2: gpu.subgroup_mma_load_matrix {{.*}} "AOp">
// BIG-COUNT-2: gpu.subgroup_mma_load_matrix {{.*}} "BOp">
// BIG-COUNT-4: gpu.subgroup_mma_compute
// BIG-COUNT-2: gpu.subgroup_mma_load_matrix {{.*}} "AOp">
// BIG-COUNT-2: gpu.subgroup_mma_load_matrix {{.*}} "BOp">
// BIG-COUNT-4: gpu.subgroup_mma_compute
// BIG: gpu.barrier
// BIG-COUNT-4: gpu.subgroup_mma_store_matrix
// BIG: scf.for {{.*}} = %c0 to %c4096 step %c128
// Emulated: each lane carries its eight elements of the fragment through
// a 16-step loop per slice, with scalar multiply-adds of the extended
// operands, and stores them to the f32 tile itself.
// EMU-LABEL: func.func @matmul
// EMU-NOT: gpu.subgroup_mma
// EMU: scf.for {{.*}} step %c32 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// EMU: gpu.barrier
// EMU: scf.for {{.*}} = %c0 to %c16 step %c1 iter_args
// EMU: arith.extf {{.*}} : f16 to f32
// EMU: arith.mulf {{.*}} fastmath<contract> : f32
// EMU-NEXT: arith.addf {{.*}} fastmath<contract> : f32
// EMU: gpu.barrier
// EMU-COUNT-8: memref.store {{.*}} : memref<32x36xf32, #gpu.address_space<workgroup>>
// EMU-NOT: gpu.subgroup_mma
// EMU: gpu.terminator
// 128x128 tiles would need 86.5 KiB of workgroup memory for fragments
// (the sums' tile alone is 66 KiB): the scalar kernel instead.
// LARGE-LABEL: func.func @matmul
// LARGE-NOT: gpu.subgroup_mma
// LARGE: threads({{.*}}) in ({{.*}} = %c1024,
// LARGE-NOT: gpu.subgroup_mma
// LARGE-LABEL: func.func @bias
// Without tensor cores, the scalar kernel (64 invocations).
// NONE-LABEL: func.func @matmul
// NONE-NOT: gpu.subgroup_mma
// NONE: threads({{.*}}) in ({{.*}} = %c64,
func.func @matmul(%a: memref<128x64xf16>, %b: memref<64x96xf16>) -> memref<128x96xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x96xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x96xf32>)
  linalg.matmul ins(%a, %b : memref<128x64xf16>, memref<64x96xf16>) outs(%c : memref<128x96xf32>)
  return %c : memref<128x96xf32>
}

// -----

// An output that a bias was just broadcast into: fragments sum from zero
// and each stored element adds its bias element (the broadcast goes); K =
// 40 is not a multiple of 32: the last step stages zeros past its end
// (guarded loads); the grid's edges are guarded at the stores.
#map = affine_map<(d0, d1) -> (d0, d1)>
#bias = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @bias
// CHECK-NOT: linalg.generic
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} = %c0 to %c40 step %c32 iter_args
// CHECK: scf.if
// CHECK: memref.load %arg0
// CHECK: gpu.subgroup_mma_store_matrix
// CHECK: scf.for
// CHECK: scf.if
// CHECK: %[[B:.*]] = memref.load %arg2
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[B]], %{{.*}} : f32
// CHECK-NEXT: memref.store %[[S]]
func.func @bias(%a: memref<100x40xf16>, %b: memref<40x50xf16>, %bias: memref<50xf32>) -> memref<100x50xf32> {
  %c = memref.alloc() : memref<100x50xf32>
  linalg.generic {indexing_maps = [#bias, #map], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<50xf32>) outs(%c : memref<100x50xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a, %b : memref<100x40xf16>, memref<40x50xf16>) outs(%c : memref<100x50xf32>)
  return %c : memref<100x50xf32>
}

// -----

// bf16 operands: NVVM's mma.sync m16n8k16, whose fragments are 16x8 (a
// warp's 16x16 quarter is two of them). N's tile is staged [N][K] (its
// column-major B); each lane loads its registers as pairs of elements
// along K (32 bits each: four of A, two of B per fragment, at the rows and
// columns of MLIR's nvgpu layout maps: lane / 4 + 0|8, 2 (lane % 4) +
// 0|8) and stores its four sums of each fragment.
// CHECK-DAG: #[[G:.*]] = affine_map<()[s0] -> (s0 floordiv 4)>
// CHECK-DAG: #[[K:.*]] = affine_map<()[s0] -> (s0 * 2 - (s0 floordiv 4) * 8)>
// CHECK-DAG: #[[G8:.*]] = affine_map<()[s0] -> (s0 floordiv 4 + 8)>
// CHECK-DAG: #[[K8:.*]] = affine_map<()[s0] -> (s0 * 2 - (s0 floordiv 4) * 8 + 8)>
// CHECK-DAG: #[[K1:.*]] = affine_map<()[s0] -> (s0 * 2 - (s0 floordiv 4) * 8 + 1)>
// CHECK-LABEL: func.func @bf16
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c128,
// CHECK-SAME: workgroup(%[[AT:.*]] : memref<32x40xbf16, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<32x40xbf16, #gpu.address_space<workgroup>>, %[[CT:.*]] : memref<32x36xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: gpu.barrier
// CHECK-NEXT: %[[ROW:.*]] = affine.apply #[[G]]()[%[[LANE]]]
// CHECK-NEXT: %[[COL:.*]] = affine.apply #[[K]]()[%[[LANE]]]
// CHECK-NEXT: %[[AR:.*]] = arith.addi %{{.*}}, %[[ROW]]
// CHECK-NEXT: %[[A0:.*]] = vector.load %[[AT]][%[[AR]], %[[COL]]] {{.*}} vector<2xbf16>
// CHECK-NEXT: vector.bitcast %[[A0]] : vector<2xbf16> to vector<1xi32>
// CHECK: affine.apply #[[G8]]()[%[[LANE]]]
// CHECK: affine.apply #[[K8]]()[%[[LANE]]]
// CHECK: %[[BR:.*]] = arith.addi %{{.*}}, %[[ROW]]
// CHECK-NEXT: vector.load %[[BT]][%[[BR]], %[[COL]]] {{.*}} vector<2xbf16>
// CHECK: nvvm.mma.sync A[{{.*}}, {{.*}}, {{.*}}, {{.*}}] B[{{.*}}, {{.*}}] C[{{.*}}, {{.*}}, {{.*}}, {{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK-COUNT-3: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK: memref.store %{{.*}}#0, %[[CT]]
// CHECK: affine.apply #[[K1]]()[%[[LANE]]]
// CHECK-COUNT-7: memref.store {{.*}}, %[[CT]]
// CHECK: gpu.barrier
// Emulated, bf16 products keep mma.sync's 16x8 fragments, its [N][K] tile
// of B and its lanes' four sums per fragment, computed in scalar code.
// EMU-LABEL: func.func @bf16
// EMU-NOT: nvvm.mma.sync
// EMU: workgroup(%{{.*}} : memref<32x40xbf16, {{.*}}>, %[[EBT:.*]] : memref<32x40xbf16, {{.*}}>, %[[ECT:.*]] : memref<32x36xf32, {{.*}}>)
// EMU: scf.for %[[KK:.*]] = %c0 to %c16 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32)
// EMU: memref.load %[[EBT]][%{{.*}}, %[[KK]]]
// EMU: arith.extf {{.*}} : bf16 to f32
// EMU-NOT: nvvm.mma.sync
// EMU-COUNT-8: memref.store {{.*}}, %[[ECT]]
// EMU-NOT: nvvm.mma.sync
// EMU: gpu.terminator
func.func @bf16(%a: memref<128x64xbf16>, %b: memref<64x96xbf16>) -> memref<128x96xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x96xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x96xf32>)
  linalg.matmul ins(%a, %b : memref<128x64xbf16>, memref<64x96xbf16>) outs(%c : memref<128x96xf32>)
  return %c : memref<128x96xf32>
}

// -----

// An elementwise op after the product (Relu into f16) is computed where
// the fragments' sums are stored, and only its output is stored. With
// split K (K = 1024 over a grid of 12: parts of 128), each part adds its
// sums to the output atomically, and the epilogue stays a loop nest of
// its own (no part holds a whole sum).
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @epilogue
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<128x96xf16>
// CHECK: gpu.launch
// CHECK: gpu.subgroup_mma_store_matrix
// CHECK: scf.for
// CHECK: %[[V:.*]] = memref.load
// CHECK: %[[R:.*]] = arith.maximumf %[[V]], %{{.*}} : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[R]] : f32 to f16
// CHECK-NEXT: memref.store %[[T]], %[[OUT]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[OUT]]
// SPLIT-LABEL: func.func @epilogue
// SPLIT: linalg.fill
// SPLIT: gpu.launch blocks({{.*}}) in ({{.*}} = %c3, {{.*}} = %c4, {{.*}} = %c8)
// SPLIT: scf.for {{.*}} step %c32 iter_args
// SPLIT: gpu.subgroup_mma_store_matrix
// SPLIT: scf.for
// SPLIT: %[[V:.*]] = memref.load
// SPLIT-NEXT: memref.atomic_rmw addf %[[V]]
// SPLIT: linalg.generic
func.func @epilogue(%a: memref<128x1024xf16>, %b: memref<1024x96xf16>) -> memref<128x96xf16> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x96xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x96xf32>)
  linalg.matmul ins(%a, %b : memref<128x1024xf16>, memref<1024x96xf16>) outs(%c : memref<128x96xf32>)
  %out = memref.alloc() : memref<128x96xf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<128x96xf32>) outs(%out : memref<128x96xf16>) {
  ^bb0(%x: f32, %o: f16):
    %r = arith.maximumf %x, %zero : f32
    %t = arith.truncf %r : f32 to f16
    linalg.yield %t : f16
  }
  memref.dealloc %c : memref<128x96xf32>
  return %out : memref<128x96xf16>
}

// -----

// Products the fragments do not compute keep the scalar kernel: f32
// operands, mixed f16 and bf16 operands, and an f16 product scaled before
// it is added.
// CHECK-LABEL: func.func @others
// CHECK-NOT: gpu.subgroup_mma
// CHECK-NOT: nvvm.mma.sync
// CHECK-COUNT-3: gpu.launch
// CHECK-NOT: gpu.subgroup_mma
// CHECK-NOT: nvvm.mma.sync
#ma = affine_map<(m, n, k) -> (m, k)>
#mb = affine_map<(m, n, k) -> (k, n)>
#mc = affine_map<(m, n, k) -> (m, n)>
func.func @others(%a: memref<64x64xf32>, %b: memref<64x64xf32>, %c: memref<64x64xf16>,
                  %d: memref<64x64xbf16>, %e: memref<64x64xf16>, %f: memref<64x64xf16>)
    -> (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) {
  %s = arith.constant 0.5 : f32
  %o1 = memref.alloc() : memref<64x64xf32>
  %o2 = memref.alloc() : memref<64x64xf32>
  %o3 = memref.alloc() : memref<64x64xf32>
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>) outs(%o1 : memref<64x64xf32>)
  linalg.matmul ins(%c, %d : memref<64x64xf16>, memref<64x64xbf16>) outs(%o2 : memref<64x64xf32>)
  linalg.generic {indexing_maps = [#ma, #mb, #mc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%e, %f : memref<64x64xf16>, memref<64x64xf16>) outs(%o3 : memref<64x64xf32>) {
  ^bb0(%x: f16, %y: f16, %o: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %q = arith.mulf %p, %s : f32
    %r = arith.addf %o, %q : f32
    linalg.yield %r : f32
  }
  return %o1, %o2, %o3 : memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>
}
