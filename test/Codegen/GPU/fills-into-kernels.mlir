// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-fills-into-kernels --canonicalize | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-fills-into-kernels="max-per-invocation=1" | FileCheck %s --check-prefix=SMALL
// RUN: not aiopt-opt %s --split-input-file --aiopt-gpu-fills-into-kernels="max-per-invocation=0" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: max-per-invocation must be at least 1, not 0

// A split product's zeros after an unrelated kernel (its barrier touches
// no buffer) and an elementwise op
// that leaves them alone: the kernel (2 x 64 invocations) stores them
// first, every invocation from its flat index in steps of 128; the
// allocation moves above it. Above 1 element per invocation (SMALL) the
// fill stays.
// CHECK-LABEL: func.func @after_kernel
// CHECK: %[[Z:.*]] = memref.alloc() : memref<16x40xf32>
// CHECK-NEXT: gpu.launch blocks(%[[BX:[^,]*]], {{.*}}) in ({{.*}}) threads(%[[TX:[^,]*]], {{.*}}) in
// CHECK: %[[W:.*]] = arith.muli %[[BX]], %c64
// CHECK: %[[F:.*]] = arith.addi %[[W]], %[[TX]]
// CHECK: scf.for %[[E:.*]] = %[[F]] to %c640 step %c128 {
// CHECK: %[[COL:.*]] = arith.remui %[[E]], %c40
// CHECK: %[[ROW:.*]] = arith.divui %[[E]], %c40
// CHECK: memref.store %cst, %[[Z]][%[[ROW]], %[[COL]]]
// CHECK: }
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK: linalg.generic
// CHECK-NOT: linalg.fill
// CHECK: return
// SMALL-LABEL: func.func @after_kernel
// SMALL: linalg.generic
// SMALL: linalg.fill
func.func @after_kernel(%x: memref<128xf32>, %y: memref<8xf32>) -> (memref<16x40xf32>, memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %i = arith.muli %bx, %c64 : index
    %j = arith.addi %i, %tx : index
    memref.store %one, %x[%j] : memref<128xf32>
    gpu.barrier
    gpu.terminator
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      outs(%y : memref<8xf32>) {
  ^bb0(%o: f32):
    %s = arith.addf %o, %one : f32
    linalg.yield %s : f32
  }
  %z = memref.alloc() : memref<16x40xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%z : memref<16x40xf32>)
  return %z, %y : memref<16x40xf32>, memref<8xf32>
}

// -----

// Fills stay where the kernel before them touches their buffer, where an
// op between reads it, and where no kernel precedes them in their block.
// CHECK-LABEL: func.func @stay
// CHECK: gpu.launch
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: linalg.fill
// CHECK: scf.for
// CHECK: linalg.fill
func.func @stay(%x: memref<128xf32>, %k: memref<128xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<128xf32>
    memref.store %v, %k[%tx] : memref<128xf32>
    gpu.terminator
  }
  linalg.fill ins(%zero : f32) outs(%x : memref<128xf32>)
  %t = memref.alloc() : memref<128xf32>
  memref.copy %t, %k : memref<128xf32> to memref<128xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<128xf32>)
  scf.for %i = %c1 to %n step %c1 {
    %u = memref.alloc() : memref<128xf32>
    linalg.fill ins(%zero : f32) outs(%u : memref<128xf32>)
    memref.dealloc %u : memref<128xf32>
  }
  return
}

// -----

// A kernel too small for the fill (one workgroup of 4 invocations for 640
// elements) that leaves its buffer alone is passed over: the one above it
// (128 invocations) makes the fill. A kernel that touches the buffer ends
// the search (@blocked).
// CHECK-LABEL: func.func @past_small
// CHECK: %[[Z:.*]] = memref.alloc() : memref<16x40xf32>
// CHECK-NEXT: gpu.launch blocks
// CHECK: scf.for %{{.*}} to %c640 step %c128 {
// CHECK: memref.store %cst, %[[Z]]
// CHECK: gpu.terminator
// CHECK: gpu.launch blocks
// CHECK-NOT: scf.for
// CHECK: gpu.terminator
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @past_small(%x: memref<128xf32>, %y: memref<4xf32>) -> memref<16x40xf32> {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c128 = arith.constant 128 : index
  %one = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %x[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    memref.store %one, %y[%tx] : memref<4xf32>
    gpu.terminator
  }
  %z = memref.alloc() : memref<16x40xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%z : memref<16x40xf32>)
  return %z : memref<16x40xf32>
}

// -----

// The value comes from a load after the first kernel: the small kernel
// after the load cannot make the fill, and the one before the value
// cannot either, so the fill stays.
// CHECK-LABEL: func.func @value_between
// CHECK: gpu.launch
// CHECK-NOT: scf.for
// CHECK: memref.load
// CHECK: gpu.launch
// CHECK-NOT: scf.for
// CHECK: linalg.fill
func.func @value_between(%x: memref<128xf32>, %y: memref<4xf32>) -> memref<16x40xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c128 = arith.constant 128 : index
  %one = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %x[%tx] : memref<128xf32>
    gpu.terminator
  }
  %v = memref.load %x[%c0] : memref<128xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    memref.store %one, %y[%tx] : memref<4xf32>
    gpu.terminator
  }
  %z = memref.alloc() : memref<16x40xf32>
  linalg.fill ins(%v : f32) outs(%z : memref<16x40xf32>)
  return %z : memref<16x40xf32>
}

// -----

// A too-small kernel that writes the buffer ends the search: the fill
// stays (it would otherwise be made before that kernel's stores).
// CHECK-LABEL: func.func @blocked
// CHECK: gpu.launch
// CHECK-NOT: scf.for
// CHECK: gpu.launch
// CHECK-NOT: scf.for
// CHECK: linalg.fill
func.func @blocked(%x: memref<128xf32>, %z: memref<640xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c128 = arith.constant 128 : index
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %one, %x[%tx] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    memref.store %one, %z[%tx] : memref<640xf32>
    gpu.terminator
  }
  linalg.fill ins(%zero : f32) outs(%z : memref<640xf32>)
  return
}
