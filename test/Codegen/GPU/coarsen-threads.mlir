// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-coarsen-threads))' | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-coarsen-threads{factor=1}))' | FileCheck %s --check-prefix=OFF
// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-coarsen-threads{reductions=false}))' | FileCheck %s --check-prefix=WINDOW
// RUN: not aiopt-opt %s --pass-pipeline='builtin.module(func.func(aiopt-gpu-coarsen-threads{factor=0}))' 2>&1 | FileCheck %s --check-prefix=BAD

// A matmul's rows (the dimension its right operand's loads do not depend
// on) go by four: the nest counts groups of rows with a unit step, the
// four reduction loops are one with four accumulators, and B[k, j] is
// loaded once for them.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.parallel (%[[G:.*]], %[[J:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c2{{.*}}, %c32) step (%c1{{.*}}, %c1)
// CHECK: affine.apply #{{.*}}(%[[G]])
// CHECK-COUNT-4: memref.load %{{.*}}[%{{.*}}, %[[J]]] : memref<8x32xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32)
// CHECK-COUNT-1: memref.load %arg1[
// CHECK-NOT: memref.load %arg1[
// CHECK: scf.yield {{.*}} : f32, f32, f32, f32
// CHECK-COUNT-4: memref.store
// With reductions=false, left alone.
// WINDOW-LABEL: func.func @matmul
// WINDOW: to (%c8, %c32)
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

// -----

// A window (three taps down the rows, views of one padded buffer; one
// weight per tap): the taps' loads fold into loads of the buffer, and the
// rows go by four, whose copies share the rows they overlap on (6 input
// loads for 4 outputs instead of 12) and the weights (3 loads instead of
// 12). The stores follow all the loads.
// WINDOW-LABEL: func.func @window
// WINDOW: scf.parallel (%{{.*}}, %{{.*}}) = ({{.*}}) to (%c2{{.*}}, %c16)
// WINDOW-COUNT-4: memref.load %arg0[{{.*}}] : memref<10x16xf32>
// WINDOW-NEXT: memref.load %arg1[
// WINDOW: memref.load %arg0[{{.*}}] : memref<10x16xf32>
// WINDOW-NEXT: memref.load %arg1[
// WINDOW: memref.load %arg0[{{.*}}] : memref<10x16xf32>
// WINDOW-NEXT: memref.load %arg1[
// WINDOW-NOT: memref.load
// WINDOW-COUNT-4: memref.store
// WINDOW-NEXT: scf.reduce
// (By default too.)
// CHECK-LABEL: func.func @window
// CHECK: to (%c2{{.*}}, %c16)
#tap0 = strided<[16, 1]>
#tap1 = strided<[16, 1], offset: 16>
#tap2 = strided<[16, 1], offset: 32>
func.func @window(%padded: memref<10x16xf32>, %w: memref<3xf32>) -> memref<8x16xf32> {
  %out = memref.alloc() : memref<8x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %t0 = memref.subview %padded[0, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, #tap0>
  %t1 = memref.subview %padded[1, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, #tap1>
  %t2 = memref.subview %padded[2, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, #tap2>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %x0 = memref.load %t0[%i, %j] : memref<8x16xf32, #tap0>
    %w0 = memref.load %w[%c0] : memref<3xf32>
    %x1 = memref.load %t1[%i, %j] : memref<8x16xf32, #tap1>
    %w1 = memref.load %w[%c1] : memref<3xf32>
    %x2 = memref.load %t2[%i, %j] : memref<8x16xf32, #tap2>
    %w2 = memref.load %w[%c2] : memref<3xf32>
    %p0 = arith.mulf %x0, %w0 : f32
    %p1 = arith.mulf %x1, %w1 : f32
    %p2 = arith.mulf %x2, %w2 : f32
    %s0 = arith.addf %p0, %p1 : f32
    %s1 = arith.addf %s0, %p2 : f32
    memref.store %s1, %out[%i, %j] : memref<8x16xf32>
    scf.reduce
  }
  return %out : memref<8x16xf32>
}

// -----

// Left alone: a window that writes a buffer it reads (its copies' stores
// would follow other copies' loads), and one without shared loads.
// WINDOW-LABEL: func.func @windows_left_alone
// WINDOW: to (%c8, %c16) step (%c1, %c1)
// WINDOW: to (%c8, %c16) step (%c1, %c1)
func.func @windows_left_alone(%in: memref<8x16xf32>) -> memref<8x16xf32> {
  %buf = memref.alloc() : memref<10x16xf32>
  %out = memref.alloc() : memref<8x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %t0 = memref.subview %buf[0, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1]>>
  %t1 = memref.subview %buf[1, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %x0 = memref.load %t0[%i, %j] : memref<8x16xf32, strided<[16, 1]>>
    %x1 = memref.load %t1[%i, %j] : memref<8x16xf32, strided<[16, 1], offset: 16>>
    %s = arith.addf %x0, %x1 : f32
    memref.store %s, %t0[%i, %j] : memref<8x16xf32, strided<[16, 1]>>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %x = memref.load %in[%i, %j] : memref<8x16xf32>
    %e = math.exp %x : f32
    memref.store %e, %out[%i, %j] : memref<8x16xf32>
    scf.reduce
  }
  return %out : memref<8x16xf32>
}

// -----

// Views of a buffer of dynamic shape keep their loads and stores (such a
// buffer reaches a kernel only through a strided view, flattened with
// its strides): the taps share nothing then, and the nest is left alone.
// WINDOW-LABEL: func.func @dynamic_window
// WINDOW: to (%c8, %c16) step (%c1, %c1)
// WINDOW: memref.load %subview{{.*}} : memref<8x16xf32, strided<[16, 1]>>
// WINDOW: memref.load %subview{{.*}} : memref<8x16xf32, strided<[16, 1], offset: 16>>
// WINDOW: memref.store %{{.*}}, %subview{{.*}} : memref<8x16xf32, strided<[16, 1]>>
func.func @dynamic_window(%n: index) -> memref<?x16xf32> {
  %buf = memref.alloc(%n) : memref<?x16xf32>
  %out = memref.alloc(%n) : memref<?x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %t0 = memref.subview %buf[0, 0] [8, 16] [1, 1] : memref<?x16xf32> to memref<8x16xf32, strided<[16, 1]>>
  %t1 = memref.subview %buf[1, 0] [8, 16] [1, 1] : memref<?x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  %o = memref.subview %out[0, 0] [8, 16] [1, 1] : memref<?x16xf32> to memref<8x16xf32, strided<[16, 1]>>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %x0 = memref.load %t0[%i, %j] : memref<8x16xf32, strided<[16, 1]>>
    %x1 = memref.load %t1[%i, %j] : memref<8x16xf32, strided<[16, 1], offset: 16>>
    %s = arith.addf %x0, %x1 : f32
    memref.store %s, %o[%i, %j] : memref<8x16xf32, strided<[16, 1]>>
    scf.reduce
  }
  return %out : memref<?x16xf32>
}
