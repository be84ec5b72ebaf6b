//===- Distribute.cpp - the aiopt-cpu-distribute pass ---------------------===//
//
// Large loop nests other than the tiled contractions become an scf.forall
// of chunks along their outermost parallel loop, which OpenMP threads share
// (aiopt-compile --parallel).
//
//===----------------------------------------------------------------------===//

#include "CodegenUtils.h"
#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUDISTRIBUTEPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

/// The chunk size for a loop of `extent` split into at most `chunks`
/// pieces: the smallest size making that many or fewer that divides the
/// extent while it still makes two chunks or more, so every chunk has the
/// same static size (a last partial chunk would have a dynamic one, which
/// aiopt-cpu-vectorize-elementwise leaves scalar): 49 rows are 7 chunks of
/// 7, not 12 of 4 and one of 1. Otherwise the smallest size, the last
/// chunk partial.
int64_t chunkSize(int64_t extent, int64_t chunks) {
  int64_t pieces = std::min(chunks, extent);
  int64_t size = (extent + pieces - 1) / pieces;
  for (int64_t s = size; 2 * s <= extent; ++s)
    if (extent % s == 0)
      return s;
  return size;
}

/// The iterations of `op`'s loop nest (static `ranges`) as a measure of its
/// work, its innermost loop counted in whole cache lines of its first
/// result's elements: a nest that writes a few elements per row (the side
/// borders of padded images, two floats a row) touches a line per row,
/// as much memory traffic as a nest 16 floats wide.
int64_t workIterations(linalg::LinalgOp op, ArrayRef<int64_t> ranges) {
  constexpr int64_t kLineBytes = 64;
  int64_t lineElements = 1;
  if (!op.getDpsInits().empty()) {
    Type element = getElementTypeOrSelf(op.getDpsInits().front().getType());
    if (element.isIntOrFloat())
      lineElements = kLineBytes * 8 / std::max<int64_t>(element.getIntOrFloatBitWidth(), 8);
  }
  int64_t iterations = 1;
  for (auto [i, r] : llvm::enumerate(ranges))
    iterations *= i + 1 == ranges.size() ? llvm::alignTo(r, lineElements) : r;
  return iterations;
}

struct DistributePass : aiopt::impl::CPUDistributePassBase<DistributePass> {
  using Base::Base;

  void runOnOperation() override {
    if (minIterations < 1 || chunks < 2) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-distribute: min-iterations must be at least 1 and chunks at least 2";
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      // Sparse kernels are parallelized by the sparsifier.
      if (op.hasPureTensorSemantics() && !op.hasDynamicShape() && op.getNumLoops() > 0 &&
          !op->getParentOfType<scf::ForallOp>() &&
          !sparse_tensor::hasAnySparseOperandOrResult(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (workIterations(op, ranges) < minIterations)
        continue;
      SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
      std::optional<unsigned> loop;
      for (unsigned i = 0; i < ranges.size() && !loop; ++i)
        if (kinds[i] == utils::IteratorType::parallel && ranges[i] >= 2)
          loop = i;
      if (!loop)
        continue;
      SmallVector<int64_t> sizes(ranges.size(), 0);
      sizes[*loop] = chunkSize(ranges[*loop], chunks);
      (void)aiopt::tileOp(rewriter, op, sizes, /*order=*/{}, /*forall=*/true);
    }
  }
};

} // namespace
