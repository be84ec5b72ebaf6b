//===- DoubleHyperbolic.cpp - f64 hyperbolic functions from arithmetic ----===//
//
// sinh, cosh, tanh and their inverses for Vulkan kernels (DoubleMath.h),
// from the exponentials and logarithms of DoubleExpLog.cpp.
//
//===----------------------------------------------------------------------===//

#include "DoubleMath.h"

using namespace mlir;
using namespace mlir::aiopt;

/// e^|x| / 2 for |x| from 22 (where e^-|x| is under 2^-63 of it), as
/// e^(|x| - ln 2) with the difference to twice the precision: finite up to
/// where sinh and cosh overflow, 710.48.
static Value halfExp(F64 &f, Value a) {
  auto [s, err] = f.twoSum(a, f.c(-kLn2High));
  return expF64(f, s, f.sub(err, f.c(kLn2Low)));
}

/// sinh x: below 1 in magnitude its Taylor series (to x^19 / 19!), where
/// (e^x - e^-x) / 2 would cancel.
Value mlir::aiopt::sinhF64(F64 &f, Value x) {
  Value a = f.abs(x);
  Value series = f.mul(a, f.horner(f.mul(a, a), inverseFactorials(1, 2, 10)));
  Value e = expF64(f, a);
  Value middle = f.mul(f.sub(e, f.div(f.c(1), e)), f.c(0.5));
  Value r = f.select(f.lt(a, 1), series, f.select(f.lt(a, 22), middle, halfExp(f, a)));
  return f.copySign(r, x);
}

Value mlir::aiopt::coshF64(F64 &f, Value x) {
  Value a = f.abs(x);
  Value e = expF64(f, a);
  return f.select(f.lt(a, 22), f.mul(f.add(e, f.div(f.c(1), e)), f.c(0.5)), halfExp(f, a));
}

/// tanh x = t / (t + 2), t = e^(2|x|) - 1 (expm1, which keeps small x
/// exact); 1 from 22 on.
Value mlir::aiopt::tanhF64(F64 &f, Value x) {
  Value a = f.abs(x);
  Value t = expm1F64(f, f.mul(f.c(2), a));
  Value r = f.select(f.gt(a, 22), f.c(1), f.div(t, f.add(t, f.c(2))));
  return f.copySign(r, x);
}

/// ln(2 |x|) for |x| from 2^28, where sqrt(x^2 +- 1) is |x| to the last
/// place: ln |x|'s two parts plus ln 2's.
static Value logTwice(F64 &f, Value a) {
  auto [hi, lo] = logParts(f, a);
  Value r = f.add(f.add(hi, f.c(kLn2High)), f.add(lo, f.c(kLn2Low)));
  return f.select(f.eq(a, INFINITY), a, r);
}

/// asinh x = ln(|x| + sqrt(x^2 + 1)) = ln(1 + |x| + x^2 / (1 + sqrt(1 +
/// x^2))) (log1p, exact near 0), with x's sign.
Value mlir::aiopt::asinhF64(F64 &f, Value x) {
  Value a = f.abs(x), a2 = f.mul(a, a);
  Value near = log1pF64(f, f.add(a, f.div(a2, f.add(f.c(1), f.sqrt(f.add(f.c(1), a2))))));
  return f.copySign(f.select(f.gt(a, 0x1p28), logTwice(f, a), near), x);
}

/// acosh x = ln(1 + t + sqrt(2t + t^2)), t = x - 1 (exact near 1); NaN
/// below 1.
Value mlir::aiopt::acoshF64(F64 &f, Value x) {
  Value t = f.sub(x, f.c(1));
  Value near = log1pF64(f, f.add(t, f.sqrt(f.add(f.mul(f.c(2), t), f.mul(t, t)))));
  Value r = f.select(f.gt(x, 0x1p28), logTwice(f, x), near);
  return f.select(f.lt(x, 1), f.c(NAN), r);
}

/// atanh x = ln((1 + |x|) / (1 - |x|)) / 2 = log1p(2|x| / (1 - |x|)) / 2,
/// below 1/2 as log1p(2|x| + 2x^2 / (1 - |x|)) / 2 (no rounded quotient
/// near 0), with x's sign; infinite at 1, NaN beyond.
Value mlir::aiopt::atanhF64(F64 &f, Value x) {
  Value a = f.abs(x), rest = f.sub(f.c(1), a), twice = f.mul(f.c(2), a);
  Value small = log1pF64(f, f.add(twice, f.div(f.mul(twice, a), rest)));
  Value large = log1pF64(f, f.div(twice, rest));
  Value r = f.mul(f.c(0.5), f.select(f.lt(a, 0.5), small, large));
  return f.copySign(r, x);
}
