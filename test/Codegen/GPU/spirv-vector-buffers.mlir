// RUN: aiopt-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(spirv.module(aiopt-gpu-spirv-vector-buffers))' | FileCheck %s

// A vector load of a storage buffer of scalars, as convert-gpu-to-spirv
// leaves it (a pointer cast, which logical addressing forbids), reads a
// vector view of the same binding at a quarter of the index. Both
// variables are decorated Aliased; two loads share one view.
// CHECK-LABEL: spirv.module @vec4
// CHECK: spirv.GlobalVariable @f_arg_0_vec4 bind(0, 0) {aliased} : !spirv.ptr<!spirv.struct<(!spirv.rtarray<vector<4xf32>, stride=16> [0])>, StorageBuffer>
// CHECK-NOT: spirv.GlobalVariable @f_arg_0_vec4
// CHECK: spirv.GlobalVariable @f_arg_0 bind(0, 0) {aliased} : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32, stride=4> [0])>, StorageBuffer>
// CHECK: spirv.GlobalVariable @f_arg_1 bind(0, 1) : !spirv.ptr
// CHECK: spirv.func @f(
// CHECK: %[[I:.*]] = spirv.IMul
// CHECK: %[[TWO:.*]] = spirv.Constant 2 : i32
// CHECK: %[[Q:.*]] = spirv.ShiftRightLogical %[[I]], %[[TWO]] : i32, i32
// CHECK: %[[VIEW:.*]] = spirv.mlir.addressof @f_arg_0_vec4
// CHECK: %[[P:.*]] = spirv.AccessChain %[[VIEW]][%{{.*}}, %[[Q]]] : {{.*}} -> !spirv.ptr<vector<4xf32>, StorageBuffer>
// CHECK: spirv.Load "StorageBuffer" %[[P]] ["Aligned", 16] : vector<4xf32>
// CHECK: spirv.mlir.addressof @f_arg_0_vec4
// CHECK-NOT: spirv.Bitcast
spirv.module @vec4 Logical GLSL450 {
  spirv.GlobalVariable @f_arg_0 bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32, stride=4> [0])>, StorageBuffer>
  spirv.GlobalVariable @f_arg_1 bind(0, 1) : !spirv.ptr<!spirv.struct<(!spirv.rtarray<f32, stride=4> [0])>, StorageBuffer>
  spirv.func @f(%t: i32) "None" {
    %a = spirv.mlir.addressof @f_arg_0 : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32, stride=4> [0])>, StorageBuffer>
    %o = spirv.mlir.addressof @f_arg_1 : !spirv.ptr<!spirv.struct<(!spirv.rtarray<f32, stride=4> [0])>, StorageBuffer>
    %c0 = spirv.Constant 0 : i32
    %c4 = spirv.Constant 4 : i32
    %i = spirv.IMul %t, %c4 : i32
    %p = spirv.AccessChain %a[%c0, %i] : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32, stride=4> [0])>, StorageBuffer>, i32, i32 -> !spirv.ptr<f32, StorageBuffer>
    %pv = spirv.Bitcast %p : !spirv.ptr<f32, StorageBuffer> to !spirv.ptr<vector<4xf32>, StorageBuffer>
    %v = spirv.Load "StorageBuffer" %pv ["Aligned", 16] : vector<4xf32>
    %j = spirv.IAdd %i, %c4 : i32
    %q = spirv.AccessChain %a[%c0, %j] : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32, stride=4> [0])>, StorageBuffer>, i32, i32 -> !spirv.ptr<f32, StorageBuffer>
    %qv = spirv.Bitcast %q : !spirv.ptr<f32, StorageBuffer> to !spirv.ptr<vector<4xf32>, StorageBuffer>
    %w = spirv.Load "StorageBuffer" %qv : vector<4xf32>
    %s = spirv.FAdd %v, %w : vector<4xf32>
    %e = spirv.CompositeExtract %s[1 : i32] : vector<4xf32>
    %out = spirv.AccessChain %o[%c0, %t] : !spirv.ptr<!spirv.struct<(!spirv.rtarray<f32, stride=4> [0])>, StorageBuffer>, i32, i32 -> !spirv.ptr<f32, StorageBuffer>
    spirv.Store "StorageBuffer" %out, %e : f32
    spirv.Return
  }
}

