// RUN: aiopt-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(aiopt-gpu-spirv-remainder))" | FileCheck %s

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
}
