// RUN: aiopt-opt %s --aiopt-cpu-approximate-math | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-approximate-math=exp=false | FileCheck %s --check-prefix=NATIVE-EXP

// f32 tanh, erf and exp become arithmetic; f64 ones and other math ops are
// left alone.
// CHECK-LABEL: func @approximate
// CHECK-NOT: math.tanh {{.*}} : f32
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp {{.*}} : vector<16xf32>
// CHECK: math.exp {{.*}} : f64
// CHECK: math.sin
// CHECK: return
// With exp=false, exp stays (targets with a native exp).
// NATIVE-EXP-LABEL: func @approximate
// NATIVE-EXP-NOT: math.tanh
// NATIVE-EXP: math.exp {{.*}} : vector<16xf32>
// NATIVE-EXP: math.exp {{.*}} : f64
func.func @approximate(%x: f32, %v: vector<8xf32>, %w: vector<16xf32>, %d: f64)
    -> (f32, vector<8xf32>, vector<16xf32>, f64, f32) {
  %0 = math.tanh %x : f32
  %1 = math.erf %v : vector<8xf32>
  %2 = math.exp %w : vector<16xf32>
  %3 = math.exp %d : f64
  %4 = math.sin %x : f32
  return %0, %1, %2, %3, %4 : f32, vector<8xf32>, vector<16xf32>, f64, f32
}
