//===- MapParallelLoops.cpp - parallel loop nests as workgroup grids ------===//
//
// Collapses and tiles each outermost scf.parallel so that it maps onto a
// grid of fixed-size workgroups (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUMAPPARALLELLOOPSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

/// The outermost parallel loops of `func` without reductions (those stay on
/// the host).
static SmallVector<scf::ParallelOp> outermostLoops(func::FuncOp func) {
  SmallVector<scf::ParallelOp> loops;
  func.walk([&](scf::ParallelOp loop) {
    if (!loop->getParentOfType<scf::ParallelOp>() && loop.getNumReductions() == 0)
      loops.push_back(loop);
  });
  return loops;
}

/// The trip count of dimension `d` of `loop`, when static.
static std::optional<int64_t> tripCount(scf::ParallelOp loop, unsigned d) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[d]);
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[d]);
  std::optional<int64_t> step = getConstantIntValue(loop.getStep()[d]);
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return *ub <= *lb ? 0 : llvm::divideCeil(*ub - *lb, *step);
}

/// Workgroup tile sizes: up to `size` invocations along the innermost
/// dimension (no more than its trip count asks, rounded to a power of two),
/// the remaining factor along the dimension before it, 1 elsewhere.
static SmallVector<int64_t> workgroupTile(scf::ParallelOp loop, int64_t size) {
  unsigned rank = loop.getNumLoops();
  SmallVector<int64_t> tile(rank, 1);
  int64_t left = size;
  for (unsigned i = 0; i < std::min(rank, 2u) && left > 1; ++i) {
    unsigned d = rank - 1 - i;
    std::optional<int64_t> n = tripCount(loop, d);
    int64_t t = n ? std::min<int64_t>(left, llvm::PowerOf2Ceil(std::max<int64_t>(*n, 1))) : left;
    tile[d] = t;
    left /= t;
  }
  return tile;
}

/// Runs each dimension of the workgroup loop `grid` whose workgroups may
/// (or, dynamic, might) number more than its grid axis takes (`maxX` for the innermost one, the
/// x axis; `maxYZ` for the others) in chunks of at most that many, by an
/// scf.for around `grid` on the host.
static void chunkGrid(scf::ParallelOp grid, int64_t maxX, int64_t maxYZ) {
  unsigned rank = grid.getNumLoops();
  OpBuilder b(grid);
  Location loc = grid.getLoc();
  for (unsigned d = 0; d < rank; ++d) {
    int64_t most = d == rank - 1 ? maxX : maxYZ;
    std::optional<int64_t> step = getConstantIntValue(grid.getStep()[d]);
    std::optional<int64_t> n = tripCount(grid, d);
    // (An axis of 2^31 - 1 workgroups, CUDA's x, takes any extent a buffer
    // can have.)
    if (!step || (n ? *n <= most : most >= std::numeric_limits<int32_t>::max()))
      continue;
    Value lb = grid.getLowerBound()[d], ub = grid.getUpperBound()[d];
    auto chunks = scf::ForOp::create(b, loc, lb, ub,
                                     arith::ConstantIndexOp::create(b, loc, most * *step));
    b.setInsertionPointToStart(chunks.getBody());
    Value start = chunks.getInductionVar();
    Value end = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, start, chunks.getStep()), ub);
    grid->moveBefore(chunks.getBody()->getTerminator());
    grid.getLowerBoundMutable()[d].set(start);
    grid.getUpperBoundMutable()[d].set(end);
    b.setInsertionPoint(grid);
  }
}

namespace {
struct GPUMapParallelLoopsPass
    : aiopt::impl::GPUMapParallelLoopsPassBase<GPUMapParallelLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (workgroupSize < 1 || !llvm::isPowerOf2_64(workgroupSize)) {
      getOperation().emitError("workgroup-size must be a power of two, not ")
          << static_cast<int64_t>(workgroupSize);
      return signalPassFailure();
    }
    // Grids have three axes: leading dimensions beyond them become one.
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : outermostLoops(getOperation())) {
      unsigned rank = loop.getNumLoops();
      if (rank <= 3)
        continue;
      std::vector<unsigned> leading;
      for (unsigned d = 0; d + 2 < rank; ++d)
        leading.push_back(d);
      std::vector<unsigned> combined[] = {leading, {rank - 2}, {rank - 1}};
      rewriter.setInsertionPoint(loop);
      collapseParallelLoops(rewriter, loop, combined);
    }
    // The collapsed bounds fold to constants where the original ones were
    // (folding only, no patterns).
    (void)applyPatternsGreedily(getOperation(), FrozenRewritePatternSet());
    SmallVector<scf::ParallelOp> grids;
    for (scf::ParallelOp loop : outermostLoops(getOperation()))
      grids.push_back(
          scf::tileParallelLoop(loop, workgroupTile(loop, workgroupSize), /*noMinMaxBounds=*/true)
              .first);
    // And so do the tiles' steps and bounds (folding only: canonicalization
    // would merge the two loops of each tiled nest again).
    (void)applyPatternsGreedily(getOperation(), FrozenRewritePatternSet());
    for (scf::ParallelOp grid : grids)
      chunkGrid(grid, maxGridX, maxGridYZ);
  }
};
} // namespace
