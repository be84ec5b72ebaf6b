//===- VectorizeTransposes.cpp - aiopt-cpu-vectorize-transposes -----------===//
//
// Transposes that move the innermost dimension become loops over square
// tiles, each read by rows, transposed in registers and written by rows.
//
//===----------------------------------------------------------------------===//

#include "CodegenUtils.h"
#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUVECTORIZETRANSPOSESPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

constexpr StringLiteral kTile = "aiopt.transpose_tile";

/// The loop (a dimension of the result) that runs along the input's
/// innermost dimension when `op`, on static tensors of integers or floats
/// of a byte or more, moves that dimension; nothing otherwise.
std::optional<unsigned> movedInnermost(linalg::TransposeOp op) {
  ArrayRef<int64_t> perm = op.getPermutation();
  Type element = getElementTypeOrSelf(op.getInit().getType());
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() || perm.size() < 2 ||
      !element.isIntOrFloat() || element.getIntOrFloatBitWidth() < 8)
    return std::nullopt;
  int64_t last = perm.size() - 1;
  if (perm.back() == last)
    return std::nullopt;
  return std::distance(perm.begin(), llvm::find(perm, last));
}

struct VectorizeTransposesPass
    : aiopt::impl::CPUVectorizeTransposesPassBase<VectorizeTransposesPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (vectorSize < 1) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-vectorize-transposes: vector-size must be positive, not "
          << vectorSize.getValue();
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::TransposeOp, unsigned>> ops;
    getOperation()->walk([&](linalg::TransposeOp op) {
      if (std::optional<unsigned> across = movedInnermost(op))
        ops.push_back({op, *across});
    });
    IRRewriter rewriter(ctx);
    for (auto [op, across] : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      unsigned along = ranges.size() - 1;
      // Tiles of one along every loop but the two, which are innermost:
      // the input's innermost dimension outside the result's.
      SmallVector<int64_t> sizes(ranges.size(), 1), order;
      sizes[across] = std::min(vectorSize.getValue(), ranges[across]);
      sizes[along] = std::min(vectorSize.getValue(), ranges[along]);
      for (unsigned i = 0; i < ranges.size(); ++i)
        if (i != across && i != along)
          order.push_back(i);
      order.append({across, along});
      FailureOr<scf::SCFTilingResult> tiled = aiopt::tileOp(rewriter, op, sizes, order);
      if (failed(tiled) || tiled->tiledOps.size() != 1)
        continue;
      tiled->tiledOps.front()->setAttr(kTile, rewriter.getUnitAttr());
      // The two loops' remainders become tiles of static sizes.
      if (tiled->loops.size() >= 2)
        aiopt::peelLoops(rewriter, ArrayRef(tiled->loops).take_back(2), /*keepInnermost=*/0);
    }

    // Each tile loses its unit loops: a 2-D transpose (or a 1-D copy for a
    // tile one row or column wide).
    if (failed(aiopt::vectorizeMarked(
            getOperation(), kTile,
            [](RewriterBase &rewriter, linalg::LinalgOp op) -> linalg::LinalgOp {
              FailureOr<linalg::GenericOp> generic = linalg::generalizeNamedOp(rewriter, op);
              return succeeded(generic) ? aiopt::dropUnitLoops(rewriter, *generic) : op;
            },
            /*namedContraction=*/false)))
      return signalPassFailure();

    // Transfers with transposing maps become row transfers around a
    // vector.transpose, lowered to shuffles.
    RewritePatternSet lowering(ctx);
    vector::populateVectorTransferPermutationMapLoweringPatterns(lowering);
    vector::populateVectorTransposeLoweringPatterns(
        lowering, vectorSize == 16 ? vector::VectorTransposeLowering::Shuffle16x16
                                   : vector::VectorTransposeLowering::Shuffle1D);
    aiopt::populateCanonicalization(ctx, lowering);
    if (failed(applyPatternsGreedily(getOperation(), std::move(lowering))))
      return signalPassFailure();
  }
};

} // namespace
