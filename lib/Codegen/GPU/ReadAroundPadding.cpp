//===- ReadAroundPadding.cpp - windows that read around a padding copy ----===//
//
// All-parallel linalg ops (a depthwise convolution's or a pooling's taps)
// whose inputs view a padded buffer become parallel loop nests that read
// the padding's source and its constant instead (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "LinalgKernels.h"
#include "PaddedOperands.h"

#include "aiopt/Codegen/BufferViews.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUREADAROUNDPADDINGPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

/// `op` (all parallel, kernelLoopRanges' form, loop ranges `ranges`) as an
/// scf.parallel nest whose loads of the operands in `padded` (by operand
/// number) read around their padding.
static void lowerReadingAround(
    RewriterBase &rewriter, linalg::GenericOp op, ArrayRef<int64_t> ranges,
    const DenseMap<unsigned, aiopt::PaddedBuffer> &padded) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  SmallVector<Value> lbs(ranges.size(), cst(0)), steps(ranges.size(), cst(1)), ubs;
  for (int64_t range : ranges)
    ubs.push_back(cst(range));
  auto nest = scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(nest.getBody()->getTerminator());
  SmallVector<Value> dims(nest.getInductionVars());
  Block *payload = op.getBlock();
  IRMapping map;
  for (OpOperand &operand : op->getOpOperands()) {
    BlockArgument arg = payload->getArgument(operand.getOperandNumber());
    if (arg.use_empty())
      continue;
    auto it = padded.find(operand.getOperandNumber());
    Value value =
        it == padded.end()
            ? aiopt::loadAtDims(rewriter, loc, op, &operand, dims)
            : aiopt::loadPadded(rewriter, loc, it->second,
                                aiopt::indicesAtDims(rewriter, loc,
                                                     op.getMatchingIndexingMap(&operand), dims),
                                /*branchless=*/true);
    map.map(arg, value);
  }
  for (Operation &inner : payload->without_terminator())
    rewriter.clone(inner, map);
  OpOperand *out = op.getDpsInitOperand(0);
  memref::StoreOp::create(rewriter, loc, map.lookupOrDefault(payload->getTerminator()->getOperand(0)),
                          out->get(),
                          aiopt::indicesAtDims(rewriter, loc, op.getMatchingIndexingMap(out), dims));
}

namespace {
struct GPUReadAroundPaddingPass
    : aiopt::impl::GPUReadAroundPaddingPassBase<GPUReadAroundPaddingPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp linalgOp : aiopt::linalgOpsOutsideKernels(getOperation())) {
      auto op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
      if (!op || op.getNumParallelLoops() != op.getNumLoops() || op.getNumDpsInits() != 1)
        continue;
      std::optional<SmallVector<int64_t>> ranges = aiopt::kernelLoopRanges(op);
      if (!ranges)
        continue;
      // Not where the op may write the real input: other invocations
      // would read it changed.
      Value result = aiopt::viewedBuffer(op.getDpsInitOperand(0)->get());
      DenseMap<unsigned, aiopt::PaddedBuffer> padded;
      for (OpOperand *input : op.getDpsInputOperands())
        if (std::optional<aiopt::PaddedBuffer> p =
                aiopt::findPaddedBuffer(op, input->get(), /*subviews=*/true);
            p && aiopt::buffersApart(aiopt::viewedBuffer(p->source), result))
          padded[input->getOperandNumber()] = *p;
      if (padded.empty())
        continue;
      lowerReadingAround(rewriter, op, *ranges, padded);
      rewriter.eraseOp(op);
      // The padding goes when nothing else reads it (once per buffer).
      DenseSet<Value> roots;
      for (auto &[number, p] : padded)
        if (roots.insert(p.root).second)
          aiopt::erasePaddingIfUnread(rewriter, p);
    }
  }
};
} // namespace
