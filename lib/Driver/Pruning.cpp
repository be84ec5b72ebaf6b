//===- Pruning.cpp - the pruning spec, the accuracy guard, the reports ----===//
//
// `--prune` specs become aiopt-prune options. With the accuracy guard the
// driver measures the model before pruning and after, and while the drop
// exceeds the budget backs off the layers, most sensitive first (each
// layer's own drop, measured with it alone pruned): its sparsity or ratio
// halves, then goes to zero. Every decision goes into a JSON report, with
// the pass's remarks (layers it left alone, and why); the sparsity report
// lists each layer's zeros and the kernel chosen for it.
//
//===----------------------------------------------------------------------===//

#include "ModelRunner.h"
#include "Report.h"

#include "aiopt/Dialect/AIOpt/Transforms/Pruning.h"
#include "aiopt/Dialect/AIOpt/Transforms/SparseWeights.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::aiopt;

constexpr StringLiteral kLayerIdAttr = "aiopt.layer_id";

//===----------------------------------------------------------------------===//
// The spec
//===----------------------------------------------------------------------===//

FailureOr<PruningOptions> mlir::aiopt::parsePruneSpec(StringRef spec, std::string &error) {
  SmallVector<StringRef> parts;
  spec.split(parts, ':');
  PruningOptions p;
  p.mode = parts[0].str();
  auto fail = [&](const Twine &why) {
    error = ("--prune=" + spec + ": " + why).str();
    return failure();
  };
  auto number = [&](StringRef text, double &out) {
    return !text.getAsDouble(out) && std::isfinite(out);
  };
  if (p.mode == "nm") {
    if (parts.size() != 3 || !llvm::to_integer(parts[1], p.n) || !llvm::to_integer(parts[2], p.m))
      return fail("N:M pruning is written nm:N:M, e.g. nm:2:4");
    if (p.n < 1 || p.n > p.m)
      return fail("N:M pruning needs 1 <= N <= M");
    return p;
  }
  if (p.mode != "magnitude" && p.mode != "channels")
    return fail("the method must be magnitude, nm or channels");
  for (StringRef part : llvm::drop_begin(parts)) {
    auto [key, value] = part.split('=');
    if (p.mode == "magnitude" && key == "sparsity" && number(value, p.sparsity))
      continue;
    if (p.mode == "magnitude" && part == "global") {
      p.global = true;
      continue;
    }
    if (p.mode == "channels" && key == "ratio" && number(value, p.ratio))
      continue;
    if (p.mode == "channels" && key == "norm") {
      p.norm = value.str();
      continue;
    }
    return fail("unexpected '" + part + "' (magnitude takes sparsity=S and global; channels "
                "takes ratio=R and norm=l1|l2)");
  }
  double fraction = p.mode == "magnitude" ? p.sparsity : p.ratio;
  if (!(fraction >= 0 && fraction < 1))
    return fail(Twine(p.mode == "magnitude" ? "sparsity" : "ratio") +
                " must be in [0, 1)" +
                (fraction == 1 ? (p.mode == "magnitude" ? ": 1 would remove every weight"
                                                        : ": 1 would remove every channel")
                               : ""));
  if (p.norm != "l1" && p.norm != "l2")
    return fail("norm must be l1 or l2");
  return p;
}

std::string mlir::aiopt::prunePassOptions(const PruningOptions &p) {
  if (p.mode.empty())
    return "";
  auto number = [](double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.9g", x);
    return std::string(buffer);
  };
  std::string s = "mode=" + p.mode;
  if (p.mode == "magnitude")
    s += " sparsity=" + number(p.sparsity) + " global=" + (p.global ? "true" : "false");
  else if (p.mode == "nm")
    s += llvm::formatv(" n={0} m={1}", p.n, p.m).str();
  else
    s += " ratio=" + number(p.ratio) + " norm=" + p.norm;
  return s + layerListOptions(p.ops, p.exclude);
}

//===----------------------------------------------------------------------===//
// The guard
//===----------------------------------------------------------------------===//

namespace {

struct PruneGuard {
  MLIRContext &context;
  ModuleOp module;
  const DriverOptions &options;
  SmallVector<Operation *> layers;
  llvm::json::Array remarks;

