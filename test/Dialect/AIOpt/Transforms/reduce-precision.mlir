// RUN: aiopt-opt --aiopt-reduce-precision -split-input-file %s 2>/dev/null | FileCheck %s
// RUN: aiopt-opt --aiopt-reduce-precision -split-input-file %s 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN
// RUN: aiopt-opt --aiopt-reduce-precision="type=bf16 exclude=Conv,skipped" -split-input-file %s | FileCheck %s --check-prefix=BF16
// RUN: aiopt-opt --aiopt-reduce-precision="ops=MatMul" -split-input-file %s 2>/dev/null | FileCheck %s --check-prefix=ONLY
// RUN: not aiopt-opt --aiopt-reduce-precision="type=f8" %s 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: aiopt-reduce-precision: type 'f8' is not f16 or bf16

// Constant weights become an f16 constant (0.1 rounds to the nearest
// f16); the activation is cast; the bias and the result stay f32.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[W:.*]] = aiopt.constant dense<{{\[}}[9.997550e-02, 2.000000e+00], [3.000000e+00, -1.500000e+00]]> : tensor<2x2xf16>
// CHECK-DAG: %[[X:.*]] = aiopt.cast %arg0 : tensor<3x2xf32> to tensor<3x2xf16>
// CHECK: %[[Y:.*]] = aiopt.matmul %[[X]], %[[W]], %arg1 {accumulate = f32, activation = 0 : i32} : tensor<3x2xf16>, tensor<2x2xf16>, tensor<2xf32>
// CHECK: return %[[Y]] : tensor<3x2xf32>
// BF16-LABEL: func.func @matmul
// BF16: aiopt.constant dense<{{\[}}[1.000980e-01, 2.000000e+00], [3.000000e+00, -1.500000e+00]]> : tensor<2x2xbf16>
// BF16: aiopt.matmul %{{.*}}, %{{.*}}, %arg1 {accumulate = f32, activation = 0 : i32} : tensor<3x2xbf16>, tensor<2x2xbf16>, tensor<2xf32>
// ONLY-LABEL: func.func @matmul
// ONLY: {accumulate = f32
func.func @matmul(%x: tensor<3x2xf32>, %bias: tensor<2xf32>) -> tensor<3x2xf32> {
  %w = aiopt.constant dense<[[0.1, 2.0], [3.0, -1.5]]> : tensor<2x2xf32>
  %y = aiopt.matmul %x, %w, %bias {activation = 0 : i32} : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A product of two activations casts both; one value used twice is cast
// once.
// CHECK-LABEL: func.func @gemm
// CHECK: %[[A:.*]] = aiopt.cast %arg0 : tensor<4x4xf32> to tensor<4x4xf16>
// CHECK-NEXT: %[[G:.*]] = aiopt.gemm %[[A]], %[[A]], %arg1 {accumulate = f32, transB = true} : tensor<4x4xf16>, tensor<4x4xf16>, tensor<4xf32>
// ONLY-LABEL: func.func @gemm
// ONLY-NOT: accumulate
func.func @gemm(%a: tensor<4x4xf32>, %c: tensor<4xf32>) -> tensor<4x4xf32> {
  %y = aiopt.gemm %a, %a, %c {transB = true} : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// Convolutions with one group; grouped ones (depthwise) stay f32.
// CHECK-LABEL: func.func @conv
// CHECK: %[[X:.*]] = aiopt.cast %arg0 : tensor<1x4x8x8xf32> to tensor<1x4x8x8xf16>
// CHECK: aiopt.conv %[[X]], %{{.*}}, %arg1 {accumulate = f32, {{.*}}group = 1 : i64{{.*}}} : tensor<1x4x8x8xf16>, tensor<4x4x3x3xf16>, tensor<4xf32>
// CHECK: aiopt.conv %{{.*}}, %{{.*}} {{{.*}}group = 4 : i64{{.*}}} : tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>
// BF16-LABEL: func.func @conv
// BF16-NOT: bf16
func.func @conv(%x: tensor<1x4x8x8xf32>, %b: tensor<4xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %w = aiopt.constant dense<0.5> : tensor<4x4x3x3xf32>
  %dw = aiopt.constant dense<0.25> : tensor<4x1x3x3xf32>
  %y = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>
  %z = aiopt.conv %x, %dw {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>
  return %y, %z : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// Left alone: weights beyond f16's range (a warning names the node),
// layers the accuracy guard kept in f32, products already in f16, and
// (second run) excluded nodes.
// CHECK-LABEL: func.func @left_alone
// CHECK: aiopt.matmul %arg0, %{{.*}} : tensor<2x2xf32>, tensor<2x2xf32>
// CHECK: aiopt.matmul %arg0, %arg0 {aiopt.keep_float} : tensor<2x2xf32>, tensor<2x2xf32>
// CHECK: aiopt.matmul %arg1, %arg1 : tensor<2x2xf16>, tensor<2x2xf16>
// CHECK: aiopt.matmul %{{.*}}, %{{.*}} {accumulate = f32} : tensor<2x2xf16>, tensor<2x2xf16>
// ONLY-LABEL: func.func @left_alone
// BF16-LABEL: func.func @left_alone
// BF16: aiopt.matmul %{{.*}}, %{{.*}} {accumulate = f32} : tensor<2x2xbf16>, tensor<2x2xbf16>
// BF16-NOT: accumulate
func.func @left_alone(%x: tensor<2x2xf32>, %h: tensor<2x2xf16>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf16>, tensor<2x2xf32>) {
  %big = aiopt.constant dense<[[1.0e5, 1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  // WARN: warning: loc("huge"): MatMul node 'huge' stays f32: its weights reach 100000, beyond f16's largest value 65504
  %0 = aiopt.matmul %x, %big : tensor<2x2xf32>, tensor<2x2xf32> loc("huge")
  %1 = aiopt.matmul %x, %x {aiopt.keep_float} : tensor<2x2xf32>, tensor<2x2xf32>
  %2 = aiopt.matmul %h, %h : tensor<2x2xf16>, tensor<2x2xf16>
  %3 = aiopt.matmul %x, %x : tensor<2x2xf32>, tensor<2x2xf32> loc("skipped")
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf16>, tensor<2x2xf32>
}
