//===- ParallelDimsFirst.cpp - parallel dimensions outermost --------------===//
//
// Interchanges linalg.generic ops so that their parallel dimensions come
// before their reductions (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUPARALLELDIMSFIRSTPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
struct GPUParallelDimsFirstPass
    : aiopt::impl::GPUParallelDimsFirstPassBase<GPUParallelDimsFirstPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      SmallVector<unsigned> order;
      for (auto [d, type] : llvm::enumerate(op.getIteratorTypesArray()))
        if (linalg::isParallelIterator(type))
          order.push_back(d);
      for (auto [d, type] : llvm::enumerate(op.getIteratorTypesArray()))
        if (!linalg::isParallelIterator(type))
          order.push_back(d);
      if (llvm::is_sorted(order))
        continue;
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, order)))
        return signalPassFailure();
    }
  }
};
} // namespace