  /// A clone of the module pruned with each layer's `amounts` (without:
  /// as the options say); remarks go to the report (once) instead of the
  /// console.
  FailureOr<OwningOpRef<ModuleOp>> prunedClone(const std::vector<double> *amounts,
                                               bool keepRemarks) {
    OwningOpRef<ModuleOp> clone = module.clone();
    clone->walk([&](Operation *op) {
      if (auto id = op->getAttrOfType<IntegerAttr>(kLayerIdAttr); id && amounts)
        op->setAttr(kPruneAmountAttr,
                    FloatAttr::get(Float64Type::get(&context), (*amounts)[id.getInt()]));
    });
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
      if (d.getSeverity() != DiagnosticSeverity::Remark)
        return failure();
      if (keepRemarks)
        remarks.push_back(llvm::json::Object{{"layer", layerName(d.getLocation())},
                                             {"remark", d.str()}});
      return success();
    });
    PassManager pm(&context, ModuleOp::getOperationName());
    buildPrunePipeline(pm, prunePassOptions(options.pruning));
    if (failed(pm.run(*clone)))
      return failure();
    return clone;
  }

  /// The sparsity each layer's weight has in `pruned`.
  std::vector<double> sparsities(ModuleOp pruned) {
    std::vector<double> s(layers.size(), 0.0);
    pruned->walk([&](Operation *op) {
      auto id = op->getAttrOfType<IntegerAttr>(kLayerIdAttr);
      std::optional<WeightOperand> w = weightOperand(op);
      if (!id || !w)
        return;
      if (FailureOr<double> x = constantSparsity(w->operand->get()); succeeded(x))
        s[id.getInt()] = *x;
    });
    return s;
  }
};

} // namespace

