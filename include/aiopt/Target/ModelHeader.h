//===- ModelHeader.h - the C header of a compiled model ---------*- C++ -*-===//
//
// Describes a model function's inputs and outputs and prints the C header
// (aiopt_model_info) that programs include next to the object file.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_TARGET_MODELHEADER_H
#define AIOPT_TARGET_MODELHEADER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::aiopt {

/// One input or output of a compiled model.
struct TensorSignature {
  std::string name;
  int32_t dtype; // ONNX TensorProto data type code
  std::vector<int64_t> shape; // -1 for dynamic dimensions
};

struct ModelSignature {
  std::vector<TensorSignature> inputs, outputs;
};

/// Reads the signature of `funcName` (tensor or memref types, names from
/// `aiopt.name` argument/result attributes).
FailureOr<ModelSignature> getModelSignature(ModuleOp module,
                                            StringRef funcName);

/// Prints the header of model `name` (entry `<name>_entry`).
void printModelHeader(const ModelSignature &sig, StringRef name,
                      StringRef compileOptions, bool openmp, llvm::raw_ostream &os);

/// Turns `s` into a C identifier.
std::string sanitizeIdentifier(StringRef s);

} // namespace mlir::aiopt

#endif // AIOPT_TARGET_MODELHEADER_H
