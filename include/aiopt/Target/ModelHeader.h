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
  /// Per dimension, the ONNX dim_param naming a dynamic one ("" for none);
  /// empty when no dimension has a name.
  std::vector<std::string> dimNames;
};

struct ModelSignature {
  std::vector<TensorSignature> inputs, outputs;
};

/// Reads the signature of `funcName` (tensor or memref types, names from
/// `aiopt.name` argument/result attributes, dimension names from
/// `aiopt.dims` argument attributes).
FailureOr<ModelSignature> getModelSignature(ModuleOp module,
                                            StringRef funcName);

/// The static memory plan aiopt-cpu-plan-memory recorded on a module
/// (`aiopt.memory_plan`): the arena every call allocates for the planned
/// intermediate buffers, their number and total size (what they would take
/// without reuse), and the allocations left to the runtime.
struct MemoryPlanSummary {
  int64_t arenaBytes = 0, plannedBytes = 0, buffers = 0, unplannedAllocations = 0;
};

/// The memory plan recorded on `module`, if any.
std::optional<MemoryPlanSummary> getMemoryPlan(ModuleOp module);

/// Prints the header of model `name` (entry `<name>_entry`), with the
/// arena size of its memory plan when it has one and what a parallel
/// model's `threads` ("aiopt" or "openmp"; "" when not parallel) need;
/// `deviceBuffers`: the model takes CUDA device memory (aiopt_run_on).
void printModelHeader(const ModelSignature &sig, StringRef name,
                      StringRef compileOptions, StringRef threads, bool deviceBuffers,
                      llvm::raw_ostream &os,
                      std::optional<MemoryPlanSummary> plan = std::nullopt);

/// Turns `s` into a C identifier.
std::string sanitizeIdentifier(StringRef s);

} // namespace mlir::aiopt

#endif // AIOPT_TARGET_MODELHEADER_H
