// REQUIRES: cuda-toolkit
// RUN: rm -rf %t && mkdir -p %t/f32 %t/tf32
// RUN: aiopt-opt %s --aiopt-cuda-codegen-pipeline="gpu-arch=sm_90 cuda-toolkit=%cuda_path kernel-dump-dir=%t/f32 gpu-tiles='split-k-sums=kernel'" -o /dev/null
// RUN: aiopt-opt %s --aiopt-cuda-codegen-pipeline="gpu-arch=sm_80 cuda-toolkit=%cuda_path kernel-dump-dir=%t/tf32 gpu-tiles='split-k-sums=kernel' tf32=true" -o /dev/null
// RUN: for f in %t/f32/*.ptx; do %ptxas -arch=sm_90 $f -o /dev/null || exit 1; done
// RUN: for f in %t/tf32/*.ptx; do %ptxas -arch=sm_80 $f -o /dev/null || exit 1; done
// RUN: ls %t/f32/*.ptx | wc -l | FileCheck %s --check-prefix=TWO
// RUN: cat %t/f32/*.ptx %t/tf32/*.ptx | FileCheck %s

// CUDA splits this product's K (a 2x3 grid of 32x32 tiles); with
// split-k-sums=kernel its parts and their sum are two kernels that
// assemble for sm_80 and sm_90 (the TF32 one with its mma.sync), and no
// kernel adds atomically.
// TWO: {{^}}2{{$}}
// CHECK-NOT: {{^[[:space:]]*atom\.}}
// CHECK-NOT: {{^[[:space:]]*red\.}}
// CHECK: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// CHECK-NOT: {{^[[:space:]]*atom\.}}
// CHECK-NOT: {{^[[:space:]]*red\.}}
func.func @main(%a: tensor<64x1024xf32>, %b: tensor<1024x96xf32>) -> tensor<64x96xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x96xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x96xf32>) -> tensor<64x96xf32>
  %m = linalg.matmul ins(%a, %b : tensor<64x1024xf32>, tensor<1024x96xf32>) outs(%f : tensor<64x96xf32>) -> tensor<64x96xf32>
  return %m : tensor<64x96xf32>
}
