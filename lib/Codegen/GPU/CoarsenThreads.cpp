//===- CoarsenThreads.cpp - several reduction outputs per GPU thread ------===//
//
// Unroll-and-jam of a parallel nest's reduction loop along one parallel
// dimension, so that its copies share the loads that do not depend on it
// (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUCOARSENTHREADSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// A nest's body: the ops before its one reduction loop, the loop, the ops
/// after it.
struct ReductionBody {
  SmallVector<Operation *> before, after;
  scf::ForOp loop;
};
} // namespace

/// The body of `nest` in that form: one scf.for with iteration arguments,
/// everything else loads, stores or pure ops without regions.
static std::optional<ReductionBody> reductionBody(scf::ParallelOp nest) {
  ReductionBody body;
  for (Operation &op : nest.getBody()->without_terminator()) {
    if (auto loop = dyn_cast<scf::ForOp>(op); loop && loop.getNumRegionIterArgs() > 0) {
      if (body.loop)
        return std::nullopt;
      body.loop = loop;
      continue;
    }
    if (op.getNumRegions() > 0 || !(isPure(&op) || isa<memref::LoadOp, memref::StoreOp>(op)))
      return std::nullopt;
    (body.loop ? body.after : body.before).push_back(&op);
  }
  if (!body.loop)
    return std::nullopt;
  return body;
}

/// Whether `v` depends on `iv` through ops inside `nest`.
static bool dependsOn(Value v, Value iv, scf::ParallelOp nest, DenseMap<Value, bool> &memo) {
  if (v == iv)
    return true;
  auto it = memo.find(v);
  if (it != memo.end())
    return it->second;
  bool result = false;
  Operation *def = v.getDefiningOp();
  if (def && nest->isProperAncestor(def))
    result = llvm::any_of(def->getOperands(),
                          [&](Value o) { return dependsOn(o, iv, nest, memo); });
  return memo[v] = result;
}

/// How many loads in the reduction loop do not depend on dimension `d`; 0
/// when the loop's bounds do (the copies would need loops of their own).
static int64_t sharedLoads(scf::ParallelOp nest, scf::ForOp loop, unsigned d) {
  DenseMap<Value, bool> memo;
  Value iv = nest.getInductionVars()[d];
  if (llvm::any_of(ValueRange{loop.getLowerBound(), loop.getUpperBound(), loop.getStep()},
                   [&](Value v) { return dependsOn(v, iv, nest, memo); }))
    return 0;
  int64_t count = 0;
  loop.walk([&](memref::LoadOp load) {
    if (llvm::none_of(load.getIndices(), [&](Value i) { return dependsOn(i, iv, nest, memo); }))
      ++count;
  });
  return count;
}

