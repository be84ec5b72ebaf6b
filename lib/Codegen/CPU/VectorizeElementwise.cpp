//===- VectorizeElementwise.cpp - aiopt-cpu-vectorize-elementwise ---------===//
//
// Elementwise loop nests become loops over vector-sized pieces of their
// innermost loop, each piece vectorized (transfer reads and writes plus the
// body's arithmetic on vectors).
//
//===----------------------------------------------------------------------===//

#include "CodegenUtils.h"
#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUVECTORIZEELEMENTWISEPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

constexpr StringLiteral kPiece = "aiopt.elementwise_piece";

/// Whether `op` is an elementwise nest this pass vectorizes: all loops
/// parallel, integer or float operands of at least a byte (requantizing
/// epilogues read i32 and write i8), static shapes, the result written in loop order, each input
/// read in loop order along the innermost loop or not depending on it.
bool isCandidate(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() || op.getNumLoops() == 0 ||
      op.getNumReductionLoops() != 0 || op.getNumDpsInits() != 1)
    return false;
  if (!aiopt::hasByteElements(op))
    return false;
  unsigned inner = op.getNumLoops() - 1;
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return false;
  for (OpOperand *in : op.getDpsInputOperands())
    if (!aiopt::readsInLoopOrder(op.getMatchingIndexingMap(in), inner))
      return false;
  return true;
}

/// Whether `op` copies static tensors of integers or floats of a byte or
/// more (a padded tensor's interior).
bool isTensorCopy(linalg::CopyOp op) {
  return op.hasPureTensorSemantics() && !op.hasDynamicShape() && op.getNumLoops() > 0 &&
         aiopt::hasByteElements(op);
}

/// Whether `op` is a transpose that keeps the innermost dimension, on
/// static tensors: a copy of runs of contiguous elements (operand packing),
/// which LLVM leaves scalar once it has unrolled a run, for want of knowing
/// that source and destination do not overlap.
bool isRunCopy(linalg::TransposeOp op) {
  ArrayRef<int64_t> perm = op.getPermutation();
  return op.hasPureTensorSemantics() && !op.hasDynamicShape() && !perm.empty() &&
         perm.back() == int64_t(perm.size()) - 1 &&
         getElementTypeOrSelf(op.getInit().getType()).isIntOrFloat();
}

struct VectorizeElementwisePass
    : aiopt::impl::CPUVectorizeElementwisePassBase<VectorizeElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (vectorSize < 1) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-vectorize-elementwise: vector-size must be positive";
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      auto transpose = dyn_cast<linalg::TransposeOp>(op.getOperation());
      auto copy = dyn_cast<linalg::CopyOp>(op.getOperation());
      if ((generic && isCandidate(generic)) || (transpose && isRunCopy(transpose)) ||
          (copy && isTensorCopy(copy)))
        ops.push_back(op);
    });
    IRRewriter rewriter(ctx);
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      SmallVector<int64_t> sizes(ranges.size(), 1);
      sizes.back() = std::min(vectorSize.getValue(), ranges.back());
      FailureOr<scf::SCFTilingResult> tiled = aiopt::tileOp(rewriter, op, sizes);
      if (failed(tiled) || tiled->tiledOps.size() != 1)
        continue;
      tiled->tiledOps.front()->setAttr(kPiece, rewriter.getUnitAttr());
      // The innermost loop's remainder becomes a piece of static size.
      if (!tiled->loops.empty())
        aiopt::peelLoops(rewriter, ArrayRef(tiled->loops).take_back(), /*keepInnermost=*/0);
    }

    // Only the innermost loop of a piece is wider than one: the others are
    // dropped, so the piece becomes one-dimensional vector ops.
    if (failed(aiopt::vectorizeMarked(
            getOperation(), kPiece,
            [](RewriterBase &rewriter, linalg::LinalgOp op) -> linalg::LinalgOp {
              // A copy's piece becomes a generic (canonicalization, which
              // folds a generic that only forwards its input, is over).
              if (isa<linalg::CopyOp>(op.getOperation())) {
                rewriter.setInsertionPoint(op);
                FailureOr<linalg::GenericOp> generalized = linalg::generalizeNamedOp(rewriter, op);
                if (failed(generalized))
                  return op;
                op = *generalized;
              }
              auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
              return generic ? aiopt::dropUnitLoops(rewriter, generic) : op;
            },
            /*namedContraction=*/false)))
      return signalPassFailure();
    RewritePatternSet canonical(ctx);
    aiopt::populateCanonicalization(ctx, canonical);
    if (failed(applyPatternsGreedily(getOperation(), std::move(canonical))))
      return signalPassFailure();
  }
};

} // namespace
