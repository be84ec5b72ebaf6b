//===- Reduction.cpp - reductions and softmax to linalg -------------------===//
//
// aiopt.reduce and aiopt.softmax become linalg.generic reductions (one
// output map dropping the reduced dimensions) and elementwise generics.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// The identity of a primitive reduction (sum, mean, prod, max, min) on
/// elements of `et`; the other kinds are composed from these in
/// lowerReduction. Integers (booleans included) take their extreme values
/// for max and min, unsigned ones when `uns`.
Value identityOf(OpBuilder &b, Location l, Type et, ReduceKind kind, bool uns) {
  bool isMax = kind == ReduceKind::max;
  if (auto it = dyn_cast<IntegerType>(et); it && (isMax || kind == ReduceKind::min)) {
    unsigned w = it.getWidth();
    APInt v = uns ? (isMax ? APInt::getMinValue(w) : APInt::getMaxValue(w))
                  : (isMax ? APInt::getSignedMinValue(w) : APInt::getSignedMaxValue(w));
    return arith::ConstantOp::create(b, l, b.getIntegerAttr(et, v));
  }
  double inf = std::numeric_limits<double>::infinity();
  double v = kind == ReduceKind::prod ? 1 : isMax ? -inf : kind == ReduceKind::min ? inf : 0;
  return scalarConstant(b, l, et, v);
}

/// Map of the loop nest over `rank` dims onto the dims not in `axes`.
AffineMap keptDimsMap(MLIRContext *ctx, int64_t rank, ArrayRef<int64_t> axes) {
  SmallVector<AffineExpr> e;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(axes, d))
      e.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, e, ctx);
}

/// Reduces `x` over `axes` (dropping them) with `kind`; `mean` divides by
/// the number of reduced elements.
Value reduceAxes(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
                 ReduceKind kind, bool uns = false) {
  // Booleans reduce as unsigned (max is any, min is all).
  uns = uns || getElementTypeOrSelf(x.getType()).isInteger(1);
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  Type et = xt.getElementType();
  SmallVector<int64_t> shape;
  SmallVector<Value> sizes;
  SmallVector<utils::IteratorType> its;
  for (int64_t d = 0; d < xt.getRank(); ++d) {
    bool reduced = llvm::is_contained(axes, d);
    its.push_back(reduced ? utils::IteratorType::reduction
                          : utils::IteratorType::parallel);
    if (reduced)
      continue;
    shape.push_back(xt.getDimSize(d));
    sizes.push_back(xt.isDynamicDim(d) ? dimValue(b, loc, x, d) : Value());
  }
  auto type = RankedTensorType::get(shape, et);
  Value init = filledTensor(b, loc, type, sizes,
                            identityOf(b, loc, et, kind, uns));
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx),
      keptDimsMap(ctx, xt.getRank(), axes)};
  Value r = linalg::GenericOp::create(
                b, loc, TypeRange{type}, ValueRange{x}, ValueRange{init}, maps,
                its,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  linalg::YieldOp::create(nb, nl, combineReduction(nb, nl, kind, a[1], a[0], uns));
                })
                .getResult(0);
  if (kind != ReduceKind::mean)
    return r;
  // Divide by the reduced element count (runtime value for dynamic dims).
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t a : axes)
    count = arith::MulIOp::create(b, loc, count, dimValue(b, loc, x, a));
  Value countI = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  Value countE = isa<FloatType>(et)
                     ? arith::SIToFPOp::create(b, loc, et, countI).getResult()
                     : arith::TruncIOp::create(b, loc, et, countI).getResult();
  return buildElementwise(
      b, loc, type, r, AffineMap::getMultiDimIdentityMap(type.getRank(), ctx),
      sizes, [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
        if (isa<FloatType>(et))
          return arith::DivFOp::create(nb, nl, v[0], countE);
        if (uns)
          return arith::DivUIOp::create(nb, nl, v[0], countE);
        return arith::DivSIOp::create(nb, nl, v[0], countE);
      });
}

