//===- Prune.cpp - the aiopt-prune pass ------------------------------------===//
//
// Pruning of the constant weights of convolutions and matrix products:
// unstructured by magnitude (per layer or with one global threshold), N:M
// semi-structured along the reduction dimension, and structured (whole
// output channels, see PruneChannels.cpp). Which layers, and the remark
// for each one left alone, are decided here.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/Pruning.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <numeric>

namespace mlir::aiopt {
#define GEN_PASS_DEF_PRUNEPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

//===----------------------------------------------------------------------===//
// Candidates
//===----------------------------------------------------------------------===//

std::optional<WeightOperand> mlir::aiopt::weightOperand(Operation *op) {
  if (isa<ConvOp>(op))
    return WeightOperand{&op->getOpOperand(1), 0, 1};
  if (auto mm = dyn_cast<MatMulOp>(op)) {
    if (cast<RankedTensorType>(mm.getRhs().getType()).getRank() != 2)
      return std::nullopt;
    return WeightOperand{&op->getOpOperand(1), 1, 0};
  }
  if (auto gemm = dyn_cast<GemmOp>(op)) {
    if (gemm.getTransA())
      return std::nullopt;
    bool t = gemm.getTransB();
    return WeightOperand{&op->getOpOperand(1), t ? 0 : 1, t ? 1 : 0};
  }
  return std::nullopt;
}

SmallVector<Operation *> mlir::aiopt::pruningCandidates(Operation *root,
                                                        const LayerSelection &selection) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (weightOperand(op) && selection.selects(op))
      ops.push_back(op);
  });
  return ops;
}

FailureOr<double> mlir::aiopt::constantSparsity(Value v) {
  FailureOr<SmallVector<double>> values = constantFloats(v);
  if (failed(values) || values->empty())
    return failure();
  return static_cast<double>(llvm::count(*values, 0.0)) / values->size();
}

//===----------------------------------------------------------------------===//
// Rewriting weights
//===----------------------------------------------------------------------===//

Value mlir::aiopt::sliceConstant(PatternRewriter &rewriter, Value v, int64_t axis,
                                 ArrayRef<int64_t> keep) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  AxisLayout layout = axisLayout(shape, axis);
  int64_t bytes = type.getElementTypeBitWidth() / 8, row = layout.inner * bytes;
  shape[axis] = keep.size();
  auto sliced = RankedTensorType::get(shape, type.getElementType());
  FailureOr<RawConstant> raw = constantBytes(v);
  assert(succeeded(raw) && "sliceConstant needs a constant");
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(v);
  if (raw->splat)
    return createRawConstant(rewriter, v.getLoc(), sliced, raw->data);
  std::vector<char> data;
  data.reserve(layout.outer * keep.size() * row);
  for (int64_t o = 0; o < layout.outer; ++o)
    for (int64_t k : keep) {
      const char *from = raw->data.data() + layout.at(o, k, 0) * bytes;
      data.insert(data.end(), from, from + row);
    }
  return createRawConstant(rewriter, v.getLoc(), sliced, data);
}

SmallVector<double> mlir::aiopt::channelNorms(Value weight, int64_t axis, bool l2) {
  auto type = cast<RankedTensorType>(weight.getType());
  AxisLayout layout = axisLayout(type.getShape(), axis);
  SmallVector<double> norms(layout.extent, 0.0);
  if (FailureOr<SmallVector<double>> values = constantFloats(weight); succeeded(values))
    for (auto [i, x] : llvm::enumerate(*values))
      norms[layout.indexOf(i)] += l2 ? x * x : std::abs(x);
  return norms;
}

SmallVector<int64_t> mlir::aiopt::keepLargest(ArrayRef<double> scores, double ratio) {
  int64_t count = scores.size();
  SmallVector<int64_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
  int64_t removed = static_cast<int64_t>(std::floor(ratio * count + 1e-9));
  SmallVector<int64_t> keep(order.begin(), order.end() - removed);
  llvm::sort(keep);
  return keep;
}

void mlir::aiopt::setDimSize(Value v, int64_t dim, int64_t size) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim < 0 ? dim + type.getRank() : dim] = size;
  v.setType(RankedTensorType::get(shape, type.getElementType(), type.getEncoding()));
}

namespace {

/// The constant weight values of a candidate, or a remark saying why it is
/// left alone.
struct Layer {
  Operation *op;
  WeightOperand weight;
  SmallVector<double> values;
  RankedTensorType type;
  size_t zeros; ///< before pruning

