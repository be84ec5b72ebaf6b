// RUN: aiopt-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(func.func(llvm-request-c-wrappers), finalize-memref-to-llvm, convert-func-to-llvm, reconcile-unrealized-casts, aiopt-cpu-entry-wrapper{func-name=model})' | FileCheck %s

// The entry loads one descriptor pointer per input and passes the results
// pointer first to the model's C wrapper; only the entry stays external.
// CHECK-LABEL: llvm.func internal @model(
// CHECK-NOT: aiopt.name
// CHECK-LABEL: llvm.func internal @_mlir_ciface_model(
// CHECK-LABEL: llvm.func @model_entry(
// CHECK-SAME: %[[IN:.*]]: !llvm.ptr, %[[RES:.*]]: !llvm.ptr)
// CHECK: %[[P0:.*]] = llvm.getelementptr %[[IN]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[A0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P1:.*]] = llvm.getelementptr %[[IN]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[A1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @_mlir_ciface_model(%[[RES]], %[[A0]], %[[A1]])
// CHECK: llvm.return
func.func @model(%a: memref<?x4xf32> {aiopt.name = "a"}, %b: memref<4xf32>) -> (memref<?x4xf32>, memref<4xf32>) {
  return %a, %b : memref<?x4xf32>, memref<4xf32>
}

// -----

// expected-error@below {{no LLVM function 'model' with a C wrapper}}
module {
  func.func @other(%a: memref<4xf32>) -> memref<4xf32> {
    return %a : memref<4xf32>
  }
}
