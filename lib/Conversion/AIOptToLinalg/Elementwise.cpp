//===- Elementwise.cpp - elementwise aiopt ops to linalg.generic ----------===//
//
// Unary, binary (broadcasting), select, clip, cast and batch-norm lowerings:
// each becomes one linalg.generic whose body is the scalar op below.
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

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

Value constLike(OpBuilder &b, Location loc, Value like, double v) {
  return scalarConstant(b, loc, like.getType(), v);
}

/// Converts scalar `v` to `to` with ONNX Cast semantics (bool is i1).
Value convertScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromF = dyn_cast<FloatType>(from), toF = dyn_cast<FloatType>(to);
  if (to.isInteger(1)) {
    Value zero = constLike(b, loc, v, 0);
    return fromF ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero).getResult()
                 : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero).getResult();
  }
  if (fromF && toF)
    return fromF.getWidth() < toF.getWidth()
               ? arith::ExtFOp::create(b, loc, to, v).getResult()
               : arith::TruncFOp::create(b, loc, to, v).getResult();
  if (fromF)
    return arith::FPToSIOp::create(b, loc, to, v);
  if (toF)
    return from.isInteger(1) ? arith::UIToFPOp::create(b, loc, to, v).getResult()
                             : arith::SIToFPOp::create(b, loc, to, v).getResult();
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, to, v);
  return from.isInteger(1) ? arith::ExtUIOp::create(b, loc, to, v).getResult()
                           : arith::ExtSIOp::create(b, loc, to, v).getResult();
}

/// Float or integer flavour of a binary arith op.
template <typename FOp, typename IOp>
Value arithBinary(OpBuilder &b, Location loc, ValueRange a) {
  if (isFloat(a[0]))
    return FOp::create(b, loc, a[0], a[1]);
  return IOp::create(b, loc, a[0], a[1]);
}

Value compare(OpBuilder &b, Location loc, ValueRange a, arith::CmpFPredicate fp,
              arith::CmpIPredicate ip) {
  if (isFloat(a[0]))
    return arith::CmpFOp::create(b, loc, fp, a[0], a[1]);
  return arith::CmpIOp::create(b, loc, ip, a[0], a[1]);
}

//===----------------------------------------------------------------------===//
// Scalar bodies, one overload per op.
//===----------------------------------------------------------------------===//

using OB = OpBuilder;
using VR = ValueRange;
using Loc = Location;

