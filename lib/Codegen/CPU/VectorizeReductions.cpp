//===- VectorizeReductions.cpp - aiopt-cpu-vectorize-reductions -----------===//
//
// Innermost reductions become vector-wide partial reductions: groups of
// rows, each reduced a vector at a time into a partial result per lane,
// then across the lanes.
//
//===----------------------------------------------------------------------===//

#include "CodegenUtils.h"
#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUVECTORIZEREDUCTIONSPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

constexpr StringLiteral kMerge = "aiopt.reduction_merge";

/// Whether `op` reduces exactly its innermost loop, of at least
/// `minElements` elements, on static tensors of byte-or-wider elements,
/// into one result indexed by the outer loops in order, reading its inputs
/// in loop order along the reduction, with one combiner that has a neutral
/// element.
bool isCandidate(linalg::GenericOp op, int64_t minElements) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 1 || !aiopt::hasByteElements(op))
    return false;
  unsigned inner = op.getNumLoops() - 1;
  if (op.getIteratorTypesArray()[inner] != utils::IteratorType::reduction ||
      op.getStaticLoopRanges()[inner] < minElements)
    return false;
  AffineMap rows = AffineMap::getMultiDimIdentityMap(op.getNumLoops(), op.getContext())
                       .dropResult(inner);
  if (op.getMatchingIndexingMap(op.getDpsInitOperand(0)) != rows)
    return false;
  for (OpOperand *in : op.getDpsInputOperands())
    if (!aiopt::readsInLoopOrder(op.getMatchingIndexingMap(in), inner))
      return false;
  SmallVector<Operation *> combiners;
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) || combiners.size() != 1)
    return false;
  return arith::getNeutralElement(combiners.front()).has_value();
}

/// The largest divisor of `extent` that is at most `cap`.
int64_t largestDivisor(int64_t extent, int64_t cap) {
  for (int64_t d = std::min(cap, extent); d > 1; --d)
    if (extent % d == 0)
      return d;
  return 1;
}

/// Splits `op` (a candidate) into groups of rows and, in each, a partial
/// reduction by `lanes`; marks the merges.
LogicalResult splitReduction(RewriterBase &rewriter, linalg::GenericOp op, int64_t lanes,
                             int64_t rows) {
  unsigned inner = op.getNumLoops() - 1;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  linalg::LinalgOp group = op;
  if (inner > 0) {
    // Outer rows one by one, the last parallel loop in groups of a divisor
    // of its extent (every group then has a static shape).
    SmallVector<int64_t> sizes(ranges.size(), 1);
    sizes[inner] = 0;
    sizes[inner - 1] = largestDivisor(ranges[inner - 1], rows);
    FailureOr<scf::SCFTilingResult> tiled = aiopt::tileOp(rewriter, op, sizes);
    if (failed(tiled) || tiled->tiledOps.size() != 1)
      return failure();
    group = cast<linalg::LinalgOp>(tiled->tiledOps.front());
  }
  SmallVector<OpFoldResult> pieces(ranges.size(), rewriter.getIndexAttr(0));
  pieces[inner] = rewriter.getIndexAttr(lanes);
  rewriter.setInsertionPoint(group);
  FailureOr<scf::SCFTilingResult> split = scf::tileReductionUsingScf(
      rewriter, cast<PartialReductionOpInterface>(group.getOperation()), pieces);
  if (failed(split))
    return failure();
  rewriter.replaceOp(group, split->replacements);
  for (Operation *merge : split->mergeOps)
    merge->setAttr(kMerge, rewriter.getUnitAttr());
  // A last piece shorter than a vector gets a loop iteration of its own,
  // so every piece has a static size.
  if (ranges[inner] % lanes != 0)
    aiopt::peelLoops(rewriter, split->loops, /*keepInnermost=*/0);
  return success();
}

struct VectorizeReductionsPass
    : aiopt::impl::CPUVectorizeReductionsPassBase<VectorizeReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorSize < 1 || rows < 1) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-vectorize-reductions: vector-size and rows must be positive";
      return signalPassFailure();
    }
    SmallVector<linalg::GenericOp> ops;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (isCandidate(op, 2 * vectorSize))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops)
      (void)splitReduction(rewriter, op, vectorSize, rows);
    // Each merge reduces its rows' lanes: vector reductions.
    if (failed(aiopt::vectorizeMarked(
            getOperation(), kMerge,
            [](RewriterBase &rewriter, linalg::LinalgOp op) -> linalg::LinalgOp {
              auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
              return generic ? aiopt::dropUnitLoops(rewriter, generic) : op;
            },
            /*namedContraction=*/false)))
      return signalPassFailure();
    // One vector.reduction per row (the LLVM lowering knows no other form).
    RewritePatternSet lowering(&getContext());
    vector::populateVectorMultiReductionLoweringPatterns(
        lowering, vector::VectorMultiReductionLowering::InnerReduction);
    if (failed(applyPatternsGreedily(getOperation(), std::move(lowering))))
      return signalPassFailure();
  }
};

} // namespace
