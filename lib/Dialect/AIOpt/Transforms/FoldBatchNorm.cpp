//===- FoldBatchNorm.cpp - the aiopt-fold-batchnorm pass ------------------===//
//
// An inference batch normalization, or a multiplication by a per-channel
// constant, right after a convolution or gemm is an affine map per output
// channel, y * k + c: it folds into the contraction's constant weights
// (scaled by k) and bias (scaled by k, shifted by c).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::aiopt {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// y * scale[ch] + shift[ch] per output channel.
struct ChannelAffine {
  SmallVector<double> scale, shift;
};

/// The per-channel affine map of an inference batch normalization with
/// constant parameters over `channels` channels.
FailureOr<ChannelAffine> batchNormAffine(BatchNormOp bn, int64_t channels) {
  FailureOr<SmallVector<double>> s = constantFloats(bn.getScale()),
                                 b = constantFloats(bn.getBias()),
                                 m = constantFloats(bn.getMean()),
                                 v = constantFloats(bn.getVariance());
  if (failed(s) || failed(b) || failed(m) || failed(v))
    return failure();
  for (auto *p : {&*s, &*b, &*m, &*v})
    if (static_cast<int64_t>(p->size()) != channels)
      return failure();
  double eps = bn.getEpsilon().convertToDouble();
  ChannelAffine a;
  for (int64_t i = 0; i < channels; ++i) {
    double k = (*s)[i] / std::sqrt((*v)[i] + eps);
    a.scale.push_back(k);
    a.shift.push_back((*b)[i] - (*m)[i] * k);
  }
  return a;
}

/// The per-channel factors of a constant `k` multiplying a result whose
/// channels are dimension `axis`, as an affine map without shift.
FailureOr<ChannelAffine> channelScale(Value k, int64_t rank, int64_t axis, int64_t channels) {
  FailureOr<SmallVector<double>> scale = channelConstant(k, rank, axis, channels);
  if (failed(scale))
    return failure();
  return ChannelAffine{*scale, SmallVector<double>(channels, 0.0)};
}

/// Whether `op` may absorb an affine map: its only use is the op folded into
/// it and it has no epilogue yet.
bool canAbsorb(Operation *op) {
  return op && op->hasOneUse() && !op->getAttr("activation");
}

/// conv(x, W, b) followed by the affine map `a` becomes conv(x, W * k,
/// b * k + c), replacing `user`.
LogicalResult foldIntoConv(PatternRewriter &rewriter, ConvOp conv, const ChannelAffine &a,
                           Operation *user) {
  auto ft = cast<RankedTensorType>(conv.getFilter().getType());
  FailureOr<SmallVector<double>> w = constantFloats(conv.getFilter());
  if (failed(w) || !ft.hasStaticShape())
    return rewriter.notifyMatchFailure(user, "the filter is not a constant");
  int64_t channels = ft.getDimSize(0), perChannel = ft.getNumElements() / channels;
  SmallVector<double> bias(channels, 0.0);
  if (Value b = conv.getBias()) {
    FailureOr<SmallVector<double>> bv = constantFloats(b);
    if (failed(bv) || static_cast<int64_t>(bv->size()) != channels)
      return rewriter.notifyMatchFailure(user, "the bias is not a constant");
    bias = *bv;
  }
  for (int64_t o = 0; o < channels; ++o) {
    for (int64_t i = 0; i < perChannel; ++i)
      (*w)[o * perChannel + i] *= a.scale[o];
    bias[o] = bias[o] * a.scale[o] + a.shift[o];
  }
  Location loc = conv.getLoc();
  Value filter = createFloatConstant(rewriter, loc, ft, *w);
  Value newBias = createFloatConstant(
      rewriter, loc, RankedTensorType::get({channels}, ft.getElementType()), bias);
  rewriter.replaceOpWithNewOp<ConvOp>(user, conv.getType(), conv.getInput(), filter, newBias,
                                      conv.getStridesAttr(), conv.getPadsAttr(),
                                      conv.getDilationsAttr(), conv.getGroupAttr());
  rewriter.eraseOp(conv);
  return success();
}

