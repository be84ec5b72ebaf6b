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

} // namespace mlir::aiopt

#endif // AIOPT_LIB_DRIVER_MODELRUNNER_H
