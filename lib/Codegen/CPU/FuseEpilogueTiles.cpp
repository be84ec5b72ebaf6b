//===- FuseEpilogueTiles.cpp - the aiopt-cpu-fuse-epilogue-tiles pass -----===//
//
// Tile-and-fuse of elementwise epilogues into the contraction they follow:
// the epilogue generic is tiled (one row per tile) with scf.for over
// tensors and its producers are fused into the tile loop through
// extract_slice, so the contraction's row is produced and consumed in one
// loop nest.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUFUSEEPILOGUETILESPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

/// Whether `op` is an epilogue: an all-parallel generic with a tensor
/// result, one of whose inputs a reduction linalg op produces for it alone.
bool isEpilogue(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() != 0 || op.getNumLoops() < 2)
    return false;
  return llvm::any_of(op.getDpsInputs(), [](Value in) {
    auto producer = in.getDefiningOp<linalg::LinalgOp>();
    return producer && producer.getNumReductionLoops() > 0 && in.hasOneUse();
  });
}

struct FuseEpilogueTilesPass
    : aiopt::impl::CPUFuseEpilogueTilesPassBase<FuseEpilogueTilesPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> epilogues;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (isEpilogue(op))
        epilogues.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : epilogues) {
      // The epilogue writes into a tensor of its own: when it shares its
      // (CSE'd) tensor.empty with the contraction's accumulator, every tile
      // would read the loop's destination and bufferization would copy the
      // whole result per tile.
      for (OpOperand &init : op.getDpsInitsMutable())
        if (auto empty = init.get().getDefiningOp<tensor::EmptyOp>(); empty && !empty->hasOneUse()) {
          rewriter.setInsertionPoint(op);
          rewriter.modifyOpInPlace(op, [&] { init.set(rewriter.clone(*empty)->getResult(0)); });
        }
      // One tile per row: size 1 on every loop but the innermost (0: whole).
      SmallVector<int64_t> sizes(op.getNumLoops(), 1);
      sizes.back() = 0;
      scf::SCFTileAndFuseOptions options;
      options.tilingOptions.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
      // Only the contraction and the ops initializing its accumulator
      // (fill, bias broadcast) join the tile: its padded or reshaped inputs
      // are computed once, outside.
      options.setFusionControlFn(
          [](tensor::ExtractSliceOp, OpResult producer,
             bool isDestination) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
            auto linalgOp = dyn_cast<linalg::LinalgOp>(producer.getOwner());
            if (!linalgOp || (!isDestination && linalgOp.getNumReductionLoops() == 0 &&
                              !isa<linalg::FillOp>(linalgOp.getOperation())))
              return std::nullopt;
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          });
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTileAndFuseResult> result = scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(result))
        continue; // left as two loop nests
      for (OpResult r : op->getResults())
        rewriter.replaceAllUsesWith(r, result->replacements.lookup(r));
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
