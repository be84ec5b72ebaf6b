//===- ONNXImporter.h - ONNX model to aiopt dialect -------------*- C++ -*-===//
//
// Imports ONNX models (binary protobuf or protobuf text) into a module with
// one func.func of aiopt operations.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_IMPORT_ONNX_ONNXIMPORTER_H
#define AIOPT_IMPORT_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <string>

namespace mlir::aiopt {

/// Limits applied while importing untrusted models.
struct ONNXImportOptions {
  /// Name of the imported function.
  std::string functionName = "main";
  /// Largest accepted extent of one dimension.
  int64_t maxDimSize = int64_t(1) << 32;
  /// Largest accepted element count of one tensor.
  int64_t maxTensorElements = int64_t(1) << 34;
  /// Largest accepted model file (bytes; protobuf's own limit is 2 GiB).
  int64_t maxModelBytes = (int64_t(1) << 31) - 1;
  /// Largest accepted number of nodes, subgraphs' included.
  int64_t maxNodes = 1000000;
  /// Deepest accepted nesting of subgraphs (If/Loop/Scan bodies).
  int64_t maxSubgraphDepth = 32;
  /// Graph inputs bound to constants: input name -> path of a serialized
  /// TensorProto. A bound input is no longer an argument of the compiled
  /// model; its value is folded like an initializer (this specializes a
  /// model whose shape-like inputs, e.g. Reshape's shape, are graph inputs).
  std::map<std::string, std::string> boundInputs;
};

/// Imports the model in `buffer`; `path` names it in diagnostics, selects the
/// text format (extensions .onnxtxt, .pbtxt, .txt) and anchors external data,
/// which is only read from inside the model's folder. Emits diagnostics and
/// returns null on failure.
OwningOpRef<ModuleOp> importONNX(const llvm::MemoryBuffer &buffer,
                                 StringRef path, MLIRContext *context,
                                 const ONNXImportOptions &options = {});

/// Opens and imports the model at `path`.
OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext *context,
                                     const ONNXImportOptions &options = {});

/// Registers the dialects the imported IR uses.
void registerONNXImportDialects(DialectRegistry &registry);

/// Registers `--import-onnx` with mlir-translate style drivers.
void registerONNXImportTranslation();

} // namespace mlir::aiopt

#endif // AIOPT_IMPORT_ONNX_ONNXIMPORTER_H
