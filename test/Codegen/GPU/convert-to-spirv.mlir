// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-convert-to-spirv --verify-diagnostics | FileCheck %s

// f32 atomic additions (split products' partial sums) become
// OpAtomicFAddEXT at device scope on the element's pointer; the rest is
// upstream's conversion (the launch keeps the gpu.module, the spirv.module
// comes after it).
// CHECK-LABEL: gpu.module @kernels
// CHECK: gpu.func @add
// CHECK: spirv.module @{{.*}}kernels
// CHECK: spirv.func @add
// CHECK: %[[P:.*]] = spirv.AccessChain
// CHECK: spirv.EXT.AtomicFAdd <Device> <AcquireRelease> %[[P]], %{{.*}} : !spirv.ptr<f32, StorageBuffer>
// CHECK: spirv.AtomicIAdd <Device> <AcquireRelease>
module attributes {gpu.container_module} {
  gpu.module @kernels attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, AtomicFloat32AddEXT], [SPV_KHR_storage_buffer_storage_class, SPV_EXT_shader_atomic_float_add]>, api=Vulkan, #spirv.resource_limits<>>} {
    gpu.func @add(%out: memref<4xf32>, %count: memref<4xi32>, %v: f32) kernel attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [4, 1, 1]>} {
      %i = gpu.thread_id x
      %r = memref.atomic_rmw addf %v, %out[%i] : (f32, memref<4xf32>) -> f32
      %one = arith.constant 1 : i32
      %n = memref.atomic_rmw addi %one, %count[%i] : (i32, memref<4xi32>) -> i32
      gpu.return
    }
  }
}

// -----

// Without the capability in the target environment, the addition has no
// SPIR-V form: the conversion fails on it.
module attributes {gpu.container_module} {
  gpu.module @kernels attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader], [SPV_KHR_storage_buffer_storage_class]>, api=Vulkan, #spirv.resource_limits<>>} {
    gpu.func @add(%out: memref<4xf32>, %v: f32) kernel attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [4, 1, 1]>} {
      %i = gpu.thread_id x
      // expected-error @+1 {{failed to legalize operation 'memref.atomic_rmw'}}
      %r = memref.atomic_rmw addf %v, %out[%i] : (f32, memref<4xf32>) -> f32
      gpu.return
    }
  }
}

// -----

// f16 additions are not converted (SPV_EXT_shader_atomic_float16_add is
// not asked for): an error, not a wrong kernel.
module attributes {gpu.container_module} {
  gpu.module @kernels attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, Float16, AtomicFloat32AddEXT], [SPV_KHR_storage_buffer_storage_class, SPV_EXT_shader_atomic_float_add]>, api=Vulkan, #spirv.resource_limits<>>} {
    gpu.func @add(%out: memref<4xf16>, %v: f16) kernel attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [4, 1, 1]>} {
      %i = gpu.thread_id x
      // expected-error @+1 {{failed to legalize operation 'memref.atomic_rmw'}}
      %r = memref.atomic_rmw addf %v, %out[%i] : (f16, memref<4xf16>) -> f16
      gpu.return
    }
  }
}

// -----

// A loop with a result that may run zero times (from the invocation's
// index to 65) is guarded: when it does not run, a selection stores its
// initial value (-inf) into the result's variable, which upstream's loop
// conversion stores only from the loop's body. A loop that runs at least
// once (0 to 4) is converted as it is.
// CHECK-LABEL: spirv.func @short_rows
// CHECK: %[[INF:.*]] = spirv.Constant 0xFF800000 : f32
// CHECK: spirv.SLessThan
// CHECK: spirv.mlir.selection
// CHECK: spirv.mlir.loop
// CHECK: spirv.GL.FMax
// CHECK: spirv.Store "Function" %{{.*}}, %[[INF]] : f32
// CHECK: spirv.mlir.merge
// CHECK-NOT: spirv.mlir.selection
// CHECK: spirv.mlir.loop
// CHECK: spirv.Return
module attributes {gpu.container_module} {
  gpu.module @kernels attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader], [SPV_KHR_storage_buffer_storage_class]>, api=Vulkan, #spirv.resource_limits<>>} {
    gpu.func @short_rows(%in: memref<65xf32>, %out: memref<128xf32>) kernel attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [128, 1, 1]>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c65 = arith.constant 65 : index
      %c128 = arith.constant 128 : index
      %inf = arith.constant 0xFF800000 : f32
      %tid = gpu.thread_id x
      %m = scf.for %i = %tid to %c65 step %c128 iter_args(%acc = %inf) -> (f32) {
        %v = memref.load %in[%i] : memref<65xf32>
        %r = arith.maximumf %acc, %v : f32
        scf.yield %r : f32
      }
      %s = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %m) -> (f32) {
        %r = arith.addf %acc, %acc : f32
        scf.yield %r : f32
      }
      memref.store %s, %out[%tid] : memref<128xf32>
      gpu.return
    }
  }
}
