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
      int64_t iterations = 1;
      for (int64_t r : ranges)
        iterations *= r;
      if (iterations < minIterations)
        continue;
      SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
      std::optional<unsigned> loop;
      for (unsigned i = 0; i < ranges.size() && !loop; ++i)
        if (kinds[i] == utils::IteratorType::parallel && ranges[i] >= 2)
          loop = i;
      if (!loop)
        continue;
      SmallVector<int64_t> sizes(ranges.size(), 0);
      int64_t pieces = std::min<int64_t>(chunks, ranges[*loop]);
      sizes[*loop] = (ranges[*loop] + pieces - 1) / pieces;
      (void)aiopt::tileOp(rewriter, op, sizes, /*order=*/{}, /*forall=*/true);
    }
  }
};

} // namespace
