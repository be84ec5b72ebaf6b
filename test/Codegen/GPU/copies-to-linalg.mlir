// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-copies-to-linalg))' | FileCheck %s

// A copy into a padded buffer's interior becomes a linalg.copy (a parallel
// nest, then a kernel); a copy of rank 0 stays (no parallel dimension).
// CHECK-LABEL: func.func @pad
// CHECK: %[[INNER:.*]] = memref.subview
// CHECK-NEXT: linalg.copy ins(%arg0 : memref<2x3xf32>) outs(%[[INNER]] : memref<2x3xf32, strided<[5, 1], offset: 6>>)
// CHECK-NOT: memref.copy %arg0
// CHECK: memref.copy %arg1, %arg2 : memref<f32> to memref<f32>
func.func @pad(%x: memref<2x3xf32>, %s: memref<f32>, %t: memref<f32>) -> memref<4x5xf32> {
  %buf = memref.alloc() : memref<4x5xf32>
  %inner = memref.subview %buf[1, 1] [2, 3] [1, 1] : memref<4x5xf32> to memref<2x3xf32, strided<[5, 1], offset: 6>>
  memref.copy %x, %inner : memref<2x3xf32> to memref<2x3xf32, strided<[5, 1], offset: 6>>
  memref.copy %s, %t : memref<f32> to memref<f32>
  return %buf : memref<4x5xf32>
}

// -----

// A copy of no elements goes: there is nothing to launch.
// CHECK-LABEL: func.func @empty
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.copy
// CHECK: return
func.func @empty(%x: memref<0xi32>, %y: memref<3x0xf32>) -> (memref<0xi32>, memref<3x0xf32>) {
  %a = memref.alloc() : memref<0xi32>
  memref.copy %x, %a : memref<0xi32> to memref<0xi32>
  %b = memref.alloc() : memref<3x0xf32>
  memref.copy %y, %b : memref<3x0xf32> to memref<3x0xf32>
  return %a, %b : memref<0xi32>, memref<3x0xf32>
}