/// Unrolls `nest` by `factor` along `d` and jams the reduction loops.
static void coarsen(scf::ParallelOp nest, const ReductionBody &body, unsigned d, int64_t factor) {
  OpBuilder b(nest.getContext());
  Location loc = nest.getLoc();
  Block *block = nest.getBody();
  b.setInsertionPoint(block->getTerminator());
  Value iv = nest.getInductionVars()[d];
  // Dimension d now counts groups of `factor` with a unit step (the grid
  // mapping downstream tiles unit steps); copy r handles
  // lb + (iv * factor + r) * step.
  int64_t lb = *getConstantIntValue(nest.getLowerBound()[d]);
  int64_t ub = *getConstantIntValue(nest.getUpperBound()[d]);
  int64_t step = *getConstantIntValue(nest.getStep()[d]);
  OpBuilder outside(nest);
  nest.getLowerBoundMutable()[d].set(arith::ConstantIndexOp::create(outside, loc, 0));
  nest.getUpperBoundMutable()[d].set(
      arith::ConstantIndexOp::create(outside, loc, (ub - lb) / (step * factor)));
  nest.getStepMutable()[d].set(arith::ConstantIndexOp::create(outside, loc, 1));
  SmallVector<IRMapping> maps(factor);
  Value scaled = arith::MulIOp::create(b, loc, iv,
                                       arith::ConstantIndexOp::create(b, loc, factor * step));
  for (int64_t r = 0; r < factor; ++r) {
    Value offset = arith::ConstantIndexOp::create(b, loc, lb + r * step);
    maps[r].map(iv, arith::AddIOp::create(b, loc, scaled, offset).getResult());
  }
  for (Operation *op : body.before)
    for (IRMapping &map : maps)
      b.clone(*op, map);
  // One loop carrying every copy's accumulators.
  scf::ForOp loop = body.loop;
  SmallVector<Value> inits;
  for (IRMapping &map : maps)
    for (Value init : loop.getInitArgs())
      inits.push_back(map.lookupOrDefault(init));
  auto jammed = scf::ForOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(),
                                   loop.getStep(), inits);
  unsigned n = loop.getNumRegionIterArgs();
  {
    OpBuilder inner = OpBuilder::atBlockBegin(jammed.getBody());
    SmallVector<Value> yields;
    for (auto [r, map] : llvm::enumerate(maps)) {
      map.map(loop.getInductionVar(), jammed.getInductionVar());
      for (unsigned i = 0; i < n; ++i)
        map.map(loop.getRegionIterArgs()[i], jammed.getRegionIterArgs()[r * n + i]);
      for (Operation &op : loop.getBody()->without_terminator())
        inner.clone(op, map);
      for (Value y : loop.getBody()->getTerminator()->getOperands())
        yields.push_back(map.lookupOrDefault(y));
    }
    scf::YieldOp::create(inner, loc, yields);
  }
  for (auto [r, map] : llvm::enumerate(maps))
    for (unsigned i = 0; i < n; ++i)
      map.map(loop.getResult(i), jammed.getResult(r * n + i));
  for (Operation *op : body.after)
    for (IRMapping &map : maps)
      b.clone(*op, map);
  // The original body goes (after the copies, in reverse: uses first).
  SmallVector<Operation *> old(body.before);
  old.push_back(loop);
  old.append(body.after);
  for (Operation *op : llvm::reverse(old))
    op->erase();
}

namespace {
struct GPUCoarsenThreadsPass : aiopt::impl::GPUCoarsenThreadsPassBase<GPUCoarsenThreadsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (factor < 1) {
      getOperation().emitError("factor must be at least 1, not ") << static_cast<int64_t>(factor);
      return signalPassFailure();
    }
    if (factor == 1)
      return;
    SmallVector<scf::ParallelOp> nests;
    getOperation().walk([&](scf::ParallelOp nest) {
      if (!nest->getParentOfType<scf::ParallelOp>() && nest.getNumReductions() == 0)
        nests.push_back(nest);
    });
    bool changed = false;
    for (scf::ParallelOp nest : nests) {
      std::optional<ReductionBody> body = reductionBody(nest);
      if (!body || nest.getNumLoops() < 2)
        continue;
      std::optional<unsigned> best;
      int64_t bestShared = 0;
      for (unsigned d = 0; d + 1 < nest.getNumLoops(); ++d) {
        std::optional<int64_t> lb = getConstantIntValue(nest.getLowerBound()[d]);
        std::optional<int64_t> ub = getConstantIntValue(nest.getUpperBound()[d]);
        std::optional<int64_t> step = getConstantIntValue(nest.getStep()[d]);
        if (!lb || !ub || !step || *step <= 0 || (*ub - *lb) % (*step * factor) != 0 ||
            *ub - *lb < *step * factor)
          continue;
        int64_t shared = sharedLoads(nest, body->loop, d);
        if (shared > bestShared)
          best = d, bestShared = shared;
      }
      if (!best)
        continue;
      coarsen(nest, *body, *best, factor);
      changed = true;
    }
    // The copies' loads of the same element become one.
    if (changed) {
      IRRewriter rewriter(&getContext());
      DominanceInfo dominance;
      eliminateCommonSubExpressions(rewriter, dominance, getOperation());
    }
  }
};
} // namespace
