//===- ModelRunner.h - run a module compiled in process ---------*- C++ -*-===//
//
// For calibration and the accuracy guard: a graph-phase module compiled to
// a shared library in a temporary folder, loaded, and run through the
// runtime's aiopt_run on samples read from .npy files.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_DRIVER_MODELRUNNER_H
#define AIOPT_LIB_DRIVER_MODELRUNNER_H

#include "aiopt/Driver/Driver.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::aiopt {

/// A tensor in host memory: ONNX data type, shape and element bytes.
struct HostTensor {
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  std::vector<char> bytes;
};

/// Samples for a model: `inputs[s]` holds sample s's inputs in the model's
/// order; `labels` (validation) one class per sample, or `references`
/// (validation) the expected first output of each sample.
struct DataSet {
  std::vector<std::vector<HostTensor>> inputs;
  std::vector<int64_t> labels;
  std::vector<std::vector<float>> references;
};

/// Reads the folder `dir`: `<input name>.npy` (or `input_<i>.npy`) per
/// model input, each holding the samples stacked on a new leading axis, of
/// the input's element type and shape; with `validation`, also
/// `labels.npy` (integers, one per sample) or `<first output name>.npy`
/// (or `output_0.npy`, reference outputs). Float samples must be finite.
/// Errors name the file and what is wrong.
FailureOr<DataSet> loadDataSet(StringRef dir, const ModelSignature &signature, bool validation,
                               std::string &error);

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

} // namespace mlir::aiopt

#endif // AIOPT_LIB_DRIVER_MODELRUNNER_H
