// RUN: not aiopt-opt %s --split-input-file 2>&1 | FileCheck %s
// Ops whose result types are inferred check their operand count before
// inferring: too few operands in the custom form is an error (this crashed
// the parser before).

// CHECK: error: 'aiopt.add' op expected 2 operands, but found 1
func.func @add(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = aiopt.add %a : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// CHECK: error: 'aiopt.matmul' op expected at least 2 operands, but found 1
func.func @matmul(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = aiopt.matmul %a : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// CHECK: error: 'aiopt.conv' op expected at least 2 operands, but found 1
func.func @conv(%a: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %0 = aiopt.conv %a : tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}
