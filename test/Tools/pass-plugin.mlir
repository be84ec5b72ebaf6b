// RUN: aiopt-opt %s --load-pass-plugin=%aiopt_lib/AIOptExamplePlugin.so --pass-pipeline='builtin.module(aiopt-example-fold-double-relu)' | FileCheck %s

// An out-of-tree pass, loaded without rebuilding aiopt-opt.
// CHECK-LABEL: func @double_relu
// CHECK: %[[R:.*]] = aiopt.relu %{{.*}}
// CHECK-NOT: aiopt.relu
// CHECK: return %[[R]]
func.func @double_relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = aiopt.relu %x : tensor<4xf32>
  %1 = aiopt.relu %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
