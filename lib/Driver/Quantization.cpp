//===- Quantization.cpp - calibration and the accuracy guard --------------===//
//
// Static quantization measures the activation ranges of the layers to
// quantize by running the float model, compiled with those activations as
// extra outputs, on the calibration samples. The accuracy guard compiles
// the float and int8 models, measures both on the validation samples, and
// returns layers to float, the most sensitive first (each layer's own
// drop, measured with it alone quantized), until the drop is within the
// budget. Every decision goes into a JSON report.
//
//===----------------------------------------------------------------------===//

#include "ModelRunner.h"
#include "LayerGuard.h"

#include "aiopt/Dialect/AIOpt/Transforms/Quantization.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::aiopt;

constexpr StringLiteral kLayerIdAttr = "aiopt.layer_id";

std::string mlir::aiopt::quantizePassOptions(const QuantizationOptions &q) {
  if (q.mode.empty())
    return "";
  std::string s = "mode=" + q.mode + " per-channel=" + (q.perChannel ? "true" : "false") +
                  " activation-type=" + q.activationType +
                  " symmetric-activations=" + (q.symmetricActivations ? "true" : "false");
  return s + layerListOptions(q.ops, q.exclude);
}

namespace {

/// Range statistics of one activation over the calibration samples.
struct ActivationStats {
  double lo = INFINITY, hi = -INFINITY;
  std::vector<double> histogram; ///< of values over [lo, hi], second pass
};

constexpr int kBins = 2048;

/// The range that keeps `percentile` percent of the values on each side.
std::pair<double, double> percentileRange(const ActivationStats &s, double percentile) {
  double total = std::accumulate(s.histogram.begin(), s.histogram.end(), 0.0);
  double tail = total * (100.0 - percentile) / 100.0, width = (s.hi - s.lo) / kBins;
  int lo = 0, hi = kBins - 1;
  for (double seen = 0; lo < kBins - 1 && seen + s.histogram[lo] <= tail; ++lo)
    seen += s.histogram[lo];
  for (double seen = 0; hi > lo && seen + s.histogram[hi] <= tail; --hi)
    seen += s.histogram[hi];
  return {s.lo + lo * width, s.lo + (hi + 1) * width};
}

/// The clipping threshold T of |x| minimizing the KL divergence between
/// the distribution of |x| and its 128-level quantization clipped at T
/// (the entropy calibration of TensorRT and onnxruntime).
std::pair<double, double> entropyRange(const ActivationStats &s) {
  // Fold the histogram over [lo, hi] into one of |x| over [0, m].
  double m = std::max(std::abs(s.lo), std::abs(s.hi));
  if (m == 0)
    return {0, 0};
  std::vector<double> abs(kBins, 0.0);
  double width = (s.hi - s.lo) / kBins;
  for (int i = 0; i < kBins; ++i) {
    double center = std::abs(s.lo + (i + 0.5) * width);
    abs[std::min(kBins - 1, static_cast<int>(center / m * kBins))] += s.histogram[i];
  }
  constexpr int kLevels = 128;
  double best = INFINITY;
  int bestBins = kBins;
  for (int t = kLevels; t <= kBins; t += 16) {
    // P: the first t bins, the rest clipped into the last.
    std::vector<double> p(abs.begin(), abs.begin() + t);
    p[t - 1] += std::accumulate(abs.begin() + t, abs.end(), 0.0);
    // Q: P's first t bins merged into kLevels levels, each spread over the
    // non-empty bins it covers.
    std::vector<double> q(t, 0.0);
    for (int l = 0; l < kLevels; ++l) {
      int b0 = l * t / kLevels, b1 = (l + 1) * t / kLevels;
      double sum = 0;
      int nonEmpty = 0;
      for (int b = b0; b < b1; ++b) {
        sum += abs[b];
        nonEmpty += abs[b] > 0;
      }
      for (int b = b0; b < b1; ++b)
        if (abs[b] > 0)
          q[b] = sum / nonEmpty;
    }
    double ps = std::accumulate(p.begin(), p.end(), 0.0),
           qs = std::accumulate(q.begin(), q.end(), 0.0);
    if (ps == 0 || qs == 0)
      continue;
    double kl = 0;
    for (int b = 0; b < t; ++b) {
      if (p[b] == 0)
        continue;
      double pb = p[b] / ps, qb = q[b] / qs;
      kl += pb * std::log(pb / std::max(qb, 1e-12));
    }
    if (kl < best) {
      best = kl;
      bestBins = t;
    }
  }
  double threshold = m * bestBins / kBins;
  return {std::max(s.lo, -threshold), std::min(s.hi, threshold)};
}

struct Guard {
  MLIRContext &context;
  ModuleOp module;
  const DriverOptions &options;
  const QuantizationOptions &q;
  Location loc;
  SmallVector<Operation *> layers;