  /// The pruned weight in place of the original, when pruning zeroed any.
  void replaceWeight(PatternRewriter &rewriter) const {
    if (static_cast<size_t>(llvm::count(values, 0.0)) == zeros)
      return;
    rewriter.setInsertionPoint(op);
    weight.operand->set(createFloatConstant(rewriter, op->getLoc(), type, values));
  }
};

FailureOr<Layer> readLayer(Operation *op) {
  WeightOperand w = *weightOperand(op);
  auto type = cast<RankedTensorType>(w.operand->get().getType());
  FailureOr<SmallVector<double>> values = constantFloats(w.operand->get());
  if (failed(values) || !type.hasStaticShape()) {
    op->emitRemark("not pruned: its weight is not a float constant");
    return failure();
  }
  if (auto conv = dyn_cast<ConvOp>(op); conv && conv.getGroup() != 1) {
    op->emitRemark("not pruned: grouped convolution");
    return failure();
  }
  size_t zeros = llvm::count(*values, 0.0);
  return Layer{op, w, std::move(*values), type, zeros};
}

/// Zeroes the `count` elements of smallest magnitude among `entries`
/// (pointers into the layers' values); ties go to the earlier entry.
void zeroSmallest(MutableArrayRef<double *> entries, size_t count) {
  count = std::min(count, entries.size());
  std::nth_element(entries.begin(), entries.begin() + count, entries.end(),
                   [](double *a, double *b) {
                     double x = std::abs(*a), y = std::abs(*b);
                     return x != y ? x < y : a < b;
                   });
  for (size_t i = 0; i < count; ++i)
    *entries[i] = 0.0;
}

/// The elements of `layer` counted for pruning: all of them.
SmallVector<double *> entriesOf(Layer &layer) {
  SmallVector<double *> entries;
  for (double &x : layer.values)
    entries.push_back(&x);
  return entries;
}

/// Keeps the `n` largest of every `m` consecutive weights along the
/// reduction axis; fails (with an error) when `m` does not divide it.
LogicalResult pruneNM(Layer &layer, int64_t n, int64_t m) {
  AxisLayout l = axisLayout(layer.type.getShape(), layer.weight.reductionAxis);
  if (l.extent % m != 0)
    return layer.op->emitError(llvm::formatv(
               "{0}:{1} pruning needs a reduction dimension that is a multiple of {1}; this "
               "weight's has {2} elements (exclude the layer to keep it dense)",
               n, m, l.extent));
  SmallVector<double *> group(m);
  for (int64_t o = 0; o < l.outer; ++o)
    for (int64_t i = 0; i < l.inner; ++i)
      for (int64_t g = 0; g < l.extent; g += m) {
        for (int64_t j = 0; j < m; ++j)
          group[j] = &layer.values[l.at(o, g + j, i)];
        zeroSmallest(group, m - n);
      }
  return success();
}

/// The output channels to keep of contractions pruned together: all but
/// the `ratio` fraction whose weights have the smallest norm (summed over
/// the contractions), in ascending order.
SmallVector<int64_t> channelsToKeep(ArrayRef<Operation *> producers, double ratio, bool l2) {
  SmallVector<double> norms;
  for (Operation *op : producers) {
    WeightOperand w = *weightOperand(op);
    SmallVector<double> n = channelNorms(w.operand->get(), w.outputAxis, l2);
    norms.resize(n.size(), 0.0);
    for (auto [sum, x] : llvm::zip(norms, n))
      sum += x;
  }
  return keepLargest(norms, ratio);
}

/// `x` as printf's %g writes it (1.5, not 1.50).
std::string shortest(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", x);
  return buffer;
}

struct PrunePass : mlir::aiopt::impl::PrunePassBase<PrunePass> {
  using PrunePassBase::PrunePassBase;

  /// This layer's sparsity or ratio: the guard's, else the option.
  double amount(Operation *op, double option) const {
    if (auto a = op->getAttrOfType<FloatAttr>(kPruneAmountAttr))
      return a.getValueAsDouble();
    return option;
  }