// -----

// Integers, two lanes: the index halves.
// CHECK-LABEL: spirv.module @vec2
// CHECK: spirv.GlobalVariable @g_vec2 bind(1, 3) {aliased} : !spirv.ptr<!spirv.struct<(!spirv.rtarray<vector<2xi32>, stride=8> [0])>, StorageBuffer>
// CHECK: spirv.Constant 1 : i32
// CHECK: spirv.ShiftRightLogical
spirv.module @vec2 Logical GLSL450 {
  spirv.GlobalVariable @g bind(1, 3) : !spirv.ptr<!spirv.struct<(!spirv.rtarray<i32, stride=4> [0])>, StorageBuffer>
  spirv.func @f(%i: i32) -> vector<2xi32> "None" {
    %a = spirv.mlir.addressof @g : !spirv.ptr<!spirv.struct<(!spirv.rtarray<i32, stride=4> [0])>, StorageBuffer>
    %c0 = spirv.Constant 0 : i32
    %p = spirv.AccessChain %a[%c0, %i] : !spirv.ptr<!spirv.struct<(!spirv.rtarray<i32, stride=4> [0])>, StorageBuffer>, i32, i32 -> !spirv.ptr<i32, StorageBuffer>
    %pv = spirv.Bitcast %p : !spirv.ptr<i32, StorageBuffer> to !spirv.ptr<vector<2xi32>, StorageBuffer>
    %v = spirv.Load "StorageBuffer" %pv : vector<2xi32>
    spirv.ReturnValue %v : vector<2xi32>
  }
}

// -----

// A workgroup variable read as vectors becomes an array of vectors: the
// vector reads index it by vector, the scalar accesses by vector and lane.
// CHECK-LABEL: spirv.module @workgroup
// CHECK: spirv.GlobalVariable @tile : !spirv.ptr<!spirv.struct<(!spirv.array<16 x vector<4xf32>>)>, Workgroup>
// CHECK: spirv.func @k(%[[I:.*]]: i32, %[[J:.*]]: i32, %[[X:.*]]: f32)
// CHECK: %[[T:.*]] = spirv.mlir.addressof @tile : !spirv.ptr<!spirv.struct<(!spirv.array<16 x vector<4xf32>>)>, Workgroup>
// CHECK: %[[LANE:.*]] = spirv.BitwiseAnd %[[I]], %{{.*}} : i32
// CHECK: %[[VI:.*]] = spirv.ShiftRightLogical %[[I]]
// CHECK: %[[P:.*]] = spirv.AccessChain %[[T]][%{{.*}}, %[[VI]], %[[LANE]]] : {{.*}} -> !spirv.ptr<f32, Workgroup>
// CHECK: spirv.Store "Workgroup" %[[P]], %[[X]] : f32
// CHECK: %[[VJ:.*]] = spirv.ShiftRightLogical %[[J]]
// CHECK: %[[Q:.*]] = spirv.AccessChain %[[T]][%{{.*}}, %[[VJ]]] : {{.*}} -> !spirv.ptr<vector<4xf32>, Workgroup>
// CHECK: spirv.Load "Workgroup" %[[Q]] ["Aligned", 16] : vector<4xf32>
// CHECK-NOT: spirv.Bitcast
spirv.module @workgroup Logical GLSL450 {
  spirv.GlobalVariable @tile : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>
  spirv.func @k(%i: i32, %j: i32, %x: f32) -> vector<4xf32> "None" {
    %a = spirv.mlir.addressof @tile : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>
    %c0 = spirv.Constant 0 : i32
    %p = spirv.AccessChain %a[%c0, %i] : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>, i32, i32 -> !spirv.ptr<f32, Workgroup>
    spirv.Store "Workgroup" %p, %x : f32
    %q = spirv.AccessChain %a[%c0, %j] : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>, i32, i32 -> !spirv.ptr<f32, Workgroup>
    %qv = spirv.Bitcast %q : !spirv.ptr<f32, Workgroup> to !spirv.ptr<vector<4xf32>, Workgroup>
    %v = spirv.Load "Workgroup" %qv ["Aligned", 16] : vector<4xf32>
    spirv.ReturnValue %v : vector<4xf32>
  }
}

// -----

