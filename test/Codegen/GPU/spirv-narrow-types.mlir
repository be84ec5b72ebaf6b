// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-spirv-narrow-types --verify-diagnostics | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-spirv-narrow-types --canonicalize --aiopt-gpu-spirv-kernel-abi --convert-gpu-to-spirv --verify-diagnostics | FileCheck %s --check-prefix=SPIRV

// bf16 buffers become i16 buffers, and bf16 values their bits: the
// conversion to f32 is integer arithmetic (a shift into the upper half),
// the bit casts between bf16 and i16 disappear. The launch passes the
// host's bf16 buffer through a cast.
// CHECK-LABEL: func.func @host
// CHECK: %[[C:.*]] = builtin.unrealized_conversion_cast %arg0 : memref<4xbf16> to memref<4xi16>
// CHECK: gpu.launch_func @bf16::@widen {{.*}} args(%[[C]] : memref<4xi16>, %arg1 : memref<4xf32>)
// CHECK-LABEL: gpu.func @widen
// CHECK-SAME: (%[[IN:.*]]: memref<4xi16>, %[[OUT:.*]]: memref<4xf32>)
// CHECK: %[[V:.*]] = memref.load %[[IN]]
// CHECK-NOT: bf16
// CHECK: arith.extui %[[V]] : i16 to i32
// CHECK: arith.shli
// CHECK: arith.bitcast {{.*}} : i32 to f32
// The rounding conversion back, and a bf16 loop-carried value.
// CHECK-LABEL: gpu.func @sum
// CHECK-SAME: (%{{.*}}: memref<8xi16>, %[[OUT:.*]]: memref<i16>)
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i16
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (i16)
// CHECK: arith.trunci {{.*}} : i32 to i16
// CHECK: memref.store {{.*}}, %[[OUT]][] : memref<i16>
// CHECK-NOT: bf16
// SPIR-V stores them at their size: 2 bytes.
// SPIRV-LABEL: spirv.func @widen
// SPIRV-SAME: !spirv.array<4 x i16, stride=2>
module attributes {gpu.container_module} {
  func.func @host(%a: memref<4xbf16>, %b: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @bf16::@widen blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xbf16>, %b : memref<4xf32>)
    return
  }
  gpu.module @bf16 {
    gpu.func @widen(%in: memref<4xbf16>, %out: memref<4xf32>) kernel attributes {known_block_size = array<i32: 1, 1, 1>} {
      %i = gpu.thread_id x
      %v = memref.load %in[%i] : memref<4xbf16>
      %w = arith.extf %v : bf16 to f32
      memref.store %w, %out[%i] : memref<4xf32>
      gpu.return
    }
    gpu.func @sum(%in: memref<8xbf16>, %out: memref<bf16>) kernel attributes {known_block_size = array<i32: 1, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c8 = arith.constant 8 : index
      %zero = arith.constant 0.0 : bf16
      %s = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (bf16) {
        %v = memref.load %in[%k] : memref<8xbf16>
        %a = arith.extf %acc : bf16 to f32
        %b = arith.extf %v : bf16 to f32
        %t = arith.addf %a, %b : f32
        %r = arith.truncf %t : f32 to bf16
        scf.yield %r : bf16
      }
      memref.store %s, %out[] : memref<bf16>
      gpu.return
    }
  }
}

// -----

