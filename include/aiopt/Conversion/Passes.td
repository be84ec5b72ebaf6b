//===- Passes.td - aiopt conversion passes -----------------*- tablegen -*-===//
//
// Passes that lower the aiopt dialect to upstream dialects.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CONVERSION_PASSES_TD
#define AIOPT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAIOptToLinalgPass : Pass<"convert-aiopt-to-linalg", "ModuleOp"> {
  let summary = "Lower aiopt operations to linalg, tensor, arith and math";
  let description = [{
    Rewrites every aiopt operation into tensor-level upstream IR: elementwise
    operations become `linalg.generic` with broadcasting indexing maps,
    contractions and windowed operations (convolution, pooling) become
    `linalg.generic` contractions over padded inputs, data movement becomes
    `tensor` operations and constants become `arith.constant`. Fails, naming
    the operation, when an aiopt operation cannot be lowered.
    `aiopt.check_indices` becomes a min/max reduction of the indices and a
    call of the runtime's `aiopt_rt_index_error` for an index out of range.
    Operands of broadcasting operations whose extents are dynamic and not
    known to be the result's are chosen at run time: as they are, stretched
    along extents of 1, or (extents that do not broadcast) after a call of
    the runtime's `aiopt_rt_shape_error` naming the node.
    `aiopt.attention` with static shapes becomes an `scf.forall` over blocks
    of query rows (the scores exist one block at a time, in cache), unless
    `blocked-attention=false` (GPU targets, whose kernels span all heads):
    then, as with dynamic shapes, whole-tensor products and softmax.
    Convolutions of one group read copies of their input's windows
    (shifted rows, or an im2col matrix; for CPUs) unless
    `window-copies=false` (GPU targets, whose product kernels gather their
    tiles themselves): then one product reads the padded input through
    window indices. A 1x1 convolution with unit strides reads its input in
    place either way.
  }];
  let options = [
    Option<"blockedAttention", "blocked-attention", "bool", /*default=*/"true",
           "Attention with static shapes over blocks of query rows (scf.forall)">,
    Option<"windowCopies", "window-copies", "bool", /*default=*/"true",
           "Convolutions over copies of their input's windows (CPUs)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
    "::mlir::sparse_tensor::SparseTensorDialect", "::mlir::scf::SCFDialect",
    "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

def TieNamedExtentsPass : Pass<"aiopt-tie-named-extents", "func::FuncOp"> {
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::tensor::TensorDialect"];
  let summary = "Read extents from the inputs, one value for those named alike";
  let description = [{
    First, every `tensor.dim` of a result is resolved to what the result's
    extent comes from (`ReifyRankedShapedTypeOpInterface`: a linalg op's
    init, an empty tensor's size, a pad's or reshape's source), until it is
    an input's extent or computed from inputs' extents. Then, input
    dimensions that the ONNX model names alike (one `dim_param`,
    kept by the importer as the `aiopt.dims` argument attribute) have one
    extent: `aiopt_run` refuses inputs where they differ. Every
    `tensor.dim` of such a dimension is replaced by the `tensor.dim` of the
    first input dimension of that name, so that run-time broadcasting
    decisions between them (`convert-aiopt-to-linalg`) fold once
    the extents of results are traced back to the inputs'.

    ```mlir
    // %x: {aiopt.dims = ["N", ""]}, %y: {aiopt.dims = ["N", ""]}
    %n = tensor.dim %y, %c0 : tensor<?x4xf32>
    // becomes
    %n = tensor.dim %x, %c0 : tensor<?x4xf32>
    ```
  }];
}

#endif // AIOPT_CONVERSION_PASSES_TD
