//===- Interpolation.cpp - aiopt.resize and grid_sample to linalg ---------===//
//
// One generic over the output: each element computes its input coordinate
// in every resampled dimension (resize: an affine map of its index;
// grid_sample: read from the grid), the taps and weights of the
// interpolation there (1 nearest, 2 linear, 4 cubic taps), and sums weight
// products times input elements over all tap combinations. Coordinates and
// weights are f64.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// Most tap combinations one output element may read.
constexpr int64_t kMaxTaps = 4096;

/// The taps of one resampled dimension: input indices (i64, raw until a
/// caller maps them into range), weights (f64) and, where a tap may fall
/// outside the input and reads zero, whether it is inside (i1; null when
/// always).
struct Taps {
  SmallVector<Value> index;
  SmallVector<Value> weight;
  SmallVector<Value> valid;
};

Value f64Const(OpBuilder &b, Location l, double v) {
  return scalarConstant(b, l, b.getF64Type(), v);
}
Value i64Const(OpBuilder &b, Location l, int64_t v) {
  return scalarConstant(b, l, b.getI64Type(), double(v));
}

/// Weight of the cubic kernel with coefficient a at distance s >= 0.
Value cubicWeight(OpBuilder &b, Location l, Value s, double a) {
  auto c = [&](double v) { return f64Const(b, l, v); };
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

/// The tap offsets [first, first + count) from floor(x) of linear or cubic
/// interpolation with the kernel stretched by 1 / `stretch` (1: 2 linear, 4
/// cubic taps).
std::pair<int64_t, int64_t> tapRange(Interpolation mode, double stretch) {
  double support = mode == Interpolation::cubic ? 2 : 1;
  int64_t first = static_cast<int64_t>(std::floor(-support / stretch)) + 1;
  return {first, 2 * (static_cast<int64_t>(support) - first)};
}

/// The taps interpolating at coordinate `x` (f64) with `mode`: one nearest
/// element (by the mode's rounding rule), or the linear or cubic kernel's
/// taps, the kernel stretched by 1 / `stretch` (antialiasing; weights then
/// renormalized).
Taps interpolationTaps(OpBuilder &b, Location l, Value x, Interpolation mode, double cubicA,
                       double stretch = 1.0) {
  Type i64 = b.getI64Type();
  auto c = [&](double v) { return f64Const(b, l, v); };
  Taps t;
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
    t.index.push_back(arith::FPToSIOp::create(b, l, i64, r));
    t.weight.push_back(c(1));
    return t;
  }
  Value floor = math::FloorOp::create(b, l, x);
  Value frac = arith::SubFOp::create(b, l, x, floor);
  Value base = arith::FPToSIOp::create(b, l, i64, floor);
  auto [first, count] = tapRange(mode, stretch);
  for (int64_t k = first; k < first + count; ++k) {
    t.index.push_back(arith::AddIOp::create(b, l, base, i64Const(b, l, k)));
    // The kernel at the tap's distance from x, |k - frac|, scaled.
    Value s = math::AbsFOp::create(
        b, l, arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, c(double(k)), frac),
                                    c(stretch)));
    t.weight.push_back(mode == Interpolation::linear
                           ? arith::MaximumFOp::create(
                                 b, l, arith::SubFOp::create(b, l, c(1), s), c(0))
                                 .getResult()
                           : cubicWeight(b, l, s, cubicA));
  }
  if (stretch != 1.0) {
    Value total = c(0);
    for (Value w : t.weight)
      total = arith::AddFOp::create(b, l, total, w);
    for (Value &w : t.weight)
      w = arith::DivFOp::create(b, l, w, total);
  }
  return t;
}

/// Float `v` widened to f64.
Value toF64(OpBuilder &b, Location l, Value v) {
  return v.getType().isF64() ? v : arith::ExtFOp::create(b, l, b.getF64Type(), v).getResult();
}

/// Whether i64 `i` lies in [0, length).
Value inRange(OpBuilder &b, Location l, Value i, int64_t length) {
  return arith::AndIOp::create(
      b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, i, i64Const(b, l, 0)),
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, i64Const(b, l, length)));
}

/// i64 `i` clamped into [0, length).
Value clampIndex(OpBuilder &b, Location l, Value i, int64_t length) {
  return arith::MaxSIOp::create(
      b, l, arith::MinSIOp::create(b, l, i, i64Const(b, l, length - 1)), i64Const(b, l, 0));
}

