// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-flatten-strided-buffers))' | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-flatten-strided-buffers,canonicalize))' | FileCheck %s --check-prefix=FOLD

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
