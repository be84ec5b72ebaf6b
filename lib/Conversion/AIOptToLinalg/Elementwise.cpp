//===- Elementwise.cpp - elementwise aiopt ops to linalg.generic ----------===//
//
// Unary, binary (broadcasting), select, clip, cast and batch-norm lowerings:
// each becomes one linalg.generic whose body is the scalar op below.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"
#include "SmallFloat.h"

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

/// Converts scalar `v` to `to` with ONNX Cast semantics (bool is i1);
/// `fromUnsigned`/`toUnsigned` give the signedness the signless integers
/// had in aiopt.
Value convertScalar(OpBuilder &b, Location loc, Value v, Type to, bool fromUnsigned,
                    bool toUnsigned, bool saturate = true) {
  Type from = v.getType();
  if (from == to)
    return v;
  // float8/float4 go through f32.
  if (isSmallFloat(from))
    return convertScalar(b, loc, smallFloatToF32(b, loc, v), to, false, toUnsigned);
  if (isSmallFloat(to))
    return f32ToSmallFloat(b, loc, convertScalar(b, loc, v, b.getF32Type(), fromUnsigned, false),
                           cast<FloatType>(to), saturate);
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
  bool zeroExtend = fromUnsigned || from.isInteger(1);
  unsigned tw = to.getIntOrFloatBitWidth();
  // Narrow integers wrap: convert through i64, then truncate.
  if (fromF && tw < 32)
    return arith::TruncIOp::create(b, loc, to,
                                   arith::FPToSIOp::create(b, loc, b.getI64Type(), v));
  if (fromF)
    return toUnsigned ? arith::FPToUIOp::create(b, loc, to, v).getResult()
                      : arith::FPToSIOp::create(b, loc, to, v).getResult();
  if (toF)
    return zeroExtend ? arith::UIToFPOp::create(b, loc, to, v).getResult()
                      : arith::SIToFPOp::create(b, loc, to, v).getResult();
  unsigned fw = from.getIntOrFloatBitWidth();
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, to, v);
  if (fw == tw)
    return v;
  return zeroExtend ? arith::ExtUIOp::create(b, loc, to, v).getResult()
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

/// The unsigned form of a signed integer predicate.
arith::CmpIPredicate unsignedPredicate(arith::CmpIPredicate p) {
  switch (p) {
  case arith::CmpIPredicate::slt: return arith::CmpIPredicate::ult;
  case arith::CmpIPredicate::sle: return arith::CmpIPredicate::ule;
  case arith::CmpIPredicate::sgt: return arith::CmpIPredicate::ugt;
  case arith::CmpIPredicate::sge: return arith::CmpIPredicate::uge;
  default: return p;
  }
}

/// A comparison of `op`'s operands, unsigned where they are.
template <typename OpTy>
Value compareOf(OpTy op, OpBuilder &b, Location loc, ValueRange a,
                arith::CmpFPredicate fp, arith::CmpIPredicate ip) {
  return compare(b, loc, a, fp, isUnsigned(op.getLhs()) ? unsignedPredicate(ip) : ip);
}