/// `fn` applied to every element of `x`.
Value mapTensor(OpBuilder &b, Location loc, Value x, ScalarFn fn) {
  return buildBroadcastElementwise(b, loc, cast<RankedTensorType>(x.getType()),
                                   x, fn);
}

/// Any ReduceKind, composed from the primitive ones: sum_square and l1 sum
/// mapped elements, l2 and log_sum map the sum, log_sum_exp subtracts the
/// max before exp (no overflow) and adds it back.
Value lowerReduction(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
                     ReduceKind kind, bool uns) {
  bool f = isa<FloatType>(cast<RankedTensorType>(x.getType()).getElementType());
  auto square = [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
    return f ? arith::MulFOp::create(nb, nl, v[0], v[0]).getResult()
             : arith::MulIOp::create(nb, nl, v[0], v[0]).getResult();
  };
  switch (kind) {
  case ReduceKind::sum_square:
    return reduceAxes(b, loc, mapTensor(b, loc, x, square), axes, ReduceKind::sum);
  case ReduceKind::l1:
    return reduceAxes(
        b, loc,
        mapTensor(b, loc, x, [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
          return f ? math::AbsFOp::create(nb, nl, v[0]).getResult()
                   : math::AbsIOp::create(nb, nl, v[0]).getResult();
        }),
        axes, ReduceKind::sum);
  case ReduceKind::l2:
    return mapTensor(b, loc,
                     reduceAxes(b, loc, mapTensor(b, loc, x, square), axes,
                                ReduceKind::sum),
                     [](OpBuilder &nb, Location nl, ValueRange v) {
                       return math::SqrtOp::create(nb, nl, v[0]).getResult();
                     });
  case ReduceKind::log_sum:
    return mapTensor(b, loc, reduceAxes(b, loc, x, axes, ReduceKind::sum),
                     [](OpBuilder &nb, Location nl, ValueRange v) {
                       return math::LogOp::create(nb, nl, v[0]).getResult();
                     });
  case ReduceKind::log_sum_exp: {
    auto xt = cast<RankedTensorType>(x.getType());
    MLIRContext *ctx = b.getContext();
    Value mx = reduceAxes(b, loc, x, axes, ReduceKind::max);
    AffineMap id = AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx);
    Value e = buildElementwise(
        b, loc, xt, ValueRange{x, mx}, {id, keptDimsMap(ctx, xt.getRank(), axes)},
        broadcastSizes(b, loc, xt, x), [](OpBuilder &nb, Location nl, ValueRange v) {
          return math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, v[0], v[1]))
              .getResult();
        });
    Value sum = reduceAxes(b, loc, e, axes, ReduceKind::sum);
    auto st = cast<RankedTensorType>(sum.getType());
    return buildBroadcastElementwise(
        b, loc, st, ValueRange{mx, sum}, [](OpBuilder &nb, Location nl, ValueRange v) {
          return arith::AddFOp::create(nb, nl, v[0], math::LogOp::create(nb, nl, v[1]))
              .getResult();
        });
  }
  default:
    return reduceAxes(b, loc, x, axes, kind, uns);
  }
}

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value r = lowerReduction(rewriter, op.getLoc(), adaptor.getInput(),
                             op.getAxes(), op.getKind(), isUnsigned(op.getInput()));
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(), r, op.getType()));
    return success();
  }
};

