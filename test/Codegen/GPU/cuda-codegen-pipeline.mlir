// REQUIRES: cuda-toolkit
// RUN: rm -rf %t && mkdir -p %t/80 %t/90
// RUN: aiopt-opt %s --aiopt-cuda-codegen-pipeline="gpu-arch=sm_80 cuda-toolkit=%cuda_path kernel-dump-dir=%t/80" | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cuda-codegen-pipeline="gpu-arch=sm_90 cuda-toolkit=%cuda_path kernel-dump-dir=%t/90" | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cuda-codegen-pipeline="gpu-arch=sm_90 cuda-toolkit=%cuda_path device-resident=false" | FileCheck %s --check-prefix=COPY
// RUN: ls %t/80 | FileCheck %s --check-prefix=FILES
// Every kernel's PTX assembles for the architecture it was made for, and
// sm_80's also for sm_90 (what the driver's JIT does on newer GPUs).
// RUN: for f in %t/80/*.ptx; do %ptxas -arch=sm_80 $f -o /dev/null || exit 1; %ptxas -arch=sm_90 $f -o /dev/null || exit 1; done
// RUN: for f in %t/90/*.ptx; do %ptxas -arch=sm_90 $f -o /dev/null || exit 1; done
// RUN: FileCheck %s --check-prefix=PTX < %t/90/main_kernel_1.ptx

// The matmul and its epilogue become kernels embedded as fatbins (cubin
// and PTX) and launched through the runtime; the host keeps the
// allocation, whose device mirror is made without a copy (mode 3), and
// the caller's arguments may have changed at entry (4). The results stay
// on the device until the return hands the arguments (5) and the returned
// buffer (6) back to the caller. The run without device residency copies
// per launch and makes no such call.
// CHECK-DAG: llvm.mlir.global internal constant @aiopt_cuda_main_kernel("
// CHECK-DAG: llvm.func @aiopt_cuda_dispatch(
// CHECK-DAG: llvm.func @aiopt_cuda_host_access(i64, i64, i32)
// CHECK-LABEL: func.func @main
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c4_i32{{[_0-9]*}})
// CHECK: memref.alloc
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c3_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_dispatch
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c5_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c6_i32{{[_0-9]*}})
// CHECK-NEXT: return
// CHECK-NOT: gpu.
// COPY-LABEL: func.func @main
// COPY-NOT: aiopt_cuda_host_access
// COPY: llvm.call @aiopt_cuda_dispatch
// COPY-NOT: aiopt_cuda_host_access
// FILES: main_kernel.cubin
// FILES: main_kernel.ptx
// FILES: main_kernel_0.cubin
// FILES: main_kernel_0.ptx
// FILES: main_kernel_1.cubin
// FILES: main_kernel_1.ptx

// The epilogue kernel (kernels are named after their function, in modules
// named apart): a 16x4 block of 64 threads, buffers as bare global
// pointers, tanh and erf from libdevice inlined (no calls left).
// PTX: .target sm_90
// PTX: .visible .entry main_kernel(
// PTX-NEXT: .param .u64 .ptr .align 1 main_kernel_param_0,
// PTX: .maxntid 16, 4, 1
// PTX-NOT: call
// PTX: ld.global
// PTX: ex2.approx
// PTX: st.global
// PTX: ret;

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