/// Float, signed or unsigned flavour of a binary arith op.
template <typename FOp, typename SOp, typename UOp>
Value arithSigned(Value operand, OpBuilder &b, Location loc, ValueRange a) {
  if (isUnsigned(operand))
    return UOp::create(b, loc, a[0], a[1]);
  return arithBinary<FOp, SOp>(b, loc, a);
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
Value scalar(SiluOp, OB &b, Loc l, VR a) {
  return arith::MulFOp::create(b, l, a[0], scalar(SigmoidOp(), b, l, a));
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
Value scalar(AbsOp op, OB &b, Loc l, VR a) {
  if (isUnsigned(op.getInput()))
    return a[0];
  if (isFloat(a[0]))
    return math::AbsFOp::create(b, l, a[0]);
  return math::AbsIOp::create(b, l, a[0]);
}
Value scalar(NotOp, OB &b, Loc l, VR a) {
  Value ones = arith::ConstantOp::create(
      b, l, b.getIntegerAttr(a[0].getType(),
                             APInt::getAllOnes(a[0].getType().getIntOrFloatBitWidth())));
  return arith::XOrIOp::create(b, l, a[0], ones);
}
Value scalar(SinOp, OB &b, Loc l, VR a) { return math::SinOp::create(b, l, a[0]); }
Value scalar(CosOp, OB &b, Loc l, VR a) { return math::CosOp::create(b, l, a[0]); }
Value scalar(TanOp, OB &b, Loc l, VR a) { return math::TanOp::create(b, l, a[0]); }
Value scalar(AsinOp, OB &b, Loc l, VR a) { return math::AsinOp::create(b, l, a[0]); }
Value scalar(AcosOp, OB &b, Loc l, VR a) { return math::AcosOp::create(b, l, a[0]); }
Value scalar(AtanOp, OB &b, Loc l, VR a) { return math::AtanOp::create(b, l, a[0]); }
Value scalar(SinhOp, OB &b, Loc l, VR a) { return math::SinhOp::create(b, l, a[0]); }
Value scalar(CoshOp, OB &b, Loc l, VR a) { return math::CoshOp::create(b, l, a[0]); }
Value scalar(AsinhOp, OB &b, Loc l, VR a) { return math::AsinhOp::create(b, l, a[0]); }
Value scalar(AcoshOp, OB &b, Loc l, VR a) { return math::AcoshOp::create(b, l, a[0]); }
Value scalar(AtanhOp, OB &b, Loc l, VR a) { return math::AtanhOp::create(b, l, a[0]); }
Value scalar(RoundOp, OB &b, Loc l, VR a) { return math::RoundEvenOp::create(b, l, a[0]); }
Value scalar(SignOp op, OB &b, Loc l, VR a) {
  Value x = a[0], zero = constLike(b, l, x, 0);
  if (isUnsigned(op.getInput()))
    return convertScalar(b, l, compare(b, l, {x, zero}, {}, arith::CmpIPredicate::ne),
                         x.getType(), false, true);
  Value pos = compare(b, l, {x, zero}, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
  Value neg = compare(b, l, {x, zero}, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
  // Zero (and NaN) stay as they are.
  Value r = arith::SelectOp::create(b, l, neg, constLike(b, l, x, -1), x);
  return arith::SelectOp::create(b, l, pos, constLike(b, l, x, 1), r);
}
/// log(1 + exp(x)) computed as max(x, 0) + log1p(exp(-|x|)) (no overflow).
Value softplus(OB &b, Loc l, Value x) {
  Value negAbs = arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, x));
  Value tail = math::Log1pOp::create(b, l, math::ExpOp::create(b, l, negAbs));
  return arith::AddFOp::create(b, l, arith::MaximumFOp::create(b, l, x, constLike(b, l, x, 0)),
                               tail);
}
Value scalar(SoftplusOp, OB &b, Loc l, VR a) { return softplus(b, l, a[0]); }
Value scalar(SoftsignOp, OB &b, Loc l, VR a) {
  Value d = arith::AddFOp::create(b, l, constLike(b, l, a[0], 1), math::AbsFOp::create(b, l, a[0]));
  return arith::DivFOp::create(b, l, a[0], d);
}
Value scalar(MishOp, OB &b, Loc l, VR a) {
  return arith::MulFOp::create(b, l, a[0], math::TanhOp::create(b, l, softplus(b, l, a[0])));
}
/// max(0, min(1, alpha * x + beta)).
Value hardSigmoid(OB &b, Loc l, Value x, double alpha, double beta) {
  Value y = arith::AddFOp::create(
      b, l, arith::MulFOp::create(b, l, x, constLike(b, l, x, alpha)), constLike(b, l, x, beta));
  y = arith::MinimumFOp::create(b, l, y, constLike(b, l, x, 1));
  return arith::MaximumFOp::create(b, l, y, constLike(b, l, x, 0));
}
Value scalar(HardSwishOp, OB &b, Loc l, VR a) {
  return arith::MulFOp::create(b, l, a[0], hardSigmoid(b, l, a[0], 1.0 / 6, 0.5));
}
Value scalar(HardSigmoidOp op, OB &b, Loc l, VR a) {
  return hardSigmoid(b, l, a[0], op.getAlpha().convertToDouble(),
                     op.getBeta().convertToDouble());
}
/// x if x > 0 else alpha * (exp(x) - 1), times `scale`.
Value elu(OB &b, Loc l, Value x, double alpha, double scale) {
  Value e = arith::SubFOp::create(b, l, math::ExpOp::create(b, l, x), constLike(b, l, x, 1));
  Value neg = arith::MulFOp::create(b, l, e, constLike(b, l, x, alpha));
  Value pos = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, constLike(b, l, x, 0));
  Value y = arith::SelectOp::create(b, l, pos, x, neg);
  return scale == 1 ? y : arith::MulFOp::create(b, l, y, constLike(b, l, x, scale)).getResult();
}
Value scalar(EluOp op, OB &b, Loc l, VR a) {
  return elu(b, l, a[0], op.getAlpha().convertToDouble(), 1);
}
Value scalar(SeluOp op, OB &b, Loc l, VR a) {
  return elu(b, l, a[0], op.getAlpha().convertToDouble(), op.getGamma().convertToDouble());
}
Value scalar(CeluOp op, OB &b, Loc l, VR a) {
  Value x = a[0];
  double alpha = op.getAlpha().convertToDouble();
  Value e = math::ExpOp::create(b, l, arith::DivFOp::create(b, l, x, constLike(b, l, x, alpha)));
  Value neg = arith::MulFOp::create(
      b, l, arith::SubFOp::create(b, l, e, constLike(b, l, x, 1)), constLike(b, l, x, alpha));
  Value zero = constLike(b, l, x, 0);
  return arith::AddFOp::create(b, l, arith::MaximumFOp::create(b, l, x, zero),
                               arith::MinimumFOp::create(b, l, neg, zero));
}
Value scalar(ThresholdedReluOp op, OB &b, Loc l, VR a) {
  Value x = a[0];
  Value keep = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x,
                                     constLike(b, l, x, op.getAlpha().convertToDouble()));
  return arith::SelectOp::create(b, l, keep, x, constLike(b, l, x, 0));
}
Value scalar(GeluOp op, OB &b, Loc l, VR a) {
  Value x = a[0];
  Value inner;
  if (op.getTanhApproximation()) {
    // tanh(sqrt(2 / pi) * (x + 0.044715 x^3))
    Value x3 = arith::MulFOp::create(b, l, x, arith::MulFOp::create(b, l, x, x));
    Value t = arith::AddFOp::create(
        b, l, x, arith::MulFOp::create(b, l, x3, constLike(b, l, x, 0.044715)));
    inner = math::TanhOp::create(
        b, l, arith::MulFOp::create(b, l, t, constLike(b, l, x, 0.7978845608028654)));
  } else {
    inner = math::ErfOp::create(
        b, l, arith::MulFOp::create(b, l, x, constLike(b, l, x, 0.7071067811865476)));
  }
  Value half = arith::MulFOp::create(b, l, x, constLike(b, l, x, 0.5));
  return arith::MulFOp::create(
      b, l, half, arith::AddFOp::create(b, l, inner, constLike(b, l, x, 1)));
}
Value scalar(PReluOp, OB &b, Loc l, VR a) {
  Value neg = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, a[0],
                                    constLike(b, l, a[0], 0));
  return arith::SelectOp::create(b, l, neg, arith::MulFOp::create(b, l, a[0], a[1]), a[0]);
}
Value scalar(AddOp, OB &b, Loc l, VR a) { return arithBinary<arith::AddFOp, arith::AddIOp>(b, l, a); }
Value scalar(SubOp, OB &b, Loc l, VR a) { return arithBinary<arith::SubFOp, arith::SubIOp>(b, l, a); }
Value scalar(MulOp, OB &b, Loc l, VR a) { return arithBinary<arith::MulFOp, arith::MulIOp>(b, l, a); }
Value scalar(DivOp op, OB &b, Loc l, VR a) {
  return arithSigned<arith::DivFOp, arith::DivSIOp, arith::DivUIOp>(op.getLhs(), b, l, a);
}
Value scalar(MaxOp op, OB &b, Loc l, VR a) {
  return arithSigned<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp>(op.getLhs(), b, l, a);
}
Value scalar(MinOp op, OB &b, Loc l, VR a) {
  return arithSigned<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp>(op.getLhs(), b, l, a);
}
Value scalar(PowOp, OB &b, Loc l, VR a) { return math::PowFOp::create(b, l, a[0], a[1]); }
Value scalar(AndOp, OB &b, Loc l, VR a) { return arith::AndIOp::create(b, l, a[0], a[1]); }
Value scalar(OrOp, OB &b, Loc l, VR a) { return arith::OrIOp::create(b, l, a[0], a[1]); }
Value scalar(XorOp, OB &b, Loc l, VR a) { return arith::XOrIOp::create(b, l, a[0], a[1]); }
Value scalar(ModOp op, OB &b, Loc l, VR a) {
  Value r = arithSigned<arith::RemFOp, arith::RemSIOp, arith::RemUIOp>(op.getLhs(), b, l, a);
  if (op.getFmod() || isUnsigned(op.getLhs()))
    return r;
  // Python %: a non-zero remainder takes the sign of the divisor.
  Value zero = constLike(b, l, r, 0);
  Value rNeg = compare(b, l, {r, zero}, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
  Value dNeg = compare(b, l, {a[1], zero}, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
  Value nonZero = compare(b, l, {r, zero}, arith::CmpFPredicate::ONE, arith::CmpIPredicate::ne);
  Value fix = arith::AndIOp::create(b, l, nonZero, arith::XOrIOp::create(b, l, rNeg, dNeg));
  return arith::SelectOp::create(b, l, fix, arithBinary<arith::AddFOp, arith::AddIOp>(b, l, {r, a[1]}), r);
}
Value scalar(BitShiftOp op, OB &b, Loc l, VR a) {
  Value x = a[0], y = a[1];
  unsigned width = x.getType().getIntOrFloatBitWidth();
  bool uns = isUnsigned(op.getLhs());
  // In range when 0 <= y < width (unsigned compare catches negatives).
  Value inRange = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, y,
                                        constLike(b, l, y, width));
  Value shifted, fill;
  if (op.getLeft()) {
    shifted = arith::ShLIOp::create(b, l, x, y);
    fill = constLike(b, l, x, 0);
  } else if (uns) {
    shifted = arith::ShRUIOp::create(b, l, x, y);
    fill = constLike(b, l, x, 0);
  } else {
    shifted = arith::ShRSIOp::create(b, l, x, y);
    fill = arith::ShRSIOp::create(b, l, x, constLike(b, l, x, width - 1));
  }
  return arith::SelectOp::create(b, l, inRange, shifted, fill);
}
Value scalar(BitcastOp op, OB &b, Loc l, VR a) {
  Type to = signless(op.getType().getElementType());
  Type from = a[0].getType();
  if (from == to)
    return a[0];
  if (from.isInteger(1))
    return arith::ExtUIOp::create(b, l, to, a[0]);
  if (to.isInteger(1))
    return arith::TruncIOp::create(b, l, to, a[0]);
  return arith::BitcastOp::create(b, l, to, a[0]);
}
Value scalar(EqualOp, OB &b, Loc l, VR a) {
  return compare(b, l, a, arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq);
}
Value scalar(LessOp op, OB &b, Loc l, VR a) {
  return compareOf(op, b, l, a, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
}
Value scalar(LessEqualOp op, OB &b, Loc l, VR a) {
  return compareOf(op, b, l, a, arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle);
}
Value scalar(GreaterOp op, OB &b, Loc l, VR a) {
  return compareOf(op, b, l, a, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
}
Value scalar(GreaterEqualOp op, OB &b, Loc l, VR a) {
  return compareOf(op, b, l, a, arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge);
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
    v = arithSigned<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp>(
        op.getInput(), b, l, {v, constLike(b, l, v, lo->convertToDouble())});
  if (auto hi = op.getMax())
    v = arithSigned<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp>(
        op.getInput(), b, l, {v, constLike(b, l, v, hi->convertToDouble())});
  return v;
}
Value scalar(CastOp op, OB &b, Loc l, VR a) {
  return convertScalar(b, l, a[0], signless(op.getType().getElementType()),
                       isUnsigned(op.getInput()), isUnsigned(op.getOutput()), op.getSaturate());
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
      ElementwiseLowering<ReluOp>, ElementwiseLowering<SigmoidOp>, ElementwiseLowering<SiluOp>,
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
      ElementwiseLowering<ModOp>, ElementwiseLowering<BitShiftOp>,
      ElementwiseLowering<BitcastOp>,
      ElementwiseLowering<EqualOp>, ElementwiseLowering<LessOp>,
      ElementwiseLowering<LessEqualOp>, ElementwiseLowering<GreaterOp>,
      ElementwiseLowering<GreaterEqualOp>, ElementwiseLowering<WhereOp>,
      ElementwiseLowering<LeakyReluOp>, ElementwiseLowering<ClipOp>,
      ElementwiseLowering<CastOp>, ElementwiseLowering<SinOp>,
      ElementwiseLowering<CosOp>, ElementwiseLowering<TanOp>,
      ElementwiseLowering<AsinOp>, ElementwiseLowering<AcosOp>,
      ElementwiseLowering<AtanOp>, ElementwiseLowering<SinhOp>,
      ElementwiseLowering<CoshOp>, ElementwiseLowering<AsinhOp>,
      ElementwiseLowering<AcoshOp>, ElementwiseLowering<AtanhOp>,
      ElementwiseLowering<RoundOp>, ElementwiseLowering<SignOp>,
      ElementwiseLowering<SoftplusOp>, ElementwiseLowering<SoftsignOp>,
      ElementwiseLowering<MishOp>, ElementwiseLowering<HardSwishOp>,
      ElementwiseLowering<HardSigmoidOp>, ElementwiseLowering<EluOp>,
      ElementwiseLowering<SeluOp>, ElementwiseLowering<CeluOp>,
      ElementwiseLowering<ThresholdedReluOp>, ElementwiseLowering<GeluOp>,
      ElementwiseLowering<PReluOp>, ElementwiseLowering<XorOp>, BatchNormLowering>(patterns.getContext());
}
