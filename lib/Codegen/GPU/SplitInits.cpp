//===- SplitInits.cpp - one empty tensor and fill per destination --------===//
//
// Clones shared tensor.empty and linalg.fill ops for each destination use
// after the first, so that bufferization gives each op its own output
// buffer (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUSPLITINITSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

/// The uses of `op`'s result as the destination of a destination-style op.
static SmallVector<OpOperand *> destinationUses(Operation *op) {
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : op->getResult(0).getUses())
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
        dps && dps.isDpsInit(&use))
      uses.push_back(&use);
  return uses;
}

/// Gives every destination use of `op` after the first (in `order`, the
/// function's ops in pre-order) a clone of `op` made just before its user,
/// or before the op of `op`'s block holding it (a use inside a loop gets
/// one clone, not one per iteration), with `cloneOperands` making the
/// clone's own operands there.
static void split(Operation *op, const DenseMap<Operation *, unsigned> &order,
                  function_ref<void(OpBuilder &, Operation *)> cloneOperands) {
  SmallVector<OpOperand *> uses = destinationUses(op);
  if (uses.size() < 2)
    return;
  llvm::sort(uses, [&](OpOperand *a, OpOperand *b) {
    return order.lookup(a->getOwner()) < order.lookup(b->getOwner());
  });
  for (OpOperand *use : ArrayRef(uses).drop_front()) {
    Operation *at = op->getBlock()->findAncestorOpInBlock(*use->getOwner());
    if (!at)
      continue;
    OpBuilder b(at);
    Operation *clone = b.clone(*op);
    cloneOperands(b, clone);
    use->set(clone->getResult(0));
  }
}

namespace {
struct GPUSplitInitsPass : aiopt::impl::GPUSplitInitsPassBase<GPUSplitInitsPass> {
  void runOnOperation() override {
    DenseMap<Operation *, unsigned> order;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) { order[op] = order.size(); });
    SmallVector<linalg::FillOp> fills;
    getOperation().walk([&](linalg::FillOp fill) {
      if (fill.getNumResults() == 1)
        fills.push_back(fill);
    });
    // A fill's clone fills its own empty tensor (when it fills one).
    for (linalg::FillOp fill : fills)
      split(fill, order, [](OpBuilder &b, Operation *clone) {
        auto fillClone = cast<linalg::FillOp>(clone);
        OpOperand &init = fillClone.getDpsInitsMutable()[0];
        if (auto empty = init.get().getDefiningOp<tensor::EmptyOp>()) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(clone);
          init.set(b.clone(*empty)->getResult(0));
        }
      });
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp empty) { empties.push_back(empty); });
    for (tensor::EmptyOp empty : empties)
      split(empty, order, [](OpBuilder &, Operation *) {});
  }
};
} // namespace
