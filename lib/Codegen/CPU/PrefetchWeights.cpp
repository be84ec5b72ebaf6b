//===- PrefetchWeights.cpp - the aiopt-cpu-prefetch-weights pass ----------===//
//
// A tiled contraction reads its weights from memory the first time: a
// network's weights do not stay in the last-level cache from one
// inference to the next. The hardware prefetchers fetch a panel only a
// few lines ahead of the register tile that reads it, so that tile waits
// for memory. Here every vector read of a constant inside a block's loops
// also prefetches the same element for the next tile that reads other
// weights (the next panel, the next rows, the next block), which then
// arrive while this tile computes. So do the activations a register tile's
// epilogue reads (a residual sum's other operand), for the next tile.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"
#include "aiopt/Codegen/BufferViews.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUPREFETCHWEIGHTSPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

/// What a read loads, for prefetching: a contiguous run of `bytes` (its
/// vector's innermost dimension, the others ones), one element in each of
/// `rows` rows (an R x 1 vector: a register tile's broadcasts from weights
/// laid out [m, k]), or both: a run of `bytes` in each of `rows` rows (an
/// R x C vector: a register tile's epilogue operand). All along a
/// unit-stride innermost dimension of the memref, read with a minor
/// identity map.
struct ReadShape {
  int64_t bytes = 0;
  int64_t rows = 0;
};

ReadShape readShape(vector::TransferReadOp read) {
  VectorType vt = read.getVectorType();
  auto mt = dyn_cast<MemRefType>(read.getBase().getType());
  if (!mt || vt.getRank() == 0 || !read.getPermutationMap().isMinorIdentity())
    return {};
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(mt.getStridesAndOffset(strides, offset)) || strides.empty() || strides.back() != 1)
    return {};
  ArrayRef<int64_t> shape = vt.getShape();
  auto ones = [](ArrayRef<int64_t> dims) {
    return llvm::all_of(dims, [](int64_t d) { return d == 1; });
  };
  if (ones(shape.drop_back()))
    return {shape.back() * vt.getElementTypeBitWidth() / 8, 0};
  if (shape.size() >= 2 && ones(shape.drop_back(2)))
    return {shape.back() == 1 ? 0 : shape.back() * vt.getElementTypeBitWidth() / 8,
            shape[shape.size() - 2]};
  return {};
}

/// Whether the forall has more than one iteration (or may have: dynamic
/// bounds).
bool severalBlocks(scf::ForallOp forall) {
  for (auto [lb, ub, step] :
       llvm::zip(forall.getMixedLowerBound(), forall.getMixedUpperBound(), forall.getMixedStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb), u = getConstantIntValue(ub),
                           st = getConstantIntValue(step);
    if (!l || !u || !st || (*st > 0 && llvm::divideCeil(*u - *l, *st) > 1))
      return true;
  }
  return false;
}

/// The loop whose next iteration a prefetch targets: its induction
/// variable, step and upper bound.
struct NextIteration {
  Value iv;
  OpFoldResult step, ub;
};

