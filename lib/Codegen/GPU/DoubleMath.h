//===- DoubleMath.h - f64 functions from arithmetic, for Vulkan -*- C++ -*-===//
//
// GLSL.std.450 has its transcendental functions for 16- and 32-bit floats
// only. These build f64 ones from the arithmetic SPIR-V has for f64 (each
// op rounded once: aiopt-gpu-spirv-exact-doubles), as straight-line code:
// every branch is computed and the right one selected. Private to
// lib/Codegen/GPU; aiopt-gpu-spirv-double-math uses them.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CODEGEN_GPU_DOUBLEMATH_H
#define AIOPT_LIB_CODEGEN_GPU_DOUBLEMATH_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"

#include <cmath>

namespace mlir::aiopt {

/// Scalar f64 arithmetic at one place, named for readability.
struct F64 {
  OpBuilder &b;
  Location loc;

  Value c(double v) { return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v)); }
  Value i(int64_t v) { return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value lt(Value x, double y) { return cmp(arith::CmpFPredicate::OLT, x, c(y)); }
  Value gt(Value x, double y) { return cmp(arith::CmpFPredicate::OGT, x, c(y)); }
  Value eq(Value x, double y) { return cmp(arith::CmpFPredicate::OEQ, x, c(y)); }
  Value isNaN(Value x) { return cmp(arith::CmpFPredicate::UNO, x, x); }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  Value bits(Value x) { return arith::BitcastOp::create(b, loc, b.getI64Type(), x); }
  Value fromBits(Value x) { return arith::BitcastOp::create(b, loc, b.getF64Type(), x); }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value abs(Value x) { return math::AbsFOp::create(b, loc, x); }
  Value sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }
  Value copySign(Value x, Value sign) { return math::CopySignOp::create(b, loc, x, sign); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  /// x + y as a sum and its rounding error (Knuth's TwoSum).
  std::pair<Value, Value> twoSum(Value x, Value y) {
    Value s = add(x, y), yy = sub(s, x);
    return {s, add(sub(x, sub(s, yy)), sub(y, yy))};
  }
  /// x * y as a product and its rounding error (Dekker's TwoProduct, with
  /// Veltkamp's splitting; |x| and |y| under 2^995). Not by a fused
  /// multiply-add: GLSL's Fma may round twice (Mesa's does for f64).
  std::pair<Value, Value> twoProduct(Value x, Value y) {
    auto split = [&](Value v) {
      Value scaled = mul(c(134217729.0), v); // 2^27 + 1
      Value high = sub(scaled, sub(scaled, v));
      return std::pair{high, sub(v, high)};
    };
    auto [xh, xl] = split(x);
    auto [yh, yl] = split(y);
    Value p = mul(x, y);
    Value e = add(add(add(sub(mul(xh, yh), p), mul(xh, yl)), mul(xl, yh)), mul(xl, yl));
    return {p, e};
  }
  /// `coefficients[0] + x * (coefficients[1] + x * ...)`.
  Value horner(Value x, ArrayRef<double> coefficients) {
    Value r = c(coefficients.back());
    for (double k : llvm::reverse(coefficients.drop_back()))
      r = add(c(k), mul(x, r));
    return r;
  }
  /// 2^k for an i64 `k` in [-1022, 1023].
  Value exp2i(Value k) {
    Value biased = arith::AddIOp::create(b, loc, k, i(1023));
    return fromBits(arith::ShLIOp::create(b, loc, biased, i(52)));
  }
};

/// Taylor coefficients 1 / k! for k = first, first + step, ... (`count` of
/// them), with the sign (-1)^(k / 2) where `trigSigns` (sin's and cos's
/// series); each factorial is built exactly as far as doubles hold it.
inline SmallVector<double> inverseFactorials(int first, int step, int count,
                                             bool trigSigns = false) {
  SmallVector<double> coefficients;
  double factorial = 1;
  for (int k = 2; k <= first; ++k)
    factorial *= k;
  for (int i = 0; i < count; ++i) {
    int k = first + i * step;
    coefficients.push_back((trigSigns && k / 2 % 2 ? -1.0 : 1.0) / factorial);
    for (int j = k + 1; j <= k + step; ++j)
      factorial *= j;
  }
  return coefficients;
}

/// ln 2 in two parts: the high one has trailing zero bits, so that k times
/// it is exact for the k exp and log meet (Cody and Waite's reduction).
inline constexpr double kLn2High = 6.93147180369123816490e-01;
inline constexpr double kLn2Low = 1.90821492927058770002e-10;

// Exponentials and logarithms (DoubleExpLog.cpp). Each takes and gives
// C's results for infinities, NaNs and the ends of its domain.

/// e^(x + lo), lo (optional) a correction below x's last place; within 1
/// ulp.
Value expF64(F64 &f, Value x, Value lo = Value());
/// e^x - 1, also near 0.
Value expm1F64(F64 &f, Value x);
/// ln x as an unevaluated sum hi + lo (about 2^-60 relative) for finite x
/// above 0.
std::pair<Value, Value> logParts(F64 &f, Value x);
/// ln x, within 1 ulp.
Value logF64(F64 &f, Value x);
/// ln(1 + x), also near 0.
Value log1pF64(F64 &f, Value x);
/// x^y as C's pow, within 2 ulp.
Value powF64(F64 &f, Value x, Value y);
/// The error function.
Value erfF64(F64 &f, Value x);

// Hyperbolic functions and their inverses (DoubleHyperbolic.cpp).
Value sinhF64(F64 &f, Value x);
Value coshF64(F64 &f, Value x);
Value tanhF64(F64 &f, Value x);
Value asinhF64(F64 &f, Value x);
Value acoshF64(F64 &f, Value x);
Value atanhF64(F64 &f, Value x);

// Trigonometric functions and their inverses (DoubleTrig.cpp).
Value sinF64(F64 &f, Value x);
Value cosF64(F64 &f, Value x);
Value tanF64(F64 &f, Value x);
Value atanF64(F64 &f, Value x);
Value asinF64(F64 &f, Value x);
Value acosF64(F64 &f, Value x);

} // namespace mlir::aiopt

#endif // AIOPT_LIB_CODEGEN_GPU_DOUBLEMATH_H
