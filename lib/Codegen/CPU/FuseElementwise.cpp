//===- FuseElementwise.cpp - the aiopt-cpu-fuse-elementwise pass ----------===//
//
// Upstream elementwise fusion with a control function that refuses fusions
// that would recompute the producer: the consumer must read the fused
// operand through a permutation of its loops (each element once). GPU
// targets also fuse what recomputes nothing or little.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUFUSEELEMENTWISEPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

/// Whether `producer` is a transpose: its payload yields its one input's
/// element, read through a permutation, so a consumer that fuses it reads
/// that input in place, every dimension still there, and recomputes
/// nothing. (A broadcast would take dimensions out of the consumer's
/// operand: a product could then lose its M or N.)
bool isTranspose(linalg::GenericOp producer) {
  Block *body = producer.getBlock();
  return producer.getNumDpsInputs() == 1 && producer.getNumDpsInits() == 1 &&
         llvm::hasSingleElement(body->getOperations()) &&
         body->getTerminator()->getOperand(0) == body->getArgument(0) &&
         producer.getMatchingIndexingMap(producer.getDpsInputOperand(0)).isPermutation();
}

/// Whether the value of `op`'s input `operand` varies along one of its
/// reduction loops.
bool variesInReductions(linalg::LinalgOp op, OpOperand *operand) {
  AffineMap map = op.getMatchingIndexingMap(operand);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (iterators[d] == utils::IteratorType::reduction && map.isFunctionOfDim(d))
      return true;
  return false;
}

/// Whether `v` is, up to reshapes and elementwise generics of one use,
/// the result of a contraction (two inputs, both varying along its
/// reductions): part of the epilogue that its GPU kernel computes (a
/// bias, then a residual sum, say), which must not move out of it.
bool fedByContraction(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      break;
    v = def->getOperand(0);
  }
  auto op = v.getDefiningOp<linalg::LinalgOp>();
  if (!op)
    return false;
  if (op.getNumReductionLoops() > 0)
    return op.getNumDpsInputs() == 2 && llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *in) {
             return variesInReductions(op, in);
           });
  return isa<linalg::GenericOp>(op) && op->hasOneUse() &&
         llvm::any_of(op.getDpsInputs(), fedByContraction);
}

/// Whether `use` reads its value as an input of a linalg op either once
/// per element (through a permutation of the op's loops) or the same
/// element throughout each of the op's reductions (a value per row read
/// while a row is summed): recomputed there, a small producer costs a few
/// operations per iteration, not a contraction's operand's K-fold work.
bool cheapToRecomputeIn(OpOperand &use) {
  auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
  if (!user || !user.isDpsInput(&use))
    return false;
  return user.getMatchingIndexingMap(&use).isPermutation() || !variesInReductions(user, &use);
}

/// Which fusions to make: those that compute each produced element once
/// (the consumer reads the fused operand through a permutation of its
/// loops, and the producer has no other use); with `gpu`, also those that
/// recompute nothing or little (see the pass's description). Sparse
/// kernels keep their operands' layout (the activation transposed for
/// contiguous inner loops).
struct FusionPolicy {
  bool gpu;
  unsigned maxRecompute;

  bool operator()(OpOperand *operand) const {
    auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
    auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
    if (!producer || !consumer || sparse_tensor::hasAnySparseOperandOrResult(consumer))
      return false;
    if (gpu && isTranspose(producer))
      return true;
    if (producer->hasOneUse() && consumer.getMatchingIndexingMap(operand).isPermutation())
      return true;
    // A small producer is computed again in each of its users where that
    // is cheap (softmax's exponentials in the sum and the division that
    // read them; a row's mean in the variance and the normalization),
    // unless it is a contraction's epilogue.
    return gpu && producer.getBlock()->getOperations().size() - 1 <= maxRecompute &&
           llvm::all_of(producer->getUses(), cheapToRecomputeIn) &&
           llvm::none_of(producer.getDpsInputs(), fedByContraction);
  }
};

struct FuseElementwisePass : aiopt::impl::CPUFuseElementwisePassBase<FuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    // Transposes take the generic form that elementwise fusion knows.
    if (gpu) {
      IRRewriter rewriter(&getContext());
      SmallVector<linalg::TransposeOp> transposes;
      getOperation()->walk([&](linalg::TransposeOp op) { transposes.push_back(op); });
      for (linalg::TransposeOp op : transposes) {
        rewriter.setInsertionPoint(op);
        if (failed(linalg::generalizeNamedOp(rewriter, op)))
          return signalPassFailure();
      }
    }
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, FusionPolicy{gpu, maxRecompute});
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
