//===- FuseEpilogue.cpp - the aiopt-fuse-epilogue pass --------------------===//
//
// Moves the bias addition and the activation that follow a matmul, gemm or
// conv into that op: the bias into its bias operand (conv: added to its
// constant bias), the activation into its epilogue attributes.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_FUSEEPILOGUEPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// The matmul, gemm or conv producing `v` when it can take an epilogue: `v`
/// is its only use and it has no activation yet.
Operation *contractionOf(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op || !isa<MatMulOp, GemmOp, ConvOp>(op) || !op->hasOneUse() ||
      op->getAttr("activation"))
    return nullptr;
  return op;
}

/// Replaces `add` by the contraction `op` that absorbed it, moved to the
/// add's place: the bias it now reads is defined before the add, not
/// necessarily before the contraction.
void absorb(PatternRewriter &rewriter, Operation *op, AddOp add) {
  rewriter.moveOpBefore(op, add);
  rewriter.replaceOp(add, op->getResult(0));
}

/// add(conv, b) with b constant per output channel: b joins the conv's
/// constant bias.
LogicalResult fuseConvBias(PatternRewriter &rewriter, ConvOp conv, Value b, AddOp add) {
  auto type = cast<RankedTensorType>(conv.getType());
  int64_t channels = type.getDimSize(1);
  FailureOr<SmallVector<double>> values = channelConstant(b, type.getRank(), 1, channels);
  if (failed(values))
    return rewriter.notifyMatchFailure(add, "not a constant per-channel bias");
  SmallVector<double> bias(channels, 0.0);
  if (Value old = conv.getBias()) {
    FailureOr<SmallVector<double>> ov = constantFloats(old);
    if (failed(ov))
      return rewriter.notifyMatchFailure(add, "the conv bias is not a constant");
    bias = *ov;
  }
  for (int64_t c = 0; c < channels; ++c)
    bias[c] += (*values)[c];
  Value newBias = createFloatConstant(
      rewriter, conv.getLoc(), RankedTensorType::get({channels}, type.getElementType()), bias);
  rewriter.modifyOpInPlace(conv, [&] { conv.getBiasMutable().assign(newBias); });
  absorb(rewriter, conv, add);
  return success();
}

struct FuseBias : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (auto [yv, bv] : {std::pair{add.getLhs(), add.getRhs()}, {add.getRhs(), add.getLhs()}}) {
      Value y = yv, b = bv;
      Operation *op = contractionOf(y);
      // The bias must broadcast into the result without growing it.
      if (!op || add.getType() != y.getType() || y == b)
        continue;
      if (auto conv = dyn_cast<ConvOp>(op))
        return fuseConvBias(rewriter, conv, b, add);
      if (auto mm = dyn_cast<MatMulOp>(op); mm && !mm.getBias()) {
        rewriter.modifyOpInPlace(mm, [&] { mm.getBiasMutable().assign(b); });
        absorb(rewriter, mm, add);
        return success();
      }
      auto gemm = dyn_cast<GemmOp>(op);
      if (gemm && !gemm.getC() && cast<RankedTensorType>(b.getType()).getRank() <= 2) {
        rewriter.modifyOpInPlace(gemm, [&] {
          gemm.getCMutable().assign(b);
          gemm.setBetaAttr(rewriter.getF32FloatAttr(1));
        });
        absorb(rewriter, gemm, add);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(add, "not a bias after a matmul, gemm or conv");
  }
};

/// The epilogue an activation op amounts to, if it is one.
std::optional<std::pair<Activation, SmallVector<double>>> activationOf(Operation *op) {
  using Result = std::pair<Activation, SmallVector<double>>;
  if (isa<ReluOp>(op))
    return Result{Activation::relu, {}};
  if (isa<SigmoidOp>(op))
    return Result{Activation::sigmoid, {}};
  if (isa<SiluOp>(op))
    return Result{Activation::silu, {}};
  if (isa<TanhOp>(op))
    return Result{Activation::tanh, {}};
  if (isa<HardSwishOp>(op))
    return Result{Activation::hard_swish, {}};
  if (auto gelu = dyn_cast<GeluOp>(op))
    return Result{gelu.getTanhApproximation() ? Activation::gelu_tanh : Activation::gelu, {}};
  if (auto leaky = dyn_cast<LeakyReluOp>(op))
    return Result{Activation::leaky_relu, {leaky.getAlpha().convertToDouble()}};
  if (auto clip = dyn_cast<ClipOp>(op); clip && clip.getMin() && clip.getMax())
    return Result{Activation::clip,
                  {clip.getMin()->convertToDouble(), clip.getMax()->convertToDouble()}};
  return std::nullopt;
}

struct FuseActivation : RewritePattern {
  FuseActivation(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (op->getNumOperands() != 1 || op->getNumResults() != 1)
      return failure();
    auto act = activationOf(op);
    Operation *producer = act ? contractionOf(op->getOperand(0)) : nullptr;
    if (!producer || !isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType())))
      return failure();
    rewriter.modifyOpInPlace(producer, [&] {
      producer->setAttr("activation", ActivationAttr::get(getContext(), act->first));
      if (!act->second.empty())
        producer->setAttr("activation_params", rewriter.getDenseF64ArrayAttr(act->second));
    });
    rewriter.replaceOp(op, producer->getResult(0));
    return success();
  }
};

struct FuseEpiloguePass : aiopt::impl::FuseEpiloguePassBase<FuseEpiloguePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseBias>(&getContext());
    patterns.add<FuseActivation>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
