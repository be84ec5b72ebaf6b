//===- Winograd.cpp - the aiopt-winograd pass ------------------------------===//
//
// 3x3 convolutions as Winograd F(m x m, 3 x 3): the input's patches and the
// filter transformed (the filter at compile time), one matrix product per
// transformed position, and the products transformed back (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/IR/Winograd.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_WINOGRADPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {

constexpr int64_t kKernel = 3;

/// A convolution's sizes, when the pass can rewrite it.
struct ConvShape {
  int64_t n, c, f, oh, ow;
};

std::optional<ConvShape> eligible(ConvOp conv) {
  auto it = cast<RankedTensorType>(conv.getInput().getType());
  auto ft = cast<RankedTensorType>(conv.getFilter().getType());
  RankedTensorType ot = conv.getType();
  if (it.getRank() != 4 || !it.hasStaticShape() || !ot.hasStaticShape() ||
      !it.getElementType().isF32() || !ft.getElementType().isF32() ||
      !ot.getElementType().isF32() || conv.getAccumulate() || conv.getGroup() != 1 ||
      ft.getDimSize(2) != kKernel || ft.getDimSize(3) != kKernel)
    return std::nullopt;
  if (!llvm::all_of(conv.getStrides(), [](int64_t s) { return s == 1; }) ||
      !llvm::all_of(conv.getDilations(), [](int64_t d) { return d == 1; }))
    return std::nullopt;
  if (Value bias = conv.getBias(); bias && !getElementTypeOrSelf(bias).isF32())
    return std::nullopt;
  return ConvShape{ot.getDimSize(0), ft.getDimSize(1), ft.getDimSize(0), ot.getDimSize(2),
                   ot.getDimSize(3)};
}

