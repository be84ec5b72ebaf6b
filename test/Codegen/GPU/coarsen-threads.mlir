// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-coarsen-threads))' | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-coarsen-threads{factor=1}))' | FileCheck %s --check-prefix=OFF
// RUN: not aiopt-opt %s --pass-pipeline='builtin.module(func.func(aiopt-gpu-coarsen-threads{factor=0}))' 2>&1 | FileCheck %s --check-prefix=BAD

// A matmul's rows (the dimension its right operand's loads do not depend
// on) go by four: the nest counts groups of rows with a unit step, the
// four reduction loops are one with four accumulators, and B[k, j] is
// loaded once for them.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.parallel (%[[G:.*]], %[[J:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c2{{.*}}, %c32) step (%c1{{.*}}, %c1)
// CHECK: %[[BASE:.*]] = arith.muli %[[G]], %c4
// CHECK-COUNT-4: memref.load %{{.*}}[%{{.*}}, %[[J]]] : memref<8x32xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32)
// CHECK-COUNT-1: memref.load %arg1[
// CHECK-NOT: memref.load %arg1[
// CHECK: scf.yield {{.*}} : f32, f32, f32, f32
// CHECK-COUNT-4: memref.store
// OFF-LABEL: func.func @matmul
// OFF: scf.parallel {{.*}} to (%c8, %c32)
// BAD: factor must be at least 1, not 0
func.func @matmul(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c32) step (%c1, %c1) {
    %init = memref.load %c[%i, %j] : memref<8x32xf32>
    %sum = scf.for %k = %c0 to %c16 step %c1 iter_args(%acc = %init) -> (f32) {
      %x = memref.load %a[%i, %k] : memref<8x16xf32>
      %y = memref.load %b[%k, %j] : memref<16x32xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      scf.yield %s : f32
    }
    memref.store %sum, %c[%i, %j] : memref<8x32xf32>
    scf.reduce
  }
  return
}

// -----

// Left alone: rows not a multiple of four, and a reduction loop whose
// bounds depend on the row.
// CHECK-LABEL: func.func @left_alone
// CHECK: to (%c6, %c32) step (%c1, %c1)
// CHECK: to (%c8, %c32) step (%c1, %c1)
func.func @left_alone(%a: memref<8x16xf32>, %c: memref<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c6, %c32) step (%c1, %c1) {
    %init = memref.load %c[%i, %j] : memref<8x32xf32>
    %sum = scf.for %k = %c0 to %c16 step %c1 iter_args(%acc = %init) -> (f32) {
      %x = memref.load %a[%i, %k] : memref<8x16xf32>
      %y = memref.load %a[%k, %j] : memref<8x16xf32>
      %s = arith.addf %acc, %y : f32
      scf.yield %s : f32
    }
    memref.store %sum, %c[%i, %j] : memref<8x32xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c32) step (%c1, %c1) {
    %init = memref.load %c[%i, %j] : memref<8x32xf32>
    %sum = scf.for %k = %i to %c16 step %c1 iter_args(%acc = %init) -> (f32) {
      %y = memref.load %a[%k, %j] : memref<8x16xf32>
      %s = arith.addf %acc, %y : f32
      scf.yield %s : f32
    }
    memref.store %sum, %c[%i, %j] : memref<8x32xf32>
    scf.reduce
  }
  return
}
