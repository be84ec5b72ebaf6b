//===- ModelRunner.h - run a module compiled in process ---------*- C++ -*-===//
//
// For calibration and the accuracy guard: a graph-phase module compiled to
// a shared library in a temporary folder, loaded, and run through the
// runtime's aiopt_run on samples (DataSet.h).
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_DRIVER_MODELRUNNER_H
#define AIOPT_LIB_DRIVER_MODELRUNNER_H

#include "DataSet.h"

#include "llvm/Support/JSON.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::aiopt {

/// A compiled, loaded model.
class LoadedModel {
public:
  /// Compiles the graph-phase `module` (a clone; `module` is unchanged)
  /// and loads it.
  static FailureOr<std::unique_ptr<LoadedModel>> build(MLIRContext &context, ModuleOp module,
                                                       const DriverOptions &options,
                                                       std::string &error);
  ~LoadedModel();

  const ModelSignature &signature() const { return sig; }

  /// Runs one sample; `outputs` gets every output as floats (f32 outputs).
  LogicalResult run(const std::vector<HostTensor> &inputs,
                    std::vector<std::vector<float>> &outputs, std::string &error);

private:
  LoadedModel() = default;
  void *handle = nullptr;
  void *entry = nullptr;
  std::string name;
  ModelSignature sig;
};

/// Top-1 accuracy (percent) of the graph-phase `module`'s first output on
/// `set`: against its labels, or against the argmax of its reference
/// outputs. On failure `error` says why.
FailureOr<double> topOneAccuracy(MLIRContext &context, ModuleOp module,
                                 const DriverOptions &options, const DataSet &set,
                                 std::string &error);

/// The end of an accuracy guard (quantization's or pruning's): the
/// report's "guard" object (the budget, the reference and best accuracy
/// on `set`, each layer's sensitivity and every step), and an error at
/// `loc` when the best misses the budget of `q` (unless allowed).
/// `what` names the technique, `reference` how the reference was compiled.
LogicalResult concludeGuard(Location loc, const QuantizationOptions &q, StringRef what,
                            StringRef reference, const DataSet &set, double referenceAccuracy,
                            double best, llvm::json::Array sensitivity, llvm::json::Array steps,
                            llvm::json::Object &report);

} // namespace mlir::aiopt

#endif // AIOPT_LIB_DRIVER_MODELRUNNER_H
