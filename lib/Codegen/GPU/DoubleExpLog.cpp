//===- DoubleExpLog.cpp - f64 exponentials and logarithms from arithmetic -===//
//
// exp, expm1, log, log1p, pow and erf for Vulkan kernels (DoubleMath.h).
//
//===----------------------------------------------------------------------===//

#include "DoubleMath.h"

using namespace mlir;
using namespace mlir::aiopt;

/// e^(x + lo), lo (optional) a correction below x's last place: x = k ln 2
/// + r with |r| <= ln 2 / 2, e^(r + lo) by its Taylor series to r^13 / 13!
/// (the next term is under 5e-18), times 2^k in two factors so that
/// subnormal results are reached. Beyond the range: infinity or 0.
Value mlir::aiopt::expF64(F64 &f, Value x, Value lo) {
  auto P = arith::CmpFPredicate::OGT;
  // Clamped, so that k stays an integer the conversion can hold.
  Value xc = f.select(f.cmp(P, x, f.c(710)), f.c(710), x);
  xc = f.select(f.cmp(arith::CmpFPredicate::OLT, xc, f.c(-746)), f.c(-746), xc);
  Value kf = math::RoundEvenOp::create(f.b, f.loc, f.mul(xc, f.c(M_LOG2E)));
  Value r = f.sub(f.sub(xc, f.mul(kf, f.c(kLn2High))), f.mul(kf, f.c(kLn2Low)));
  if (lo)
    r = f.add(r, lo);
  Value p = f.horner(r, inverseFactorials(0, 1, 14));
  Value k = arith::FPToSIOp::create(f.b, f.loc, f.b.getI64Type(), kf);
  Value k1 = arith::ShRSIOp::create(f.b, f.loc, k, f.i(1));
  Value k2 = arith::SubIOp::create(f.b, f.loc, k, k1);
  Value scaled = f.mul(f.mul(p, f.exp2i(k1)), f.exp2i(k2));
  // Results past the largest double and under half the least subnormal.
  scaled = f.select(f.cmp(P, x, f.c(7.09782712893383973096e+02)), f.c(INFINITY), scaled);
  scaled = f.select(f.cmp(arith::CmpFPredicate::OLT, x, f.c(-7.45133219101941108420e+02)),
                    f.c(0), scaled);
  return f.select(f.cmp(arith::CmpFPredicate::UNO, x, x), x, scaled);
}

/// ln x as an unevaluated sum hi + lo (about 2^-60 relative) for finite x
/// above 0: x = 2^e m with m in [sqrt(2)/2, sqrt(2)) (subnormals scaled by
/// 2^54 first), ln m = 2 atanh(s) with s = (m - 1) / (m + 1), |s| < 0.172:
/// 2 s to twice the precision, the rest of the series (to s^23; the next
/// term is under 2e-18) in plain doubles, plus e ln 2 (in two parts).
std::pair<Value, Value> mlir::aiopt::logParts(F64 &f, Value x) {
  OpBuilder &b = f.b;
  Location loc = f.loc;
  Value small = f.cmp(arith::CmpFPredicate::OLT, x, f.c(0x1p-1022));
  Value xs = f.select(small, f.mul(x, f.c(0x1p54)), x);
  Value bits = f.bits(xs);
  Value exponent = f.andI(arith::ShRUIOp::create(b, loc, bits, f.i(52)), f.i(0x7ff));
  Value bias = arith::SelectOp::create(b, loc, small, f.i(1023 + 54), f.i(1023));
  Value e = arith::SubIOp::create(b, loc, exponent, bias);
  Value m = f.fromBits(f.orI(f.andI(bits, f.i(0x000fffffffffffffLL)), f.i(0x3ff0000000000000LL)));
  Value big = f.cmp(arith::CmpFPredicate::OGT, m, f.c(M_SQRT2));
  m = f.select(big, f.mul(m, f.c(0.5)), m);
  e = arith::SelectOp::create(b, loc, big, arith::AddIOp::create(b, loc, e, f.i(1)), e);
  Value g = f.sub(m, f.c(1)); // exact: m is within a factor 2 of 1
  // s = g / (2 + g) as sHi + sLo: 2 + g is d + dErr exactly, and the
  // quotient's remainder g - sHi d is exact from sHi d's two parts.
  Value d = f.add(f.c(2), g);
  Value dErr = f.add(f.sub(f.c(2), d), g);
  Value sHi = f.div(g, d);
  auto [sd, sdErr] = f.twoProduct(sHi, d);
  Value sLo = f.div(f.sub(f.sub(f.sub(g, sd), sdErr), f.mul(sHi, dErr)), d);
  SmallVector<double, 11> series;
  for (int n = 1; n <= 11; ++n)
    series.push_back(2.0 / (2 * n + 1));
  Value z = f.mul(sHi, sHi);
  Value tail = f.mul(f.mul(sHi, z), f.horner(z, series));
  Value ef = arith::SIToFPOp::create(b, loc, b.getF64Type(), e);
  // e ln2High is exact; 2 sHi too.
  auto [hi, err] = f.twoSum(f.mul(ef, f.c(kLn2High)), f.mul(f.c(2), sHi));
  Value lo = f.add(err, f.add(f.mul(ef, f.c(kLn2Low)), f.add(f.mul(f.c(2), sLo), tail)));
  return {hi, lo};
}

