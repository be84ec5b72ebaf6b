// RUN: aiopt-opt %s --pass-pipeline='builtin.module(func.func(aiopt-gpu-sink-arithmetic))' | FileCheck %s

// Constants and arithmetic on them are recomputed in the launch; memref.dim
// stays on the host, and so does arithmetic on it (it becomes a kernel
// argument); arithmetic on a function argument stays too.
// CHECK-LABEL: func.func @sink
// CHECK: %[[N:.*]] = memref.dim
// CHECK: %[[HALF:.*]] = arith.divui %[[N]]
// CHECK: %[[SCALED:.*]] = arith.mulf %arg1
// CHECK: gpu.launch
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[TWELVE:.*]] = arith.muli %[[C3]], %[[C4]] : index
// CHECK: arith.addi %{{.*}}, %[[TWELVE]]
// CHECK: arith.cmpi ult, %{{.*}}, %[[HALF]]
// CHECK: arith.addf %{{.*}}, %[[SCALED]]
func.func @sink(%buf: memref<?xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %twelve = arith.muli %c3, %c4 : index
  %n = memref.dim %buf, %c0 : memref<?xf32>
  %half = arith.divui %n, %c2 : index
  %scaled = arith.mulf %x, %x : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %i = arith.addi %tx, %twelve : index
    %in = arith.cmpi ult, %i, %half : index
    scf.if %in {
      %a = memref.load %buf[%i] : memref<?xf32>
      %s = arith.addf %a, %scaled : f32
      memref.store %s, %buf[%i] : memref<?xf32>
    }
    gpu.terminator
  }
  return
}
