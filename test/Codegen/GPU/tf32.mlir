// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=nvvm tf32=true" --canonicalize --cse | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=emulate tf32=true" --canonicalize --cse | FileCheck %s --check-prefix=EMU
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tf32=true" --canonicalize --cse | FileCheck %s --check-prefix=SCALAR
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="tensor-cores=nvvm" --canonicalize --cse | FileCheck %s --check-prefix=F32
// The pipelines pass tf32 on for GPU devices only.
// RUN: not aiopt-opt %s --aiopt-cpu-codegen-pipeline="tf32=true" 2>&1 | FileCheck %s --check-prefix=CPU
// CPU: error: tf32: needs a GPU device (vulkan or cuda), not cpu
// RUN: aiopt-opt %s --split-input-file --aiopt-cuda-codegen-pipeline="tf32=true" --mlir-print-ir-after=aiopt-gpu-tile-contractions -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE
// PIPE-LABEL: func.func @matmul
// PIPE: arith.andi {{.*}}, %c-8192_i32
// PIPE: nvvm.mma.sync {{.*}}#nvvm.mma_type<tf32>

// An f32 product (128x96 by 96x64) under tf32 on tensor cores: 32x32
// tiles (a 2x4 grid), four warps each owning one 16x16 block as two 16x8
// mma.sync fragments. K steps by 32; the f32 tiles' rows are padded by
// four elements (16 bytes), the sums' tile is [32][32 + 4]. Each staged
// element is rounded to TF32 (finite: add 0x1000 to its bits and clear
// the low 13; NaN: set the quiet bit first; infinity: as is). Each 16-deep
// slice takes two m16n8k8 mma.sync per fragment, on the bits of four
// elements of A and two of B per lane.
// CHECK-LABEL: func.func @matmul
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2, {{.*}} = %c4, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1)
// CHECK-SAME: workgroup(%[[AT:.*]] : memref<32x36xf32, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<32x36xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x36xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} step %c32 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK: %[[X:.*]] = memref.load %{{.*}} : memref<128x96xf32>
// CHECK-NEXT: %[[BITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK-NEXT: %[[EXP:.*]] = arith.andi %[[BITS]], %c2139095040_i32
// CHECK-NEXT: %[[FINITE:.*]] = arith.cmpi ne, %[[EXP]], %c2139095040_i32
// CHECK-NEXT: %[[UP:.*]] = arith.addi %[[BITS]], %c4096_i32
// CHECK-NEXT: %[[ROUNDED:.*]] = arith.andi %[[UP]], %c-8192_i32
// CHECK-NEXT: %[[QUIET:.*]] = arith.ori %[[BITS]], %c4194304_i32
// CHECK-NEXT: %[[QNAN:.*]] = arith.andi %[[QUIET]], %c-8192_i32
// CHECK-NEXT: %[[MAG:.*]] = arith.andi %[[BITS]], %c2147483647_i32
// CHECK-NEXT: %[[NAN:.*]] = arith.cmpi ugt, %[[MAG]], %c2139095040_i32
// CHECK-NEXT: %[[SPECIAL:.*]] = arith.select %[[NAN]], %[[QNAN]], %[[BITS]]
// CHECK-NEXT: %[[R:.*]] = arith.select %[[FINITE]], %[[ROUNDED]], %[[SPECIAL]]
// CHECK-NEXT: %[[V:.*]] = arith.bitcast %[[R]] : i32 to f32
// CHECK-NEXT: memref.store %[[V]], %[[AT]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[AT]]
// CHECK-NEXT: arith.bitcast {{.*}} : f32 to i32
// CHECK-COUNT-2: nvvm.mma.sync A[{{.*}}, {{.*}}, {{.*}}, {{.*}}]  B[{{.*}}, {{.*}}]  C[{{.*}}]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<tf32>, multiplicandBPtxType = #nvvm.mma_type<tf32>, shape = #nvvm.shape<m = 16, n = 8, k = 8>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-COUNT-6: nvvm.mma.sync {{.*}}#nvvm.mma_type<tf32>{{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 8>
// CHECK: gpu.barrier
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.terminator
// Emulated: the same tiles and rounding, and each lane's four sums of a
// fragment from scalar products of f32 elements (no widening).
// EMU-LABEL: func.func @matmul
// EMU-NOT: nvvm.mma.sync
// EMU: workgroup({{.*}} : memref<32x36xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32x36xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32x36xf32, #gpu.address_space<workgroup>>)
// EMU: arith.andi {{.*}}, %c-8192_i32
// EMU: scf.for {{.*}} = %c0 to %c16 step %c1 iter_args
// EMU-NOT: arith.extf
// EMU: arith.mulf {{.*}} fastmath<contract> : f32
// EMU-NOT: nvvm.mma.sync
// EMU: gpu.terminator
// Without tensor cores: the scalar kernel's tiles ([16][32 + 1]), its
// staged elements rounded the same way.
// SCALAR-LABEL: func.func @matmul
// SCALAR: workgroup({{.*}} : memref<16x33xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16x33xf32, #gpu.address_space<workgroup>>)
// SCALAR: arith.addi {{.*}}, %c4096_i32
// SCALAR-NEXT: arith.andi {{.*}}, %c-8192_i32
// SCALAR-NOT: nvvm.mma.sync
// SCALAR: gpu.terminator
// Without tf32, f32 products keep the scalar kernel and their operands.
// F32-LABEL: func.func @matmul
// F32-NOT: nvvm.mma.sync
// F32-NOT: %c-8192_i32
// F32: gpu.terminator
func.func @matmul(%a: memref<128x96xf32>, %b: memref<96x64xf32>) -> memref<128x64xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x64xf32>)
  linalg.matmul ins(%a, %b : memref<128x96xf32>, memref<96x64xf32>) outs(%c : memref<128x64xf32>)
  return %c : memref<128x64xf32>
}

// -----

// tf32 leaves f16 products to WMMA, and their operands as they are.
// CHECK-LABEL: func.func @half
// CHECK-NOT: %c-8192_i32
// CHECK: gpu.subgroup_mma_compute
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.terminator
func.func @half(%a: memref<128x96xf16>, %b: memref<96x64xf16>) -> memref<128x64xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x64xf32>)
  linalg.matmul ins(%a, %b : memref<128x96xf16>, memref<96x64xf16>) outs(%c : memref<128x64xf32>)
  return %c : memref<128x64xf32>
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
// An f32 contraction that is not `out + a * b` (half of each product) is
// tiled, but neither rounded nor on tensor cores.
// CHECK-LABEL: func.func @halves
// CHECK-NOT: %c-8192_i32
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK-NOT: %c-8192_i32
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.terminator
func.func @halves(%a: memref<128x96xf32>, %b: memref<96x64xf32>) -> memref<128x64xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x64xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<128x96xf32>, memref<96x64xf32>) outs(%c : memref<128x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %half = arith.constant 0.5 : f32
    %h = arith.mulf %p, %half : f32
    %s = arith.addf %acc, %h : f32
    linalg.yield %s : f32
  }
  return %c : memref<128x64xf32>
}
