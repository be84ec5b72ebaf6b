// RUN: aiopt-opt --aiopt-prune="mode=nm n=2 m=4" -split-input-file -verify-diagnostics %s
// RUN: not aiopt-opt --aiopt-prune="mode=magnitude sparsity=1.5" %s 2>&1 | FileCheck %s --check-prefix=SPARSITY
// RUN: not aiopt-opt --aiopt-prune="mode=magnitude sparsity=-0.1" %s 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not aiopt-opt --aiopt-prune="mode=channels ratio=1" %s 2>&1 | FileCheck %s --check-prefix=EVERY
// RUN: not aiopt-opt --aiopt-prune="mode=nm n=4 m=2" %s 2>&1 | FileCheck %s --check-prefix=NM
// RUN: not aiopt-opt --aiopt-prune="mode=nm n=0 m=2" %s 2>&1 | FileCheck %s --check-prefix=NM0
// RUN: not aiopt-opt --aiopt-prune="mode=random" %s 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not aiopt-opt --aiopt-prune="mode=channels norm=l3" %s 2>&1 | FileCheck %s --check-prefix=NORM

// SPARSITY: sparsity=1.5 is outside [0, 1)
// NEGATIVE: sparsity=-0.1 is outside [0, 1)
// EVERY: ratio=1 is outside [0, 1): it would remove every channel
// NM: N:M needs 1 <= N <= M, got 4:2
// NM0: N:M needs 1 <= N <= M, got 0:2
// MODE: mode 'random' is not magnitude, nm or channels
// NORM: norm 'l3' is not l1 or l2

// 4 does not divide the 6 rows of K.
func.func @indivisible(%x: tensor<1x6xf32>) -> tensor<1x2xf32> {
  %w = aiopt.constant dense<1.0> : tensor<6x2xf32>
  // expected-error @+1 {{2:4 pruning needs a reduction dimension that is a multiple of 4; this weight's has 6 elements}}
  %y = aiopt.matmul %x, %w : tensor<1x6xf32>, tensor<6x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A convolution's reduction dimension for N:M is its input channels (3).
func.func @conv_channels(%x: tensor<1x3x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = aiopt.constant dense<1.0> : tensor<4x3x1x1xf32>
  // expected-error @+1 {{this weight's has 3 elements (exclude the layer to keep it dense)}}
  %y = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
      dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

func.func @guard_amount(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = aiopt.constant dense<1.0> : tensor<4x2xf32>
  // expected-error @+1 {{aiopt.prune_amount=1.5 is outside [0, 1)}}
  %y = aiopt.matmul %x, %w {aiopt.prune_amount = 1.5 : f64} : tensor<1x4xf32>, tensor<4x2xf32>
  return %y : tensor<1x2xf32>
}
