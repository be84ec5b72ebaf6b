//===- AIOptDialect.td - The aiopt dialect definition ------*- tablegen -*-===//
//
// The aiopt dialect: tensor-level neural-network operations with ONNX
// semantics, the level at which graph optimizations are decided.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_IR_AIOPTDIALECT_TD
#define AIOPT_DIALECT_AIOPT_IR_AIOPTDIALECT_TD

include "mlir/IR/OpBase.td"

def AIOpt_Dialect : Dialect {
  let name = "aiopt";
  let cppNamespace = "::mlir::aiopt";
  let summary = "Tensor-level neural-network operations with ONNX semantics";
  let description = [{
    The `aiopt` dialect holds the operations an imported ONNX graph is made
    of. Operations work on ranked tensors, broadcast like ONNX (numpy rules)
    and infer their result types, so that graph passes (shape inference,
    constant folding, fusion, pruning, quantization) see ONNX semantics.
    Dynamic dimensions are `?`. The dialect is lowered to linalg, tensor,
    arith and math by `convert-aiopt-to-linalg`.
  }];
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class AIOpt_Op<string mnemonic, list<Trait> traits = []>
    : Op<AIOpt_Dialect, mnemonic, traits>;

#endif // AIOPT_DIALECT_AIOPT_IR_AIOPTDIALECT_TD
