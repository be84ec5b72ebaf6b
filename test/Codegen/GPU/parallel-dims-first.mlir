// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-parallel-dims-first))' | FileCheck %s

// A convolution row form that iterates output columns (d2) inside the
// reduction (d1) gets them outside: parallel, parallel, reduction.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1 + d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @rows
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]}
#x = affine_map<(d0, d1, d2) -> (d0, d2 + d1)>
#w = affine_map<(d0, d1, d2) -> (d0, d1)>
#o = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @rows(%x: memref<4x10xf32>, %w: memref<4x3xf32>, %o: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<4x10xf32>, memref<4x3xf32>) outs(%o : memref<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Already in order: unchanged.
// CHECK-LABEL: func.func @ordered
// CHECK: iterator_types = ["parallel", "reduction"]
#m = affine_map<(d0, d1) -> (d0, d1)>
#r = affine_map<(d0, d1) -> (d0)>
func.func @ordered(%x: memref<4x8xf32>, %o: memref<4xf32>) {
  linalg.generic {indexing_maps = [#m, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x8xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}