// Workgroup memory read as vectors of two lengths is not retyped.
spirv.module @two_lengths Logical GLSL450 {
  // expected-error @below {{[E201] workgroup variable 'tile' is read as vectors of different lengths}}
  spirv.GlobalVariable @tile : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>
  spirv.func @k(%i: i32) -> vector<2xf32> "None" {
    %a = spirv.mlir.addressof @tile : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>
    %c0 = spirv.Constant 0 : i32
    %p = spirv.AccessChain %a[%c0, %i] : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>, i32, i32 -> !spirv.ptr<f32, Workgroup>
    %p4 = spirv.Bitcast %p : !spirv.ptr<f32, Workgroup> to !spirv.ptr<vector<4xf32>, Workgroup>
    %v = spirv.Load "Workgroup" %p4 : vector<4xf32>
    %p2 = spirv.Bitcast %p : !spirv.ptr<f32, Workgroup> to !spirv.ptr<vector<2xf32>, Workgroup>
    %w = spirv.Load "Workgroup" %p2 : vector<2xf32>
    spirv.ReturnValue %w : vector<2xf32>
  }
}

// -----

// Nor is one used other than by element.
spirv.module @whole Logical GLSL450 {
  // expected-error @below {{[E201] workgroup variable 'tile' is read as vectors and accessed otherwise than by element}}
  spirv.GlobalVariable @tile : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>
  spirv.func @k(%i: i32) -> vector<4xf32> "None" {
    %a = spirv.mlir.addressof @tile : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>
    %all = spirv.Load "Workgroup" %a : !spirv.struct<(!spirv.array<64 x f32>)>
    %c0 = spirv.Constant 0 : i32
    %p = spirv.AccessChain %a[%c0, %i] : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>, i32, i32 -> !spirv.ptr<f32, Workgroup>
    %pv = spirv.Bitcast %p : !spirv.ptr<f32, Workgroup> to !spirv.ptr<vector<4xf32>, Workgroup>
    %v = spirv.Load "Workgroup" %pv : vector<4xf32>
    spirv.ReturnValue %v : vector<4xf32>
  }
}

// -----

// A cast of a pointer into a function's variable has no vector form: an
// error naming the kernel.
spirv.module @function Logical GLSL450 {
  spirv.func @k(%i: i32) -> vector<4xf32> "None" {
    %a = spirv.Variable : !spirv.ptr<!spirv.array<64 x f32>, Function>
    %p = spirv.AccessChain %a[%i] : !spirv.ptr<!spirv.array<64 x f32>, Function>, i32 -> !spirv.ptr<f32, Function>
    // expected-error @below {{[E201] kernel 'k' casts a pointer in a way Vulkan's logical addressing cannot express: '!spirv.ptr<f32, Function>' to '!spirv.ptr<vector<4xf32>, Function>'}}
    %pv = spirv.Bitcast %p : !spirv.ptr<f32, Function> to !spirv.ptr<vector<4xf32>, Function>
    %v = spirv.Load "Function" %pv : vector<4xf32>
    spirv.ReturnValue %v : vector<4xf32>
  }
}

// -----

// Nor does a cast whose lanes are wider than the array's elements.
spirv.module @stride Logical GLSL450 {
  spirv.GlobalVariable @g bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.rtarray<f32, stride=8> [0])>, StorageBuffer>
  spirv.func @k(%i: i32) -> vector<4xf32> "None" {
    %a = spirv.mlir.addressof @g : !spirv.ptr<!spirv.struct<(!spirv.rtarray<f32, stride=8> [0])>, StorageBuffer>
    %c0 = spirv.Constant 0 : i32
    %p = spirv.AccessChain %a[%c0, %i] : !spirv.ptr<!spirv.struct<(!spirv.rtarray<f32, stride=8> [0])>, StorageBuffer>, i32, i32 -> !spirv.ptr<f32, StorageBuffer>
    // expected-error @below {{[E201] kernel 'k' casts a pointer}}
    %pv = spirv.Bitcast %p : !spirv.ptr<f32, StorageBuffer> to !spirv.ptr<vector<4xf32>, StorageBuffer>
    %v = spirv.Load "StorageBuffer" %pv : vector<4xf32>
    spirv.ReturnValue %v : vector<4xf32>
  }
}
