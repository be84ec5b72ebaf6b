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
#include "mlir/Dialect/SCF/IR/SCF.h"
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
/// epilogues read i32 and write i8), static shapes, the results (one or
/// several: a Winograd transform's) written in loop order, each input read
/// in loop order along the innermost loop or not depending on it.
bool isCandidate(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() || op.getNumLoops() == 0 ||
      op.getNumReductionLoops() != 0 || op.getNumDpsInits() == 0)
    return false;
  if (!aiopt::hasByteElements(op))
    return false;
  unsigned inner = op.getNumLoops() - 1;
  for (OpOperand &init : op.getDpsInitsMutable())
    if (!op.getMatchingIndexingMap(&init).isIdentity())
      return false;
  for (OpOperand *in : op.getDpsInputOperands())
    if (!aiopt::readsInLoopOrder(op.getMatchingIndexingMap(in), inner, aiopt::kMaxReadStride))
      return false;
  return true;
}

/// Whether the dimensions of `v` after `first` are whole in the tensor it
/// is a slice of, through any chain of unit-stride slices, loop-carried
/// values and reshapes (which only see whole tensors), with `first`
/// itself at unit stride: then `first` and the dimensions after it are
/// one contiguous run in memory (not so in the interior of a padded
/// tensor).
bool innerDimsWhole(Value v, unsigned first) {
  while (true) {
    if (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>()) {
      unsigned rank = slice.getSourceType().getRank();
      if (slice.getType().getRank() != rank)
        return false;
      for (unsigned d = first; d < rank; ++d) {
        std::optional<int64_t> stride = getConstantIntValue(slice.getMixedStrides()[d]);
        if (!stride || *stride != 1)
          return false;
        if (d > first && (!isConstantIntValue(slice.getMixedOffsets()[d], 0) ||
                          slice.getType().getDimSize(d) != slice.getSourceType().getDimSize(d)))
          return false;
      }
      v = slice.getSource();
      continue;
    }
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      Operation *owner = arg.getOwner()->getParentOp();
      if (auto forall = dyn_cast<scf::ForallOp>(owner); forall && forall.getTiedOpOperand(arg)) {
        v = forall.getTiedOpOperand(arg)->get();
        continue;
      }
      if (auto loop = dyn_cast<scf::ForOp>(owner); loop && loop.getTiedLoopInit(arg)) {
        v = loop.getTiedLoopInit(arg)->get();
        continue;
      }
    }
    return true;
  }
}

/// An elementwise nest with identity maps whose innermost extent is not a
/// whole number of vectors (7 columns of a 7x7 image) has its innermost
/// dimensions collapsed into one wherever all its operands are contiguous
/// across them (a [1, 2048, 7, 7] epilogue becomes [1, 100352]), so that
/// its pieces are whole vectors.
linalg::LinalgOp collapseContiguousDims(RewriterBase &rewriter, linalg::GenericOp op,
                                        int64_t lanes) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned rank = ranges.size();
  if (rank < 2 || ranges.back() % lanes == 0 ||
      !llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) { return m.isIdentity(); }))
    return op;
  unsigned first = rank - 1;
  while (first > 0 && llvm::all_of(op->getOperands(), [&](Value v) {
           return innerDimsWhole(v, first - 1);
         }))
    --first;
  if (first + 1 == rank)
    return op;
  ReassociationIndices group = llvm::to_vector(llvm::seq<int64_t>(first, rank));
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(op, ArrayRef<ReassociationIndices>{group}, rewriter);
  if (failed(collapsed))
    return op;
  rewriter.replaceOp(op, collapsed->results);
  return collapsed->collapsedOp;
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
      if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
        op = collapseContiguousDims(rewriter, generic, vectorSize);
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
              if (!generic)
                return op;
              linalg::LinalgOp piece = aiopt::dropUnitLoops(rewriter, generic);
              // A strided gather's piece reads a strided slice.
              if (auto reduced = dyn_cast<linalg::GenericOp>(piece.getOperation()))
                aiopt::sliceStridedReads(rewriter, reduced);
              return piece;
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
