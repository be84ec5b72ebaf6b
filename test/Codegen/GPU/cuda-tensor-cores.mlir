// REQUIRES: cuda-toolkit
// RUN: rm -rf %t && mkdir -p %t/80 %t/90 %t/off
// RUN: aiopt-opt %s --aiopt-cuda-codegen-pipeline="gpu-arch=sm_80 cuda-toolkit=%cuda_path kernel-dump-dir=%t/80" -o /dev/null
// RUN: aiopt-opt %s --aiopt-cuda-codegen-pipeline="gpu-arch=sm_90 cuda-toolkit=%cuda_path kernel-dump-dir=%t/90" -o /dev/null
// RUN: aiopt-opt %s --aiopt-cuda-codegen-pipeline="gpu-arch=sm_90 cuda-toolkit=%cuda_path kernel-dump-dir=%t/off tensor-cores=off" -o /dev/null
// Every kernel assembles for its architecture (sm_80's also for sm_90).
// RUN: for f in %t/80/*.ptx; do %ptxas -arch=sm_80 $f -o /dev/null || exit 1; %ptxas -arch=sm_90 $f -o /dev/null || exit 1; done
// RUN: for f in %t/90/*.ptx; do %ptxas -arch=sm_90 $f -o /dev/null || exit 1; done
// RUN: cat %t/80/*.ptx | FileCheck %s
// RUN: cat %t/90/*.ptx | FileCheck %s
// RUN: cat %t/off/*.ptx | FileCheck %s --check-prefix=OFF

// The f16 product (what --precision=f16 leaves) runs on tensor cores by
// default: WMMA fragments loaded from shared tiles aligned to 32 bytes,
// row-major, and multiplied into f32; the sums go back through shared
// memory. The bf16 product multiplies by mma.sync, its registers loaded
// 32 bits at a time from shared memory. tensor-cores=off keeps the scalar
// kernels.
// CHECK-DAG: .shared .align 32 .b8
// CHECK-DAG: ld.shared.b32
// CHECK-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-DAG: wmma.load.a.sync.aligned.row.m16n16k16.shared.f16
// CHECK-DAG: wmma.load.b.sync.aligned.row.m16n16k16.shared.f16
// CHECK-DAG: wmma.mma.sync.aligned.row.row.m16n16k16.f32.f32
// CHECK-DAG: wmma.store.d.sync.aligned.row.m16n16k16.shared.f32
// OFF-NOT: mma
// OFF: fma.rn.f32
// OFF-NOT: mma
func.func @main(%a: tensor<256x96xf16>, %b: tensor<96x128xf16>, %c: tensor<256x96xbf16>,
                %d: tensor<96x128xbf16>) -> (tensor<256x128xf32>, tensor<256x128xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x128xf32>) -> tensor<256x128xf32>
  %m = linalg.matmul ins(%a, %b : tensor<256x96xf16>, tensor<96x128xf16>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  %n = linalg.matmul ins(%c, %d : tensor<256x96xbf16>, tensor<96x128xbf16>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  return %m, %n : tensor<256x128xf32>, tensor<256x128xf32>
}