  InFlightDiagnostic fail(const Twine &message) {
    return emitError(loc) << errorTag(ErrorCode::InvalidData) << message;
  }

  func::FuncOp modelFunc(ModuleOp m) { return m.lookupSymbol<func::FuncOp>(options.name); }

  /// A clone of the module with the layers not in `quantized` marked to
  /// stay float, quantized.
  FailureOr<OwningOpRef<ModuleOp>> quantizedClone(const std::vector<bool> &quantized) {
    OwningOpRef<ModuleOp> clone = module.clone();
    clone->walk([&](Operation *op) {
      if (auto id = op->getAttrOfType<IntegerAttr>(kLayerIdAttr); id && !quantized[id.getInt()])
        op->setAttr(kKeepFloatAttr, UnitAttr::get(&context));
    });
    PassManager pm(&context, ModuleOp::getOperationName());
    buildQuantizePipeline(pm, quantizePassOptions(q));
    if (failed(pm.run(*clone)))
      return failure();
    return clone;
  }

  FailureOr<std::unique_ptr<LoadedModel>> load(ModuleOp m) {
    std::string error;
    auto model = LoadedModel::build(context, m, options, error);
    if (failed(model))
      fail(error);
    return model;
  }

  FailureOr<DataSet> data(StringRef dir, bool validation) {
    FailureOr<ModelSignature> sig = getModelSignature(module, options.name);
    if (failed(sig))
      return failure();
    std::string error;
    FailureOr<DataSet> set = loadDataSet(dir, *sig, validation, error);
    if (failed(set))
      fail((validation ? "validation data: " : "calibration data: ") + error);
    return set;
  }

  LogicalResult calibrate(llvm::json::Object &report);
  FailureOr<double> accuracy(ModuleOp m, const DataSet &set);
  LogicalResult guard(std::vector<bool> &quantized, llvm::json::Object &report);
};

LogicalResult Guard::calibrate(llvm::json::Object &report) {
  FailureOr<DataSet> set = data(q.calibrationData, false);
  if (failed(set))
    return failure();
  // The float model with each layer's activation as an extra output.
  OwningOpRef<ModuleOp> probe = module.clone();
  func::FuncOp fn = modelFunc(*probe);
  if (!fn)
    return fail("the model function '" + options.name + "' is missing");
  size_t numOutputs = fn.getNumResults();
  SmallVector<Value> probes(layers.size());
  probe->walk([&](Operation *op) {
    if (auto id = op->getAttrOfType<IntegerAttr>(kLayerIdAttr))
      probes[id.getInt()] = quantizedActivation(op);
  });
  auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Type> types(fn.getResultTypes());
  for (Value v : probes) {
    results.push_back(v);
    types.push_back(v.getType());
  }
  ret->setOperands(results);
  fn.setType(FunctionType::get(&context, fn.getArgumentTypes(), types));
  for (size_t i = 0; i < probes.size(); ++i)
    fn.setResultAttr(numOutputs + i, "aiopt.name",
                     StringAttr::get(&context, "calibration_" + std::to_string(i)));
  FailureOr<std::unique_ptr<LoadedModel>> model = load(*probe);
  if (failed(model))
    return failure();

  std::vector<ActivationStats> stats(layers.size());
  bool histograms = q.calibrationMethod != "minmax";
  for (int pass = 0; pass < (histograms ? 2 : 1); ++pass) {
    for (const std::vector<HostTensor> &sample : set->inputs) {
      std::vector<std::vector<float>> outputs;
      std::string error;
      if (failed((*model)->run(sample, outputs, error)))
        return fail("calibration: running the model failed: " + error);
      for (size_t i = 0; i < layers.size(); ++i) {
        ActivationStats &s = stats[i];
        for (float v : outputs[numOutputs + i]) {
          if (pass == 0) {
            s.lo = std::min(s.lo, double(v));
            s.hi = std::max(s.hi, double(v));
            continue;
          }
          double at = s.hi > s.lo ? (v - s.lo) / (s.hi - s.lo) * kBins : 0;
          s.histogram[std::clamp(static_cast<int>(at), 0, kBins - 1)] += 1;
        }
      }
    }
    if (pass == 0)
      for (ActivationStats &s : stats)
        s.histogram.assign(kBins, 0.0);
  }
  llvm::json::Array ranges;
  for (auto [i, op] : llvm::enumerate(layers)) {
    ActivationStats &s = stats[i];
    if (!std::isfinite(s.lo) || !std::isfinite(s.hi))
      return fail("calibration: the activation of node '" + layerName(op) +
                  "' took NaN or infinite values");
    std::pair<double, double> r = {s.lo, s.hi};
    if (q.calibrationMethod == "percentile")
      r = percentileRange(s, q.percentile);
    else if (q.calibrationMethod == "entropy")
      r = entropyRange(s);
    op->setAttr(kActivationRangeAttr, DenseF64ArrayAttr::get(&context, {r.first, r.second}));
    ranges.push_back(llvm::json::Object{{"layer", layerName(op)},
                                        {"observed", llvm::json::Array{s.lo, s.hi}},
                                        {"range", llvm::json::Array{r.first, r.second}}});
  }
  report["calibration"] = llvm::json::Object{{"method", q.calibrationMethod},
                                             {"samples", int64_t(set->inputs.size())},
                                             {"ranges", std::move(ranges)}};
  return success();
}

FailureOr<double> Guard::accuracy(ModuleOp m, const DataSet &set) {
  std::string error;
  FailureOr<double> a = topOneAccuracy(context, m, options, set, error);
  if (failed(a))
    fail(error);
  return a;
}

LogicalResult Guard::guard(std::vector<bool> &quantized, llvm::json::Object &report) {
  FailureOr<DataSet> set = data(q.validationData, true);
  if (failed(set))
    return failure();
  FailureOr<double> floatAccuracy =
      options.referenceAccuracy ? *options.referenceAccuracy : accuracy(module, *set);
  if (failed(floatAccuracy))
    return failure();
  auto measure = [&](const std::vector<bool> &which) -> FailureOr<double> {
    FailureOr<OwningOpRef<ModuleOp>> clone = quantizedClone(which);
    if (failed(clone))
      return failure();
    return accuracy(**clone, *set);
  };
  LayerGuardProblem problem{{}, measure};
  for (Operation *op : layers)
    problem.layers.push_back(layerName(op));
  // A model with no layer left in int8 is not a quantized one: the last
  // layer is never returned to float.
  return guardLayers(loc, q, "quantization",
                     options.referenceAccuracy ? "unpruned, in float" : "in float",
                     "float_layers", *set, *floatAccuracy, problem, quantized, report);
}

} // namespace

