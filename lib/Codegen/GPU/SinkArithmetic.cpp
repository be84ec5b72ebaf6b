//===- SinkArithmetic.cpp - constants and arithmetic into GPU launches ----===//
//
// Recomputes constants and pure arithmetic inside the gpu.launch regions
// that use them (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUSINKARITHMETICPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

/// Constants and pure arith ops: cheap to recompute in every invocation,
/// and each one sunk is one kernel argument less.
static bool isSinkable(Operation *op) {
  return op->hasTrait<OpTrait::ConstantLike>() ||
         (isa<arith::ArithDialect>(op->getDialect()) && isPure(op));
}

namespace {
struct GPUSinkArithmeticPass
    : aiopt::impl::GPUSinkArithmeticPassBase<GPUSinkArithmeticPass> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([](gpu::LaunchOp launch) {
      return failed(sinkOperationsIntoLaunchOp(launch, isSinkable)) ? WalkResult::interrupt()
                                                                     : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
