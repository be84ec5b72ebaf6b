//===- DoubleTrig.cpp - f64 trigonometric functions from arithmetic -------===//
//
// sin, cos, tan, atan, asin and acos for Vulkan kernels (DoubleMath.h).
//
//===----------------------------------------------------------------------===//

#include "DoubleMath.h"

#include <array>

using namespace mlir;
using namespace mlir::aiopt;

/// pi / 2 in two parts.
static constexpr double kHalfPiHigh = 0x1.921fb54442d18p+0;
static constexpr double kHalfPiLow = 0x1.1a62633145c07p-54;

/// 2 / pi in 48 pieces of 24 bits, the first the bits from 2^-1 to
/// 2^-24: to 2^-1152, what the reduction of the largest doubles needs.
static constexpr uint32_t kTwoOverPi[48] = {
    0xa2f983, 0x6e4e44, 0x1529fc, 0x2757d1, 0xf534dd, 0xc0db62,
    0x95993c, 0x439041, 0xfe5163, 0xabdebb, 0xc561b7, 0x246e3a,
    0x424dd2, 0xe00649, 0x2eea09, 0xd1921c, 0xfe1deb, 0x1cb129,
    0xa73ee8, 0x8235f5, 0x2ebb44, 0x84e99c, 0x7026b4, 0x5f7e41,
    0x3991d6, 0x398353, 0x39f49c, 0x845f8b, 0xbdf928, 0x3b1ff8,
    0x97ffde, 0x05980f, 0xef2f11, 0x8b5a0a, 0x6d1f6d, 0x367ecf,
    0x27cb09, 0xb74f46, 0x3f669e, 0x5fea2d, 0x7527ba, 0xc7ebe5,
    0xf17b3d, 0x0739f7, 0x8a5292, 0xea6bfb, 0x5fb11f, 0x8d5d08,
};

/// x rounded to the nearest integer (ties to even), exactly: below 2^52
/// in magnitude by adding and subtracting 2^52 with x's sign; x itself
/// above.
static Value nearestInteger(F64 &f, Value x) {
  Value shift = f.copySign(f.c(0x1p52), x);
  return f.select(f.lt(f.abs(x), 0x1p52), f.sub(f.add(x, shift), shift), x);
}

/// x - m round(x / m) for a power of two m, exactly (|result| <= m / 2).
static Value remainderBy(F64 &f, Value x, double m) {
  return f.sub(x, f.mul(f.c(m), nearestInteger(f, f.mul(x, f.c(1 / m)))));
}

namespace {
/// a = (n + fraction) pi / 2 for a >= 0: the quadrant n mod 4 and the
/// fraction times pi / 2, r = rHi + rLo with |r| <= pi / 4.
struct Reduced {
  Value quadrant, rHi, rLo;
};
} // namespace

/// Payne and Hanek's reduction, for every finite a >= 2^-26: a 2 / pi mod
/// 8 is the sum of a times each 24-bit piece of 2 / pi, each mod 8 (a
/// split into two halves of 26 and 27 bits, so that each product is exact;
/// a is scaled by 2^-600 and the pieces by 2^600, so that neither
/// overflows nor underflows where it counts). The sum is kept in three
/// doubles: the fraction is exact to about 2^-96 of itself even for the
/// doubles closest to a multiple of pi / 2 (2^-61 away). Infinities and
/// NaN give NaN.
static Reduced reduceQuarterPi(F64 &f, Value a) {
  Value scaled = f.mul(a, f.c(0x1p-600));
  Value big = f.mul(f.c(134217729.0), scaled); // Veltkamp's split, as in twoProduct
  Value high = f.sub(big, f.sub(big, scaled));
  Value halves[] = {high, f.sub(scaled, high)};
  Value s0 = f.c(0), s1 = f.c(0), s2 = f.c(0);
  for (auto [j, piece] : llvm::enumerate(kTwoOverPi)) {
    Value factor = f.c(std::ldexp(static_cast<double>(piece), 600 - 24 * (static_cast<int>(j) + 1)));
    for (Value half : halves) {
      Value term = remainderBy(f, f.mul(half, factor), 8);
      auto [sum, err] = f.twoSum(s0, term);
      auto [sum1, err1] = f.twoSum(s1, err);
      s0 = sum;
      s1 = sum1;
      s2 = f.add(s2, err1);
    }
  }
  Value n = nearestInteger(f, s0);
  auto [fHi, fLo] = f.twoSum(f.sub(s0, n), s1);
  std::tie(fHi, fLo) = f.twoSum(fHi, f.add(fLo, s2));
  auto [rHi, rErr] = f.twoProduct(fHi, f.c(kHalfPiHigh));
  Value rLo = f.add(rErr, f.add(f.mul(fHi, f.c(kHalfPiLow)), f.mul(fLo, f.c(kHalfPiHigh))));
  std::tie(rHi, rLo) = f.twoSum(rHi, rLo);
  Value quadrant = f.sub(n, f.mul(f.c(4), f.floor(f.mul(n, f.c(0.25)))));
  return {quadrant, rHi, rLo};
}

