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
/// parallel, f32 operands, static shapes, the result written in loop
/// order, each input read in loop order along the innermost loop or not
/// depending on it.
bool isCandidate(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() || op.getNumLoops() == 0 ||
      op.getNumReductionLoops() != 0 || op.getNumDpsInits() != 1)
    return false;
  for (Value v : op->getOperands())
    if (!getElementTypeOrSelf(v.getType()).isF32())
      return false;
  unsigned inner = op.getNumLoops() - 1;
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return false;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (!map.isProjectedPermutation())
      return false;
    if (map.isFunctionOfDim(inner) &&
        (map.getNumResults() == 0 || !map.getResults().back().isFunctionOfDim(inner)))
      return false;
  }
  return true;
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
    SmallVector<linalg::GenericOp> ops;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (isCandidate(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(ctx);
    for (linalg::GenericOp op : ops) {
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
            [](RewriterBase &rewriter, linalg::LinalgOp op) {
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
