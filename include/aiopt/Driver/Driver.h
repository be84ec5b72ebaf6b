//===- Driver.h - compile an ONNX model to machine code ---------*- C++ -*-===//
//
// The steps aiopt-compile and the compiler C API share: ONNX import, the
// CPU pipeline, LLVM code generation and shared-library linking.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DRIVER_DRIVER_H
#define AIOPT_DRIVER_DRIVER_H

#include "aiopt/Target/LLVMEmitter.h"
#include "aiopt/Target/ModelHeader.h"

#include "mlir/IR/MLIRContext.h"

#include <map>
#include <string>

namespace mlir::aiopt {

/// LLVM's optimization level for aiopt's -O0..-O3.
unsigned llvmOptLevel(unsigned optLevel);

/// How compileONNXToObject compiles.
struct DriverOptions {
  std::string name;       ///< model name, a C identifier
  unsigned optLevel = 2;  ///< -O0..-O3
  bool parallel = false;  ///< OpenMP blocks
  TargetOptions target;   ///< its optLevel is set from `optLevel`
  std::map<std::string, std::string> boundInputs; ///< input name -> TensorProto file
};

/// An object file in memory and the model's signature.
struct CompiledObject {
  std::string object;
  ModelSignature signature;
};

/// Imports the ONNX model at `path` and compiles it for the CPU; errors are
/// emitted as diagnostics on `context`.
FailureOr<CompiledObject> compileONNXToObject(MLIRContext &context, StringRef path,
                                              const DriverOptions &options);

/// Links the object file `object` into the shared library `output` with
/// ld.lld (and libomp for `openmp`); on failure `error` says why.
LogicalResult linkSharedLibrary(StringRef object, StringRef output, bool openmp,
                                std::string &error);

/// The registry of every dialect and extension aiopt uses; registers the
/// passes (once) so that pipelines can be built by name.
DialectRegistry &driverRegistry();

} // namespace mlir::aiopt

#endif // AIOPT_DRIVER_DRIVER_H