/// softmax(x) = exp(x - max) / sum(exp(x - max)); log-softmax subtracts
/// log(sum) instead of dividing.
struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis(), rank = type.getRank();
    SmallVector<Value> sizes = broadcastSizes(rewriter, loc, type, x);
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap kept = keptDimsMap(ctx, rank, {axis});

    Value mx = reduceAxes(rewriter, loc, x, {axis}, ReduceKind::max);
    Value shifted = buildElementwise(
        rewriter, loc, type, ValueRange{x, mx}, {id, kept}, sizes,
        [](OpBuilder &b, Location l, ValueRange v) {
          return arith::SubFOp::create(b, l, v[0], v[1]).getResult();
        });
    Value e = buildElementwise(rewriter, loc, type, shifted, id, sizes,
                               [](OpBuilder &b, Location l, ValueRange v) {
                                 return math::ExpOp::create(b, l, v[0]).getResult();
                               });
    Value sum = reduceAxes(rewriter, loc, e, {axis}, ReduceKind::sum);
    bool isLog = op.getLog();
    Value result = buildElementwise(
        rewriter, loc, type, ValueRange{isLog ? shifted : e, sum}, {id, kept},
        sizes, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          if (isLog)
            return arith::SubFOp::create(b, l, v[0], math::LogOp::create(b, l, v[1]));
          return arith::DivFOp::create(b, l, v[0], v[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ArgMax/ArgMin: one generic reducing (value, index) pairs along the axis.
struct ArgReduceLowering : OpConversionPattern<ArgReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArgReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    Type et = xt.getElementType();
    int64_t axis = op.getAxis();
    bool isMax = op.getKind() == ReduceKind::max, last = op.getSelectLastIndex();
    SmallVector<int64_t> shape;
    SmallVector<Value> sizes;
    SmallVector<utils::IteratorType> its;
    for (int64_t d = 0; d < xt.getRank(); ++d) {
      its.push_back(d == axis ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);
      if (d == axis)
        continue;
      shape.push_back(xt.getDimSize(d));
      sizes.push_back(xt.isDynamicDim(d) ? dimValue(rewriter, loc, x, d) : Value());
    }
    auto valType = RankedTensorType::get(shape, et);
    auto idxType = RankedTensorType::get(shape, rewriter.getI64Type());
    bool uns = isUnsigned(op.getInput()) || et.isInteger(1);
    Value start = identityOf(rewriter, loc, et, op.getKind(), uns);
    Value initVal = filledTensor(rewriter, loc, valType, sizes, start);
    Value initIdx = filledTensor(rewriter, loc, idxType, sizes,
                                 scalarConstant(rewriter, loc, rewriter.getI64Type(), 0));
    AffineMap kept = keptDimsMap(ctx, xt.getRank(), {axis});
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx),
                                   kept, kept};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valType, idxType}, ValueRange{x},
        ValueRange{initVal, initIdx}, maps, its,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value idx = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                                 linalg::IndexOp::create(b, l, axis));
          bool f = isa<FloatType>(et);
          auto cmp = [&](arith::CmpFPredicate fp, arith::CmpIPredicate ip) -> Value {
            return f ? arith::CmpFOp::create(b, l, fp, a[0], a[1]).getResult()
                     : arith::CmpIOp::create(b, l, ip, a[0], a[1]).getResult();
          };
          Value better =
              isMax ? cmp(arith::CmpFPredicate::OGT,
                          uns ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt)
                    : cmp(arith::CmpFPredicate::OLT,
                          uns ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt);
          if (last)
            better = arith::OrIOp::create(
                b, l, better, cmp(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq));
          linalg::YieldOp::create(
              b, l, ValueRange{arith::SelectOp::create(b, l, better, a[0], a[1]),
                               arith::SelectOp::create(b, l, better, idx, a[2])});
        });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, generic.getResult(1),
                                         op.getType()));
    return success();
  }
};

