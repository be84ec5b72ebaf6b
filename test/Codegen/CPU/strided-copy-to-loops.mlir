// RUN: aiopt-opt %s --aiopt-cpu-strided-copy-to-loops | FileCheck %s

// CHECK-LABEL: func @strided
// CHECK: linalg.copy ins(%{{.*}} : memref<4x2xf32, strided<[8, 1]>>) outs(%{{.*}} : memref<4x2xf32>)
func.func @strided(%src: memref<4x2xf32, strided<[8, 1]>>, %dst: memref<4x2xf32>) {
  memref.copy %src, %dst : memref<4x2xf32, strided<[8, 1]>> to memref<4x2xf32>
  return
}

// Contiguous copies stay memref.copy (they become memcpy).
// CHECK-LABEL: func @contiguous
// CHECK: memref.copy
func.func @contiguous(%src: memref<8xf32>, %dst: memref<8xf32>) {
  memref.copy %src, %dst : memref<8xf32> to memref<8xf32>
  return
}
