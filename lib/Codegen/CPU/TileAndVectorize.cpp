//===- TileAndVectorize.cpp - the aiopt-cpu-tile-and-vectorize pass -------===//
//
// Contractions become cache-tiled loops around register tiles; the register
// tiles with static sizes become vector.contract, lowered to outer products
// (broadcast a left-operand element, FMA with a vector of right-operand
// columns into an accumulator row).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUTILEANDVECTORIZEPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

constexpr StringLiteral kRegisterTile = "aiopt.register_tile";

/// The loops a contraction is tiled along: the m and n loops the result is
/// innermost in, and the innermost reduction.
struct ContractionLoops {
  unsigned m, n, k;
};

/// The contraction loops of `op` when it is a candidate: a multiply-add
/// contraction on static f32 tensors whose result's innermost dimension is
/// an n loop (the right operand's columns), so register tiles are
/// contiguous vectors.
std::optional<ContractionLoops> contractionLoops(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op) || op.hasDynamicShape())
    return std::nullopt;
  for (Value v : op->getOperands())
    if (!getElementTypeOrSelf(v.getType()).isF32())
      return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims))
    return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  auto last = dyn_cast<AffineDimExpr>(out.getResults().back());
  if (!last || !llvm::is_contained(dims->n, last.getPosition()))
    return std::nullopt;
  // The m loop: the one appearing last in the result.
  std::optional<unsigned> m;
  for (AffineExpr e : out.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e); d && llvm::is_contained(dims->m, d.getPosition()))
      m = d.getPosition();
  if (!m)
    return std::nullopt;
  return ContractionLoops{*m, last.getPosition(), dims->k.back()};
}

/// A loop order with `inner` last (in that order) and the other loops
/// before them in their original order.
SmallVector<int64_t> orderEndingWith(unsigned numLoops, ArrayRef<unsigned> inner) {
  SmallVector<int64_t> order;
  for (unsigned i = 0; i < numLoops; ++i)
    if (!llvm::is_contained(inner, i))
      order.push_back(i);
  llvm::append_range(order, inner);
  return order;
}

/// Tiles `op` with `sizes` in loop `order` (scf.forall loops with
/// `forall`); returns the tiled op and the generated loops (outermost
/// first), replacing `op`.
FailureOr<scf::SCFTilingResult> tile(RewriterBase &rewriter, linalg::LinalgOp op,
                                     ArrayRef<int64_t> sizes, ArrayRef<int64_t> order,
                                     bool forall = false) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  options.setInterchange(order);
  if (forall)
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  return result;
}

/// Peels the loops at the given positions from the end of `loops` (1: the
/// innermost), in that order.
void peel(RewriterBase &rewriter, MutableArrayRef<LoopLikeOpInterface> loops,
          ArrayRef<size_t> fromEnd) {
  for (size_t i : fromEnd) {
    if (i > loops.size())
      continue;
    auto forOp = dyn_cast<scf::ForOp>(loops[loops.size() - i].getOperation());
    if (!forOp)
      continue;
    scf::ForOp partial;
    rewriter.setInsertionPoint(forOp);
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
  }
}

/// A cache tile size for a loop of `extent`: the whole loop if it fits,
/// else a size in [max/2, max] that divides it (a multiple of `multiple`
/// preferred), so every tile has the same static size; else `max` (the
/// last tile is then partial, with dynamic sizes).
int64_t cacheTile(int64_t extent, int64_t max, int64_t multiple) {
  if (extent <= max)
    return extent;
  for (int64_t step : {multiple, int64_t(1)})
    for (int64_t t = max - max % step; t >= max / 2 && t > 0; t -= step)
      if (extent % t == 0)
        return t;
  return max;
}

