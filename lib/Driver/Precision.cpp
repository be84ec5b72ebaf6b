//===- Precision.cpp - mixed precision and its accuracy guard -------------===//
//
// The products of the graph-phase model read f16 or bf16 operands
// (aiopt-reduce-precision). With the accuracy guard, the f32 and reduced
// models are measured on the validation samples and layers go back to
// f32, the most sensitive first, until the drop is within the budget.
// Every decision goes into a JSON report.
//
//===----------------------------------------------------------------------===//

#include "LayerGuard.h"
#include "ModelRunner.h"

#include "aiopt/Dialect/AIOpt/Transforms/Precision.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace mlir::aiopt;

std::string mlir::aiopt::precisionPassOptions(const PrecisionOptions &p) {
  if (!p.reduces())
    return "";
  return "type=" + p.type + layerListOptions(p.ops, p.exclude);
}

LogicalResult mlir::aiopt::checkPrecision(StringRef type, StringRef device,
                                          std::string &error) {
  if (type != "f32" && type != "f16" && type != "bf16" && type != "tf32") {
    error = "--precision must be f32, f16, bf16 or tf32, not '" + type.str() + "'";
    return failure();
  }
  if (type == "tf32" && device != "vulkan" && device != "cuda") {
    error = "--precision=tf32 is for GPU targets (vulkan or cuda), whose kernels round "
            "products' operands to TF32; " + device.str() + " has no TF32";
    return failure();
  }
  return success();
}

LogicalResult mlir::aiopt::reducePrecision(MLIRContext &context, ModuleOp module,
                                           const DriverOptions &options) {
  const PrecisionOptions &p = options.precision;
  const QuantizationOptions &q = options.quantization;
  Location loc = module.getLoc();
  std::string error;
  if (failed(checkPrecision(p.type, options.device, error)))
    return emitError(loc) << errorTag(ErrorCode::InvalidOption) << error;
  if (failed(checkGuardData(loc, q)))
    return failure();

  LayerSelection selection{p.ops, p.exclude};
  // The pass on `m` with the candidates not in `which` kept f32 (a clone's
  // candidates come in the same order as the module's).
  auto apply = [&](ModuleOp m, const std::vector<bool> &which) -> LogicalResult {
    for (auto [i, op] : llvm::enumerate(precisionCandidates(m, selection)))
      if (!which[i])
        op->setAttr(kKeepFloatAttr, UnitAttr::get(&context));
    PassManager pm(&context, ModuleOp::getOperationName());
    buildPrecisionPipeline(pm, precisionPassOptions(p));
    if (failed(pm.run(m)))
      return failure();
    m.walk([](Operation *op) { op->removeAttr(kKeepFloatAttr); });
    return success();
  };

  SmallVector<Operation *> layers = precisionCandidates(module, selection);
  std::vector<bool> reduced(layers.size(), true);
  llvm::json::Object report{{"type", p.type}};
  if (q.maxAccuracyDrop >= 0 && !layers.empty()) {
    FailureOr<ModelSignature> sig = getModelSignature(module, options.name);
    if (failed(sig))
      return failure();
    FailureOr<DataSet> set = loadDataSet(q.validationData, *sig, true, error);
    if (failed(set))
      return emitError(loc) << errorTag(ErrorCode::InvalidData) << "validation data: " << error;
    auto accuracy = [&](ModuleOp m) -> FailureOr<double> {
      FailureOr<double> a = topOneAccuracy(context, m, options, *set, error);
      if (failed(a))
        emitError(loc) << errorTag(ErrorCode::InvalidData) << error;
      return a;
    };
    FailureOr<double> reference =
        options.referenceAccuracy ? *options.referenceAccuracy : accuracy(module);
    if (failed(reference))
      return failure();
    auto measure = [&](const std::vector<bool> &which) -> FailureOr<double> {
      OwningOpRef<ModuleOp> clone = module.clone();
      if (failed(apply(*clone, which)))
        return failure();
      return accuracy(*clone);
    };
    LayerGuardProblem problem{{}, measure};
    for (Operation *op : layers)
      problem.layers.push_back(layerName(op));
    if (failed(guardLayers(loc, q, "mixed precision",
                           options.referenceAccuracy ? "unpruned, in f32" : "in f32", "f32_layers",
                           *set, *reference, problem, reduced, report)))
      return failure();
  }

  llvm::json::Array entries;
  for (auto [i, op] : llvm::enumerate(layers))
    entries.push_back(llvm::json::Object{{"layer", layerName(op)},
                                         {"op_type", layerOpType(op)},
                                         {"type", reduced[i] ? p.type : "f32"}});
  report["layers"] = std::move(entries);
  if (failed(apply(module, reduced)))
    return failure();
  if (!p.reportPath.empty())
    return writeJSONReport(loc, p.reportPath, std::move(report));
  return success();
}
