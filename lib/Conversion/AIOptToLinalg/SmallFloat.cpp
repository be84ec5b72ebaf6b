//===- SmallFloat.cpp - 8- and 4-bit float conversions --------------------===//
//
// Implements SmallFloat.h. The format parameters (mantissa bits, smallest
// normal exponent, largest finite value, NaN and infinity codes) come from
// LLVM's APFloat semantics of the MLIR type.
//
//===----------------------------------------------------------------------===//

#include "SmallFloat.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::aiopt;

bool mlir::aiopt::isSmallFloat(Type t) {
  return isa<Float8E4M3FNType, Float8E4M3FNUZType, Float8E5M2Type, Float8E5M2FNUZType,
             Float4E2M1FNType>(t);
}

static uint64_t codeOf(const APFloat &x) { return x.bitcastToAPInt().getZExtValue(); }

Value mlir::aiopt::smallFloatToF32(OpBuilder &b, Location loc, Value v) {
  auto ft = cast<FloatType>(v.getType());
  unsigned w = ft.getWidth();
  SmallVector<float> table;
  for (uint64_t c = 0; c < (uint64_t(1) << w); ++c) {
    APFloat x(ft.getFloatSemantics(), APInt(w, c));
    bool lost;
    x.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    table.push_back(x.convertToFloat());
  }
  auto tableType = RankedTensorType::get({int64_t(table.size())}, b.getF32Type());
  Value values = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tableType, ArrayRef<float>(table)));
  Value bits = arith::BitcastOp::create(b, loc, b.getIntegerType(w), v);
  Value index = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), bits);
  return tensor::ExtractOp::create(b, loc, values, index);
}

Value mlir::aiopt::f32ToSmallFloat(OpBuilder &b, Location loc, Value x, FloatType to,
                                   bool saturate) {
  const llvm::fltSemantics &sem = to.getFloatSemantics();
  unsigned w = to.getWidth();
  int64_t m = APFloat::semanticsPrecision(sem) - 1;
  int64_t emin = APFloat::semanticsMinExponent(sem);
  APFloat largest = APFloat::getLargest(sem);
  uint64_t maxCode = codeOf(largest);
  bool lost;
  largest.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  double maxFinite = largest.convertToDouble();
  uint64_t signBit = uint64_t(1) << (w - 1);
  bool hasNaN = APFloat::semanticsHasNaN(sem), hasInf = APFloat::semanticsHasInf(sem);
  uint64_t nanCode = hasNaN ? codeOf(APFloat::getNaN(sem)) : signBit;
  // FNUZ types spend the negative-zero code on NaN.
  bool noNegativeZero = hasNaN && nanCode == signBit;

  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto ci = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, i32, v).getResult(); };
  auto cf = [&](double v) { return arith::ConstantFloatOp::create(b, loc, cast<FloatType>(f32),
                                                                  APFloat(float(v))).getResult(); };
  // 2^k for an i32 k in the normal f32 range.
  auto pow2 = [&](Value k) {
    Value biased = arith::AddIOp::create(b, loc, k, ci(127));
    return arith::BitcastOp::create(b, loc, f32, arith::ShLIOp::create(b, loc, biased, ci(23)))
        .getResult();
  };
  auto exponentOf = [&](Value f) {
    Value bits = arith::BitcastOp::create(b, loc, i32, f);
    Value e = arith::AndIOp::create(b, loc, arith::ShRUIOp::create(b, loc, bits, ci(23)), ci(255));
    return arith::SubIOp::create(b, loc, e, ci(127)).getResult();
  };

  Value xBits = arith::BitcastOp::create(b, loc, i32, x);
  Value sign = arith::ShLIOp::create(b, loc, arith::ShRUIOp::create(b, loc, xBits, ci(31)),
                                     ci(w - 1));
  Value a = math::AbsFOp::create(b, loc, x);
  // Round |x| to a multiple of the spacing of the target values near it.
  Value k = arith::SubIOp::create(b, loc, arith::MaxSIOp::create(b, loc, exponentOf(a), ci(emin)),
                                  ci(m));
  Value q = pow2(k);
  Value r = arith::MulFOp::create(
      b, loc, math::RoundEvenOp::create(b, loc, arith::DivFOp::create(b, loc, a, q)), q);
  // Encode r: a normal (implicit leading one) or a subnormal.
  Value normal = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, r,
                                       cf(std::ldexp(1.0, emin)));
  Value er = exponentOf(r);
  Value field = arith::SelectOp::create(
      b, loc, normal, arith::SubIOp::create(b, loc, er, ci(emin - 1)), ci(0));
  Value scale = pow2(arith::SelectOp::create(
      b, loc, normal, arith::SubIOp::create(b, loc, er, ci(m)), ci(emin - m)));
  Value mant = arith::FPToUIOp::create(b, loc, i32, arith::DivFOp::create(b, loc, r, scale));
  mant = arith::SelectOp::create(b, loc, normal,
                                 arith::SubIOp::create(b, loc, mant, ci(int64_t(1) << m)), mant);
  Value magnitude = arith::OrIOp::create(
      b, loc, arith::ShLIOp::create(b, loc, field, ci(m)), mant);
  Value code = arith::OrIOp::create(b, loc, sign, magnitude);
  if (noNegativeZero)
    code = arith::SelectOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, magnitude, ci(0)), ci(0),
        code);
  // Beyond the largest finite value (infinities included).
  Value overflowCode;
  if (saturate || (!hasInf && !hasNaN))
    overflowCode = arith::OrIOp::create(b, loc, sign, ci(maxCode));
  else if (hasInf)
    overflowCode = arith::OrIOp::create(b, loc, sign, ci(codeOf(APFloat::getInf(sem))));
  else
    overflowCode = noNegativeZero ? ci(nanCode)
                                  : arith::OrIOp::create(b, loc, sign, ci(nanCode)).getResult();
  Value overflow = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, r, cf(maxFinite));
  code = arith::SelectOp::create(b, loc, overflow, overflowCode, code);
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  code = arith::SelectOp::create(b, loc, isNaN, ci(nanCode), code);
  Value narrow = arith::TruncIOp::create(b, loc, b.getIntegerType(w), code);
  return arith::BitcastOp::create(b, loc, to, narrow);
}
