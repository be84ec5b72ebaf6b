// RUN: aiopt-opt %s --split-input-file --verify-diagnostics --aiopt-gpu-spirv-kernel-abi | FileCheck %s

// The module gets the Vulkan target environment, the kernel an entry ABI
// with its block size as the workgroup size.
// The launch records that the kernel writes its buffer (copied back).
// CHECK: gpu.launch_func @k::@k {{.*}} {aiopt.written_arguments = array<i1: true, false, false>}
// CHECK: gpu.module @k attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, Int64,
// CHECK-SAME: api=Vulkan
// CHECK: gpu.func @k(
// CHECK-SAME: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [16, 4, 1]>
module attributes {gpu.container_module} {
  func.func @host(%m: memref<8x10xf32>, %n: index, %x: f32) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c16 = arith.constant 16 : index
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c16, %c4, %c1)
        args(%m : memref<8x10xf32>, %n : index, %x : f32)
    return
  }
  gpu.module @k {
    gpu.func @k(%m: memref<8x10xf32>, %n: index, %x: f32) kernel
        attributes {known_block_size = array<i32: 16, 4, 1>} {
      %c0 = arith.constant 0 : index
      memref.store %x, %m[%n, %c0] : memref<8x10xf32>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    // expected-error @below {{[E201] kernel 'k' has no static workgroup size}}
    gpu.func @k(%m: memref<8xf32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    // expected-error @below {{[E201] kernel 'k' argument 0 of type 'memref<4xf32, strided<[2]>>' cannot be passed to a Vulkan kernel}}
    gpu.func @k(%m: memref<4xf32, strided<[2]>>) kernel
        attributes {known_block_size = array<i32: 4, 1, 1>} {
      gpu.return
    }
  }
}
