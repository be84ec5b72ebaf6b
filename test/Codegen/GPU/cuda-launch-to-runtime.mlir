// RUN: aiopt-opt %s --split-input-file --verify-diagnostics --aiopt-cuda-launch-to-runtime | FileCheck %s

// Without a toolkit the PTX itself (NUL-terminated, for the driver's JIT)
// is the image. Each memref operand becomes its descriptor's fields, as
// convert-gpu-to-nvvm's kernels take them: the buffer (kind 0 read, 1
// written), its address again (3), then offset, size and stride (2, 64-bit
// scalars); the index operand is a scalar too.
// CHECK-DAG: llvm.func @aiopt_cuda_dispatch(!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, i64, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// The entry name holds the kernel's name, then its module's.
// CHECK-DAG: llvm.mlir.global internal constant @aiopt_kernel_name_k_k("k\00k\00")
// CHECK-DAG: llvm.mlir.global internal constant @aiopt_cuda_k(".version 7.8\0A.target sm_90\0A\00") {addr_space = 0 : i32, alignment = 16 : i64}
// CHECK-LABEL: func.func @host
// CHECK: %[[KINDS:.*]] = llvm.alloca %{{.*}} x i32
// CHECK: %[[BYTES:.*]] = llvm.alloca %{{.*}} x i64
// CHECK: %[[ARGS:.*]] = llvm.alloca %{{.*}} x !llvm.ptr
// CHECK: %[[SLOT:.*]] = llvm.alloca %{{.*}} x i64
// CHECK: %[[N:.*]] = arith.index_cast %arg2 : index to i64
// CHECK-NEXT: llvm.store %[[N]], %[[SLOT]] : i64, !llvm.ptr
// CHECK: %[[K0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[P0:.*]] = llvm.getelementptr %[[KINDS]][0]
// CHECK-NEXT: llvm.store %[[K0]], %[[P0]]
// CHECK: %[[K1:.*]] = llvm.mlir.constant(3 : i32) : i32
// CHECK-NEXT: %[[P1:.*]] = llvm.getelementptr %[[KINDS]][1]
// CHECK-NEXT: llvm.store %[[K1]], %[[P1]]
// CHECK: %[[K2:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[P2:.*]] = llvm.getelementptr %[[KINDS]][2]
// CHECK-NEXT: llvm.store %[[K2]], %[[P2]]
// CHECK: %[[K3:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[P3:.*]] = llvm.getelementptr %[[KINDS]][3]
// CHECK-NEXT: llvm.store %[[K3]], %[[P3]]
// CHECK: %[[K4:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[P4:.*]] = llvm.getelementptr %[[KINDS]][4]
// CHECK-NEXT: llvm.store %[[K4]], %[[P4]]
// CHECK: %[[K5:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[P5:.*]] = llvm.getelementptr %[[KINDS]][5]
// CHECK-NEXT: llvm.store %[[K5]], %[[P5]]
// CHECK: %[[K6:.*]] = llvm.mlir.constant(3 : i32) : i32
// CHECK-NEXT: %[[P6:.*]] = llvm.getelementptr %[[KINDS]][6]
// CHECK-NEXT: llvm.store %[[K6]], %[[P6]]
// CHECK: %[[K7:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[P7:.*]] = llvm.getelementptr %[[KINDS]][7]
// CHECK-NEXT: llvm.store %[[K7]], %[[P7]]
// CHECK: %[[K8:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[P8:.*]] = llvm.getelementptr %[[KINDS]][8]
// CHECK-NEXT: llvm.store %[[K8]], %[[P8]]
// CHECK: %[[K9:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[P9:.*]] = llvm.getelementptr %[[KINDS]][9]
// CHECK-NEXT: llvm.store %[[K9]], %[[P9]]
// CHECK: %[[K10:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[P10:.*]] = llvm.getelementptr %[[KINDS]][10]
// CHECK-NEXT: llvm.store %[[K10]], %[[P10]]
// CHECK: %[[IMAGE:.*]] = llvm.mlir.addressof @aiopt_cuda_k
// CHECK: %[[NAME:.*]] = llvm.mlir.addressof @aiopt_kernel_name_k_k
// CHECK: %[[ENTRY:.*]] = llvm.getelementptr %[[NAME]][0, 0]
// CHECK: %[[SIZE:.*]] = llvm.mlir.constant(28 : i64) : i64
// CHECK: %[[COUNT:.*]] = llvm.mlir.constant(11 : i32) : i32
// CHECK: llvm.call @aiopt_cuda_dispatch(%[[IMAGE]], %[[SIZE]], %[[ENTRY]], {{.*}}, %[[COUNT]], %[[ARGS]], %[[BYTES]], %[[KINDS]])
// CHECK-NOT: gpu.binary
module attributes {gpu.container_module} {
  func.func @host(%in: memref<8xf32>, %out: memref<8xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1)
        args(%in : memref<8xf32>, %out : memref<8xf32>, %n : index)
        {aiopt.written_arguments = array<i1: false, true, false>}
    return
  }
  gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_90">, assembly = ".version 7.8\0A.target sm_90\0A">]
}