/// Adds prefetches of the next iteration's copy of what `read` (of
/// `shape`) loads, in the block loop `forall`: the next iteration of the
/// innermost loop around the read's own loop (the reduction) whose
/// induction variable the read's view or indices depend on (a packed
/// panel's next panel, a register tile's next rows, the next block); one
/// per `lineBytes` of a contiguous run; for a column of rows, one row per
/// step of the innermost loop, the rows in turn (a row's line holds the
/// next steps' elements: each line is prefetched once or more before it
/// is read). Nothing when the read is the same in every block (blocks
/// that share their weights find them in cache).
void prefetchNextIteration(vector::TransferReadOp read, scf::ForallOp forall, ReadShape shape,
                           int64_t lineBytes, int64_t locality, bool epilogue) {
  BackwardSliceOptions options;
  options.omitBlockArguments = true;
  options.inclusive = true;
  options.filter = [&](Operation *op) { return forall->isProperAncestor(op); };
  SetVector<Operation *> slice;
  SmallVector<Value> roots = {read.getBase()};
  llvm::append_range(roots, read.getIndices());
  for (Value root : roots)
    if (failed(getBackwardSlice(root, &slice, options)))
      return;
  if (!llvm::all_of(slice, [](Operation *op) { return isPure(op) && op->getNumRegions() == 0; }))
    return;
  auto used = [&](Value iv) {
    return llvm::is_contained(read.getIndices(), iv) ||
           llvm::any_of(slice, [&](Operation *op) { return llvm::is_contained(op->getOperands(), iv); });
  };
  // The innermost block dimension the read depends on.
  std::optional<unsigned> blockDim;
  SmallVector<Value> blockIvs = forall.getInductionVars();
  for (unsigned d = blockIvs.size(); d-- > 0 && !blockDim;)
    if (used(blockIvs[d]))
      blockDim = d;
  if (!blockDim)
    return;
  std::optional<NextIteration> next;
  // An epilogue's read is in the register tile's loop itself, after the
  // reduction: its next tile is that loop's next iteration.
  auto reduction = read->getParentOfType<scf::ForOp>();
  for (Operation *op = epilogue ? reduction.getOperation() : reduction->getParentOp();
       op != forall && !next; op = op->getParentOp())
    if (auto loop = dyn_cast<scf::ForOp>(op); loop && used(loop.getInductionVar()))
      next = NextIteration{loop.getInductionVar(), loop.getStep(), loop.getUpperBound()};
  if (!next)
    next = NextIteration{blockIvs[*blockDim], forall.getMixedStep()[*blockDim],
                         forall.getMixedUpperBound()[*blockDim]};

  OpBuilder b(read->getContext());
  b.setInsertionPointAfter(read);
  Location loc = read.getLoc();
  // The next iteration's induction variable; the last iteration's own.
  Value step = getValueOrCreateConstantIndexOp(b, loc, next->step);
  Value ub = getValueOrCreateConstantIndexOp(b, loc, next->ub);
  Value following = arith::AddIOp::create(b, loc, next->iv, step);
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, following, ub);
  IRMapping mapping;
  mapping.map(next->iv, arith::SelectOp::create(b, loc, inRange, following, next->iv).getResult());
  // Only what depends on that iteration is computed again.
  for (Operation *op : slice)
    if (llvm::any_of(op->getOperands(), [&](Value v) { return mapping.contains(v); }))
      b.clone(*op, mapping);
  Value base = mapping.lookupOrDefault(read.getBase());
  SmallVector<Value> indices =
      llvm::map_to_vector(read.getIndices(), [&](Value v) { return mapping.lookupOrDefault(v); });
  auto prefetch = [&] {
    memref::PrefetchOp::create(b, loc, base, indices, /*isWrite=*/false, locality,
                               /*isDataCache=*/true);
  };
  if (shape.rows && !shape.bytes) {
    Value steps = arith::DivUIOp::create(
        b, loc,
        arith::SubIOp::create(b, loc, reduction.getInductionVar(), reduction.getLowerBound()),
        reduction.getStep());
    Value row = arith::RemUIOp::create(b, loc, steps,
                                       arith::ConstantIndexOp::create(b, loc, shape.rows));
    Value &rowIndex = indices[indices.size() - 2];
    rowIndex = arith::AddIOp::create(b, loc, rowIndex, row);
    prefetch();
    return;
  }
  // Each line of the run, in each row.
  int64_t elementBytes = read.getVectorType().getElementTypeBitWidth() / 8;
  Value innermost = indices.back();
  Value firstRow = shape.rows ? indices[indices.size() - 2] : Value();
  for (int64_t r = 0; r < std::max<int64_t>(shape.rows, 1); ++r) {
    if (r)
      indices[indices.size() - 2] =
          arith::AddIOp::create(b, loc, firstRow, arith::ConstantIndexOp::create(b, loc, r));
    for (int64_t at = 0; at < shape.bytes; at += lineBytes) {
      indices.back() = at ? arith::AddIOp::create(b, loc, innermost,
                                                   arith::ConstantIndexOp::create(
                                                       b, loc, at / elementBytes))
                                .getResult()
                          : innermost;
      prefetch();
    }
  }
}

/// Whether `loop` carries vectors (a register tile's accumulators).
bool carriesVectors(scf::ForOp loop) {
  return llvm::any_of(loop.getResultTypes(), [](Type t) { return isa<VectorType>(t); });
}

/// Whether `read` is in a register tile's epilogue: after a loop that
/// carries vectors (the tile's reduction) in its block, and not itself
/// inside such a loop.
bool inEpilogue(vector::TransferReadOp read) {
  for (Operation *op = read->getParentOp(); op; op = op->getParentOp())
    if (auto loop = dyn_cast<scf::ForOp>(op); loop && carriesVectors(loop))
      return false;
  for (Operation *op = read->getPrevNode(); op; op = op->getPrevNode())
    if (auto loop = dyn_cast<scf::ForOp>(op); loop && carriesVectors(loop))
      return true;
  return false;
}

struct PrefetchWeightsPass : aiopt::impl::CPUPrefetchWeightsPassBase<PrefetchWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (locality < 0 || locality > 3 || lineBytes <= 0) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-prefetch-weights: locality is 0 to 3 and line-bytes positive";
      return signalPassFailure();
    }
    SymbolTableCollection symbols;
    SmallVector<std::tuple<vector::TransferReadOp, scf::ForallOp, ReadShape, bool>> reads;
    getOperation()->walk([&](vector::TransferReadOp read) {
      // Inside a loop (the reduction) of a block loop of more than one
      // block.
      auto forall = read->getParentOfType<scf::ForallOp>();
      auto loop = read->getParentOfType<scf::ForOp>();
      if (!forall || !loop || !forall->isProperAncestor(loop))
        return;
      ReadShape shape = readShape(read);
      if (!severalBlocks(forall))
        return;
      bool weightShape = shape.rows ? !shape.bytes && shape.rows > 1 : shape.bytes >= lineBytes;
      if (weightShape && aiopt::viewsConstant(read.getBase(), symbols))
        reads.push_back({read, forall, shape, false});
      // Activations an epilogue reads (a residual sum's other operand),
      // rows apart in NCHW: more streams than the hardware follows.
      else if (epilogues && shape.bytes >= lineBytes && inEpilogue(read) &&
               !aiopt::viewsConstant(read.getBase(), symbols))
        reads.push_back({read, forall, shape, true});
    });
    for (auto [read, forall, shape, epilogue] : reads)
      prefetchNextIteration(read, forall, shape, lineBytes, locality, epilogue);
  }
};

} // namespace
