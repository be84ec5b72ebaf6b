//===- DataSet.h - calibration and validation samples -----------*- C++ -*-===//
//
// Samples for running a model in process (calibration, the accuracy
// guard), read from .npy or ONNX TensorProto .pb files.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_DRIVER_DATASET_H
#define AIOPT_LIB_DRIVER_DATASET_H

#include "aiopt/Driver/Driver.h"

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

/// Reads the folder `dir`: per model input `<input name>` (or `input_<i>`)
/// as .npy or ONNX TensorProto .pb, holding the samples stacked on a new
/// leading axis, or one such file per sample in each sub-folder of `dir`
/// (ONNX test data: test_data_set_<n>/input_<i>.pb), of the input's
/// element type and shape; with `validation`, also `labels` (integers, one
/// per sample) or `<first output name>` (or `output_0`, reference outputs)
/// in the same layout. Float samples must be finite. Errors name the file
/// and what is wrong.
FailureOr<DataSet> loadDataSet(StringRef dir, const ModelSignature &signature, bool validation,
                               std::string &error);

} // namespace mlir::aiopt

#endif // AIOPT_LIB_DRIVER_DATASET_H
