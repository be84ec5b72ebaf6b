// RUN: rm -rf %t && mkdir -p %t
// RUN: aiopt-opt %s --aiopt-vulkan-codegen-pipeline="kernel-dump-dir=%t" | FileCheck %s
// Every kernel the pipeline makes is valid SPIR-V for Vulkan.
// RUN: ls %t | FileCheck %s --check-prefix=FILES
// RUN: aiopt-opt %s --aiopt-vulkan-codegen-pipeline="device-resident=false" | FileCheck %s --check-prefix=COPY
// RUN: for f in %t/*.spv; do spirv-val --target-env vulkan1.2 $f || exit 1; done

// The matmul and its epilogue become kernels embedded as SPIR-V words and
// launched through the runtime; the host keeps the allocation.
// CHECK-DAG: llvm.mlir.global internal constant @aiopt_spirv_main_kernel(dense<"0x{{[0-9A-F]+}}"> : tensor<{{[0-9]+}}xi32>)
// CHECK-DAG: llvm.func @aiopt_vk_dispatch(!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, i64, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// Buffers stay on the device (resident, the default): the host code says
// when the caller's arguments change (mode 4), when an allocation is made
// (3), and hands the result back (6).
// CHECK-DAG: llvm.func @aiopt_vk_host_access(i64, i64, i32)
// CHECK-LABEL: func.func @main
// CHECK: llvm.call @aiopt_vk_host_access({{.*}}, %c4_i32)
// CHECK: memref.alloc
// CHECK: llvm.call @aiopt_vk_host_access({{.*}}, %c3_i32)
// CHECK: llvm.call @aiopt_vk_dispatch
// CHECK: llvm.call @aiopt_vk_host_access({{.*}}, %c6_i32)
// CHECK-NOT: gpu.
// CHECK-NOT: spirv.
// Without residency, no host-access calls: each dispatch copies.
// COPY-LABEL: func.func @main
// COPY-NOT: aiopt_vk_host_access
// COPY: llvm.call @aiopt_vk_dispatch
// COPY-NOT: aiopt_vk_host_access
// FILES: main_kernel.spv
// FILES: main_kernel_0.spv

#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d1)>
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %m = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %r = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel"]}
      ins(%m, %c : tensor<4x16xf32>, tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    %t = math.tanh %s : f32
    %u = math.erf %t : f32
    linalg.yield %u : f32
  } -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
