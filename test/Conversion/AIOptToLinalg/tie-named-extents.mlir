// RUN: aiopt-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(aiopt-tie-named-extents))' | FileCheck %s
// RUN: aiopt-opt %s -split-input-file --pass-pipeline='builtin.module(convert-aiopt-to-linalg,canonicalize,func.func(aiopt-tie-named-extents),cse,canonicalize)' | FileCheck %s --check-prefix=FOLD

// Extents of input dimensions named alike are read from the first one of
// the name; unnamed and static dimensions, and other names, keep their
// own; every input extent is one tensor.dim.
// CHECK-LABEL: func.func @tied
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x?xf32> {{.*}}, %[[Y:[a-z0-9]+]]: tensor<?x?xf32> {{.*}}, %[[Z:[a-z0-9]+]]: tensor<4x?xf32>
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[K:.*]] = tensor.dim %[[X]], %c1
// CHECK-DAG: %[[YM:.*]] = tensor.dim %[[Y]], %c1
// CHECK-NOT: tensor.dim
// CHECK: return %[[N]], %[[YM]], %[[K]], %[[N]]
func.func @tied(%x: tensor<?x?xf32> {aiopt.dims = ["N", "K"]},
                %y: tensor<?x?xf32> {aiopt.dims = ["N", "M"]},
                %z: tensor<4x?xf32> {aiopt.dims = ["", "K"]}) -> (index, index, index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %yn = tensor.dim %y, %c0 : tensor<?x?xf32>
  %ym = tensor.dim %y, %c1 : tensor<?x?xf32>
  %zk = tensor.dim %z, %c1 : tensor<4x?xf32>
  %xn = tensor.dim %x, %c0 : tensor<?x?xf32>
  return %yn, %ym, %zk, %xn : index, index, index, index
}

// -----

// Inputs that share a name broadcast with no decision at run time; a
// dimension of another name still gets one. A decision on a decision's
// result (the second Add reads the first's checked operand's extents)
// folds once the first has.
// FOLD-LABEL: func.func @residual
// FOLD-NOT: scf.if
// FOLD: linalg.generic
// FOLD-LABEL: func.func @chained
// FOLD-NOT: scf.if
// FOLD: return
// FOLD-LABEL: func.func @other_name
// FOLD: scf.if
func.func @residual(%x: tensor<?x8xf32> {aiopt.dims = ["batch", ""]},
                    %y: tensor<?x8xf32> {aiopt.dims = ["batch", ""]}) -> tensor<?x8xf32> {
  %0 = aiopt.relu %x : tensor<?x8xf32>
  %1 = aiopt.add %0, %y : tensor<?x8xf32>, tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}
func.func @chained(%x: tensor<?x8xf32> {aiopt.dims = ["batch", ""]},
                   %y: tensor<?x8xf32> {aiopt.dims = ["batch", ""]},
                   %z: tensor<?x8xf32> {aiopt.dims = ["batch", ""]}) -> tensor<?x8xf32> {
  %0 = aiopt.add %x, %y : tensor<?x8xf32>, tensor<?x8xf32>
  %1 = aiopt.reshape %0 : tensor<?x8xf32> to tensor<?x2x4xf32>
  %2 = aiopt.reshape %1 : tensor<?x2x4xf32> to tensor<?x8xf32>
  %3 = aiopt.add %2, %z : tensor<?x8xf32>, tensor<?x8xf32>
  %4 = aiopt.add %3, %y : tensor<?x8xf32>, tensor<?x8xf32>
  return %4 : tensor<?x8xf32>
}
func.func @other_name(%x: tensor<?x8xf32> {aiopt.dims = ["batch", ""]},
                      %y: tensor<?x8xf32> {aiopt.dims = ["rows", ""]}) -> tensor<?x8xf32> {
  %0 = aiopt.add %x, %y : tensor<?x8xf32>, tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}
