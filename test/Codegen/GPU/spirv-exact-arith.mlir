// RUN: aiopt-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(aiopt-gpu-spirv-exact-arith))" | FileCheck %s

// A float remainder keeps OpFRem's result for finite divisors; for an
// infinite divisor it gives the dividend when that is finite, else a NaN
// (C's fmod).
// CHECK-LABEL: gpu.func @rem
// CHECK: %[[R:.*]] = arith.remf %[[A:.*]], %[[B:.*]] : f32
// CHECK-DAG: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// CHECK: %[[AB:.*]] = math.absf %[[B]]
// CHECK: %[[BINF:.*]] = arith.cmpf oeq, %[[AB]], %[[INF]]
// CHECK: %[[AA:.*]] = math.absf %[[A]]
// CHECK: %[[AFIN:.*]] = arith.cmpf olt, %[[AA]], %[[INF]]
// CHECK: %[[OVER:.*]] = arith.select %[[AFIN]], %[[A]], %[[NAN]]
// CHECK: %[[S:.*]] = arith.select %[[BINF]], %[[OVER]], %[[R]]
// CHECK: memref.store %[[S]]
// The same for f16 vectors.
// CHECK-LABEL: gpu.func @rem_vector
// CHECK: arith.constant dense<0x7C00> : vector<4xf16>
// CHECK: arith.select {{.*}} : vector<4xi1>, vector<4xf16>
// Boolean minima and maxima: unsigned, and/or; signed (true is -1),
// or/and.
// CHECK-LABEL: gpu.func @bool_min_max
// CHECK-NEXT: arith.constant
// CHECK: %[[A:.*]] = arith.andi %arg1, %arg2 : i1
// CHECK-NEXT: %[[B:.*]] = arith.ori %arg1, %arg2 : i1
// CHECK-NEXT: %[[C:.*]] = arith.ori %arg1, %arg2 : i1
// CHECK-NEXT: %[[D:.*]] = arith.andi %arg1, %arg2 : i1
// CHECK-LABEL: gpu.func @int_min
// CHECK: arith.minui %arg1, %arg2 : i32
gpu.module @k {
  gpu.func @rem(%m: memref<2xf32>, %a: f32, %b: f32) kernel {
    %c0 = arith.constant 0 : index
    %r = arith.remf %a, %b : f32
    memref.store %r, %m[%c0] : memref<2xf32>
    gpu.return
  }
  gpu.func @rem_vector(%m: memref<4xf16>, %a: vector<4xf16>, %b: vector<4xf16>) kernel {
    %c0 = arith.constant 0 : index
    %r = arith.remf %a, %b : vector<4xf16>
    vector.store %r, %m[%c0] : memref<4xf16>, vector<4xf16>
    gpu.return
  }
  gpu.func @bool_min_max(%m: memref<4xi1>, %a: i1, %b: i1) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %0 = arith.minui %a, %b : i1
    %1 = arith.maxui %a, %b : i1
    %2 = arith.minsi %a, %b : i1
    %3 = arith.maxsi %a, %b : i1
    memref.store %0, %m[%c0] : memref<4xi1>
    memref.store %1, %m[%c1] : memref<4xi1>
    memref.store %2, %m[%c2] : memref<4xi1>
    memref.store %3, %m[%c3] : memref<4xi1>
    gpu.return
  }
  // Integer minima of other widths stay.
  gpu.func @int_min(%m: memref<1xi32>, %a: i32, %b: i32) kernel {
    %c0 = arith.constant 0 : index
    %0 = arith.minui %a, %b : i32
    memref.store %0, %m[%c0] : memref<1xi32>
    gpu.return
  }
}
