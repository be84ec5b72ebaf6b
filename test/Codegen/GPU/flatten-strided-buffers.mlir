// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-flatten-strided-buffers))' | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-flatten-strided-buffers,canonicalize))' | FileCheck %s --check-prefix=FOLD
// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-flatten-strided-buffers{dynamic-strides=true}))' | FileCheck %s --check-prefix=DYN

// The interior of a padded buffer reaches the kernel as a flat view of its
// base from element 0 to the last one it reaches; loads and stores index
// it with the view's offset and strides.
// CHECK-LABEL: func.func @interior
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata
// CHECK: %[[SPAN:.*]] = arith.maxsi
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[SPAN]]], strides: [1] : memref<f32> to memref<?xf32>
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in
// CHECK: %[[ROW:.*]] = arith.muli %[[BX]], %[[STRIDES]]#0
// CHECK: %[[R:.*]] = arith.addi %[[OFF]], %[[ROW]]
// CHECK: %[[COL:.*]] = arith.muli %[[TX]], %[[STRIDES]]#1
// CHECK: %[[I:.*]] = arith.addi %[[R]], %[[COL]]
// CHECK: memref.load %[[FLAT]][%[[I]]] : memref<?xf32>
// CHECK: memref.store %{{.*}}, %[[FLAT]][%{{.*}}] : memref<?xf32>
// CHECK-NOT: strided<
// CHECK: gpu.terminator
// Static layouts fold: the span is 11 + 1 + 3 * 10 + 7 = 49 elements.
// FOLD-LABEL: func.func @interior
// FOLD: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [49], strides: [1]
func.func @interior(%buf: memref<6x10xf32>, %x: f32) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %v = memref.subview %buf[1, 1] [4, 8] [1, 1] : memref<6x10xf32> to memref<4x8xf32, strided<[10, 1], offset: 11>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %a = memref.load %v[%bx, %tx] : memref<4x8xf32, strided<[10, 1], offset: 11>>
    %s = arith.addf %a, %x : f32
    memref.store %s, %v[%bx, %tx] : memref<4x8xf32, strided<[10, 1], offset: 11>>
    gpu.terminator
  }
  return
}

// -----

// Buffers with the identity layout, and views made inside the kernel, are
// left alone.
// CHECK-LABEL: func.func @identity
// CHECK-NOT: extract_strided_metadata
// CHECK: memref.load %{{.*}} : memref<8xf32>
// CHECK: memref.load %{{.*}} : memref<4xf32, strided<[1], offset: 2>>
func.func @identity(%buf: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %a = memref.load %buf[%tx] : memref<8xf32>
    %v = memref.subview %buf[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
    %b = memref.load %v[%tx] : memref<4xf32, strided<[1], offset: 2>>
    gpu.terminator
  }
  return
}

// -----

// Views of one buffer (a convolution's taps, one element apart, and a view
// of a view) share one flat view, reaching as far as the farthest of them:
// one kernel argument at the buffer's base instead of one at each offset.
// CHECK-LABEL: func.func @taps
// CHECK-COUNT-3: memref.extract_strided_metadata
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast
// CHECK-NOT: memref.reinterpret_cast
// CHECK: gpu.launch
// CHECK-COUNT-3: memref.load %[[FLAT]][%{{.*}}] : memref<?xf32>
// CHECK: gpu.terminator
// The farthest is the second tap: offset 2 + 1 + (3 - 1) * 10 + (8 - 1) =
// 30 elements (the first reaches 28, the row of the second 12 + 1 + 7 = 20).
// FOLD-LABEL: func.func @taps
// FOLD: memref.reinterpret_cast %arg0 to offset: [0], sizes: [30], strides: [1] : memref<3x10xf32> to memref<30xf32
// FOLD-NOT: memref.reinterpret_cast
func.func @taps(%buf: memref<3x10xf32>, %out: memref<3x8xf32>) {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %t0 = memref.subview %buf[0, 0] [3, 8] [1, 1] : memref<3x10xf32> to memref<3x8xf32, strided<[10, 1]>>
  %t2 = memref.subview %buf[0, 2] [3, 8] [1, 1] : memref<3x10xf32> to memref<3x8xf32, strided<[10, 1], offset: 2>>
  %row = memref.subview %t2[1, 0] [1, 8] [1, 1] : memref<3x8xf32, strided<[10, 1], offset: 2>> to memref<8xf32, strided<[1], offset: 12>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c3, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c3, %sy = %c1, %sz = %c1) {
    %a = memref.load %t0[%bx, %tx] : memref<3x8xf32, strided<[10, 1]>>
    %b = memref.load %t2[%bx, %tx] : memref<3x8xf32, strided<[10, 1], offset: 2>>
    %c = memref.load %row[%tx] : memref<8xf32, strided<[1], offset: 12>>
    %s = arith.addf %a, %b : f32
    %t = arith.addf %s, %c : f32
    memref.store %t, %out[%bx, %tx] : memref<3x8xf32>
    gpu.terminator
  }
  return
}

// -----

// Views of memref.view results (arena slices, whose base buffers begin at
// their byte shifts) are views of different buffers: one flat view each.
// FOLD-LABEL: func.func @arena
// FOLD-COUNT-2: memref.reinterpret_cast
// FOLD: gpu.launch
func.func @arena(%arena: memref<256xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %p = memref.view %arena[%c0][] : memref<256xi8> to memref<4x4xf32>
  %q = memref.view %arena[%c64][] : memref<256xi8> to memref<4x4xf32>
  %pv = memref.subview %p[0, 1] [4, 2] [1, 1] : memref<4x4xf32> to memref<4x2xf32, strided<[4, 1], offset: 1>>
  %qv = memref.subview %q[0, 1] [4, 2] [1, 1] : memref<4x4xf32> to memref<4x2xf32, strided<[4, 1], offset: 1>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %a = memref.load %pv[%tx, %tx] : memref<4x2xf32, strided<[4, 1], offset: 1>>
    memref.store %a, %qv[%tx, %tx] : memref<4x2xf32, strided<[4, 1], offset: 1>>
    gpu.terminator
  }
  return
}

// -----

// Contiguous buffers with a dynamic extent after the first have strides
// that are not constants: left alone by default, flat views with
// `dynamic-strides` (SPIR-V). A dynamic first extent alone keeps constant
// strides and stays.
// CHECK-LABEL: func.func @dynamic_inner
// CHECK-NOT: extract_strided_metadata
// CHECK: memref.load %{{.*}} : memref<?x?xf32>
// DYN-LABEL: func.func @dynamic_inner
// DYN: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %arg0
// DYN: %[[FLAT:.*]] = memref.reinterpret_cast %[[BASE]]
// DYN-NOT: memref.extract_strided_metadata
// DYN: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in
// DYN: %[[ROW:.*]] = arith.muli %[[BX]], %[[STRIDES]]#0
// DYN: memref.load %[[FLAT]][%{{.*}}] : memref<?xf32>
// DYN: memref.store %{{.*}}, %arg1[%[[BX]], %[[TX]]] : memref<?x8xf32>
func.func @dynamic_inner(%in: memref<?x?xf32>, %out: memref<?x8xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %a = memref.load %in[%bx, %tx] : memref<?x?xf32>
    memref.store %a, %out[%bx, %tx] : memref<?x8xf32>
    gpu.terminator
  }
  return
}
