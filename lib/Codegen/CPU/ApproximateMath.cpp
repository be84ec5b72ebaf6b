//===- ApproximateMath.cpp - polynomial tanh, erf and exp -----------------===//
//
// Rewrites math.tanh, math.erf and (unless told not to) math.exp on f32
// into arithmetic with MLIR's polynomial approximations.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUAPPROXIMATEMATHPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
struct CPUApproximateMathPass
    : aiopt::impl::CPUApproximateMathPassBase<CPUApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    bool withExp = exp;
    populateMathPolynomialApproximationPatterns(patterns, [&](StringRef name) {
      return name == "math.tanh" || name == "math.erf" || (withExp && name == "math.exp");
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