// Sub-byte integers live in an i8, sign-extended from their width: loads
// re-extend (shift up, arithmetic shift down), truncations to them too;
// extsi and sitofp read the i8 as it is, extui and uitofp its low bits.
// SPIR-V stores them in bytes.
// SPIRV-LABEL: spirv.func @int4
// SPIRV-SAME: !spirv.array<4 x i8, stride=1>
// SPIRV-SAME: !spirv.array<4 x i8, stride=1>
// CHECK-LABEL: gpu.func @int4
// CHECK-SAME: (%[[IN:.*]]: memref<4xi8>, %[[OUT:.*]]: memref<4xi8>, %[[F:.*]]: memref<4xf32>, %[[W:.*]]: memref<4xi32>)
// CHECK-DAG: %[[C:.*]] = arith.constant -3 : i8
// CHECK: %[[RAW:.*]] = memref.load %[[IN]]
// CHECK: %[[FOUR:.*]] = arith.constant 4 : i8
// CHECK: %[[UP:.*]] = arith.shli %[[RAW]], %[[FOUR]]
// CHECK: %[[V:.*]] = arith.shrsi %[[UP]], %[[FOUR]]
// CHECK: %[[S:.*]] = arith.sitofp %[[V]] : i8 to f32
// CHECK: %[[MASK:.*]] = arith.constant 15 : i8
// CHECK: %[[LOW:.*]] = arith.andi %[[V]], %[[MASK]]
// CHECK: %[[U:.*]] = arith.uitofp %[[LOW]] : i8 to f32
// CHECK: %[[LOW2:.*]] = arith.andi %[[V]], %{{.*}}
// CHECK: arith.extui %[[LOW2]] : i8 to i32
// CHECK: %[[T8:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK: %[[T1:.*]] = arith.shli %[[T8]], %[[FOUR2:.*]] : i8
// CHECK: %[[T:.*]] = arith.shrsi %[[T1]], %[[FOUR2]]
// Arithmetic wraps at four bits; unsigned comparisons read the low bits.
// CHECK: %[[SUM:.*]] = arith.addi %[[V]], %[[T]] : i8
// CHECK: arith.shli %[[SUM]]
// CHECK: arith.andi %[[V]]
// CHECK: arith.andi %[[T]]
// CHECK: %[[LT:.*]] = arith.cmpi ult
// CHECK: %[[M:.*]] = arith.select %[[LT]], %{{.*}}, %[[C:.*]] : i8
// CHECK: memref.store %[[M]], %[[OUT]]
// CHECK: arith.extsi %[[M]] : i8 to i32
gpu.module @ints {
  gpu.func @int4(%in: memref<4xi4>, %out: memref<4xi4>, %f: memref<4xf32>, %w: memref<4xi32>) kernel attributes {known_block_size = array<i32: 1, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %in[%i] : memref<4xi4>
    %s = arith.sitofp %v : i4 to f32
    %u = arith.uitofp %v : i4 to f32
    %sum = arith.addf %s, %u : f32
    memref.store %sum, %f[%i] : memref<4xf32>
    %x = arith.extui %v : i4 to i32
    %y = arith.muli %x, %x : i32
    %t = arith.trunci %y : i32 to i4
    %a = arith.addi %v, %t : i4
    %lt = arith.cmpi ult, %v, %t : i4
    %c = arith.constant -3 : i4
    %m = arith.select %lt, %a, %c : i4
    memref.store %m, %out[%i] : memref<4xi4>
    %e = arith.extsi %m : i4 to i32
    memref.store %e, %w[%i] : memref<4xi32>
    gpu.return
  }
}

// -----

// 4-bit floats are their bits in an i8; bit casts from and to i4 vanish.
// CHECK-LABEL: gpu.func @f4
// CHECK-SAME: (%[[IN:.*]]: memref<2xi8>, %[[OUT:.*]]: memref<2xi8>, %[[T:.*]]: memref<16xf32>, %[[R:.*]]: memref<2xf32>)
// CHECK: %[[RAW:.*]] = memref.load %[[IN]]
// CHECK: %[[V:.*]] = arith.shrsi
// CHECK: %[[LOW:.*]] = arith.andi %[[V]]
// CHECK: arith.index_castui %[[LOW]] : i8 to index
// CHECK: memref.store %[[V]], %[[OUT]]
gpu.module @floats {
  gpu.func @f4(%in: memref<2xf4E2M1FN>, %out: memref<2xf4E2M1FN>, %table: memref<16xf32>, %r: memref<2xf32>) kernel attributes {known_block_size = array<i32: 1, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %in[%i] : memref<2xf4E2M1FN>
    %bits = arith.bitcast %v : f4E2M1FN to i4
    %j = arith.index_castui %bits : i4 to index
    %f = memref.load %table[%j] : memref<16xf32>
    memref.store %f, %r[%i] : memref<2xf32>
    %back = arith.bitcast %bits : i4 to f4E2M1FN
    memref.store %back, %out[%i] : memref<2xf4E2M1FN>
    gpu.return
  }
}

// -----

// An op the rewrite does not cover: an error naming the kernel and op.
gpu.module @bad {
  gpu.func @ceil(%in: memref<2xi4>, %out: memref<2xi4>) kernel attributes {known_block_size = array<i32: 1, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %in[%i] : memref<2xi4>
    // expected-error @+1 {{[E201] kernel 'ceil': 'arith.ceildivsi' on bf16 or sub-byte values has no Vulkan form}}
    %q = arith.ceildivsi %v, %v : i4
    memref.store %q, %out[%i] : memref<2xi4>
    gpu.return
  }
}

// -----

// bf16 arithmetic left for the rewrite (the pipeline computes it in f32
// first) is refused the same way.
gpu.module @bad_bf16 {
  gpu.func @mul(%in: memref<2xbf16>) kernel attributes {known_block_size = array<i32: 1, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %in[%i] : memref<2xbf16>
    // expected-error @+1 {{[E201] kernel 'mul': 'arith.mulf' on bf16 or sub-byte values has no Vulkan form}}
    %w = arith.mulf %v, %v : bf16
    memref.store %w, %in[%i] : memref<2xbf16>
    gpu.return
  }
}