/// sin r and cos r for r = rHi + rLo, |r| <= pi / 4: Taylor series (to
/// r^19 and r^18), with rLo's first-order terms, and cos's 1 - r^2 / 2
/// with what its subtraction rounded off.
static std::pair<Value, Value> sinCosKernels(F64 &f, Value rHi, Value rLo) {
  // -1/3! + r^2/5! - ... to r^19, and 1/4! - r^2/6! + ... to r^18.
  SmallVector<double> sinTail = inverseFactorials(3, 2, 9, /*trigSigns=*/true);
  SmallVector<double> cosTail = inverseFactorials(4, 2, 8, /*trigSigns=*/true);
  Value z = f.mul(rHi, rHi);
  Value sin = f.add(rHi, f.add(f.mul(rLo, f.sub(f.c(1), f.mul(f.c(0.5), z))),
                               f.mul(f.mul(rHi, z), f.horner(z, sinTail))));
  Value halfZ = f.mul(f.c(0.5), z), w = f.sub(f.c(1), halfZ);
  Value cos = f.add(w, f.add(f.sub(f.sub(f.c(1), w), halfZ),
                             f.sub(f.mul(f.mul(z, z), f.horner(z, cosTail)), f.mul(rHi, rLo))));
  return {sin, cos};
}

namespace {
enum class Trig { Sin, Cos, Tan };
} // namespace

/// sin, cos or tan of x from |x|'s quadrant and the kernels at its
/// reduced argument; below 2^-26 in magnitude x, 1 and x.
static Value trigF64(F64 &f, Value x, Trig which) {
  Value a = f.abs(x);
  Reduced red = reduceQuarterPi(f, a);
  auto [sin, cos] = sinCosKernels(f, red.rHi, red.rLo);
  auto inQuadrant = [&](std::array<Value, 4> values) {
    Value r = values[0];
    for (int q = 1; q < 4; ++q)
      r = f.select(f.eq(red.quadrant, q), values[q], r);
    return r;
  };
  Value r, tiny;
  switch (which) {
  case Trig::Sin:
    r = inQuadrant({sin, cos, f.neg(sin), f.neg(cos)});
    tiny = a;
    break;
  case Trig::Cos:
    r = inQuadrant({cos, f.neg(sin), f.neg(cos), sin});
    tiny = f.c(1);
    break;
  case Trig::Tan:
    r = inQuadrant({f.div(sin, cos), f.neg(f.div(cos, sin)), f.div(sin, cos), f.neg(f.div(cos, sin))});
    tiny = a;
    break;
  }
  r = f.select(f.lt(a, 0x1p-26), tiny, r);
  r = f.select(f.lt(a, INFINITY), r, f.c(NAN));
  if (which == Trig::Cos)
    return r;
  // sin and tan are odd (sin -0 is -0).
  Value negative = arith::CmpIOp::create(f.b, f.loc, arith::CmpIPredicate::slt, f.bits(x), f.i(0));
  return f.select(negative, f.neg(r), r);
}

