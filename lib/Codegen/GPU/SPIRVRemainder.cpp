//===- SPIRVRemainder.cpp - fmod's results for infinite divisors ----------===//
//
// Gives arith.remf C's fmod results for infinite divisors before SPIR-V,
// whose OpFRem leaves them undefined (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUSPIRVREMAINDERPASS
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

namespace {
struct GPUSPIRVRemainderPass
    : aiopt::impl::GPUSPIRVRemainderPassBase<GPUSPIRVRemainderPass> {
  void runOnOperation() override {
    SmallVector<arith::RemFOp> rems;
    getOperation().walk([&](arith::RemFOp rem) { rems.push_back(rem); });
    IRRewriter b(&getContext());
    for (arith::RemFOp rem : rems) {
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
  }
};
} // namespace
