//===- SPIRVExactArith.cpp - arith ops SPIR-V computes otherwise ----------===//
//
// Remainders by infinite divisors and the minimum and maximum of booleans,
// made exact before SPIR-V (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUSPIRVEXACTARITHPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

/// A constant of `type` (a float or a vector of floats) with `value`.
static Value floatConstant(OpBuilder &b, Location loc, Type type, const APFloat &value) {
  auto element = cast<FloatType>(getElementTypeOrSelf(type));
  TypedAttr attr = b.getFloatAttr(element, value);
  if (auto shaped = dyn_cast<ShapedType>(type))
    attr = SplatElementsAttr::get(shaped, attr);
  return arith::ConstantOp::create(b, loc, type, attr);
}

/// C's fmod results for `rem`'s infinite divisors, after it.
static void exactRemainder(RewriterBase &b, arith::RemFOp rem) {
  Location loc = rem.getLoc();
  Type type = rem.getType();
  const llvm::fltSemantics &semantics =
      cast<FloatType>(getElementTypeOrSelf(type)).getFloatSemantics();
  b.setInsertionPointAfter(rem);
  Value inf = floatConstant(b, loc, type, APFloat::getInf(semantics));
  Value nan = floatConstant(b, loc, type, APFloat::getQNaN(semantics));
  Value a = rem.getLhs(), d = rem.getRhs();
  Value dInfinite = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          math::AbsFOp::create(b, loc, d), inf);
  Value aFinite = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                        math::AbsFOp::create(b, loc, a), inf);
  Value overInfinity = arith::SelectOp::create(b, loc, aFinite, a, nan);
  auto result = arith::SelectOp::create(b, loc, dInfinite, overInfinity, rem.getResult());
  b.replaceAllUsesExcept(rem.getResult(), result.getResult(), result);
}

/// The boolean minimum or maximum `op` as `and` (`useAnd`) or `or`.
template <typename MinMax>
static void booleanMinMax(RewriterBase &b, MinMax op, bool useAnd) {
  b.setInsertionPoint(op);
  if (useAnd)
    b.replaceOpWithNewOp<arith::AndIOp>(op, op.getLhs(), op.getRhs());
  else
    b.replaceOpWithNewOp<arith::OrIOp>(op, op.getLhs(), op.getRhs());
}

namespace {
struct GPUSPIRVExactArithPass
    : aiopt::impl::GPUSPIRVExactArithPassBase<GPUSPIRVExactArithPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      bool boolean = op->getNumResults() == 1 &&
                     getElementTypeOrSelf(op->getResult(0).getType()).isInteger(1);
      if (isa<arith::RemFOp>(op) ||
          (boolean && isa<arith::MinUIOp, arith::MaxUIOp, arith::MinSIOp, arith::MaxSIOp>(op)))
        ops.push_back(op);
    });
    IRRewriter b(&getContext());
    for (Operation *op : ops) {
      if (auto rem = dyn_cast<arith::RemFOp>(op))
        exactRemainder(b, rem);
      else if (auto min = dyn_cast<arith::MinUIOp>(op))
        booleanMinMax(b, min, /*useAnd=*/true);
      else if (auto max = dyn_cast<arith::MaxUIOp>(op))
        booleanMinMax(b, max, /*useAnd=*/false);
      else if (auto min = dyn_cast<arith::MinSIOp>(op))
        booleanMinMax(b, min, /*useAnd=*/false);
      else if (auto max = dyn_cast<arith::MaxSIOp>(op))
        booleanMinMax(b, max, /*useAnd=*/true);
    }
  }
};
} // namespace