/// ln x with C's results for 0 (-infinity), infinity, negatives and NaN
/// (NaN).
Value mlir::aiopt::logF64(F64 &f, Value x) {
  auto [hi, lo] = logParts(f, x);
  Value r = f.add(hi, lo);
  r = f.select(f.cmp(arith::CmpFPredicate::OEQ, x, f.c(INFINITY)), x, r);
  r = f.select(f.cmp(arith::CmpFPredicate::OEQ, x, f.c(0)), f.c(-INFINITY), r);
  return f.select(f.cmp(arith::CmpFPredicate::OGE, x, f.c(0)), r, f.c(NAN));
}

/// x^y as C's pow. Integer exponents up to 64 multiply by squaring (exact
/// where the result is: integer bases are raised in f64); others are
/// e^(y ln |x|), y ln |x| to twice the precision (its rounding, which e^
/// would magnify, does not count), negative x giving a NaN for finite
/// non-integer y and the sign of x for odd y. x = 1 gives 1 whatever y,
/// NaN included, and so does |x| = 1 with an infinite y.
Value mlir::aiopt::powF64(F64 &f, Value x, Value y) {
  OpBuilder &b = f.b;
  Location loc = f.loc;
  auto EQ = arith::CmpFPredicate::OEQ;
  Value ay = f.abs(y);
  Value integral = f.cmp(EQ, f.floor(y), y); // false for NaN, true for inf
  Value finite = f.cmp(arith::CmpFPredicate::OLT, ay, f.c(INFINITY));
  Value squaring = f.andI(integral, f.cmp(arith::CmpFPredicate::OLE, ay, f.c(64)));
  // |y| bit by bit: seven bits reach 64.
  Value n = arith::FPToSIOp::create(b, loc, b.getI64Type(), f.select(squaring, ay, f.c(0)));
  Value acc = f.c(1), base = x;
  for (int bit = 0; bit < 7; ++bit) {
    Value set = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        f.andI(arith::ShRUIOp::create(b, loc, n, f.i(bit)), f.i(1)), f.i(0));
    acc = f.select(set, f.mul(acc, base), acc);
    base = f.mul(base, base);
  }
  Value byProducts =
      f.select(f.cmp(arith::CmpFPredicate::OLT, y, f.c(0)), f.div(f.c(1), acc), acc);

  Value ax = f.abs(x);
  auto [lHi, lLo] = logParts(f, ax);
  // ln 0 and ln infinity (no low part) for the infinities of y ln |x|.
  Value zeroX = f.cmp(EQ, ax, f.c(0)), infiniteX = f.cmp(EQ, ax, f.c(INFINITY));
  lHi = f.select(zeroX, f.c(-INFINITY), f.select(infiniteX, f.c(INFINITY), lHi));
  lHi = f.select(f.cmp(arith::CmpFPredicate::UNO, ax, ax), ax, lHi);
  // The low part only where y splits and y ln |x| is finite: elsewhere
  // |y ln |x|| is 0 (|x| = 1) or far past the range of e^.
  auto [pHi, pErr] = f.twoProduct(y, lHi);
  Value pLo = f.add(pErr, f.mul(y, lLo));
  Value splits = f.andI(f.cmp(arith::CmpFPredicate::OLT, ay, f.c(0x1p995)),
                        f.cmp(arith::CmpFPredicate::OLT, f.abs(pHi), f.c(INFINITY)));
  pLo = f.select(splits, pLo, f.c(0));
  Value magnitude = expF64(f, pHi, pLo);
  // Odd integers: y - 2 floor(y / 2) = 1 (doubles from 2^53 are even).
  Value odd = f.andI(f.andI(integral, finite),
                     f.cmp(EQ, f.sub(y, f.mul(f.c(2), f.floor(f.mul(y, f.c(0.5))))), f.c(1)));
  // The sign of x (-0 included) for odd y; NaN for finite x below 0 (not
  // -0) and finite non-integer y.
  Value signBit = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, f.bits(x), f.i(0));
  Value general = f.select(f.andI(signBit, odd), f.neg(magnitude), magnitude);
  Value negative = f.cmp(arith::CmpFPredicate::OLT, x, f.c(0));
  Value finiteX = f.cmp(arith::CmpFPredicate::OLT, ax, f.c(INFINITY));
  Value undefined = f.andI(f.andI(negative, finiteX),
                           f.andI(finite, f.cmp(arith::CmpFPredicate::ONE, f.floor(y), y)));
  general = f.select(undefined, f.c(NAN), general);
  general = f.select(f.andI(f.cmp(EQ, ax, f.c(1)), f.cmp(EQ, ay, f.c(INFINITY))), f.c(1), general);
  general = f.select(f.cmp(EQ, x, f.c(1)), f.c(1), general);
  return f.select(squaring, byProducts, general);
}

