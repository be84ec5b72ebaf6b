// RUN: aiopt-opt %s -split-input-file --convert-aiopt-to-linalg --canonicalize --cse --canonicalize | FileCheck %s

// Two dynamic extents the types do not relate: the result's is the first
// that is not 1; each operand is used as it is where its extent is the
// result's, stretched (index min(i, extent - 1)) where it is 1, and otherwise
// reported to the runtime with the node's name, its operand number, axis,
// extent, the expected extent and 1 (an extent of 1 would broadcast).
// CHECK: llvm.mlir.global internal constant @[[SITE:.*]]("node 'add0'\00")
// CHECK-LABEL: func @unrelated
// CHECK-SAME: (%[[A:[a-z0-9]+]]: tensor<?x4xf32>{{.*}}, %[[B:[a-z0-9]+]]: tensor<?x4xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[ONE64:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[DA:.*]] = tensor.dim %[[A]], %[[C0]]
// CHECK-DAG: %[[DB:.*]] = tensor.dim %[[B]], %[[C0]]
// CHECK: %[[AONE:.*]] = arith.cmpi eq, %[[DA]], %[[C1]] : index
// CHECK: %[[N:.*]] = arith.select %[[AONE]], %[[DB]], %[[DA]] : index
// CHECK: %[[ASAME:.*]] = arith.cmpi eq, %[[DA]], %[[N]] : index
// CHECK: %[[AFITS:.*]] = arith.ori %[[ASAME]], %[[AONE]] : i1
// CHECK: %[[A2:.*]] = scf.if %[[ASAME]] -> (tensor<?x4xf32>) {
// CHECK:   scf.yield %[[A]]
// CHECK: } else {
// CHECK:   scf.if %[[AFITS]] -> (tensor<?x4xf32>) {
// CHECK:     %[[LAST:.*]] = arith.subi %[[DA]], %[[C1]] : index
// CHECK:     %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK:     linalg.generic {{.*}} outs(%[[E]] : tensor<?x4xf32>)
// CHECK:       %[[I:.*]] = linalg.index 0 : index
// CHECK:       %[[I0:.*]] = arith.minsi %[[I]], %[[LAST]] : index
// CHECK:       tensor.extract %[[A]][%[[I0]], %{{.*}}] : tensor<?x4xf32>
// CHECK:   } else {
// CHECK:     llvm.call @aiopt_rt_shape_error(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE64]]) : (!llvm.ptr, i64, i64, i64, i64, i64) -> ()
// CHECK:     tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK: %[[B2:.*]] = scf.if
// CHECK:   scf.yield %[[B]]
// CHECK:     llvm.call @aiopt_rt_shape_error(%{{.*}}, %[[ONE64]], %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE64]])
// CHECK: linalg.generic {{.*}} ins(%[[A2]], %[[B2]] : tensor<?x4xf32>, tensor<?x4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK: llvm.func @aiopt_rt_shape_error(!llvm.ptr, i64, i64, i64, i64, i64)
func.func @unrelated(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = aiopt.add %a, %b : tensor<?x4xf32>, tensor<?x4xf32> loc("add0")
  return %0 : tensor<?x4xf32>
}

// -----

