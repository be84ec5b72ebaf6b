//===- PromoteAccumulators.cpp - reduction accumulators in registers ------===//
//
// Rewrites the load-combine-store of a reduction loop's output element into
// an iteration argument of the loop (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/BufferViews.h"
#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUPROMOTEACCUMULATORSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

/// Whether the loop's body touches the buffer of `acc` only through `load`
/// and `store`, and every other buffer it touches is apart from it.
static bool onlyAccess(scf::ForOp loop, memref::LoadOp load, memref::StoreOp store) {
  Value root = aiopt::viewedBuffer(load.getMemRef());
  WalkResult r = loop.getBody()->walk([&](Operation *op) {
    if (op == load || op == store)
      return WalkResult::advance();
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    bool apart = aiopt::ownEffectsAll(op, [&](const MemoryEffects::EffectInstance &e) {
      Value v = e.getValue();
      return v && (!isa<MemRefType>(v.getType()) ||
                   aiopt::buffersApart(aiopt::viewedBuffer(v), root));
    });
    return apart ? WalkResult::advance() : WalkResult::interrupt();
  });
  return !r.wasInterrupted();
}

/// Promotes one accumulator of `loop`; returns the loop that replaces it,
/// or null when there was none.
static scf::ForOp promoteOne(RewriterBase &rewriter, scf::ForOp loop) {
  Block *body = loop.getBody();
  for (auto load : body->getOps<memref::LoadOp>()) {
    // Loop-invariant indices and buffer.
    if (!llvm::all_of(load->getOperands(),
                      [&](Value v) { return loop.isDefinedOutsideOfLoop(v); }))
      continue;
    memref::StoreOp store;
    for (auto s : body->getOps<memref::StoreOp>())
      if (s.getMemRef() == load.getMemRef() && s.getIndices() == load.getIndices() &&
          load->isBeforeInBlock(s))
        store = s;
    if (!store || !onlyAccess(loop, load, store))
      continue;
    rewriter.setInsertionPoint(loop);
    auto init = cast<memref::LoadOp>(rewriter.clone(*load));
    Value stored = store.getValueToStore();
    FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
        rewriter, ValueRange{init.getResult()}, /*replaceInitOperandUsesInLoop=*/false,
        [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
          return SmallVector<Value>{stored};
        });
    if (failed(replaced)) {
      rewriter.eraseOp(init);
      return {};
    }
    auto promoted = cast<scf::ForOp>(replaced->getOperation());
    rewriter.replaceAllUsesWith(load.getResult(), promoted.getRegionIterArgs().back());
    rewriter.eraseOp(load);
    rewriter.eraseOp(store);
    rewriter.setInsertionPointAfter(promoted);
    memref::StoreOp::create(rewriter, promoted.getLoc(), promoted.getResults().back(),
                            init.getMemRef(), init.getIndices());
    return promoted;
  }
  return {};
}

namespace {
struct GPUPromoteAccumulatorsPass
    : aiopt::impl::GPUPromoteAccumulatorsPassBase<GPUPromoteAccumulatorsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Post-order: inner loops first, so that an outer loop then sees the
    // load before and the store after its inner loop.
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    // Each loop is replaced only while it is processed; the loops around it
    // stay the same operations.
    for (scf::ForOp loop : loops)
      while (scf::ForOp promoted = promoteOne(rewriter, loop))
        loop = promoted;
  }
};
} // namespace
