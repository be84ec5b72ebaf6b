// RUN: aiopt-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(aiopt-gpu-split-inits))' | FileCheck %s

// Two products start from one fill of one empty tensor, and two Relus
// write into one empty tensor: each gets its own, made just before it.
// CHECK-LABEL: func.func @chain
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[F0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<4x8xf32>)
// CHECK: %[[M0:.*]] = linalg.matmul ins(%arg0, %arg1 : {{.*}}) outs(%[[F0]] : tensor<4x8xf32>)
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[R0:.*]] = linalg.generic {{.*}} ins(%[[M0]] : tensor<4x8xf32>) outs(%[[E1]] : tensor<4x8xf32>)
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<4x8xf32>)
// CHECK: %[[M1:.*]] = linalg.matmul ins(%[[R0]], %arg2 : {{.*}}) outs(%[[F1]] : tensor<4x8xf32>)
// CHECK: %[[E3:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: linalg.generic {{.*}} ins(%[[M1]] : tensor<4x8xf32>) outs(%[[E3]] : tensor<4x8xf32>)
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @chain(%x: tensor<4x8xf32>, %w0: tensor<8x8xf32>, %w1: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %m0 = linalg.matmul ins(%x, %w0 : tensor<4x8xf32>, tensor<8x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
  %r0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m0 : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.maximumf %a, %zero : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %m1 = linalg.matmul ins(%r0, %w1 : tensor<4x8xf32>, tensor<8x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
  %r1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m1 : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.maximumf %a, %zero : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  return %r1 : tensor<4x8xf32>
}

// -----

// A fill read as an input (a broadcast value) is no destination: it stays
// one op; so does an empty tensor with a single destination use.
// CHECK-LABEL: func.func @inputs
// CHECK: %[[E:.*]] = tensor.empty()
// CHECK-NEXT: %[[F:.*]] = linalg.fill {{.*}} outs(%[[E]]
// CHECK-NEXT: %[[E1:.*]] = tensor.empty()
// CHECK-NEXT: %[[A:.*]] = linalg.add ins(%arg0, %[[F]] : {{.*}}) outs(%[[E1]]
// CHECK-NEXT: linalg.mul ins(%[[A]], %[[F]] : {{.*}}) outs(%[[A]]
// CHECK-NOT: linalg.fill
// CHECK-NOT: tensor.empty
#id1 = affine_map<(d0) -> (d0)>
func.func @inputs(%x: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<16xf32>
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  %e1 = tensor.empty() : tensor<16xf32>
  %a = linalg.add ins(%x, %f : tensor<16xf32>, tensor<16xf32>) outs(%e1 : tensor<16xf32>) -> tensor<16xf32>
  %b = linalg.mul ins(%a, %f : tensor<16xf32>, tensor<16xf32>) outs(%a : tensor<16xf32>) -> tensor<16xf32>
  return %a, %b : tensor<16xf32>, tensor<16xf32>
}

// -----

// A second destination use inside a loop gets its clone before the loop,
// not one per iteration.
// CHECK-LABEL: func.func @loop
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8xf32>
// CHECK: %[[A:.*]] = linalg.exp ins(%arg0 : tensor<8xf32>) outs(%[[E]]
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: scf.for
// CHECK-NOT: tensor.empty
// CHECK: linalg.exp ins(%{{.*}} : tensor<8xf32>) outs(%[[E1]]
func.func @loop(%x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.exp ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> tensor<8xf32> {
    %y = linalg.exp ins(%acc : tensor<8xf32>) outs(%e : tensor<8xf32>) -> tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}
