//===- SPIRVDoubleMath.cpp - f64 exp, log and pow for Vulkan kernels ------===//
//
// GLSL.std.450 has Exp, Log and Pow for 16- and 32-bit floats only; f64
// ones are computed here from arithmetic it does have (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUSPIRVDOUBLEMATHPASS
#define GEN_PASS_DEF_GPUSPIRVEXACTDOUBLESPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {
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
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  Value bits(Value x) { return arith::BitcastOp::create(b, loc, b.getI64Type(), x); }
  Value fromBits(Value x) { return arith::BitcastOp::create(b, loc, b.getF64Type(), x); }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value abs(Value x) { return math::AbsFOp::create(b, loc, x); }
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
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
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
} // namespace

/// ln 2 in two parts: the high one has trailing zero bits, so that k times
/// it is exact for the k exp and log meet (Cody and Waite's reduction).
static constexpr double kLn2High = 6.93147180369123816490e-01;
static constexpr double kLn2Low = 1.90821492927058770002e-10;

/// e^(x + lo), lo (optional) a correction below x's last place: x = k ln 2
/// + r with |r| <= ln 2 / 2, e^(r + lo) by its Taylor series to r^13 / 13!
/// (the next term is under 5e-18), times 2^k in two factors so that
/// subnormal results are reached. Beyond the range: infinity or 0.
static Value expF64(F64 &f, Value x, Value lo = Value()) {
  auto P = arith::CmpFPredicate::OGT;
  // Clamped, so that k stays an integer the conversion can hold.
  Value xc = f.select(f.cmp(P, x, f.c(710)), f.c(710), x);
  xc = f.select(f.cmp(arith::CmpFPredicate::OLT, xc, f.c(-746)), f.c(-746), xc);
  Value kf = math::RoundEvenOp::create(f.b, f.loc, f.mul(xc, f.c(M_LOG2E)));
  Value r = f.sub(f.sub(xc, f.mul(kf, f.c(kLn2High))), f.mul(kf, f.c(kLn2Low)));
  if (lo)
    r = f.add(r, lo);
  SmallVector<double, 14> taylor;
  double term = 1;
  for (int n = 0; n <= 13; ++n) {
    taylor.push_back(term);
    term /= n + 1;
  }
  Value p = f.horner(r, taylor);
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
static std::pair<Value, Value> logParts(F64 &f, Value x) {
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
static Value logF64(F64 &f, Value x) {
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
static Value powF64(F64 &f, Value x, Value y) {
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

/// x rounded to the nearest integer, ties to even, from additions: below
/// 2^52, adding and then subtracting 2^52 (with x's sign) leaves that
/// integer, as IEEE addition rounds; larger magnitudes (and infinities
/// and NaNs) are x itself. The result keeps x's sign (-0.3 gives -0).
/// GLSL's f64 RoundEven is not used: lavapipe (Mesa 22.3 on an AVX2 host)
/// rounds its ties toward zero.
static Value roundEvenF64(F64 &f, Value x) {
  Value big = f.c(4503599627370496.0); // 2^52
  Value shift = math::CopySignOp::create(f.b, f.loc, big, x);
  Value rounded = f.sub(f.add(x, shift), shift);
  Value small = f.cmp(arith::CmpFPredicate::OLT, f.abs(x), big);
  return math::CopySignOp::create(f.b, f.loc, f.select(small, rounded, x), x);
}

/// Math ops whose GLSL.std.450 (or core SPIR-V) forms take f64.
static bool hasDoubleForm(Operation *op) {
  return isa<math::SqrtOp, math::RsqrtOp, math::FloorOp, math::CeilOp, math::RoundOp,
             math::RoundEvenOp, math::TruncOp, math::AbsFOp, math::FmaOp, math::CopySignOp,
             math::IsNaNOp, math::IsInfOp, math::IsFiniteOp>(op);
}

namespace {
struct GPUSPIRVDoubleMathPass
    : aiopt::impl::GPUSPIRVDoubleMathPassBase<GPUSPIRVDoubleMathPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    WalkResult result = getOperation().walk([&](Operation *op) {
      if (!isa<math::MathDialect>(op->getDialect()) || op->getNumResults() != 1 ||
          !llvm::any_of(op->getOperandTypes(), [](Type t) { return t.isF64(); }))
        return WalkResult::advance();
      if (isa<math::ExpOp, math::LogOp, math::PowFOp>(op) && op->getResult(0).getType().isF64()) {
        ops.push_back(op);
        return WalkResult::advance();
      }
      if (hasDoubleForm(op))
        return WalkResult::advance();
      auto kernel = op->getParentOfType<gpu::GPUFuncOp>();
      op->emitError() << errorTag(ErrorCode::CannotLower) << "kernel '"
                      << (kernel ? kernel.getName() : StringRef("?")) << "': '" << op->getName()
                      << "' on f64 has no Vulkan form (GLSL.std.450 has it for 16- and 32-bit "
                         "floats only)";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      F64 f{rewriter, op->getLoc()};
      Value r;
      if (isa<math::ExpOp>(op))
        r = expF64(f, op->getOperand(0));
      else if (isa<math::LogOp>(op))
        r = logF64(f, op->getOperand(0));
      else
        r = powF64(f, op->getOperand(0), op->getOperand(1));
      rewriter.replaceOp(op, r);
    }
    // Rounding to even, pow's own included.
    SmallVector<math::RoundEvenOp> rounds;
    getOperation().walk([&](math::RoundEvenOp op) {
      if (op.getType().isF64())
        rounds.push_back(op);
    });
    for (math::RoundEvenOp op : rounds) {
      rewriter.setInsertionPoint(op);
      F64 f{rewriter, op->getLoc()};
      rewriter.replaceOp(op, roundEvenF64(f, op.getOperand()));
    }
  }
};
} // namespace

namespace {
struct GPUSPIRVExactDoublesPass
    : aiopt::impl::GPUSPIRVExactDoublesPassBase<GPUSPIRVExactDoublesPass> {
  void runOnOperation() override {
    // The serializer writes a unit attribute named after a decoration as
    // that decoration.
    auto exact = UnitAttr::get(&getContext());
    getOperation().walk([&](Operation *op) {
      if (isa<spirv::FAddOp, spirv::FSubOp, spirv::FMulOp, spirv::FDivOp, spirv::FRemOp,
              spirv::FNegateOp, spirv::GLFmaOp>(op) &&
          getElementTypeOrSelf(op->getResult(0).getType()).isF64())
        op->setAttr("no_contraction", exact);
    });
  }
};
} // namespace