/// A running sum or product as one generic with an extra reduction loop j
/// along the axis: the output at i combines the inputs at j where the
/// position predicate holds (identity elsewhere).
struct CumulativeLowering : OpConversionPattern<CumulativeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumulativeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank(), axis = op.getAxis();
    ReduceKind kind = op.getKind();
    Value init = filledTensor(rewriter, loc, type,
                              broadcastSizes(rewriter, loc, type, x),
                              identityOf(rewriter, loc, type.getElementType(), kind, false));
    SmallVector<AffineExpr> in;
    for (int64_t d = 0; d < rank; ++d)
      in.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    SmallVector<AffineMap> maps = {AffineMap::get(rank + 1, 0, in, ctx),
                                   AffineMap::getMultiDimIdentityMap(rank + 1, ctx)
                                       .getMajorSubMap(rank)};
    arith::CmpIPredicate pred =
        op.getReverse() ? (op.getExclusive() ? arith::CmpIPredicate::ugt
                                             : arith::CmpIPredicate::uge)
                        : (op.getExclusive() ? arith::CmpIPredicate::ult
                                             : arith::CmpIPredicate::ule);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{x}, ValueRange{init}, maps,
        iterators(rank, 1), [&](OpBuilder &b, Location l, ValueRange a) {
          Value i = linalg::IndexOp::create(b, l, axis);
          Value j = linalg::IndexOp::create(b, l, rank);
          Value take = arith::CmpIOp::create(b, l, pred, j, i);
          Value combined = combineReduction(b, l, kind, a[1], a[0], false);
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::SelectOp::create(b, l, take, combined, a[1])});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// TopK by ranks: rank(i) counts the elements better than x[i] (equal ones
/// at lower indices included), one generic with a reduction loop j; then
/// output slot r takes the element of rank r, a second generic with a
/// reduction loop over i. Both are O(n^2) along the axis.
struct TopKLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t rank = xt.getRank(), axis = op.getAxis();
    Type i64 = rewriter.getI64Type(), et = xt.getElementType();
    bool uns = isUnsigned(op.getInput()), largest = op.getLargest();
    // Maps over rank + 1 loops: `extra` is the added loop.
    auto withAxisAt = [&](int64_t extra) {
      SmallVector<AffineExpr> e;
      for (int64_t d = 0; d < rank; ++d)
        e.push_back(getAffineDimExpr(d == axis ? extra : d, ctx));
      return AffineMap::get(rank + 1, 0, e, ctx);
    };
    AffineMap outer = AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank);
    auto cmp = [&](OpBuilder &b, Location l, Value a, Value c, bool strict) -> Value {
      bool f = isa<FloatType>(et);
      if (f)
        return arith::CmpFOp::create(b, l, strict ? arith::CmpFPredicate::OGT
                                                  : arith::CmpFPredicate::OEQ, a, c);
      arith::CmpIPredicate p = !strict ? arith::CmpIPredicate::eq
                               : uns   ? arith::CmpIPredicate::ugt
                                       : arith::CmpIPredicate::sgt;
      return arith::CmpIOp::create(b, l, p, a, c);
    };
    SmallVector<Value> sizes = broadcastSizes(rewriter, loc, xt, x);
    auto rankType = xt.clone(i64);
    Value zeros = filledTensor(rewriter, loc, rankType, sizes, scalarConstant(rewriter, loc, i64, 0));
    Value ranks = linalg::GenericOp::create(
        rewriter, loc, TypeRange{rankType}, ValueRange{x, x}, ValueRange{zeros},
        SmallVector<AffineMap>{outer, withAxisAt(rank), outer}, iterators(rank, 1),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value xi = a[0], xj = a[1];
          Value better = largest ? cmp(b, l, xj, xi, true) : cmp(b, l, xi, xj, true);
          Value i = linalg::IndexOp::create(b, l, axis), j = linalg::IndexOp::create(b, l, rank);
          Value tie = arith::AndIOp::create(
              b, l, cmp(b, l, xj, xi, false),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, j, i));
          Value inc = arith::ExtUIOp::create(b, l, i64, arith::OrIOp::create(b, l, better, tie));
          linalg::YieldOp::create(b, l, ValueRange{arith::AddIOp::create(b, l, a[2], inc)});
        }).getResult(0);
    auto valType = signless(cast<RankedTensorType>(op.getValues().getType()));
    auto idxType = cast<RankedTensorType>(op.getIndices().getType());
    SmallVector<Value> outSizes = sizes;
    Value initVal = filledTensor(rewriter, loc, valType, outSizes,
                                 scalarConstant(rewriter, loc, valType.getElementType(), 0));
    Value initIdx = filledTensor(rewriter, loc, idxType, outSizes,
                                 scalarConstant(rewriter, loc, i64, 0));
    auto picked = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valType, idxType}, ValueRange{x, ranks},
        ValueRange{initVal, initIdx},
        SmallVector<AffineMap>{withAxisAt(rank), withAxisAt(rank), outer, outer},
        iterators(rank, 1), [&](OpBuilder &b, Location l, ValueRange a) {
          Value slot = arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, axis));
          Value i = arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, rank));
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a[1], slot);
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::SelectOp::create(b, l, hit, a[0], a[2]),
                                             arith::SelectOp::create(b, l, hit, i, a[3])});
        });
    rewriter.replaceOp(op, picked.getResults());
    return success();
  }
};