/// Sum over every combination of one tap per dimension in `dims` of the
/// weight product times the input element there (zero where a tap is not
/// valid); `coords` gives the other dimensions' indices. f64.
Value sumOverTaps(OpBuilder &b, Location l, Value input, SmallVector<Value> coords,
                  ArrayRef<int64_t> dims, ArrayRef<Taps> taps) {
  int64_t combos = 1;
  for (const Taps &t : taps)
    combos *= t.index.size();
  Value sum = f64Const(b, l, 0);
  for (int64_t combo = 0; combo < combos; ++combo) {
    Value w = f64Const(b, l, 1), valid;
    for (int64_t k = 0, rest = combo; k < static_cast<int64_t>(dims.size()); ++k) {
      int64_t n = taps[k].index.size(), tap = rest % n;
      rest /= n;
      coords[dims[k]] = arith::IndexCastOp::create(b, l, b.getIndexType(), taps[k].index[tap]);
      w = arith::MulFOp::create(b, l, w, taps[k].weight[tap]);
      if (!taps[k].valid.empty())
        valid = valid ? arith::AndIOp::create(b, l, valid, taps[k].valid[tap]).getResult()
                      : taps[k].valid[tap];
    }
    Value v = toF64(b, l, tensor::ExtractOp::create(b, l, input, coords));
    if (valid)
      v = arith::SelectOp::create(b, l, valid, v, f64Const(b, l, 0));
    sum = arith::AddFOp::create(b, l, sum, arith::MulFOp::create(b, l, w, v));
  }
  return sum;
}

/// The number of tap combinations of `mode` over dimensions whose kernels
/// are stretched by 1 / `stretch`, or an error when it exceeds kMaxTaps.
FailureOr<int64_t> tapCombinations(Operation *op, Interpolation mode,
                                   ArrayRef<double> stretch) {
  int64_t combos = 1;
  for (double s : stretch) {
    int64_t perDim = mode == Interpolation::cubic || mode == Interpolation::linear
                         ? tapRange(mode, s).second
                         : 1;
    combos *= perDim;
    if (combos > kMaxTaps)
      return op->emitOpError("reads more than ") << kMaxTaps << " taps per output element";
  }
  return combos;
}

/// f64 value of `v` truncated to float type `et`.
Value toElement(OpBuilder &b, Location l, Value v, Type et) {
  return et.isF64() ? v : arith::TruncFOp::create(b, l, et, v).getResult();
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
    SmallVector<double> stretch;
    for (int64_t d : resampled)
      stretch.push_back(op.getAntialiasScale() ? (*op.getAntialiasScale())[d] : 1.0);
    if (failed(tapCombinations(op, op.getMode(), stretch)))
      return failure();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, ValueRange{}, {}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Taps> taps;
          Value outside = scalarConstant(b, l, b.getI1Type(), 0);
          for (auto [i, d] : llvm::enumerate(resampled)) {
            int64_t length = in.getDimSize(d);
            Value pos = arith::SIToFPOp::create(
                b, l, b.getF64Type(),
                arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, d)));
            Value xd = arith::AddFOp::create(
                b, l, arith::MulFOp::create(b, l, pos, f64Const(b, l, op.getCoordScale()[d])),
                f64Const(b, l, op.getCoordOffset()[d]));
            outside = arith::OrIOp::create(
                b, l, outside,
                arith::OrIOp::create(
                    b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, xd, f64Const(b, l, 0)),
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, xd,
                                          f64Const(b, l, double(length - 1)))));
            Taps t = interpolationTaps(b, l, xd, op.getMode(), cubicA, stretch[i]);
            if (op.getMode() == Interpolation::cubic && op.getExcludeOutside()) {
              // Taps outside the input get no weight; the rest renormalize.
              Value total = f64Const(b, l, 0);
              for (auto [i, w] : llvm::zip(t.index, t.weight)) {
                w = arith::SelectOp::create(b, l, inRange(b, l, i, length), w, f64Const(b, l, 0));
                total = arith::AddFOp::create(b, l, total, w);
              }
              for (Value &w : t.weight)
                w = arith::DivFOp::create(b, l, w, total);
            }
            // Neighbours outside the input repeat the edge.
            for (Value &i : t.index)
              i = clampIndex(b, l, i, length);
            taps.push_back(std::move(t));
          }
          SmallVector<Value> coords;
          for (int64_t d = 0; d < in.getRank(); ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          Value sum = sumOverTaps(b, l, x, coords, resampled, taps);
          if (auto fill = op.getExtrapolationValue())
            sum = arith::SelectOp::create(b, l, outside,
                                          f64Const(b, l, fill->convertToDouble()), sum);
          return toElement(b, l, sum, type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Reflects f64 `x` into [lo, hi] (the ONNX GridSample reflection: by
/// whole periods of hi - lo, mirrored on odd ones).
Value reflect(OpBuilder &b, Location l, Value x, double lo, double hi) {
  double range = hi - lo;
  if (range <= 0)
    return f64Const(b, l, lo);
  auto c = [&](double v) { return f64Const(b, l, v); };
  auto fold = [&](Value dx, Value from, Value to) {
    // n whole periods, r the rest; even n counts r from `from`.
    Value n = math::FloorOp::create(b, l, arith::DivFOp::create(b, l, dx, c(range)));
    Value r = arith::SubFOp::create(b, l, dx, arith::MulFOp::create(b, l, n, c(range)));
    Value half = arith::MulFOp::create(b, l, n, c(0.5));
    Value even = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                       math::FloorOp::create(b, l, half), half);
    Value towards = arith::SelectOp::create(
        b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, from, to), c(1), c(-1));
    Value fromEnd = arith::AddFOp::create(b, l, from, arith::MulFOp::create(b, l, towards, r));
    Value fromOther = arith::SubFOp::create(b, l, to, arith::MulFOp::create(b, l, towards, r));
    return arith::SelectOp::create(b, l, even, fromEnd, fromOther).getResult();
  };
  Value below = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, x, c(lo));
  Value above = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, c(hi));
  Value low = fold(arith::SubFOp::create(b, l, c(lo), x), c(lo), c(hi));
  Value high = fold(arith::SubFOp::create(b, l, x, c(hi)), c(hi), c(lo));
  return arith::SelectOp::create(b, l, below, low,
                                 arith::SelectOp::create(b, l, above, high, x));
}