/// gemm(A, B, C) followed by the affine map `a` over its columns becomes
/// gemm(A, B * k, beta * C * k + c) with beta 1; C must be absent or
/// constant per column.
LogicalResult foldIntoGemm(PatternRewriter &rewriter, GemmOp gemm, const ChannelAffine &a,
                           Operation *user) {
  auto bt = cast<RankedTensorType>(gemm.getB().getType());
  FailureOr<SmallVector<double>> w = constantFloats(gemm.getB());
  if (failed(w) || !bt.hasStaticShape())
    return rewriter.notifyMatchFailure(user, "B is not a constant");
  int64_t n = a.scale.size();
  SmallVector<double> c(n, 0.0);
  double beta = gemm.getBeta().convertToDouble();
  if (Value cv = gemm.getC()) {
    FailureOr<SmallVector<double>> vals = constantFloats(cv);
    ArrayRef<int64_t> cs = cast<RankedTensorType>(cv.getType()).getShape();
    bool perColumn = llvm::all_of(cs.drop_back(), [](int64_t d) { return d == 1; });
    if (failed(vals) || !perColumn || (vals->size() != 1 && static_cast<int64_t>(vals->size()) != n))
      return rewriter.notifyMatchFailure(user, "C is not a per-column constant");
    for (int64_t j = 0; j < n; ++j)
      c[j] = beta * (vals->size() == 1 ? (*vals)[0] : (*vals)[j]);
  }
  bool tb = gemm.getTransB();
  for (int64_t r = 0; r < bt.getDimSize(0); ++r)
    for (int64_t col = 0; col < bt.getDimSize(1); ++col)
      (*w)[r * bt.getDimSize(1) + col] *= a.scale[tb ? r : col];
  for (int64_t j = 0; j < n; ++j)
    c[j] = c[j] * a.scale[j] + a.shift[j];
  Location loc = gemm.getLoc();
  Type et = bt.getElementType();
  Value b = createFloatConstant(rewriter, loc, bt, *w);
  Value newC = createFloatConstant(rewriter, loc, RankedTensorType::get({n}, et), c);
  rewriter.replaceOpWithNewOp<GemmOp>(user, gemm.getType(), gemm.getA(), b, newC,
                                      gemm.getAlphaAttr(), rewriter.getF32FloatAttr(1),
                                      gemm.getTransAAttr(), gemm.getTransBAttr());
  rewriter.eraseOp(gemm);
  return success();
}

/// Folds the affine map `a` (from `user`, which consumes `producer`) into
/// the producing conv or gemm.
LogicalResult foldInto(PatternRewriter &rewriter, Operation *producer,
                       FailureOr<ChannelAffine> a, Operation *user) {
  if (failed(a))
    return rewriter.notifyMatchFailure(user, "not a constant per-channel map");
  if (auto conv = dyn_cast<ConvOp>(producer))
    return foldIntoConv(rewriter, conv, *a, user);
  return foldIntoGemm(rewriter, cast<GemmOp>(producer), *a, user);
}

/// The output channel count of a conv (dimension 1) or gemm (dimension 1),
/// 0 for other producers or those that cannot absorb a map.
int64_t channelsOf(Operation *op) {
  if (!canAbsorb(op) || !isa<ConvOp, GemmOp>(op))
    return 0;
  auto t = cast<RankedTensorType>(op->getResult(0).getType());
  return t.isDynamicDim(1) ? 0 : t.getDimSize(1);
}

struct FoldBatchNorm : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rewriter) const override {
    Operation *producer = bn.getInput().getDefiningOp();
    int64_t channels = channelsOf(producer);
    if (channels == 0)
      return rewriter.notifyMatchFailure(bn, "not after a conv or gemm it can fold into");
    return foldInto(rewriter, producer, batchNormAffine(bn, channels), bn);
  }
};

struct FoldChannelScale : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rewriter) const override {
    for (auto [y, k] : {std::pair{mul.getLhs(), mul.getRhs()}, {mul.getRhs(), mul.getLhs()}}) {
      Operation *producer = y.getDefiningOp();
      int64_t channels = channelsOf(producer);
      if (channels == 0 || mul.getType() != y.getType())
        continue;
      int64_t rank = cast<RankedTensorType>(y.getType()).getRank();
      FailureOr<ChannelAffine> a = channelScale(k, rank, 1, channels);
      if (succeeded(a))
        return foldInto(rewriter, producer, a, mul);
    }
    return rewriter.notifyMatchFailure(mul, "not a conv or gemm times a per-channel constant");
  }
};

struct FoldBatchNormPass : aiopt::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNorm, FoldChannelScale>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