// -----

// A view of a constant global (weights) is a constant buffer (kind 4),
// which the runtime copies to the device once; a view of a mutable global
// is an ordinary read buffer.
// CHECK-LABEL: func.func @weights
// CHECK: %[[C4:.*]] = llvm.mlir.constant(4 : i32) : i32
// CHECK-NEXT: %[[Q0:.*]] = llvm.getelementptr %{{.*}}[0]
// CHECK-NEXT: llvm.store %[[C4]], %[[Q0]]
// CHECK: %[[C0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[Q5:.*]] = llvm.getelementptr %{{.*}}[5]
// CHECK-NEXT: llvm.store %[[C0]], %[[Q5]]
module attributes {gpu.container_module} {
  memref.global "private" constant @w : memref<2x8xf32> = dense<1.0>
  memref.global "private" @state : memref<8xf32> = dense<0.0>
  func.func @weights() {
    %c1 = arith.constant 1 : index
    %w = memref.get_global @w : memref<2x8xf32>
    %row = memref.subview %w[1, 0] [1, 8] [1, 1] : memref<2x8xf32> to memref<8xf32, strided<[1], offset: 8>>
    %flat = memref.reinterpret_cast %row to offset: [0], sizes: [8], strides: [1] : memref<8xf32, strided<[1], offset: 8>> to memref<8xf32>
    %s = memref.get_global @state : memref<8xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%flat : memref<8xf32>, %s : memref<8xf32>)
        {aiopt.written_arguments = array<i1: false, false>}
    return
  }
  gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_90">, assembly = ".version 7.8\0A.target sm_90\0A">]
}

// -----

// On a resident launch the buffers' kinds carry 8 (read 8, written 9); a
// constant buffer stays 4.
// CHECK-LABEL: func.func @resident
// CHECK: %[[R0:.*]] = llvm.mlir.constant(4 : i32) : i32
// CHECK-NEXT: %[[S0:.*]] = llvm.getelementptr %{{.*}}[0]
// CHECK-NEXT: llvm.store %[[R0]], %[[S0]]
// CHECK: %[[R5:.*]] = llvm.mlir.constant(8 : i32) : i32
// CHECK-NEXT: %[[S5:.*]] = llvm.getelementptr %{{.*}}[5]
// CHECK-NEXT: llvm.store %[[R5]], %[[S5]]
// CHECK: %[[R10:.*]] = llvm.mlir.constant(9 : i32) : i32
// CHECK-NEXT: %[[S10:.*]] = llvm.getelementptr %{{.*}}[10]
// CHECK-NEXT: llvm.store %[[R10]], %[[S10]]
module attributes {gpu.container_module} {
  memref.global "private" constant @w : memref<8xf32> = dense<1.0>
  func.func @resident(%in: memref<8xf32>, %out: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    %w = memref.get_global @w : memref<8xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%w : memref<8xf32>, %in : memref<8xf32>, %out : memref<8xf32>)
        {aiopt.resident, aiopt.written_arguments = array<i1: false, false, true>}
    return
  }
  gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_90">, assembly = ".version 7.8\0A.target sm_90\0A">]
}

// -----

// A module still in the gpu dialect has no PTX yet.
module attributes {gpu.container_module} {
  func.func @host(%in: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{[E201] kernel module 'k' is not a gpu.binary with the PTX of one NVVM target (run gpu-module-to-binary{format=isa} first)}}
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%in : memref<8xf32>)
    return
  }
  gpu.module @k {
    gpu.func @k(%in: memref<8xf32>) kernel {
      gpu.return
    }
  }
}