struct GridSampleLowering : OpConversionPattern<GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GridSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput(), grid = adaptor.getGrid();
    auto in = cast<RankedTensorType>(x.getType());
    RankedTensorType type = op.getType();
    int64_t k = in.getRank() - 2;
    Interpolation mode = op.getMode();
    bool nearest = mode != Interpolation::linear && mode != Interpolation::cubic;
    if (failed(tapCombinations(op, mode, SmallVector<double>(k, 1.0))))
      return failure();
    bool align = op.getAlignCorners();
    GridPadding padding = op.getPaddingMode();
    SmallVector<int64_t> spatial = llvm::to_vector(llvm::seq<int64_t>(2, k + 2));
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, ValueRange{}, {}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          auto c = [&](double v) { return f64Const(b, l, v); };
          // grid[n, o1..ok, :] holds the coordinates, x (the last spatial
          // dimension) first.
          SmallVector<Value> gridIndex;
          for (int64_t d = 0; d <= k; ++d)
            gridIndex.push_back(linalg::IndexOp::create(b, l, d == 0 ? 0 : d + 1));
          gridIndex.push_back(Value());
          SmallVector<Taps> taps;
          for (int64_t d = 0; d < k; ++d) {
            int64_t length = in.getDimSize(2 + d);
            double lo = align ? 0 : -0.5, hi = align ? length - 1 : length - 0.5;
            gridIndex.back() = arith::ConstantIndexOp::create(b, l, k - 1 - d);
            Value g = toF64(b, l, tensor::ExtractOp::create(b, l, grid, gridIndex));
            // [-1, 1] -> element coordinates.
            Value xd = arith::AddFOp::create(b, l, g, c(1));
            xd = align ? arith::MulFOp::create(b, l, xd, c(0.5 * (length - 1))).getResult()
                       : arith::MulFOp::create(
                             b, l, arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, xd, c(length)), c(1)),
                             c(0.5)).getResult();
            if (nearest)
              xd = math::RoundEvenOp::create(b, l, xd);
            if (padding == GridPadding::border) {
              // Coordinates beyond [lo, hi] move to the nearest element.
              Value outside = arith::OrIOp::create(
                  b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, xd, c(lo)),
                  arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, xd, c(hi)));
              Value clamped = arith::MaximumFOp::create(
                  b, l, arith::MinimumFOp::create(b, l, xd, c(length - 1)), c(0));
              xd = arith::SelectOp::create(b, l, outside, clamped, xd);
            } else if (padding == GridPadding::reflection)
              xd = reflect(b, l, xd, lo, hi);
            Taps t = interpolationTaps(b, l, xd, nearest ? Interpolation::nearest_floor : mode, -0.75);
            for (Value &i : t.index) {
              if (padding == GridPadding::zeros) {
                t.valid.push_back(inRange(b, l, i, length));
              } else if (padding == GridPadding::reflection && !nearest) {
                // Taps beyond the edge mirror back into the input.
                Value r = reflect(b, l, arith::SIToFPOp::create(b, l, b.getF64Type(), i), lo, hi);
                i = arith::FPToSIOp::create(b, l, b.getI64Type(), r);
              }
              i = clampIndex(b, l, i, length);
            }
            taps.push_back(std::move(t));
          }
          SmallVector<Value> coords = {linalg::IndexOp::create(b, l, 0),
                                       linalg::IndexOp::create(b, l, 1)};
          coords.append(k, Value());
          Value sum = sumOverTaps(b, l, x, coords, spatial, taps);
          return toElement(b, l, sum, type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::aiopt::populateInterpolationPatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering, GridSampleLowering>(patterns.getContext());
}