LogicalResult mlir::aiopt::quantizeModule(MLIRContext &context, ModuleOp module,
                                          const DriverOptions &options) {
  const QuantizationOptions &q = options.quantization;
  Location loc = module.getLoc();
  if (q.mode != "dynamic" && q.mode != "static")
    return emitError(loc) << errorTag(ErrorCode::InvalidOption) << "--quantize must be dynamic or static, not '" << q.mode << "'";
  if (q.calibrationMethod != "minmax" && q.calibrationMethod != "percentile" &&
      q.calibrationMethod != "entropy")
    return emitError(loc) << errorTag(ErrorCode::InvalidOption) << "--calibration-method must be minmax, percentile or entropy, not '"
                          << q.calibrationMethod << "'";
  if (!(q.percentile > 50 && q.percentile <= 100))
    return emitError(loc) << errorTag(ErrorCode::InvalidOption) << "--calibration-percentile must be in (50, 100]";
  if (q.mode == "static" && q.calibrationData.empty())
    return emitError(loc) << errorTag(ErrorCode::InvalidOption) << "--quantize=static needs --calibration-data=DIR";
  if (failed(checkGuardData(loc, q)))
    return failure();

  LayerSelection selection{q.ops, q.exclude};
  Guard g{context, module, options, q, loc, quantizationCandidates(module, selection)};
  for (auto [i, op] : llvm::enumerate(g.layers))
    op->setAttr(kLayerIdAttr, IntegerAttr::get(IntegerType::get(&context, 64), i));
  llvm::json::Object report{{"mode", q.mode},
                            {"per_channel", q.perChannel},
                            {"activation_type", q.mode == "static" ? q.activationType : "int8"}};
  if (q.mode == "static" && failed(g.calibrate(report)))
    return failure();
  std::vector<bool> quantized(g.layers.size(), true);
  if (q.maxAccuracyDrop >= 0 && failed(g.guard(quantized, report)))
    return failure();

  llvm::json::Array layers;
  for (auto [i, op] : llvm::enumerate(g.layers)) {
    layers.push_back(llvm::json::Object{{"layer", layerName(op)},
                                        {"op_type", layerOpType(op)},
                                        {"quantized", bool(quantized[i])}});
    if (!quantized[i])
      op->setAttr(kKeepFloatAttr, UnitAttr::get(&context));
  }
  report["layers"] = std::move(layers);
  PassManager pm(&context, ModuleOp::getOperationName());
  buildQuantizePipeline(pm, quantizePassOptions(q));
  if (failed(pm.run(module)))
    return failure();
  module.walk([&](Operation *op) {
    op->removeAttr(kLayerIdAttr);
    op->removeAttr(kKeepFloatAttr);
    op->removeAttr(kActivationRangeAttr);
  });
  if (!q.reportPath.empty())
    return writeJSONReport(loc, q.reportPath, std::move(report));
  return success();
}