/// (x - mean) * rsqrt(var + eps) * scale + bias over the trailing dims.
struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t rank = xt.getRank();
    SmallVector<int64_t> axes;
    for (int64_t d = op.getAxis(); d < rank; ++d)
      axes.push_back(d);
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap kept = keptDimsMap(ctx, rank, axes);
    SmallVector<Value> sizes = broadcastSizes(rewriter, loc, xt, x);
    double eps = op.getEpsilon().convertToDouble();

    Value mean = reduceAxes(rewriter, loc, x, axes, ReduceKind::mean);
    Value centered = buildElementwise(
        rewriter, loc, xt, ValueRange{x, mean}, {id, kept}, sizes,
        [](OpBuilder &b, Location l, ValueRange v) {
          return arith::SubFOp::create(b, l, v[0], v[1]).getResult();
        });
    Value sq = mapTensor(rewriter, loc, centered, [](OpBuilder &b, Location l, ValueRange v) {
      return arith::MulFOp::create(b, l, v[0], v[0]).getResult();
    });
    Value var = reduceAxes(rewriter, loc, sq, axes, ReduceKind::mean);
    Value inv = mapTensor(rewriter, loc, var, [&](OpBuilder &b, Location l, ValueRange v) {
      Value e = scalarConstant(b, l, v[0].getType(), eps);
      return math::RsqrtOp::create(b, l, arith::AddFOp::create(b, l, v[0], e)).getResult();
    });
    // Scale and bias broadcast to x (decided at run time where dynamic).
    SmallVector<Value> ins = {centered, inv, broadcastTo(rewriter, loc, adaptor.getScale(), 1, xt, sizes)};
    SmallVector<AffineMap> maps = {id, kept,
                                   broadcastMap(ctx, cast<RankedTensorType>(ins[2].getType()), xt)};
    if (Value bias = adaptor.getBias()) {
      ins.push_back(broadcastTo(rewriter, loc, bias, 2, xt, sizes));
      maps.push_back(broadcastMap(ctx, cast<RankedTensorType>(bias.getType()), xt));
    }
    Value y = buildElementwise(rewriter, loc, xt, ins, maps, sizes,
                               [](OpBuilder &b, Location l, ValueRange v) {
                                 Value r = arith::MulFOp::create(
                                     b, l, arith::MulFOp::create(b, l, v[0], v[1]), v[2]);
                                 if (v.size() > 3)
                                   r = arith::AddFOp::create(b, l, r, v[3]);
                                 return r;
                               });
    auto statsType = cast<RankedTensorType>(op.getMean().getType());
    rewriter.replaceOp(op, {y, reshapeTensor(rewriter, loc, mean, statsType),
                            reshapeTensor(rewriter, loc, inv, statsType)});
    return success();
  }
};

} // namespace

void mlir::aiopt::populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering, SoftmaxLowering, ArgReduceLowering,
               LayerNormLowering, CumulativeLowering, TopKLowering>(patterns.getContext());
}