/// e^x - 1: below 1 in magnitude its Taylor series to x^18 / 18! (the next
/// term is under 1e-17 of the sum), where e^x - 1 would cancel; e^x - 1
/// above.
Value mlir::aiopt::expm1F64(F64 &f, Value x) {
  Value series = f.mul(x, f.horner(x, inverseFactorials(1, 1, 18)));
  return f.select(f.lt(f.abs(x), 1), series, f.sub(expF64(f, x), f.c(1)));
}

/// ln(1 + x) = ln u + (x - (u - 1)) / u for the rounded u = 1 + x: the
/// second term is what the rounding took (Goldberg's correction), added to
/// ln u's low part.
Value mlir::aiopt::log1pF64(F64 &f, Value x) {
  Value u = f.add(f.c(1), x);
  auto [hi, lo] = logParts(f, u);
  Value rounding = f.div(f.sub(x, f.sub(u, f.c(1))), u);
  Value r = f.add(hi, f.add(lo, rounding));
  r = f.select(f.eq(u, INFINITY), u, r);
  r = f.select(f.eq(u, 0), f.c(-INFINITY), r);
  return f.select(f.cmp(arith::CmpFPredicate::OGE, u, f.c(0)), r, f.c(NAN));
}

/// 2 / sqrt(pi) in two parts, and 1 / sqrt(pi).
static constexpr double kTwoRsqrtPiHigh = 0x1.20dd750429b6dp+0;
static constexpr double kTwoRsqrtPiLow = 0x1.1ae3a914fed80p-56;
static constexpr double kRsqrtPi = 0x1.20dd750429b6dp-1;

/// erf x. Below 1.5 in magnitude, its Maclaurin series (to x^55; the sum
/// of the terms' magnitudes stays within a factor 5 of the result) with
/// the first coefficient in two parts; up to 6, 1 - erfc x with erfc x =
/// e^(-x^2) / sqrt(pi) / K(x), K Laplace's continued fraction x + (1/2) /
/// (x + 1 / (x + (3/2) / ...)) taken 100 levels deep from the bottom up,
/// x^2 to twice the precision; beyond 6, 1 (erfc 6 is under half an ulp
/// of 1).
Value mlir::aiopt::erfF64(F64 &f, Value x) {
  Value a = f.abs(x), z = f.mul(a, a);
  SmallVector<double, 27> coefficients; // (-1)^n 2 / sqrt(pi) / (n! (2n + 1)), n >= 1
  double factorial = 1;
  for (int n = 1; n <= 27; ++n) {
    factorial *= n;
    coefficients.push_back((n % 2 ? -kTwoRsqrtPiHigh : kTwoRsqrtPiHigh) / (factorial * (2 * n + 1)));
  }
  Value series = f.add(f.mul(a, f.c(kTwoRsqrtPiHigh)),
                       f.mul(a, f.add(f.c(kTwoRsqrtPiLow), f.mul(z, f.horner(z, coefficients)))));
  auto [sq, sqErr] = f.twoProduct(a, a);
  Value gauss = expF64(f, f.neg(sq), f.neg(sqErr));
  Value k = a;
  for (int n = 100; n >= 1; --n)
    k = f.add(a, f.div(f.c(n * 0.5), k));
  Value fraction = f.sub(f.c(1), f.div(f.mul(f.c(kRsqrtPi), gauss), k));
  Value r = f.select(f.lt(a, 1.5), series, f.select(f.lt(a, 6), fraction, f.c(1)));
  return f.copySign(f.select(f.isNaN(x), x, r), x);
}