// A dynamic extent where the result's is static: compared with it (the
// operand may be 1 and stretch, or be wrong).
// CHECK-LABEL: func @static_result
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[D:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x4xf32>
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[D]], %[[C3]] : index
// CHECK: scf.if %[[SAME]] -> (tensor<?x4xf32>)
// CHECK: llvm.call @aiopt_rt_shape_error
// CHECK: linalg.generic {{.*}} ins(
// CHECK: } -> tensor<3x4xf32>
func.func @static_result(%a: tensor<?x4xf32>, %b: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = aiopt.mul %a, %b : tensor<?x4xf32>, tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Extents that are one value (results of one input, through a product):
// nothing is decided at run time once they fold.
// CHECK-LABEL: func @one_source
// CHECK-NOT: scf.if
// CHECK-NOT: aiopt_rt_shape_error
// CHECK: return
func.func @one_source(%a: tensor<?x4xf32>, %w: tensor<4x4xf32>) -> tensor<?x4xf32> {
  %0 = aiopt.relu %a : tensor<?x4xf32>
  %1 = aiopt.matmul %0, %w : tensor<?x4xf32>, tensor<4x4xf32>
  %2 = aiopt.add %1, %a : tensor<?x4xf32>, tensor<?x4xf32>
  %3 = aiopt.mul %2, %0 : tensor<?x4xf32>, tensor<?x4xf32>
  return %3 : tensor<?x4xf32>
}

// -----

// An operand of static extent 1 broadcasts through its map, and the one
// dynamic extent is the result's: no run-time decision.
// CHECK-LABEL: func @static_one
// CHECK-NOT: scf.if
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW:.*]], #{{.*}}]
func.func @static_one(%a: tensor<?x4xf32>, %b: tensor<1x4xf32>) -> tensor<?x4xf32> {
  %0 = aiopt.sub %a, %b : tensor<?x4xf32>, tensor<1x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A product's reduced extent, dynamic on one side: required to be the
// other side's (no stretching: 1 is wrong too).
// CHECK-LABEL: func @reduced_extent
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3x?xf32>{{.*}}, %[[W:[a-z0-9]+]]: tensor<?x5xf32>
// CHECK-DAG: %[[KX:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<3x?xf32>
// CHECK-DAG: %[[KW:.*]] = tensor.dim %[[W]], %{{.*}} : tensor<?x5xf32>
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[KW]], %[[KX]] : index
// CHECK: %[[W2:.*]] = scf.if %[[SAME]] -> (tensor<?x5xf32>) {
// CHECK:   scf.yield %[[W]]
// CHECK: } else {
// CHECK-NOT: linalg.generic
// CHECK:   llvm.call @aiopt_rt_shape_error(%{{.*}}, %[[ONE:.*]], %[[ZERO:.*]], %{{.*}}, %{{.*}}, %[[ZERO]])
// CHECK:   tensor.empty(%[[KX]]) : tensor<?x5xf32>
// CHECK: linalg.matmul ins(%[[X]], %[[W2]] : tensor<3x?xf32>, tensor<?x5xf32>)
func.func @reduced_extent(%x: tensor<3x?xf32>, %w: tensor<?x5xf32>) -> tensor<3x5xf32> {
  %0 = aiopt.matmul %x, %w : tensor<3x?xf32>, tensor<?x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Batch dimensions of a batched product broadcast like elementwise
// operands; Gemm's C broadcasts to the product's extents.
// CHECK-LABEL: func @batched
// CHECK: scf.if
// CHECK: linalg.generic
// CHECK: tensor.extract
// CHECK: llvm.call @aiopt_rt_shape_error
// CHECK-LABEL: func @gemm_c
// CHECK-SAME: (%[[A:[a-z0-9]+]]: tensor<?x4xf32>{{.*}}, %{{.*}}: tensor<4x6xf32>{{.*}}, %[[C:[a-z0-9]+]]: tensor<?x6xf32>
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[A]]
// CHECK-DAG: %[[CM:.*]] = tensor.dim %[[C]]
// CHECK: arith.cmpi eq, %[[CM]], %[[M]] : index
// CHECK: llvm.call @aiopt_rt_shape_error
func.func @batched(%a: tensor<?x3x4xf32>, %b: tensor<?x4x5xf32>) -> tensor<?x3x5xf32> {
  %0 = aiopt.matmul %a, %b : tensor<?x3x4xf32>, tensor<?x4x5xf32>
  return %0 : tensor<?x3x5xf32>
}
func.func @gemm_c(%a: tensor<?x4xf32>, %b: tensor<4x6xf32>, %c: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %0 = aiopt.gemm %a, %b, %c : tensor<?x4xf32>, tensor<4x6xf32>, tensor<?x6xf32>
  return %0 : tensor<?x6xf32>
}

// -----

// A dynamic extent that a reshape to constant extents fixes is required to
// be what they make it.
// CHECK-LABEL: func @reshape_fixed
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[N:.*]] = tensor.dim
// CHECK: arith.cmpi eq, %[[N]], %[[C2]] : index
// CHECK: llvm.call @aiopt_rt_shape_error
// CHECK: tensor.cast %{{.*}} : tensor<?x48x16xf32> to tensor<2x48x16xf32>
func.func @reshape_fixed(%x: tensor<?x48x16xf32>) -> tensor<96x16xf32> {
  %0 = aiopt.reshape %x : tensor<?x48x16xf32> to tensor<96x16xf32>
  return %0 : tensor<96x16xf32>
}

// -----

// Concatenated inputs must have the result's extents off the axis: the
// second input's rows are checked against the first's (not its own).
// CHECK-LABEL: func @concat_rows
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x4xf32>{{.*}}, %[[Y:[a-z0-9]+]]: tensor<?x2xf32>
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[Y]], %{{.*}} : tensor<?x2xf32>
// CHECK: arith.cmpi eq, %[[M]], %[[N]] : index
// CHECK: %[[Y2:.*]] = scf.if
// CHECK: llvm.call @aiopt_rt_shape_error
// CHECK-NOT: scf.if
// CHECK: tensor.insert_slice %[[X]]
// CHECK: tensor.insert_slice %[[Y2]]
func.func @concat_rows(%x: tensor<?x4xf32>, %y: tensor<?x2xf32>) -> tensor<?x6xf32> {
  %0 = aiopt.concat %x, %y {axis = 1 : i64} : tensor<?x4xf32>, tensor<?x2xf32>
  return %0 : tensor<?x6xf32>
}

// -----

// Layer normalization's scale broadcasts to its input: a dynamic scale is
// decided at run time against the input's extent.
// CHECK-LABEL: func @layer_norm_scale
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x?xf32>{{.*}}, %[[G:[a-z0-9]+]]: tensor<?xf32>
// CHECK-DAG: %[[K:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<2x?xf32>
// CHECK-DAG: %[[GK:.*]] = tensor.dim %[[G]], %{{.*}} : tensor<?xf32>
// CHECK: arith.cmpi eq, %[[GK]], %[[K]] : index
// CHECK: llvm.call @aiopt_rt_shape_error(%{{.*}}, %[[ONE:.*]], %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]])
func.func @layer_norm_scale(%x: tensor<2x?xf32>, %g: tensor<?xf32>) -> tensor<2x?xf32> {
  %0:3 = aiopt.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : tensor<2x?xf32>, tensor<?xf32>
  return %0#0 : tensor<2x?xf32>
}