/// Nonzero coefficients of the 2-D transform built from the rows of `x`
/// (`rows` x `cols`, row-major): sum over output pairs (i, j) of the
/// nonzeros of row i times those of row j.
int64_t transformTerms(ArrayRef<double> x, int64_t rows, int64_t cols) {
  int64_t total = 0;
  SmallVector<int64_t> perRow(rows, 0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      perRow[i] += x[i * cols + j] != 0;
  for (int64_t a : perRow)
    for (int64_t b : perRow)
      total += a * b;
  return total;
}

/// Estimated work of the direct convolution (m = 0) or of F(m x m, 3 x 3),
/// in multiply-adds (see Passes.td).
double estimate(const ConvShape &s, int64_t m) {
  // Weights come from memory at a few multiply-adds' time per byte.
  constexpr double kPerWeightByte = 4, kTransformCost = 2;
  double cf = double(s.c) * double(s.f);
  if (m == 0)
    return 9 * cf * double(s.n * s.oh * s.ow) + kPerWeightByte * 4 * 9 * cf;
  std::optional<WinogradMatrices> w = winogradMatrices(m, kKernel);
  double alpha2 = double(w->alpha * w->alpha);
  double tiles = double(s.n * winogradTiles(s.oh, m) * winogradTiles(s.ow, m));
  double input = double(transformTerms(w->bt, w->alpha, w->alpha)) * tiles * double(s.c);
  double output = double(transformTerms(w->at, m, w->alpha)) * tiles * double(s.f);
  return alpha2 * tiles * cf + kTransformCost * (input + output) +
         kPerWeightByte * 4 * alpha2 * cf;
}

/// The filter `g` (F x C x 3 x 3) transformed: U[xi * alpha + nu][c][f] =
/// (G g[f][c] G^T)[xi][nu].
SmallVector<double> transformFilter(ArrayRef<double> g, const WinogradMatrices &w, int64_t c,
                                    int64_t f) {
  int64_t alpha = w.alpha, r = w.r;
  SmallVector<double> u(alpha * alpha * c * f, 0.0);
  SmallVector<double> gk(alpha * r);
  for (int64_t fo = 0; fo < f; ++fo)
    for (int64_t ci = 0; ci < c; ++ci) {
      const double *k = g.data() + (fo * c + ci) * r * r;
      // G g: alpha x r.
      for (int64_t xi = 0; xi < alpha; ++xi)
        for (int64_t l = 0; l < r; ++l) {
          double sum = 0;
          for (int64_t i = 0; i < r; ++i)
            sum += w.gAt(xi, i) * k[i * r + l];
          gk[xi * r + l] = sum;
        }
      // (G g) G^T: alpha x alpha.
      for (int64_t xi = 0; xi < alpha; ++xi)
        for (int64_t nu = 0; nu < alpha; ++nu) {
          double sum = 0;
          for (int64_t l = 0; l < r; ++l)
            sum += gk[xi * r + l] * w.gAt(nu, l);
          u[((xi * alpha + nu) * c + ci) * f + fo] = sum;
        }
    }
  return u;
}

struct WinogradPass : aiopt::impl::WinogradPassBase<WinogradPass> {
  using Base::Base;

  void runOnOperation() override {
    if (tile != 0 && tile != 2 && tile != 4) {
      getOperation()->emitError("aiopt-winograd: tile must be 0, 2 or 4, not ") << tile.getValue();
      return signalPassFailure();
    }
    if (!(minSpeedup > 0)) {
      getOperation()->emitError("aiopt-winograd: min-speedup must be positive");
      return signalPassFailure();
    }
    SmallVector<ConvOp> convs;
    getOperation()->walk([&](ConvOp conv) { convs.push_back(conv); });
    PatternRewriter rewriter(&getContext());
    for (ConvOp conv : convs) {
      std::optional<ConvShape> shape = eligible(conv);
      if (!shape || shape->c < minChannels || shape->f < minChannels)
        continue;
      int64_t m = choose(*shape);
      if (m == 0)
        continue;
      FailureOr<SmallVector<double>> filter = constantFloats(conv.getFilter());
      if (failed(filter))
        continue;
      rewrite(rewriter, conv, *shape, m, *filter);
    }
  }

  /// The tile m to use, 0 for the direct convolution.
  int64_t choose(const ConvShape &s) const {
    if (tile != 0)
      return tile;
    double direct = estimate(s, 0);
    int64_t best = 0;
    double bestCost = direct / minSpeedup;
    for (int64_t m : {2, 4}) {
      double cost = estimate(s, m);
      if (cost < bestCost) {
        best = m;
        bestCost = cost;
      }
    }
    return best;
  }

  void rewrite(PatternRewriter &rewriter, ConvOp conv, const ConvShape &s, int64_t m,
               ArrayRef<double> filter) {
    WinogradMatrices w = *winogradMatrices(m, kKernel);
    Location loc = conv.getLoc();
    rewriter.setInsertionPoint(conv);
    Type f32 = rewriter.getF32Type();
    int64_t alpha2 = w.alpha * w.alpha;
    ArrayRef<int64_t> pads = conv.getPads();
    Value patches = WinogradInputOp::create(
        rewriter, loc, conv.getInput(), rewriter.getI64IntegerAttr(m),
        rewriter.getI64IntegerAttr(kKernel),
        rewriter.getDenseI64ArrayAttr({pads[0], pads[1], pads[2], pads[3]}));
    auto ut = RankedTensorType::get({alpha2, s.c, s.f}, f32);
    Value u = createFloatConstant(rewriter, loc, ut, transformFilter(filter, w, s.c, s.f));
    auto patchType = cast<RankedTensorType>(patches.getType());
    auto pt = RankedTensorType::get({alpha2, patchType.getDimSize(1), s.f}, f32);
    Value products = MatMulOp::create(rewriter, loc, pt, patches, u);
    Value y = WinogradOutputOp::create(rewriter, loc, products, conv.getBias(),
                                       rewriter.getI64IntegerAttr(m),
                                       rewriter.getI64IntegerAttr(kKernel),
                                       rewriter.getDenseI64ArrayAttr({s.oh, s.ow}));
    y = applyActivation(rewriter, loc, conv.getActivation(), conv.getActivationParams(), y);
    rewriter.replaceOp(conv, y);
  }
};

} // namespace
