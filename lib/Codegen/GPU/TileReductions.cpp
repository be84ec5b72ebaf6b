//===- TileReductions.cpp - long reductions as a workgroup per output -----===//
//
// Rewrites linalg reductions with few outputs and long reductions into
// gpu.launch ops where each output's workgroup folds the reduction in
// parallel and combines the partial results in a tree (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "LinalgKernels.h"
#include "PaddedOperands.h"

#include "aiopt/Codegen/BufferViews.h"

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUTILEREDUCTIONSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// A reduction the pass rewrites.
struct Reduction {
  linalg::LinalgOp op;
  SmallVector<int64_t> ranges;
  SmallVector<unsigned> parallel, reduced;
  int64_t outputs = 1, length = 1;
  /// The payload's `comb(out, x)` and its identity.
  Operation *comb = nullptr;
  TypedAttr identity;
  /// The constant the output holds when a fill just before the op wrote
  /// it (nothing reading it since): the kernel starts from it, and the
  /// fill goes (every output element is stored).
  TypedAttr initValue;
  Operation *initWriter = nullptr;
};
} // namespace

static std::optional<Reduction> analyze(linalg::LinalgOp op, int64_t minReduction) {
  std::optional<SmallVector<int64_t>> ranges = aiopt::kernelLoopRanges(op);
  if (!ranges || op.getNumReductionLoops() == 0)
    return std::nullopt;
  Reduction r;
  r.op = op;
  r.ranges = *ranges;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  r.comb = aiopt::combiningOp(op);
  if (!r.comb)
    return std::nullopt;
  std::optional<TypedAttr> identity = arith::getNeutralElement(r.comb);
  if (!identity)
    return std::nullopt;
  r.identity = *identity;
  for (AffineExpr e : out.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    r.parallel.push_back(d);
    r.outputs *= r.ranges[d];
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (iterators[d] == utils::IteratorType::reduction) {
      r.reduced.push_back(d);
      r.length *= r.ranges[d];
    }
  if (r.length < minReduction || r.outputs > aiopt::kPortableGridAxis || r.outputs == 0)
    return std::nullopt;
  Value output = op.getDpsInitOperand(0)->get();
  Operation *writer = aiopt::lastToucher(op, aiopt::viewedBuffer(output), /*writesOnly=*/false);
  if (TypedAttr v = aiopt::filledWith(writer, output); v && v.getType() == r.identity.getType()) {
    r.initValue = v;
    r.initWriter = writer;
  }
  return r;
}

/// The combination of `a` and `b` by a copy of `comb`.
static Value combine(OpBuilder &b, Operation *comb, Value a, Value c) {
  IRMapping map;
  map.map(comb->getOperand(0), a);
  map.map(comb->getOperand(1), c);
  return b.clone(*comb, map)->getResult(0);
}

static void build(RewriterBase &b, const Reduction &r, int64_t threads, bool allocBuffers) {
  linalg::LinalgOp op = r.op;
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  OpOperand *init = op.getDpsInitOperand(0);
  Type type = r.identity.getType();
  b.setInsertionPoint(op);
  SmallVector<Value> buffers;
  auto launch = aiopt::createKernelLaunch(b, loc, {b.getIndexAttr(r.outputs)}, threads,
                                          {MemRefType::get({threads}, type)}, allocBuffers, buffers);
  Value partials = buffers[0];
  Value tid = launch.getThreadIds().x;
  SmallVector<Value> dims(r.ranges.size(), Value());
  aiopt::delinearizeDims(b, loc, r.parallel, r.ranges, launch.getBlockIds().x, dims);

  // This invocation's share: reduction iterations tid, tid + threads, ...
  Value identity = arith::ConstantOp::create(b, loc, r.identity);
  auto loop = scf::ForOp::create(b, loc, tid, cst(r.length), cst(threads), ValueRange{identity});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> at(dims);
    aiopt::delinearizeDims(b, loc, r.reduced, r.ranges, loop.getInductionVar(), at);
    Block *payload = op.getBlock();
    IRMapping map;
    for (OpOperand *input : op.getDpsInputOperands())
      map.map(payload->getArgument(input->getOperandNumber()), aiopt::loadAtDims(b, loc, op, input, at));
    map.map(payload->getArguments().back(), loop.getRegionIterArgs()[0]);
    for (Operation &inner : payload->without_terminator())
      b.clone(inner, map);
    scf::YieldOp::create(b, loc, map.lookup(payload->getTerminator()->getOperand(0)));
  }
  memref::StoreOp::create(b, loc, loop.getResult(0), partials, tid);
  gpu::BarrierOp::create(b, loc);
  // The tree: invocations below `half` fold in the one `half` above.
  for (int64_t half = threads / 2; half >= 1; half /= 2) {
    Value active = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, tid, cst(half));
    auto ifOp = scf::IfOp::create(b, loc, active, /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value mine = memref::LoadOp::create(b, loc, partials, tid);
      Value other = memref::LoadOp::create(
          b, loc, partials, ValueRange{arith::AddIOp::create(b, loc, tid, cst(half))});
      memref::StoreOp::create(b, loc, combine(b, r.comb, mine, other), partials, tid);
    }
    gpu::BarrierOp::create(b, loc);
  }
  // The first invocation adds the output's value and stores.
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, cst(0));
  auto ifOp = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ifOp.thenBlock());
  SmallVector<Value> outIndices;
  for (AffineExpr e : op.getMatchingIndexingMap(init).getResults())
    outIndices.push_back(dims[cast<AffineDimExpr>(e).getPosition()]);
  Value old = r.initValue ? arith::ConstantOp::create(b, loc, r.initValue).getResult()
                          : memref::LoadOp::create(b, loc, init->get(), outIndices).getResult();
  Value total = memref::LoadOp::create(b, loc, partials, cst(0));
  memref::StoreOp::create(b, loc, combine(b, r.comb, old, total), init->get(), outIndices);
  b.eraseOp(op);
  if (r.initWriter)
    b.eraseOp(r.initWriter);
}

namespace {
struct GPUTileReductionsPass : aiopt::impl::GPUTileReductionsPassBase<GPUTileReductionsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (workgroupSize < 2 || !llvm::isPowerOf2_64(workgroupSize)) {
      getOperation().emitError("workgroup-size must be a power of two of at least 2, not ")
          << static_cast<int64_t>(workgroupSize);
      return signalPassFailure();
    }
    FailureOr<bool> allocBuffers = aiopt::allocWorkgroupBuffers(getOperation(), tileMemory);
    if (failed(allocBuffers))
      return signalPassFailure();
    std::vector<Reduction> found;
    for (linalg::LinalgOp op : aiopt::linalgOpsOutsideKernels(getOperation()))
      if (std::optional<Reduction> r = analyze(op, minReduction))
        found.push_back(*r);
    IRRewriter rewriter(&getContext());
    for (const Reduction &r : found)
      build(rewriter, r, workgroupSize, *allocBuffers);
  }
};
} // namespace
