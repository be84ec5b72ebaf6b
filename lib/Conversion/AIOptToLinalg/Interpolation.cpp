//===- Interpolation.cpp - aiopt.resize to linalg.generic -----------------===//
//
// One generic over the output: each element computes its input coordinate
// in every resampled dimension (an affine map of its index), the taps and
// weights of the interpolation there (1 nearest, 2 linear, 4 cubic taps),
// and sums weight products times input elements over all tap combinations.
// Coordinates and weights are f64.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// Most tap combinations one output element may read.
constexpr int64_t kMaxTaps = 4096;

/// The taps of one resampled dimension: clamped indices and weights.
struct Taps {
  SmallVector<Value> index;
  SmallVector<Value> weight;
  Value outside; // i1: the coordinate is outside the input
};

/// Weight of the cubic kernel with coefficient a at distance s >= 0.
Value cubicWeight(OpBuilder &b, Location l, Value s, double a) {
  auto c = [&](double v) { return scalarConstant(b, l, b.getF64Type(), v); };
  Value s2 = arith::MulFOp::create(b, l, s, s), s3 = arith::MulFOp::create(b, l, s2, s);
  // |s| <= 1: (a + 2) s^3 - (a + 3) s^2 + 1
  Value near = arith::AddFOp::create(
      b, l,
      arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, c(a + 2), s3),
                            arith::MulFOp::create(b, l, c(a + 3), s2)),
      c(1));
  // 1 < |s| < 2: a s^3 - 5a s^2 + 8a s - 4a
  Value far = arith::SubFOp::create(
      b, l,
      arith::AddFOp::create(
          b, l,
          arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, c(a), s3),
                                arith::MulFOp::create(b, l, c(5 * a), s2)),
          arith::MulFOp::create(b, l, c(8 * a), s)),
      c(4 * a));
  Value isNear = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, s, c(1));
  Value inside = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, s, c(2));
  return arith::SelectOp::create(b, l, isNear, near,
                                 arith::SelectOp::create(b, l, inside, far, c(0)));
}

Taps tapsOf(OpBuilder &b, Location l, ResizeOp op, int64_t d, int64_t length) {
  Type f64 = b.getF64Type(), i64 = b.getI64Type();
  auto c = [&](double v) { return scalarConstant(b, l, f64, v); };
  auto ci = [&](int64_t v) { return scalarConstant(b, l, i64, double(v)); };
  Value pos = arith::SIToFPOp::create(
      b, l, f64, arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, d)));
  Value x = arith::AddFOp::create(
      b, l, arith::MulFOp::create(b, l, pos, c(op.getCoordScale()[d])),
      c(op.getCoordOffset()[d]));
  Taps t;
  t.outside = arith::OrIOp::create(
      b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, x, c(0)),
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, c(double(length - 1))));
  auto clampIndex = [&](Value i) -> Value {
    i = arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, i, ci(length - 1)), ci(0));
    return arith::IndexCastOp::create(b, l, b.getIndexType(), i);
  };
  Interpolation mode = op.getMode();
  if (mode != Interpolation::linear && mode != Interpolation::cubic) {
    Value r;
    switch (mode) {
    case Interpolation::nearest_round_prefer_floor:
      r = math::CeilOp::create(b, l, arith::SubFOp::create(b, l, x, c(0.5)));
      break;
    case Interpolation::nearest_round_prefer_ceil:
      r = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, x, c(0.5)));
      break;
    case Interpolation::nearest_floor:
      r = math::FloorOp::create(b, l, x);
      break;
    default:
      r = math::CeilOp::create(b, l, x);
      break;
    }
    t.index.push_back(clampIndex(arith::FPToSIOp::create(b, l, i64, r)));
    t.weight.push_back(c(1));
    return t;
  }
  Value floor = math::FloorOp::create(b, l, x);
  Value frac = arith::SubFOp::create(b, l, x, floor);
  Value base = arith::FPToSIOp::create(b, l, i64, floor);
  SmallVector<Value> raw;
  if (mode == Interpolation::linear) {
    raw = {base, arith::AddIOp::create(b, l, base, ci(1))};
    t.weight = {arith::SubFOp::create(b, l, c(1), frac), frac};
  } else {
    double a = op.getCubicCoeffA().convertToDouble();
    for (int64_t k = -1; k <= 2; ++k) {
      raw.push_back(arith::AddIOp::create(b, l, base, ci(k)));
      // Distance of tap k from x: |frac - k|.
      t.weight.push_back(cubicWeight(
          b, l, math::AbsFOp::create(b, l, arith::SubFOp::create(b, l, frac, c(double(k)))), a));
    }
    if (op.getExcludeOutside()) {
      Value total = c(0);
      for (auto [i, w] : llvm::zip(raw, t.weight)) {
        Value in = arith::AndIOp::create(
            b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, i, ci(0)),
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, i, ci(length - 1)));
        w = arith::SelectOp::create(b, l, in, w, c(0));
        total = arith::AddFOp::create(b, l, total, w);
      }
      for (Value &w : t.weight)
        w = arith::DivFOp::create(b, l, w, total);
    }
  }
  for (Value i : raw)
    t.index.push_back(clampIndex(i));
  return t;
}

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    auto in = cast<RankedTensorType>(x.getType());
    RankedTensorType type = op.getType();
    SmallVector<int64_t> resampled;
    for (int64_t d = 0; d < in.getRank(); ++d)
      if (op.getCoordScale()[d] != 1 || op.getCoordOffset()[d] != 0 ||
          in.getDimSize(d) != type.getDimSize(d))
        resampled.push_back(d);
    int64_t perDim = op.getMode() == Interpolation::cubic    ? 4
                     : op.getMode() == Interpolation::linear ? 2
                                                             : 1;
    int64_t combos = 1;
    for (size_t i = 0; i < resampled.size() && combos <= kMaxTaps; ++i)
      combos *= perDim;
    if (combos > kMaxTaps)
      return op.emitOpError("reads more than ") << kMaxTaps << " taps per output element";
    Type et = type.getElementType();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, ValueRange{}, {}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Taps> taps;
          for (int64_t d : resampled)
            taps.push_back(tapsOf(b, l, op, d, in.getDimSize(d)));
          Value sum = scalarConstant(b, l, b.getF64Type(), 0);
          for (int64_t combo = 0; combo < combos; ++combo) {
            SmallVector<Value> coords;
            for (int64_t d = 0; d < in.getRank(); ++d)
              coords.push_back(linalg::IndexOp::create(b, l, d));
            Value w = scalarConstant(b, l, b.getF64Type(), 1);
            for (int64_t k = 0, rest = combo; k < static_cast<int64_t>(resampled.size());
                 ++k, rest /= perDim) {
              coords[resampled[k]] = taps[k].index[rest % perDim];
              w = arith::MulFOp::create(b, l, w, taps[k].weight[rest % perDim]);
            }
            Value v = tensor::ExtractOp::create(b, l, x, coords);
            v = arith::ExtFOp::create(b, l, b.getF64Type(), v);
            sum = arith::AddFOp::create(b, l, sum, arith::MulFOp::create(b, l, w, v));
          }
          if (auto fill = op.getExtrapolationValue()) {
            Value outside = scalarConstant(b, l, b.getI1Type(), 0);
            for (const Taps &t : taps)
              outside = arith::OrIOp::create(b, l, outside, t.outside);
            sum = arith::SelectOp::create(
                b, l, outside,
                scalarConstant(b, l, b.getF64Type(), fill->convertToDouble()), sum);
          }
          return et.isF64() ? sum : arith::TruncFOp::create(b, l, et, sum).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::aiopt::populateInterpolationPatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}
