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

double identityOf(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
    return 0;
  case ReduceKind::prod:
    return 1;
  case ReduceKind::max:
    return -std::numeric_limits<double>::infinity();
  case ReduceKind::min:
    return std::numeric_limits<double>::infinity();
  }
  llvm_unreachable("unknown reduction");
}

Value combine(OpBuilder &b, Location l, ReduceKind kind, Value acc, Value x) {
  bool f = isa<FloatType>(x.getType());
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
    return f ? arith::AddFOp::create(b, l, acc, x).getResult()
             : arith::AddIOp::create(b, l, acc, x).getResult();
  case ReduceKind::prod:
    return f ? arith::MulFOp::create(b, l, acc, x).getResult()
             : arith::MulIOp::create(b, l, acc, x).getResult();
  case ReduceKind::max:
    return f ? arith::MaximumFOp::create(b, l, acc, x).getResult()
             : arith::MaxSIOp::create(b, l, acc, x).getResult();
  case ReduceKind::min:
    return f ? arith::MinimumFOp::create(b, l, acc, x).getResult()
             : arith::MinSIOp::create(b, l, acc, x).getResult();
  }
  llvm_unreachable("unknown reduction");
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
                 ReduceKind kind) {
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
                            scalarConstant(b, loc, et, identityOf(kind)));
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx),
      keptDimsMap(ctx, xt.getRank(), axes)};
  Value r = linalg::GenericOp::create(
                b, loc, TypeRange{type}, ValueRange{x}, ValueRange{init}, maps,
                its,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  linalg::YieldOp::create(nb, nl, combine(nb, nl, kind, a[1], a[0]));
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
        return arith::DivSIOp::create(nb, nl, v[0], countE);
      });
}

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value r = reduceAxes(rewriter, op.getLoc(), adaptor.getInput(),
                         op.getAxes(), op.getKind());
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

} // namespace

void mlir::aiopt::populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering, SoftmaxLowering>(patterns.getContext());
}