/// Tiles one contraction into independent (m, n) blocks (an scf.forall,
/// which threads may share), the reduction into cache-sized steps, and
/// each block into register tiles; peels the register loops so their
/// tiles have static sizes; marks the register tiles with kRegisterTile.
void tileContraction(RewriterBase &rewriter, linalg::LinalgOp op, ContractionLoops loops,
                     ArrayRef<int64_t> cache, ArrayRef<int64_t> reg) {
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  unsigned numLoops = op.getNumLoops();
  // Blocks: one along every loop but m, n and k.
  SmallVector<int64_t> sizes(numLoops, 1);
  sizes[loops.m] = cacheTile(bounds[loops.m], cache[0], reg[0]);
  sizes[loops.n] = cacheTile(bounds[loops.n], cache[2], reg[1]);
  sizes[loops.k] = 0;
  FailureOr<scf::SCFTilingResult> blocks =
      tile(rewriter, op, sizes, orderEndingWith(numLoops, {loops.m, loops.n, loops.k}),
           /*forall=*/true);
  if (failed(blocks) || blocks->tiledOps.size() != 1)
    return;

  SmallVector<int64_t> kSizes(numLoops, 0);
  kSizes[loops.k] = std::min(cache[1], bounds[loops.k]);
  FailureOr<scf::SCFTilingResult> steps =
      tile(rewriter, cast<linalg::LinalgOp>(blocks->tiledOps.front()), kSizes,
           orderEndingWith(numLoops, {}));
  if (failed(steps) || steps->tiledOps.size() != 1)
    return;

  SmallVector<int64_t> regSizes(numLoops, 1);
  regSizes[loops.m] = std::min(reg[0], sizes[loops.m]);
  regSizes[loops.n] = std::min(reg[1], sizes[loops.n]);
  FailureOr<scf::SCFTilingResult> inner =
      tile(rewriter, cast<linalg::LinalgOp>(steps->tiledOps.front()), regSizes,
           orderEndingWith(numLoops, {loops.m, loops.n, loops.k}));
  if (failed(inner) || inner->tiledOps.size() != 1)
    return;
  Operation *registerTile = inner->tiledOps.front();
  // The other loops have one iteration per tile: drop them, so the tile is
  // a plain (m, n, k) contraction that vectorizes to one vector.contract.
  if (auto generic = dyn_cast<linalg::GenericOp>(registerTile)) {
    linalg::ControlDropUnitDims control;
    control.rankReductionStrategy =
        linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
    control.controlFn = [&](Operation *) {
      SmallVector<unsigned> others;
      for (unsigned i = 0; i < numLoops; ++i)
        if (i != loops.m && i != loops.n && i != loops.k)
          others.push_back(i);
      return others;
    };
    rewriter.setInsertionPoint(generic);
    if (FailureOr<linalg::DropUnitDimsResult> reduced =
            linalg::dropUnitDims(rewriter, generic, control);
        succeeded(reduced)) {
      rewriter.replaceOp(generic, reduced->replacements);
      registerTile = reduced->resultOp;
      // As linalg.matmul, the vectorizer emits vector.contract for it.
      if (auto reducedGeneric = dyn_cast<linalg::GenericOp>(registerTile)) {
        rewriter.setInsertionPoint(reducedGeneric);
        if (FailureOr<linalg::LinalgOp> named =
                linalg::specializeGenericOp(rewriter, reducedGeneric);
            succeeded(named))
          registerTile = *named;
      }
    }
  }
  registerTile->setAttr(kRegisterTile, rewriter.getUnitAttr());

  // Peel the register loops, which end m, n, k: n first, so the peeled
  // copy of m holds both parts of n. In blocks of static sizes every
  // register tile, remainders included, then has static sizes.
  peel(rewriter, inner->loops, {2, 3});
}

/// Canonicalization patterns of every loaded dialect and registered op.
void populateCanonicalization(MLIRContext *ctx, RewritePatternSet &patterns) {
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
}

struct TileAndVectorizePass
    : aiopt::impl::CPUTileAndVectorizePassBase<TileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    SmallVector<int64_t> cache(cacheTiles.begin(), cacheTiles.end());
    SmallVector<int64_t> reg(registerTile.begin(), registerTile.end());
    if (cache.empty())
      cache = {64, 256, 256};
    if (reg.empty())
      reg = {6, 16};
    if (cache.size() != 3 || reg.size() != 2 ||
        llvm::any_of(cache, [](int64_t s) { return s <= 0; }) ||
        llvm::any_of(reg, [](int64_t s) { return s <= 0; })) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-tile-and-vectorize: cache-tiles takes three positive sizes "
             "(m, k, n) and register-tile two (m, n)";
      return signalPassFailure();
    }

    SmallVector<std::pair<linalg::LinalgOp, ContractionLoops>> targets;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (std::optional<ContractionLoops> loops = contractionLoops(op))
        targets.push_back({op, *loops});
    });
    IRRewriter rewriter(ctx);
    for (auto [op, loops] : targets)
      tileContraction(rewriter, op, loops, cache, reg);

    // Static sizes reach the full register tiles.
    RewritePatternSet canonical(ctx);
    populateCanonicalization(ctx, canonical);
    FrozenRewritePatternSet frozen(std::move(canonical));
    if (failed(applyPatternsGreedily(getOperation(), frozen)))
      return signalPassFailure();

    SmallVector<linalg::LinalgOp> tiles;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kRegisterTile))
        tiles.push_back(op);
    });
    for (linalg::LinalgOp op : tiles) {
      op->removeAttr(kRegisterTile);
      if (op.hasDynamicShape())
        continue; // scalar loops
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
          rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
          /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false, /*createNamedContraction=*/true);
      if (succeeded(result))
        rewriter.replaceOp(op, result->replacements);
    }

    RewritePatternSet lowering(ctx);
    vector::populateVectorContractLoweringPatterns(lowering,
                                                   vector::VectorContractLowering::OuterProduct,
                                                   /*benefit=*/1, /*disableOuterProductLowering=*/true);
    vector::populateVectorTransferPermutationMapLoweringPatterns(lowering);
    populateCanonicalization(ctx, lowering);
    if (failed(applyPatternsGreedily(getOperation(), std::move(lowering))))
      return signalPassFailure();
  }
};

} // namespace
