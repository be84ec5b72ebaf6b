// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-device-residency | FileCheck %s
// The Vulkan runtime's function takes the same calls.
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-device-residency="function=aiopt_vk_host_access" | FileCheck %s --check-prefix=VK
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-device-residency="function=aiopt_vk_host_access" | FileCheck %s --check-prefix=NOCUDA
// NOCUDA-NOT: aiopt_cuda_host_access
// RUN: aiopt-opt %s --split-input-file --verify-diagnostics --aiopt-gpu-device-residency="function=taken" -o /dev/null

// Launches are marked resident. Around them: the arguments of the model's
// (public) function are its caller's, changed at entry (mode 4); an
// allocation gets a mirror without a copy (3); a host loop reading a buffer
// brings it back first (0) and the buffer it writes is marked host-written
// after it (1); a dealloc drops the mirror (2); at the return the arguments
// go back to the caller (5) and so does the returned buffer (6). The
// constant global needs nothing.
// CHECK-LABEL: func.func @model
// CHECK: %[[ARGP:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[ARGI:.*]] = arith.index_cast %[[ARGP]] : index to i64
// CHECK: %[[ARGN:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: llvm.call @aiopt_cuda_host_access(%[[ARGI]], %[[ARGN]], %c4_i32{{[_0-9]*}})
// CHECK: %[[A:.*]] = memref.alloc() : memref<16xf32>
// CHECK: memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c3_i32{{[_0-9]*}})
// CHECK: gpu.launch_func @k::@k {{.*}} {aiopt.resident}
// CHECK: memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c0_i32{{[_0-9]*}})
// CHECK: memref.extract_aligned_pointer_as_index %[[B:.*]] :
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c0_i32{{[_0-9]*}})
// CHECK-NEXT: scf.for
// CHECK: }
// CHECK-NEXT: memref.extract_aligned_pointer_as_index %[[B]]
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c1_i32{{[_0-9]*}})
// CHECK: gpu.launch_func @k::@k {{.*}} {aiopt.resident}
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c2_i32{{[_0-9]*}})
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c5_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c6_i32{{[_0-9]*}})
// CHECK-NEXT: return
// CHECK: llvm.func @aiopt_cuda_host_access(i64, i64, i32)
// VK-LABEL: func.func @model
// VK: llvm.call @aiopt_vk_host_access({{.*}}, %c4_i32{{[_0-9]*}})
// VK: gpu.launch_func @k::@k {{.*}} {aiopt.resident}
// VK: llvm.call @aiopt_vk_host_access({{.*}}, %c6_i32{{[_0-9]*}})
// VK: llvm.func @aiopt_vk_host_access(i64, i64, i32)
module attributes {gpu.container_module} {
  memref.global "private" constant @w : memref<16xf32> = dense<1.0>
  func.func @model(%x: memref<?xf32>) -> memref<16xf32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %w = memref.get_global @w : memref<16xf32>
    %a = memref.alloc() : memref<16xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1)
        args(%w : memref<16xf32>, %a : memref<16xf32>)
    %b = memref.alloc() : memref<16xf32>
    scf.for %i = %c0 to %c16 step %c1 {
      %v = memref.load %a[%i] : memref<16xf32>
      %u = memref.load %w[%i] : memref<16xf32>
      %s = arith.addf %v, %u : f32
      memref.store %s, %b[%i] : memref<16xf32>
    }
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1)
        args(%b : memref<16xf32>, %a : memref<16xf32>)
    memref.dealloc %a : memref<16xf32>
    return %b : memref<16xf32>
  }
  gpu.module @k {
    gpu.func @k(%in: memref<16xf32>, %out: memref<16xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// An operation whose effects are unknown (a call) brings all memory back
// before it (a null pointer) and marks all of it host-written after.
// CHECK-LABEL: func.func @opaque
// CHECK: %[[Z:.*]] = arith.constant 0 : i64
// CHECK: %[[Z2:.*]] = arith.constant 0 : i64
// CHECK: llvm.call @aiopt_cuda_host_access(%[[Z]], %[[Z2]], %c0_i32{{[_0-9]*}}
// CHECK-NEXT: call @helper
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c1_i32
module attributes {gpu.container_module} {
  func.func private @helper(memref<16xf32>)
  func.func @opaque() {
    %c1 = arith.constant 1 : index
    %a = memref.alloc() : memref<16xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<16xf32>)
    call @helper(%a) : (memref<16xf32>) -> ()
    memref.dealloc %a : memref<16xf32>
    return
  }
  gpu.module @k {
    gpu.func @k(%out: memref<16xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A function of several blocks is left alone: its launches copy their
// buffers in and out.
// CHECK-LABEL: func.func @branchy
// CHECK-NOT: aiopt.resident
// CHECK-NOT: aiopt_cuda_host_access
// CHECK: return
module attributes {gpu.container_module} {
  func.func @branchy(%a: memref<16xf32>, %c: i1) {
    %c1 = arith.constant 1 : index
    cf.cond_br %c, ^run, ^done
  ^run:
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<16xf32>)
    cf.br ^done
  ^done:
    return
  }
  gpu.module @k {
    gpu.func @k(%out: memref<16xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A host buffer of indices (kernels take only integers and floats) is sized
// with 8-byte elements; one of another element type would use all memory.
// CHECK-LABEL: func.func @indices
// CHECK: memref.alloc() : memref<4xindex>
// CHECK-NEXT: memref.extract_aligned_pointer_as_index
// CHECK-NEXT: arith.index_cast
// CHECK-NEXT: arith.constant 8 : index
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c3_i32{{[_0-9]*}})
module attributes {gpu.container_module} {
  func.func @indices(%n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %i = memref.alloc() : memref<4xindex>
    memref.store %n, %i[%c0] : memref<4xindex>
    %a = memref.alloc() : memref<16xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<16xf32>)
    memref.dealloc %a : memref<16xf32>
    memref.dealloc %i : memref<4xindex>
    return
  }
  gpu.module @k {
    gpu.func @k(%out: memref<16xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A dealloc drops the mirror without bringing it back; a buffer the pass
// cannot size (vector elements) stands for all memory, which is brought
// back (0) before all mirrors are dropped (2).
// CHECK-LABEL: func.func @dead
// CHECK: gpu.launch_func
// CHECK-NEXT: memref.extract_aligned_pointer_as_index
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c2_i32{{[_0-9]*}})
// CHECK-NEXT: memref.dealloc %{{.*}} : memref<16xf32>
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[M0:.*]] = arith.constant 0 : i32
// CHECK-NEXT: llvm.call @aiopt_cuda_host_access(%[[Z]], %[[Z2]], %[[M0]])
// CHECK: %[[M2:.*]] = arith.constant 2 : i32
// CHECK-NEXT: llvm.call @aiopt_cuda_host_access({{.*}}, {{.*}}, %[[M2]])
// CHECK-NEXT: memref.dealloc %{{.*}} : memref<4xvector<4xf32>>
module attributes {gpu.container_module} {
  func.func @dead() {
    %c1 = arith.constant 1 : index
    %v = memref.alloc() : memref<4xvector<4xf32>>
    %a = memref.alloc() : memref<16xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<16xf32>)
    memref.dealloc %a : memref<16xf32>
    memref.dealloc %v : memref<4xvector<4xf32>>
    return
  }
  gpu.module @k {
    gpu.func @k(%out: memref<16xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A private function's caller is host code of the same model: its
// arguments are marked host-written at entry (1) and brought back at the
// return (0), and its returned buffer is brought back and dropped (0, 2).
// CHECK-LABEL: func.func private @part
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c1_i32{{[_0-9]*}})
// CHECK: gpu.launch_func @k::@k {{.*}} {aiopt.resident}
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c0_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c0_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c2_i32{{[_0-9]*}})
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  func.func private @part(%x: memref<16xf32>) -> memref<16xf32> {
    %c1 = arith.constant 1 : index
    %a = memref.alloc() : memref<16xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : memref<16xf32>, %a : memref<16xf32>)
    return %a : memref<16xf32>
  }
  gpu.module @k {
    gpu.func @k(%in: memref<16xf32>, %out: memref<16xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// The model's function is bracketed even without launches, so that its
// host code reads a device input of aiopt_run_on only after copying it
// back (0). A private function without launches is left alone.
// CHECK-LABEL: func.func private @plain
// CHECK-NOT: aiopt_cuda_host_access
// CHECK: return
// CHECK-LABEL: func.func @hostonly
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c4_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c3_i32{{[_0-9]*}})
// CHECK: memref.extract_aligned_pointer_as_index %arg0
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c0_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c0_i32{{[_0-9]*}})
// CHECK-NEXT: scf.for
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c1_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c5_i32{{[_0-9]*}})
// CHECK: llvm.call @aiopt_cuda_host_access({{.*}}, %c6_i32{{[_0-9]*}})
// CHECK-NEXT: return
module {
  func.func private @plain(%x: memref<4xf32>) {
    return
  }
  func.func @hostonly(%x: memref<4xf32>) -> memref<4xf32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %y = memref.alloc() : memref<4xf32>
    scf.for %i = %c0 to %c4 step %c1 {
      %v = memref.load %x[%i] : memref<4xf32>
      memref.store %v, %y[%i] : memref<4xf32>
    }
    return %y : memref<4xf32>
  }
}

// -----

// A host-access function declared with another type is an error, not a
// call of the wrong signature.
// expected-error@+1 {{redefinition of function 'taken' of different type}}
llvm.func @taken(i32)
// expected-error@+1 {{'taken' is declared with another type}}
func.func @other(%x: memref<4xf32>) {
  return
}
