//===- Driver.h - compile an ONNX model to machine code ---------*- C++ -*-===//
//
// The steps aiopt-compile and the compiler C API share: ONNX import, the
// CPU pipeline, LLVM code generation and shared-library linking.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DRIVER_DRIVER_H
#define AIOPT_DRIVER_DRIVER_H

#include "aiopt/Pipelines/Pipelines.h"
#include "aiopt/Target/LLVMEmitter.h"
#include "aiopt/Target/ModelHeader.h"

#include "mlir/IR/MLIRContext.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::aiopt {

/// LLVM's optimization level for aiopt's -O0..-O3.
unsigned llvmOptLevel(unsigned optLevel);

/// Int8 quantization (docs/quantization.md): the aiopt-quantize pass's
/// options, the calibration data of static quantization, and the accuracy
/// guard.
struct QuantizationOptions {
  std::string mode;                  ///< "" (none), "dynamic" or "static"
  bool perChannel = true;            ///< weight scales per output channel
  std::string activationType = "int8"; ///< static: int8 or uint8
  bool symmetricActivations = false;
  std::vector<std::string> ops, exclude; ///< node names or op types
  std::string calibrationData;       ///< folder of samples (static)
  std::string calibrationMethod = "minmax"; ///< minmax, percentile or entropy
  double percentile = 99.99;         ///< for the percentile method
  std::string validationData;        ///< folder of samples and labels/references
  double maxAccuracyDrop = -1;       ///< points; < 0: no guard
  bool allowAccuracyMiss = false;    ///< keep the best result when the guard misses
  std::string reportPath;            ///< JSON report ("" : none)

  /// Whether quantizing needs the model run on data (calibration or the
  /// guard), which quantizeModule does.
  bool needsData() const { return mode == "static" || (!mode.empty() && maxAccuracyDrop >= 0); }
};

/// The aiopt-quantize pass options for `q` ("" when it quantizes nothing).
std::string quantizePassOptions(const QuantizationOptions &q);

/// How compileONNXToObject compiles.
struct DriverOptions {
  std::string name;       ///< model name, a C identifier
  unsigned optLevel = 2;  ///< -O0..-O3
  bool parallel = false;  ///< OpenMP blocks
  TargetOptions target;   ///< its optLevel is set from `optLevel`
  std::map<std::string, std::string> boundInputs; ///< input name -> TensorProto file
  QuantizationOptions quantization;
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

/// Runs the CPU phases after `from` up to `to` on `module` (no
/// quantization).
LogicalResult runPhases(MLIRContext &context, ModuleOp module, Phase from, Phase to,
                        const DriverOptions &options);

/// Compiles `module`, at phase `from`, to an object file in memory (the
/// module is lowered in place).
FailureOr<std::string> compileModuleToObject(MLIRContext &context, ModuleOp module, Phase from,
                                             const DriverOptions &options);

/// Quantizes `module`, at the graph phase, as `options.quantization` asks:
/// calibrates static activation ranges on the calibration data, and with
/// the accuracy guard measures the float and int8 compiles on the
/// validation data and returns layers to float, most sensitive first,
/// until the drop is within budget; writes the JSON report. The module is
/// left at the graph phase, quantized.
LogicalResult quantizeModule(MLIRContext &context, ModuleOp module, const DriverOptions &options);

/// Links the object file `object` into the shared library `output` with
/// ld.lld (and libomp for `openmp`); on failure `error` says why.
LogicalResult linkSharedLibrary(StringRef object, StringRef output, bool openmp,
                                std::string &error);

/// The registry of every dialect and extension aiopt uses; registers the
/// passes (once) so that pipelines can be built by name.
DialectRegistry &driverRegistry();

} // namespace mlir::aiopt

#endif // AIOPT_DRIVER_DRIVER_H
