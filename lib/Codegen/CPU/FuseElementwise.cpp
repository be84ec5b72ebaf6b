//===- FuseElementwise.cpp - the aiopt-cpu-fuse-elementwise pass ----------===//
//
// Upstream elementwise fusion with a control function that refuses fusions
// that would recompute the producer: the consumer must read the fused
// operand through a permutation of its loops (each element once).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUFUSEELEMENTWISEPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

bool mlir::aiopt::fusableElementwise(OpOperand *operand) {
  auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
  auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
  return producer && consumer && !sparse_tensor::hasAnySparseOperandOrResult(consumer);
}

bool mlir::aiopt::fusesComputingOnce(OpOperand *operand) {
  return fusableElementwise(operand) && operand->get().getDefiningOp()->hasOneUse() &&
         cast<linalg::LinalgOp>(operand->getOwner()).getMatchingIndexingMap(operand).isPermutation();
}

namespace {

struct FuseElementwisePass : aiopt::impl::CPUFuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, aiopt::fusesComputingOnce);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
