//===- ForwardCopies.cpp - the aiopt-cpu-forward-copies pass --------------===//
//
// A buffer allocated only to be filled and then copied whole into its
// destination is replaced by the destination. One-shot bufferization leaves
// such buffers where it cannot prove a write in place safe, e.g. a loop
// nest that writes several slices of one tensor (a Winograd transform's
// row of tiles): each slice goes through a temporary and a copy.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "aiopt/Codegen/BufferViews.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUFORWARDCOPIESPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// Whether every use of `v`, and of the subviews taken of it, accepts a
/// buffer of another layout: memory accesses, copies and linalg ops (which
/// read the layout from their operand), and subviews (whose result type is
/// then inferred anew), each of them also `allowed`.
bool takesAnyLayout(Value v, function_ref<bool(Operation *)> allowed) {
  for (Operation *user : v.getUsers()) {
    if (!allowed(user))
      return false;
    if (auto subview = dyn_cast<memref::SubViewOp>(user)) {
      if (subview.getSource() != v || !takesAnyLayout(subview.getResult(), allowed))
        return false;
      continue;
    }
    if (!isa<vector::LoadOp, vector::StoreOp, vector::TransferReadOp, vector::TransferWriteOp,
             vector::MaskedLoadOp, vector::MaskedStoreOp, memref::LoadOp, memref::StoreOp,
             memref::CopyOp, memref::DeallocOp, linalg::LinalgOp>(user))
      return false;
  }
  return true;
}

/// Replaces `from` with `to` (same shape, any layout), taking the subviews
/// of `from` anew from `to`.
void replaceView(RewriterBase &rewriter, Value from, Value to) {
  for (OpOperand &use : llvm::make_early_inc_range(from.getUses())) {
    auto subview = dyn_cast<memref::SubViewOp>(use.getOwner());
    if (!subview) {
      rewriter.modifyOpInPlace(use.getOwner(), [&] { use.set(to); });
      continue;
    }
    rewriter.setInsertionPoint(subview);
    auto type = memref::SubViewOp::inferRankReducedResultType(
        subview.getType().getShape(), cast<MemRefType>(to.getType()), subview.getMixedOffsets(),
        subview.getMixedSizes(), subview.getMixedStrides());
    auto retyped = memref::SubViewOp::create(rewriter, subview.getLoc(), type, to,
                                             subview.getMixedOffsets(), subview.getMixedSizes(),
                                             subview.getMixedStrides());
    replaceView(rewriter, subview.getResult(), retyped.getResult());
    rewriter.eraseOp(subview);
  }
}

/// Whether `op`'s own memory effects certainly leave the elements of `dst`
/// alone, apart from accesses to the buffer `tmp`.
bool leavesAlone(Operation *op, Value dst, Value tmp) {
  return ownEffectsAll(op, [&](const MemoryEffects::EffectInstance &effect) {
    if (isa<MemoryEffects::Allocate>(effect.getEffect()))
      return true;
    Value v = effect.getValue();
    return v && (viewedBuffer(v) == tmp || viewsApart(v, dst));
  });
}

/// Forwards `copy` when its source is an allocation of the same block that
/// nothing uses after the copy but deallocations, and nothing between the
/// allocation and the copy touches the destination: the allocation's uses
/// then write and read the destination, which the copy would have filled
/// with the same values.
bool forward(RewriterBase &rewriter, memref::CopyOp copy, DominanceInfo &dominance) {
  auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != copy->getBlock())
    return false;
  Value tmp = alloc.getResult(), dst = copy.getTarget();
  auto tmpType = alloc.getType(), dstType = cast<MemRefType>(dst.getType());
  if (tmpType.getShape() != dstType.getShape() ||
      tmpType.getElementType() != dstType.getElementType() ||
      tmpType.getMemorySpace() != dstType.getMemorySpace() || !dstType.isLastDimUnitStride())
    return false;
  Block *block = copy->getBlock();

  // The temporary's uses: between the allocation and the copy, the copy
  // itself, deallocations after it.
  SmallVector<Operation *> deallocs;
  bool usesOk = takesAnyLayout(tmp, [&](Operation *user) {
    if (user == copy.getOperation())
      return true;
    if (isa<memref::DeallocOp>(user))
      return user->getBlock() == block && copy->isBeforeInBlock(user) &&
             (deallocs.push_back(user), true);
    Operation *ancestor = block->findAncestorOpInBlock(*user);
    return ancestor && alloc->isBeforeInBlock(ancestor) && ancestor->isBeforeInBlock(copy);
  });
  if (!usesOk)
    return false;

  // The destination must exist where the allocation is: already, or by
  // moving its definition there (an allocation, or a subview of values
  // that do).
  Operation *dstDef = dst.getDefiningOp();
  bool move = dstDef && !dominance.properlyDominates(dst, alloc);
  if (move) {
    if (dstDef->getBlock() != block || !isa<memref::SubViewOp, memref::AllocOp>(dstDef) ||
        !llvm::all_of(dstDef->getOperands(),
                      [&](Value v) { return dominance.properlyDominates(v, alloc); }))
      return false;
  }

  // Nothing in between touches the destination.
  for (Operation *op = alloc->getNextNode(); op != copy.getOperation(); op = op->getNextNode()) {
    if (op == dstDef)
      continue;
    if (op->walk([&](Operation *nested) {
              return leavesAlone(nested, dst, tmp) ? WalkResult::advance()
                                                   : WalkResult::interrupt();
            }).wasInterrupted())
      return false;
  }

  if (move)
    rewriter.moveOpBefore(dstDef, alloc);
  rewriter.eraseOp(copy);
  for (Operation *dealloc : deallocs)
    rewriter.eraseOp(dealloc);
  replaceView(rewriter, tmp, dst);
  rewriter.eraseOp(alloc);
  return true;
}

struct ForwardCopiesPass : aiopt::impl::CPUForwardCopiesPassBase<ForwardCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    IRRewriter rewriter(&getContext());
    DominanceInfo dominance(getOperation());
    for (memref::CopyOp copy : copies)
      forward(rewriter, copy, dominance);
  }
};

} // namespace