  LogicalResult checkOptions(Operation *root) {
    auto fraction = [&](StringRef name, double x) -> LogicalResult {
      if (x >= 0 && x < 1)
        return success();
      return emitError(root->getLoc(), llvm::formatv("aiopt-prune: {0}={1} is outside [0, 1){2}", name,
                                           shortest(x),
                                           x == 1 ? (name == "ratio" ? ": it would remove every channel"
                                                                  : ": it would remove every weight")
                                                : ""));
    };
    if (mode == "magnitude")
      return fraction("sparsity", sparsity);
    if (mode == "channels") {
      if (norm != "l1" && norm != "l2")
        return emitError(root->getLoc(), "aiopt-prune: norm '") << norm << "' is not l1 or l2";
      return fraction("ratio", ratio);
    }
    if (mode == "nm") {
      if (m < 1 || n < 1 || n > m)
        return emitError(root->getLoc(), llvm::formatv(
            "aiopt-prune: N:M needs 1 <= N <= M, got {0}:{1}", int64_t(n), int64_t(m)));
      return success();
    }
    return emitError(root->getLoc(), "aiopt-prune: mode '")
           << mode << "' is not magnitude, nm or channels";
  }

  void runOnOperation() override {
    Operation *root = getOperation();
    if (failed(checkOptions(root)))
      return signalPassFailure();
    LayerSelection selection{std::vector<std::string>(ops.begin(), ops.end()),
                             std::vector<std::string>(exclude.begin(), exclude.end())};
    SmallVector<Layer> layers;
    for (Operation *op : pruningCandidates(root, selection)) {
      // The guard's per-layer amounts are fractions too.
      if (auto a = op->getAttrOfType<FloatAttr>(kPruneAmountAttr);
          a && !(a.getValueAsDouble() >= 0 && a.getValueAsDouble() < 1)) {
        op->emitError(llvm::formatv("aiopt-prune: {0}={1} is outside [0, 1)", kPruneAmountAttr,
                                    shortest(a.getValueAsDouble())));
        return signalPassFailure();
      }
      if (FailureOr<Layer> layer = readLayer(op); succeeded(layer))
        layers.push_back(std::move(*layer));
    }
    PatternRewriter rewriter(&getContext());

    if (mode == "channels") {
      // In walk order: a layer's consumers shrink before they are pruned
      // in turn, so each one's norms are of the weights it keeps. Layers
      // pruned together (a residual stream) are pruned once, with the
      // smallest ratio among them; one left out by the selection keeps the
      // whole group's channels.
      DenseSet<Operation *> selected, done;
      for (Layer &layer : layers)
        selected.insert(layer.op);
      // Attention heads first, with the smallest ratio of the block's Q, K
      // and V projections (none when one is not selected).
      auto groupRatio = [&](ArrayRef<Operation *> group) {
        double r = ratio;
        for (Operation *p : group)
          r = selected.contains(p) ? std::min(r, amount(p, ratio)) : 0.0;
        return r;
      };
      SmallVector<AttentionOp> attentions;
      root->walk([&](AttentionOp a) { attentions.push_back(a); });
      for (AttentionOp a : attentions)
        for (Operation *p : pruneHeads(rewriter, a, groupRatio, norm == "l2"))
          done.insert(p);
      for (Layer &layer : layers) {
        if (done.contains(layer.op))
          continue;
        int64_t channels = layer.type.getDimSize(layer.weight.outputAxis);
        if (std::floor(amount(layer.op, ratio) * channels + 1e-9) < 1)
          continue; // nothing to remove
        auto keep = [&](ArrayRef<Operation *> producers) {
          for (Operation *p : producers)
            if (!selected.contains(p))
              layer.op->emitRemark("output channels not pruned: they are added to those of '")
                  << layerName(p) << "', which is not selected for pruning";
          return channelsToKeep(producers, groupRatio(producers), norm == "l2");
        };
        for (Operation *p : pruneChannels(rewriter, layer.op, keep))
          done.insert(p);
      }
      return;
    }

    if (mode == "nm") {
      // The guard keeps a layer dense with an amount of 0.
      for (Layer &layer : layers)
        if (amount(layer.op, 1.0) > 0 && failed(pruneNM(layer, n, m)))
          return signalPassFailure();
    } else {
      // With a global threshold, the layers without their own amount are
      // pruned together.
      SmallVector<double *> pooled;
      for (Layer &layer : layers) {
        if (global && !layer.op->hasAttr(kPruneAmountAttr)) {
          pooled.append(entriesOf(layer));
          continue;
        }
        double s = amount(layer.op, sparsity);
        SmallVector<double *> entries = entriesOf(layer);
        zeroSmallest(entries, static_cast<size_t>(std::llround(s * entries.size())));
      }
      zeroSmallest(pooled, static_cast<size_t>(std::llround(sparsity * pooled.size())));
    }
    for (Layer &layer : layers)
      layer.replaceWeight(rewriter);
  }
};

} // namespace
