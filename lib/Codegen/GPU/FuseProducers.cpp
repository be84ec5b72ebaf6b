//===- FuseProducers.cpp - the aiopt-gpu-fuse-producers pass --------------===//
//
// Elementwise fusion for kernels: besides what computes each element once
// (aiopt-cpu-fuse-elementwise's rule), transposes into any reader and
// small producers into each user that computes them again cheaply (see
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"
#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUFUSEPRODUCERSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
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
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  return llvm::any_of(reductions, [&](unsigned d) { return map.isFunctionOfDim(d); });
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

/// The fusions to make: aiopt-cpu-fuse-elementwise's, transposes, and
/// small producers that every user computes again cheaply (softmax's
/// exponentials in the sum and the division that read them; a row's mean
/// in the variance and the normalization), unless they are a
/// contraction's epilogue.
struct FusionPolicy {
  unsigned maxRecompute;

  bool operator()(OpOperand *operand) const {
    if (aiopt::fusesComputingOnce(operand))
      return true;
    if (!aiopt::fusableElementwise(operand))
      return false;
    auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
    if (isTranspose(producer))
      return true;
    return producer.getBlock()->getOperations().size() - 1 <= maxRecompute &&
           llvm::all_of(producer->getUses(), cheapToRecomputeIn) &&
           llvm::none_of(producer.getDpsInputs(), fedByContraction);
  }
};

/// Makes `producer`, whose one result only the transpose `transpose`
/// reads, write the transposed layout itself: its output map composed with
/// the transpose's, from a fill of the same constant (or nothing, where the
/// payload does not read its output) in the transposed shape. What reads
/// the transposed result then reads the producer's (e.g. an attention
/// product's heads, collapsed into the rows of the next projection: a view,
/// where the transpose was a copy kernel).
LogicalResult writeTransposed(RewriterBase &b, linalg::GenericOp transpose,
                              linalg::GenericOp producer) {
  auto type = dyn_cast<RankedTensorType>(transpose->getResult(0).getType());
  if (!type || !type.hasStaticShape() || producer->getNumResults() != 1 ||
      !producer->getResult(0).hasOneUse() || producer.getNumDpsInits() != 1)
    return failure();
  OpOperand *init = producer.getDpsInitOperand(0);
  Location loc = producer.getLoc();
  b.setInsertionPoint(producer);
  Value newInit;
  if (!producer.payloadUsesValueFromOperand(init)) {
    newInit = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  } else if (auto fill = init->get().getDefiningOp<linalg::FillOp>();
             fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>()) {
    Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
    newInit = linalg::FillOp::create(b, loc, fill.getInputs()[0], empty).getResult(0);
  } else {
    return failure();
  }
  // The transpose writes at Out(l) the producer's element at In(l): the
  // producer's element at index q goes to Out(In^-1(q)).
  AffineMap in = transpose.getMatchingIndexingMap(transpose.getDpsInputOperand(0));
  AffineMap out = transpose.getMatchingIndexingMap(transpose.getDpsInitOperand(0));
  AffineMap moved = out.compose(inversePermutation(in)).compose(producer.getMatchingIndexingMap(init));
  SmallVector<AffineMap> maps = producer.getIndexingMapsArray();
  maps.back() = moved;
  auto fused = linalg::GenericOp::create(b, loc, TypeRange{type}, producer.getDpsInputs(),
                                         ValueRange{newInit}, maps,
                                         producer.getIteratorTypesArray());
  b.inlineRegionBefore(producer.getRegion(), fused.getRegion(), fused.getRegion().begin());
  b.replaceOp(transpose, fused->getResults());
  b.eraseOp(producer);
  return success();
}

struct FuseProducersPass : aiopt::impl::GPUFuseProducersPassBase<FuseProducersPass> {
  using Base::Base;
  void runOnOperation() override {
    // Transposes take the generic form that elementwise fusion knows.
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::TransposeOp> transposes;
    getOperation()->walk([&](linalg::TransposeOp op) { transposes.push_back(op); });
    for (linalg::TransposeOp op : transposes) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op)))
        return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, FusionPolicy{maxRecompute});
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Transposes that no reader took (a reshape reads them) move into the
    // op that computes their input, where that is a generic.
    SmallVector<linalg::GenericOp> left;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (isTranspose(op) && op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isPermutation())
        left.push_back(op);
    });
    for (linalg::GenericOp op : left)
      if (auto producer = op.getDpsInputs()[0].getDefiningOp<linalg::GenericOp>())
        (void)writeTransposed(rewriter, op, producer);
  }
};

} // namespace