Value mlir::aiopt::sinF64(F64 &f, Value x) { return trigF64(f, x, Trig::Sin); }
Value mlir::aiopt::cosF64(F64 &f, Value x) { return trigF64(f, x, Trig::Cos); }
Value mlir::aiopt::tanF64(F64 &f, Value x) { return trigF64(f, x, Trig::Tan); }

/// atan(k / 8), k = 0..8, in two parts each.
static constexpr double kAtanEighths[9][2] = {
    {0, 0},
    {0x1.fd5ba9aac2f6ep-4, -0x1.cd37686760c17p-59},
    {0x1.f5b75f92c80ddp-3, 0x1.8ab6e3cf7afbdp-57},
    {0x1.6f61941e4def1p-2, -0x1.c63aae6f6e918p-56},
    {0x1.dac670561bb4fp-2, 0x1.a2b7f222f65e2p-56},
    {0x1.1e00babdefeb4p-1, -0x1.928df287a668fp-58},
    {0x1.4978fa3269ee1p-1, 0x1.2419a87f2a458p-56},
    {0x1.700a7c5784634p-1, -0x1.8c34d25aadef6p-56},
    {0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
};

/// atan x: u = |x| (or 1 / |x| above 1, atan |x| then being pi/2 - atan u)
/// is c + d with c = k / 8 the nearest eighth, and atan u = atan c + atan t,
/// t = (u - c) / (1 + u c) (u - c exact, |t| under 1/16): atan c from the
/// table in two parts, atan t by its Taylor series (to t^17). With x's
/// sign.
Value mlir::aiopt::atanF64(F64 &f, Value x) {
  Value a = f.abs(x);
  Value inverse = f.gt(a, 1);
  Value u = f.select(inverse, f.div(f.c(1), a), a);
  Value k = f.floor(f.add(f.mul(u, f.c(8)), f.c(0.5)));
  Value c = f.mul(k, f.c(0.125));
  Value t = f.div(f.sub(u, c), f.add(f.c(1), f.mul(u, c)));
  SmallVector<double, 8> taylor; // (-1)^(n+1) / (2n + 3)
  for (int n = 0; n < 8; ++n)
    taylor.push_back((n % 2 ? 1.0 : -1.0) / (2 * n + 3));
  Value t2 = f.mul(t, t);
  Value atanT = f.add(t, f.mul(f.mul(t, t2), f.horner(t2, taylor)));
  Value hi = f.c(0), lo = f.c(0);
  for (int e = 1; e <= 8; ++e) {
    Value is = f.eq(k, e);
    hi = f.select(is, f.c(kAtanEighths[e][0]), hi);
    lo = f.select(is, f.c(kAtanEighths[e][1]), lo);
  }
  Value direct = f.add(hi, f.add(lo, atanT));
  Value complement =
      f.add(f.sub(f.c(kHalfPiHigh), hi), f.sub(f.sub(f.c(kHalfPiLow), lo), atanT));
  Value r = f.select(inverse, complement, direct);
  return f.copySign(f.select(f.isNaN(x), x, r), x);
}

/// asin x = atan(|x| / sqrt((1 - |x|)(1 + |x|))) with x's sign (pi/2 at
/// 1, the quotient being infinite); NaN beyond 1.
Value mlir::aiopt::asinF64(F64 &f, Value x) {
  Value a = f.abs(x);
  Value r = atanF64(f, f.div(a, f.sqrt(f.mul(f.sub(f.c(1), a), f.add(f.c(1), a)))));
  r = f.select(f.cmp(arith::CmpFPredicate::OLE, a, f.c(1)), r, f.c(NAN));
  return f.copySign(f.select(f.isNaN(x), x, r), x);
}

/// acos x = 2 atan(sqrt((1 - x) / (1 + x))) (exact differences where the
/// result is small; pi at -1); NaN beyond 1 in magnitude.
Value mlir::aiopt::acosF64(F64 &f, Value x) {
  Value q = f.div(f.sub(f.c(1), x), f.add(f.c(1), x));
  Value r = f.mul(f.c(2), atanF64(f, f.sqrt(q)));
  r = f.select(f.cmp(arith::CmpFPredicate::OLE, f.abs(x), f.c(1)), r, f.c(NAN));
  return f.select(f.isNaN(x), x, r);
}
