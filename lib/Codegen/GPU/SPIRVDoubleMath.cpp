//===- SPIRVDoubleMath.cpp - f64 functions for Vulkan kernels -------------===//
//
// GLSL.std.450 has its transcendental functions for 16- and 32-bit floats
// only; f64 ones are computed from arithmetic it does have (DoubleMath.h,
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "DoubleMath.h"
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

/// The f64 functions computed here from arithmetic, by their math ops.
using Unary = Value (*)(F64 &, Value);
static const std::pair<StringRef, Unary> kUnaryF64[] = {
    {math::ExpOp::getOperationName(), [](F64 &f, Value x) { return expF64(f, x); }},
    {math::ExpM1Op::getOperationName(), expm1F64},
    {math::LogOp::getOperationName(), logF64},
    {math::Log1pOp::getOperationName(), log1pF64},
    {math::ErfOp::getOperationName(), erfF64},
    {math::SinhOp::getOperationName(), sinhF64},
    {math::CoshOp::getOperationName(), coshF64},
    {math::TanhOp::getOperationName(), tanhF64},
    {math::AsinhOp::getOperationName(), asinhF64},
    {math::AcoshOp::getOperationName(), acoshF64},
    {math::AtanhOp::getOperationName(), atanhF64},
    {math::SinOp::getOperationName(), sinF64},
    {math::CosOp::getOperationName(), cosF64},
    {math::TanOp::getOperationName(), tanF64},
    {math::AtanOp::getOperationName(), atanF64},
    {math::AsinOp::getOperationName(), asinF64},
    {math::AcosOp::getOperationName(), acosF64},
};

static Unary unaryF64(Operation *op) {
  for (auto [name, fn] : kUnaryF64)
    if (op->getName().getStringRef() == name)
      return fn;
  return nullptr;
}

static bool computedF64(Operation *op) { return isa<math::PowFOp>(op) || unaryF64(op); }

static Value computeF64(F64 &f, Operation *op) {
  if (isa<math::PowFOp>(op))
    return powF64(f, op->getOperand(0), op->getOperand(1));
  return unaryF64(op)(f, op->getOperand(0));
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
      if (computedF64(op) && op->getResult(0).getType().isF64()) {
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
      rewriter.replaceOp(op, computeF64(f, op));
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