Value scalar(ReluOp, OB &b, Loc l, VR a) {
  return arith::MaximumFOp::create(b, l, a[0], constLike(b, l, a[0], 0));
}
Value scalar(SigmoidOp, OB &b, Loc l, VR a) {
  Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, a[0]));
  Value one = constLike(b, l, a[0], 1);
  return arith::DivFOp::create(b, l, one, arith::AddFOp::create(b, l, one, e));
}
Value scalar(TanhOp, OB &b, Loc l, VR a) { return math::TanhOp::create(b, l, a[0]); }
Value scalar(ErfOp, OB &b, Loc l, VR a) { return math::ErfOp::create(b, l, a[0]); }
Value scalar(ExpOp, OB &b, Loc l, VR a) { return math::ExpOp::create(b, l, a[0]); }
Value scalar(LogOp, OB &b, Loc l, VR a) { return math::LogOp::create(b, l, a[0]); }
Value scalar(SqrtOp, OB &b, Loc l, VR a) { return math::SqrtOp::create(b, l, a[0]); }
Value scalar(FloorOp, OB &b, Loc l, VR a) { return math::FloorOp::create(b, l, a[0]); }
Value scalar(CeilOp, OB &b, Loc l, VR a) { return math::CeilOp::create(b, l, a[0]); }
Value scalar(ReciprocalOp, OB &b, Loc l, VR a) {
  return arith::DivFOp::create(b, l, constLike(b, l, a[0], 1), a[0]);
}
Value scalar(NegOp, OB &b, Loc l, VR a) {
  if (isFloat(a[0]))
    return arith::NegFOp::create(b, l, a[0]);
  return arith::SubIOp::create(b, l, constLike(b, l, a[0], 0), a[0]);
}
Value scalar(AbsOp, OB &b, Loc l, VR a) {
  if (isFloat(a[0]))
    return math::AbsFOp::create(b, l, a[0]);
  return math::AbsIOp::create(b, l, a[0]);
}
Value scalar(NotOp, OB &b, Loc l, VR a) {
  return arith::XOrIOp::create(b, l, a[0], constLike(b, l, a[0], 1));
}
Value scalar(AddOp, OB &b, Loc l, VR a) { return arithBinary<arith::AddFOp, arith::AddIOp>(b, l, a); }
Value scalar(SubOp, OB &b, Loc l, VR a) { return arithBinary<arith::SubFOp, arith::SubIOp>(b, l, a); }
Value scalar(MulOp, OB &b, Loc l, VR a) { return arithBinary<arith::MulFOp, arith::MulIOp>(b, l, a); }
Value scalar(DivOp, OB &b, Loc l, VR a) { return arithBinary<arith::DivFOp, arith::DivSIOp>(b, l, a); }
Value scalar(MaxOp, OB &b, Loc l, VR a) { return arithBinary<arith::MaximumFOp, arith::MaxSIOp>(b, l, a); }
Value scalar(MinOp, OB &b, Loc l, VR a) { return arithBinary<arith::MinimumFOp, arith::MinSIOp>(b, l, a); }
Value scalar(PowOp, OB &b, Loc l, VR a) { return math::PowFOp::create(b, l, a[0], a[1]); }
Value scalar(AndOp, OB &b, Loc l, VR a) { return arith::AndIOp::create(b, l, a[0], a[1]); }
Value scalar(OrOp, OB &b, Loc l, VR a) { return arith::OrIOp::create(b, l, a[0], a[1]); }
Value scalar(EqualOp, OB &b, Loc l, VR a) {
  return compare(b, l, a, arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq);
}
Value scalar(LessOp, OB &b, Loc l, VR a) {
  return compare(b, l, a, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
}
Value scalar(LessEqualOp, OB &b, Loc l, VR a) {
  return compare(b, l, a, arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle);
}
Value scalar(GreaterOp, OB &b, Loc l, VR a) {
  return compare(b, l, a, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
}
Value scalar(GreaterEqualOp, OB &b, Loc l, VR a) {
  return compare(b, l, a, arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge);
}
Value scalar(WhereOp, OB &b, Loc l, VR a) {
  return arith::SelectOp::create(b, l, a[0], a[1], a[2]);
}
Value scalar(LeakyReluOp op, OB &b, Loc l, VR a) {
  Value scaled = arith::MulFOp::create(
      b, l, a[0], constLike(b, l, a[0], op.getAlpha().convertToDouble()));
  Value pos = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, a[0],
                                    constLike(b, l, a[0], 0));
  return arith::SelectOp::create(b, l, pos, a[0], scaled);
}
Value scalar(ClipOp op, OB &b, Loc l, VR a) {
  Value v = a[0];
  if (auto lo = op.getMin())
    v = arithBinary<arith::MaximumFOp, arith::MaxSIOp>(
        b, l, {v, constLike(b, l, v, lo->convertToDouble())});
  if (auto hi = op.getMax())
    v = arithBinary<arith::MinimumFOp, arith::MinSIOp>(
        b, l, {v, constLike(b, l, v, hi->convertToDouble())});
  return v;
}
Value scalar(CastOp op, OB &b, Loc l, VR a) {
  return convertScalar(b, l, a[0], op.getType().getElementType());
}

/// Lowers an elementwise op (with numpy broadcasting of its operands) to a
/// linalg.generic whose body is `scalar(op, ...)`.
template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result = buildBroadcastElementwise(
        rewriter, op.getLoc(), type, adaptor.getOperands(),
        [&](OpBuilder &b, Location l, ValueRange args) {
          return scalar(op, b, l, args);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// (x - mean) * scale / sqrt(var + eps) + bias with per-channel parameters.
struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = op.getType();
    MLIRContext *ctx = getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
    AffineMap channel = AffineMap::get(type.getRank(), 0,
                                       getAffineDimExpr(1, ctx), ctx);
    SmallVector<AffineMap> maps = {id, channel, channel, channel, channel};
    double eps = op.getEpsilon().convertToDouble();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, adaptor.getOperands(), maps,
        broadcastSizes(rewriter, op.getLoc(), type, adaptor.getInput()),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value centered = arith::SubFOp::create(b, l, a[0], a[3]);
          Value var = arith::AddFOp::create(b, l, a[4], constLike(b, l, a[4], eps));
          Value norm = arith::DivFOp::create(b, l, centered,
                                             math::SqrtOp::create(b, l, var));
          Value scaled = arith::MulFOp::create(b, l, norm, a[1]);
          return arith::AddFOp::create(b, l, scaled, a[2]).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::aiopt::populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<
      ElementwiseLowering<ReluOp>, ElementwiseLowering<SigmoidOp>,
      ElementwiseLowering<TanhOp>, ElementwiseLowering<ErfOp>,
      ElementwiseLowering<ExpOp>, ElementwiseLowering<LogOp>,
      ElementwiseLowering<SqrtOp>, ElementwiseLowering<FloorOp>,
      ElementwiseLowering<CeilOp>, ElementwiseLowering<ReciprocalOp>,
      ElementwiseLowering<NegOp>, ElementwiseLowering<AbsOp>,
      ElementwiseLowering<NotOp>, ElementwiseLowering<AddOp>,
      ElementwiseLowering<SubOp>, ElementwiseLowering<MulOp>,
      ElementwiseLowering<DivOp>, ElementwiseLowering<MaxOp>,
      ElementwiseLowering<MinOp>, ElementwiseLowering<PowOp>,
      ElementwiseLowering<AndOp>, ElementwiseLowering<OrOp>,
      ElementwiseLowering<EqualOp>, ElementwiseLowering<LessOp>,
      ElementwiseLowering<LessEqualOp>, ElementwiseLowering<GreaterOp>,
      ElementwiseLowering<GreaterEqualOp>, ElementwiseLowering<WhereOp>,
      ElementwiseLowering<LeakyReluOp>, ElementwiseLowering<ClipOp>,
      ElementwiseLowering<CastOp>, BatchNormLowering>(patterns.getContext());
}