LogicalResult mlir::aiopt::pruneModule(MLIRContext &context, ModuleOp module,
                                       DriverOptions &options) {
  const PruningOptions &p = options.pruning;
  const QuantizationOptions &q = options.quantization;
  Location loc = module.getLoc();
  auto fail = [&](const Twine &message) {
    return emitError(loc) << errorTag(ErrorCode::InvalidData) << message;
  };
  if (failed(checkGuardData(loc, q)))
    return failure();

  PruneGuard g{context, module, options,
               pruningCandidates(module, LayerSelection{p.ops, p.exclude}), {}};
  for (auto [i, op] : llvm::enumerate(g.layers))
    op->setAttr(kLayerIdAttr, IntegerAttr::get(IntegerType::get(&context, 64), i));
  // The amount of each layer: the spec's (nm: its sparsity, 1 - N/M); with
  // a global threshold, what that threshold leaves in each layer.
  double requested = p.mode == "magnitude" ? p.sparsity
                     : p.mode == "channels" ? p.ratio
                                            : 1.0 - double(p.n) / std::max<int64_t>(p.m, 1);
  std::vector<double> amounts(g.layers.size(), requested);
  if (p.mode == "magnitude" && p.global) {
    FailureOr<OwningOpRef<ModuleOp>> clone = g.prunedClone(nullptr, false);
    if (failed(clone))
      return failure();
    amounts = g.sparsities(**clone);
  }

  llvm::json::Object report{{"method", p.mode}, {"pass_options", prunePassOptions(p)}};
  if (q.maxAccuracyDrop >= 0) {
    std::string error;
    FailureOr<ModelSignature> sig = getModelSignature(module, options.name);
    if (failed(sig))
      return failure();
    FailureOr<DataSet> set = loadDataSet(q.validationData, *sig, true, error);
    if (failed(set))
      return fail("validation data: " + error);
    auto measure = [&](ModuleOp m) -> FailureOr<double> {
      FailureOr<double> a = topOneAccuracy(context, m, options, *set, error);
      if (failed(a))
        fail(error);
      return a;
    };
    auto measurePruned = [&](const std::vector<double> &which) -> FailureOr<double> {
      FailureOr<OwningOpRef<ModuleOp>> clone = g.prunedClone(&which, false);
      if (failed(clone))
        return failure();
      return measure(**clone);
    };
    FailureOr<double> dense = measure(module);
    if (failed(dense))
      return failure();
    options.referenceAccuracy = *dense;

    // Each layer's sensitivity: the drop with it alone pruned.
    std::vector<double> drop(g.layers.size());
    llvm::json::Array sensitivity;
    for (size_t i = 0; i < g.layers.size(); ++i) {
      std::vector<double> only(g.layers.size(), 0.0);
      only[i] = amounts[i];
      FailureOr<double> a = measurePruned(only);
      if (failed(a))
        return failure();
      drop[i] = *dense - *a;
      sensitivity.push_back(llvm::json::Object{{"layer", layerName(g.layers[i])},
                                               {"amount", amounts[i]},
                                               {"accuracy_alone", *a},
                                               {"drop_alone", drop[i]}});
    }
    std::vector<size_t> order(g.layers.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return drop[a] > drop[b]; });

    // Back off, most sensitive first: half the amount, then none (N:M has
    // no half: none).
    llvm::json::Array steps;
    double best = -INFINITY;
    std::vector<double> bestAmounts = amounts;
    size_t next = 0;
    while (true) {
      FailureOr<double> a = measurePruned(amounts);
      if (failed(a))
        return failure();
      llvm::json::Object layerAmounts;
      for (size_t i = 0; i < g.layers.size(); ++i)
        layerAmounts[layerName(g.layers[i])] = amounts[i];
      steps.push_back(llvm::json::Object{
          {"amounts", std::move(layerAmounts)}, {"accuracy", *a}, {"drop", *dense - *a}});
      if (*a > best) {
        best = *a;
        bestAmounts = amounts;
      }
      if (*dense - *a <= q.maxAccuracyDrop || next >= order.size())
        break;
      double &x = amounts[order[next]];
      bool halve = p.mode != "nm" && x > requested / 4 + 1e-12;
      x = halve ? x / 2 : 0.0;
      if (x == 0.0)
        ++next;
    }
    amounts = bestAmounts;
    if (failed(concludeGuard(loc, q, "pruning", "unpruned", *set, *dense, best,
                             std::move(sensitivity), std::move(steps), report)))
      return failure();
  }

  // The pruning itself, with the amounts decided.
  FailureOr<OwningOpRef<ModuleOp>> pruned = g.prunedClone(&amounts, true);
  if (failed(pruned))
    return failure();
  std::vector<double> reached = g.sparsities(**pruned);
  llvm::json::Array layers;
  for (auto [i, op] : llvm::enumerate(g.layers))
    layers.push_back(llvm::json::Object{{"layer", layerName(op)},
                                        {"op_type", layerOpType(op)},
                                        {"amount", amounts[i]},
                                        {"weight_sparsity", reached[i]}});
  report["layers"] = std::move(layers);
  report["remarks"] = std::move(g.remarks);
  // The pruned body replaces the module's.
  module.getBodyRegion().takeBody((*pruned)->getBodyRegion());
  module.walk([&](Operation *op) {
    op->removeAttr(kLayerIdAttr);
    op->removeAttr(kPruneAmountAttr);
  });
  if (!p.reportPath.empty())
    return writeJSONReport(loc, p.reportPath, std::move(report));
  return success();
}

//===----------------------------------------------------------------------===//
// The sparsity report
//===----------------------------------------------------------------------===//

LogicalResult mlir::aiopt::writeSparsityReport(ModuleOp module, StringRef path) {
  llvm::json::Array layers;
  module.walk([&](Operation *op) {
    std::optional<WeightOperand> w = weightOperand(op);
    if (!w)
      return;
    FailureOr<double> s = constantSparsity(w->operand->get());
    SparseKernelChoice choice = chooseSparseKernel(op);
    auto type = cast<RankedTensorType>(w->operand->get().getType());
    llvm::json::Object layer{{"layer", layerName(op)},
                             {"op_type", layerOpType(op)},
                             {"weights", type.getNumElements()},
                             {"kernel", choice.sparse ? "sparse" : "dense"},
                             {"reason", choice.reason}};
    if (succeeded(s))
      layer["sparsity"] = *s;
    layers.push_back(std::move(layer));
  });
  return writeJSONReport(module.getLoc(), path, llvm::json::Object{{"layers", std::move(layers)}});
}
