// RUN: aiopt-opt %s --aiopt-cpu-approximate-math | FileCheck %s

// tanh and erf become arithmetic; other math ops are left alone.
// CHECK-LABEL: func @approximate
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: math.exp
// CHECK: return
func.func @approximate(%x: f32, %v: vector<8xf32>) -> (f32, vector<8xf32>, f32) {
  %0 = math.tanh %x : f32
  %1 = math.erf %v : vector<8xf32>
  %2 = math.exp %x : f32
  return %0, %1, %2 : f32, vector<8xf32>, f32
}
