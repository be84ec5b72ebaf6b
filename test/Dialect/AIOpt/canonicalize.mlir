// RUN: aiopt-opt %s -canonicalize -split-input-file | FileCheck %s

// Folders of the shape subgraphs exporters emit, and identities.

// CHECK-LABEL: func @shape_chain
func.func @shape_chain(%x: tensor<2x8x16xf32>) -> tensor<2x8x2x8xf32> {
  // CHECK-NOT: aiopt.shape
  // CHECK-NOT: aiopt.gather
  // CHECK-NOT: aiopt.concat
  // CHECK: %[[R:.*]] = aiopt.reshape %{{.*}} : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  // CHECK: return %[[R]]
  %s = aiopt.shape %x : tensor<2x8x16xf32>
  %i = aiopt.constant dense<[0, 1]> : tensor<2xi64>
  %g = aiopt.gather %s, %i {axis = 0 : i64} : tensor<3xi64>, tensor<2xi64>
  %c = aiopt.constant dense<[2, 8]> : tensor<2xi64>
  %t = aiopt.concat %g, %c {axis = 0 : i64} : tensor<2xi64>, tensor<2xi64>
  %r = aiopt.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  return %r : tensor<2x8x2x8xf32>
}

// -----

// CHECK-LABEL: func @int_arith
// CHECK: %[[C:.*]] = aiopt.constant dense<[6, 2]> : tensor<2xi64>
// CHECK: return %[[C]]
func.func @int_arith() -> tensor<2xi64> {
  %a = aiopt.constant dense<[4, 8]> : tensor<2xi64>
  %b = aiopt.constant dense<2> : tensor<2xi64>
  %m = aiopt.mul %a, %b : tensor<2xi64>, tensor<2xi64>
  %d = aiopt.div %m, %b : tensor<2xi64>, tensor<2xi64>
  %s = aiopt.sub %d, %b : tensor<2xi64>, tensor<2xi64>
  %p = aiopt.add %s, %b : tensor<2xi64>, tensor<2xi64>
  %x = aiopt.max %p, %b : tensor<2xi64>, tensor<2xi64>
  %y = aiopt.min %x, %b : tensor<2xi64>, tensor<2xi64>
  %z = aiopt.add %y, %a : tensor<2xi64>, tensor<2xi64>
  %r = aiopt.slice %z {starts = array<i64: 0>, ends = array<i64: 2>, steps = array<i64: 1>} : tensor<2xi64>
  %w = aiopt.cast %r : tensor<2xi64> to tensor<2xi32>
  %v = aiopt.cast %w : tensor<2xi32> to tensor<2xi64>
  %q = aiopt.reshape %v : tensor<2xi64> to tensor<1x2xi64>
  %o = aiopt.reshape %q : tensor<1x2xi64> to tensor<2xi64>
  %k = aiopt.constant dense<12> : tensor<2xi64>
  %e = aiopt.sub %k, %o : tensor<2xi64>, tensor<2xi64>
  return %e : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @div_by_zero_not_folded
// CHECK: aiopt.div
func.func @div_by_zero_not_folded() -> tensor<1xi64> {
  %a = aiopt.constant dense<4> : tensor<1xi64>
  %b = aiopt.constant dense<0> : tensor<1xi64>
  %d = aiopt.div %a, %b : tensor<1xi64>, tensor<1xi64>
  return %d : tensor<1xi64>
}

// -----

// CHECK-LABEL: func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: aiopt.
// CHECK: return %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %t = aiopt.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32>
  %c = aiopt.concat %x {axis = 0 : i64} : tensor<2x3xf32>
  %s = aiopt.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 1>} : tensor<2x3xf32>
  return %t, %c, %s : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Dynamic shapes do not fold.
// CHECK-LABEL: func @dynamic_shape
// CHECK: aiopt.shape
func.func @dynamic_shape(%x: tensor<?x4xf32>) -> tensor<2xi64> {
  %s = aiopt.shape %x : tensor<?x4xf32>
  return %s : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @neg_int
// CHECK: %[[C:.*]] = aiopt.constant dense<[1, -2]> : tensor<2xi64>
// CHECK: return %[[C]]
func.func @neg_int() -> tensor<2xi64> {
  %a = aiopt.constant dense<[-1, 2]> : tensor<2xi64>
  %n = aiopt.neg %a : tensor<2xi64>
  return %n : tensor<2xi64>
}
