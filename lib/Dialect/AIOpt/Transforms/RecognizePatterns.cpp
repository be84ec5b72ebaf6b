//===- RecognizePatterns.cpp - the aiopt-recognize-patterns pass ----------===//
//
// Exporters spell GELU, SiLU, LayerNormalization and attention in primitive
// ops. These
// patterns find those spellings (operands of commutative ops in either
// order, constants within a relative 1e-4) and replace them with the single
// aiopt op, so later passes and the lowering see one op.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_RECOGNIZEPATTERNSPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// If `v` is `BinOp(a, b)` (commutative: either order) with one operand
/// `x`, the other operand.
template <typename BinOp>
Value otherOperand(Value v, Value x) {
  auto op = v.getDefiningOp<BinOp>();
  if (!op)
    return {};
  if (op.getLhs() == x)
    return op.getRhs();
  if (op.getRhs() == x)
    return op.getLhs();
  return {};
}

/// Whether `v` is x * c (either order), or x / (1 / c).
bool isScaled(Value v, Value x, double c) {
  if (Value k = otherOperand<MulOp>(v, x); k && isFloatConstant(k, c))
    return true;
  auto div = v.getDefiningOp<DivOp>();
  return div && div.getLhs() == x && isFloatConstant(div.getRhs(), 1 / c);
}

/// The operand `x` of `v` = x * c (either order) or x / (1 / c), if any.
Value unscaled(Value v, double c) {
  if (auto mul = v.getDefiningOp<MulOp>()) {
    if (isFloatConstant(mul.getRhs(), c))
      return mul.getLhs();
    if (isFloatConstant(mul.getLhs(), c))
      return mul.getRhs();
  }
  auto div = v.getDefiningOp<DivOp>();
  return div && isFloatConstant(div.getRhs(), 1 / c) ? div.getLhs() : Value();
}

/// The only user of `v`, if it has exactly one.
Operation *soleUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

/// Given `inner` (erf(x / sqrt 2) or the tanh term), finds 0.5 * x * (1 +
/// inner) in any association and order; returns the op computing it.
Operation *geluRoot(Value inner, Value x) {
  Operation *addOp = soleUser(inner);
  auto add = dyn_cast_or_null<AddOp>(addOp);
  if (!add || !isFloatConstant(otherOperand<AddOp>(add, inner), 1))
    return nullptr;
  auto m1 = dyn_cast_or_null<MulOp>(soleUser(add));
  if (!m1)
    return nullptr;
  Value p = otherOperand<MulOp>(m1, add);
  if (!p)
    return nullptr;
  if (isScaled(p, x, 0.5)) // (0.5 x) * (1 + inner)
    return m1;
  auto m2 = dyn_cast_or_null<MulOp>(soleUser(m1));
  if (!m2)
    return nullptr;
  Value q = otherOperand<MulOp>(m2, m1);
  if ((p == x && q && isFloatConstant(q, 0.5)) || (q == x && isFloatConstant(p, 0.5)))
    return m2; // (x * (1 + inner)) * 0.5 or ((1 + inner) * 0.5) * x
  return nullptr;
}

/// Replaces `root` (computing GELU of `x`) with aiopt.gelu.
LogicalResult replaceWithGelu(PatternRewriter &rewriter, Operation *root, Value x,
                              bool tanhForm) {
  if (!root || root->getResult(0).getType() != x.getType())
    return failure();
  rewriter.replaceOpWithNewOp<GeluOp>(root, x.getType(), x, rewriter.getBoolAttr(tanhForm));
  return success();
}

/// 0.5 x (1 + erf(x / sqrt 2)).
struct RecognizeGeluErf : OpRewritePattern<ErfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ErfOp erf, PatternRewriter &rewriter) const override {
    Value x = unscaled(erf.getInput(), 0.70710678118654752);
    if (!x)
      return failure();
    return replaceWithGelu(rewriter, geluRoot(erf.getResult(), x), x, false);
  }
};

/// Whether `v` is x^3 (pow(x, 3), x * (x * x) or (x * x) * x).
bool isCube(Value v, Value x) {
  if (auto pow = v.getDefiningOp<PowOp>())
    return pow.getLhs() == x && isFloatConstant(pow.getRhs(), 3);
  Value sq = otherOperand<MulOp>(v, x);
  return sq && otherOperand<MulOp>(sq, x) == x;
}

/// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
struct RecognizeGeluTanh : OpRewritePattern<TanhOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TanhOp tanh, PatternRewriter &rewriter) const override {
    Value inner = unscaled(tanh.getInput(), 0.79788456080286536);
    auto sum = inner ? inner.getDefiningOp<AddOp>() : AddOp();
    if (!sum)
      return failure();
    for (auto [x, cubic] : {std::pair{sum.getLhs(), sum.getRhs()}, {sum.getRhs(), sum.getLhs()}}) {
      Value cube = unscaled(cubic, 0.044715);
      if (cube && isCube(cube, x))
        return replaceWithGelu(rewriter, geluRoot(tanh.getResult(), x), x, true);
    }
    return failure();
  }
};

/// x * sigmoid(x).
struct RecognizeSilu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rewriter) const override {
    for (auto [x, s] : {std::pair{mul.getLhs(), mul.getRhs()}, {mul.getRhs(), mul.getLhs()}}) {
      auto sig = s.getDefiningOp<SigmoidOp>();
      if (sig && sig.getInput() == x && mul.getType() == x.getType()) {
        rewriter.replaceOpWithNewOp<SiluOp>(mul, x.getType(), x);
        return success();
      }
    }
    return failure();
  }
};

/// A keepdims mean of `v` over the trailing axes from some axis on; that
/// axis.
std::optional<int64_t> trailingMean(Value v, Value &input) {
  auto r = v.getDefiningOp<ReduceOp>();
  if (!r || r.getKind() != ReduceKind::mean || !r.getKeepdims())
    return std::nullopt;
  int64_t rank = cast<RankedTensorType>(r.getInput().getType()).getRank();
  ArrayRef<int64_t> axes = r.getAxes();
  if (axes.empty() || axes.back() != rank - 1)
    return std::nullopt;
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return std::nullopt;
  input = r.getInput();
  return axes.front();
}

/// (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps), then optionally
/// times gamma and plus beta, over trailing axes.
struct RecognizeLayerNorm : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp div, PatternRewriter &rewriter) const override {
    auto sub = div.getLhs().getDefiningOp<SubOp>();
    auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
    if (!sub || !sqrt)
      return failure();
    Value x = sub.getLhs(), meanInput, varInput;
    std::optional<int64_t> axis = trailingMean(sub.getRhs(), meanInput);
    if (!axis || meanInput != x)
      return failure();
    auto addEps = sqrt.getInput().getDefiningOp<AddOp>();
    if (!addEps)
      return failure();
    Value var, epsValue;
    for (auto [v, e] : {std::pair{addEps.getLhs(), addEps.getRhs()},
                        {addEps.getRhs(), addEps.getLhs()}})
      if (succeeded(constantFloats(e)))
        var = v, epsValue = e;
    FailureOr<SmallVector<double>> eps = epsValue ? constantFloats(epsValue)
                                                  : FailureOr<SmallVector<double>>(failure());
    if (!var || failed(eps) || eps->size() != 1 || trailingMean(var, varInput) != axis)
      return failure();
    Value d = sub.getResult();
    bool squares = otherOperand<MulOp>(varInput, d) == d;
    if (auto pow = varInput.getDefiningOp<PowOp>())
      squares |= pow.getLhs() == d && isFloatConstant(pow.getRhs(), 2);
    if (!squares || div.getType() != x.getType())
      return failure();

    // An elementwise affine tail over the normalized dimensions.
    auto xt = cast<RankedTensorType>(x.getType());
    auto normalizedShape = xt.getShape().drop_front(*axis);
    auto fitsNormalized = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      return t.getRank() <= static_cast<int64_t>(normalizedShape.size()) &&
             t.getShape() == normalizedShape.take_back(t.getRank());
    };
    Operation *root = div;
    Value gamma, beta;
    if (auto mul = dyn_cast_or_null<MulOp>(soleUser(div.getResult()))) {
      Value g = otherOperand<MulOp>(mul, div.getResult());
      if (g && fitsNormalized(g) && mul.getType() == xt) {
        gamma = g;
        root = mul;
        auto add = dyn_cast_or_null<AddOp>(soleUser(mul.getResult()));
        Value bb = add ? otherOperand<AddOp>(add, mul.getResult()) : Value();
        if (bb && fitsNormalized(bb) && add.getType() == xt) {
          beta = bb;
          root = add;
        }
      }
    }
    Location loc = root->getLoc();
    // Without a scale, a ones constant of the normalized shape stands in.
    if (!gamma && llvm::is_contained(normalizedShape, ShapedType::kDynamic))
      return rewriter.notifyMatchFailure(div, "no scale and dynamic normalized dimensions");
    if (!gamma) {
      auto ones = RankedTensorType::get(normalizedShape, xt.getElementType());
      gamma = createFloatConstant(rewriter, loc, ones,
                                  SmallVector<double>(ones.getNumElements(), 1.0));
    }
    auto ln = LayerNormOp::create(rewriter, loc, x, gamma, beta,
                                  rewriter.getI64IntegerAttr(*axis),
                                  rewriter.getF32FloatAttr((*eps)[0]));
    rewriter.replaceOp(root, ln.getOutput());
    return success();
  }
};

