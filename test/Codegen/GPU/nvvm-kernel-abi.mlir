// RUN: aiopt-opt %s --split-input-file --verify-diagnostics --aiopt-gpu-nvvm-kernel-abi="chip=sm_80" | FileCheck %s

// The module gets the NVVM target; the launch records which buffers the
// kernel writes (the output, not the input; scalars never).
// CHECK: gpu.launch_func @k::@k {{.*}} {aiopt.written_arguments = array<i1: false, true, false>}
// CHECK: gpu.module @k [#nvvm.target<O = 3, chip = "sm_80">]
module attributes {gpu.container_module} {
  func.func @host(%in: memref<8xf32>, %out: memref<8xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%in : memref<8xf32>, %out : memref<8xf32>, %n : index)
    return
  }
  gpu.module @k {
    gpu.func @k(%in: memref<8xf32>, %out: memref<8xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %in[%c0] : memref<8xf32>
      memref.store %v, %out[%n] : memref<8xf32>
      gpu.return
    }
  }
}

// -----

// A strided buffer has no bare-pointer form.
module attributes {gpu.container_module} {
  gpu.module @k {
    // expected-error @below {{[E201] kernel 'k' argument 0 of type 'memref<4xf32, strided<[2]>>' cannot be passed to a CUDA kernel}}
    gpu.func @k(%m: memref<4xf32, strided<[2]>>) kernel {
      gpu.return
    }
  }
}

// -----

// Workgroup attributions are aligned to at least 32 bytes (WMMA's loads
// and stores of shared memory); a larger alignment stays.
// CHECK-LABEL: gpu.func @aligned
// CHECK-SAME: workgroup(%{{.*}} : memref<32x40xf16, #gpu.address_space<workgroup>> {llvm.align = 32 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64})
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @aligned(%out: memref<8xf32>) workgroup(%t : memref<32x40xf16, #gpu.address_space<workgroup>>, %u : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64}) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %u[%c0] : memref<8xf32, #gpu.address_space<workgroup>>
      memref.store %v, %out[%c0] : memref<8xf32>
      gpu.return
    }
  }
}