/// A plain matmul (no bias or epilogue) with one use.
MatMulOp plainMatMul(Value v) {
  auto mm = v.getDefiningOp<MatMulOp>();
  return mm && !mm.getBias() && !mm.getActivation() && v.hasOneUse() ? mm : MatMulOp();
}

/// The scale of `v` = s * c, c * s or s / c with `s` a plain matmul and c a
/// scalar constant (1 when `v` is the matmul itself); sets `scores`.
std::optional<double> scoreScale(Value v, MatMulOp &scores) {
  if ((scores = plainMatMul(v)))
    return 1.0;
  if (!v.hasOneUse())
    return std::nullopt;
  auto scalar = [](Value c) -> std::optional<double> {
    FailureOr<SmallVector<double>> values = constantFloats(c);
    if (failed(values) || values->size() != 1)
      return std::nullopt;
    return (*values)[0];
  };
  if (auto mul = v.getDefiningOp<MulOp>()) {
    for (auto [s, c] : {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())})
      if (std::optional<double> k = scalar(c); k && (scores = plainMatMul(s)))
        return *k;
  }
  if (auto div = v.getDefiningOp<DivOp>())
    if (std::optional<double> k = scalar(div.getRhs()); k && *k != 0 &&
                                                        (scores = plainMatMul(div.getLhs())))
      return 1 / *k;
  return std::nullopt;
}

/// softmax(Q KT * scale + mask) V: MatMul(Softmax(Add(Scale(MatMul(Q, KT)),
/// mask)), V), the Add and the scale optional, softmax along the last axis,
/// Q, KT and V of one rank with equal batch dimensions.
struct RecognizeAttention : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatMulOp out, PatternRewriter &rewriter) const override {
    if (out.getBias() || out.getActivation())
      return rewriter.notifyMatchFailure(out, "has an epilogue");
    auto softmax = out.getLhs().getDefiningOp<SoftmaxOp>();
    RankedTensorType type = out.getType();
    int64_t rank = type.getRank();
    if (!softmax || softmax.getLog() || static_cast<int64_t>(softmax.getAxis()) != rank - 1 ||
        !softmax->hasOneUse())
      return rewriter.notifyMatchFailure(out, "left operand is not a last-axis softmax");
    Value logits = softmax.getInput(), mask;
    MatMulOp scores;
    std::optional<double> scale = scoreScale(logits, scores);
    if (auto add = logits.getDefiningOp<AddOp>(); !scale && add && logits.hasOneUse()) {
      for (auto [s, m] : {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())})
        if (!scale && (scale = scoreScale(s, scores)))
          mask = m;
    }
    if (!scale)
      return rewriter.notifyMatchFailure(out, "no scaled Q K^T product under the softmax");
    Value q = scores.getLhs(), kt = scores.getRhs(), v = out.getRhs();
    RankedTensorType qt = cast<RankedTensorType>(q.getType()),
                     ktt = cast<RankedTensorType>(kt.getType()),
                     vt = cast<RankedTensorType>(v.getType()), st = scores.getType();
    if (qt.getRank() != rank || ktt.getRank() != rank || vt.getRank() != rank ||
        qt.getShape().drop_back(2) != ktt.getShape().drop_back(2) ||
        qt.getShape().drop_back(2) != vt.getShape().drop_back(2) ||
        llvm::is_contained(qt.getShape().drop_back(2), ShapedType::kDynamic))
      return rewriter.notifyMatchFailure(out, "operands broadcast their batch dimensions");
    if (mask) {
      auto mt = cast<RankedTensorType>(mask.getType());
      FailureOr<SmallVector<int64_t>> b = broadcastShapes({st.getShape(), mt.getShape()});
      if (mt.getRank() > rank || failed(b) || ArrayRef<int64_t>(*b) != st.getShape() ||
          mt.getElementType() != st.getElementType())
        return rewriter.notifyMatchFailure(out, "mask does not broadcast to the scores");
    }
    rewriter.replaceOpWithNewOp<AttentionOp>(out, type, q, kt, v, mask,
                                             rewriter.getF32FloatAttr(*scale));
    return success();
  }
};

struct RecognizePatternsPass : aiopt::impl::RecognizePatternsPassBase<RecognizePatternsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RecognizeGeluErf, RecognizeGeluTanh, RecognizeSilu, RecognizeLayerNorm,
                 RecognizeAttention>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
