//===- CoarsenThreads.cpp - several outputs per GPU thread that share loads ===//
//
// Unroll(-and-jam) of a parallel nest along one parallel dimension, so that
// the copies share their loads: those a reduction loop makes that do not
// depend on the dimension, and the overlapping taps of a window (see
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "aiopt/Codegen/BufferViews.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUCOARSENTHREADSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// A nest's body: the ops before its one reduction loop, the loop, the ops
/// after it; without a reduction loop, the ops that are not stores, then
/// the stores.
struct NestBody {
  SmallVector<Operation *> before, after;
  scf::ForOp loop;
};
} // namespace

/// The body of `nest` in that form: at most one scf.for with iteration
/// arguments (none unless `reductions`), everything else loads, stores or
/// pure ops without regions. Without a loop, the copies' stores come after
/// all their loads: no load may read a buffer a store writes.
static std::optional<NestBody> nestBody(scf::ParallelOp nest, bool reductions) {
  NestBody body;
  for (Operation &op : nest.getBody()->without_terminator()) {
    if (auto loop = dyn_cast<scf::ForOp>(op); loop && loop.getNumRegionIterArgs() > 0) {
      if (!reductions || body.loop)
        return std::nullopt;
      body.loop = loop;
      continue;
    }
    if (op.getNumRegions() > 0 || !(isPure(&op) || isa<memref::LoadOp, memref::StoreOp>(op)))
      return std::nullopt;
    bool after = body.loop ? true : isa<memref::StoreOp>(op);
    (after ? body.after : body.before).push_back(&op);
  }
  if (body.loop)
    return body;
  if (body.after.empty())
    return std::nullopt;
  for (Operation *store : body.after)
    for (Operation *load : body.before)
      if (auto l = dyn_cast<memref::LoadOp>(load);
          l && !aiopt::buffersApart(aiopt::viewedBuffer(l.getMemRef()),
                                    aiopt::viewedBuffer(cast<memref::StoreOp>(store).getMemRef())))
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

/// One loop in place of the copies of `loop` (`maps` maps each copy's
/// values), carrying every copy's accumulators; the copies' results map
/// to its own.
static void jam(OpBuilder &b, scf::ForOp loop, MutableArrayRef<IRMapping> maps) {
  Location loc = loop.getLoc();
  SmallVector<Value> inits;
  for (IRMapping &map : maps)
    for (Value init : loop.getInitArgs())
      inits.push_back(map.lookupOrDefault(init));
  auto jammed = scf::ForOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(),
                                   loop.getStep(), inits);
  unsigned n = loop.getNumRegionIterArgs();
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
  for (auto [r, map] : llvm::enumerate(maps))
    for (unsigned i = 0; i < n; ++i)
      map.map(loop.getResult(i), jammed.getResult(r * n + i));
}

/// Composes the index computations in `op` and merges what is then the
/// same (the copies' loads of one element).
static void simplify(Operation *op) {
  RewritePatternSet patterns(op->getContext());
  affine::AffineApplyOp::getCanonicalizationPatterns(patterns, op->getContext());
  (void)applyPatternsGreedily(op, std::move(patterns));
  IRRewriter rewriter(op->getContext());
  DominanceInfo dominance;
  eliminateCommonSubExpressions(rewriter, dominance, op);
}

/// The loads that matter in `nest`: those of its reduction loop (run on
/// every step), or without one all of them.
static int64_t countLoads(scf::ParallelOp nest) {
  int64_t loads = 0, inLoops = 0;
  nest.walk([&](memref::LoadOp load) {
    ++loads;
    inLoops += load->getParentOfType<scf::ForOp>() != nullptr &&
               nest->isProperAncestor(load->getParentOfType<scf::ForOp>());
  });
  return inLoops ? inLoops : loads;
}

/// Unrolls `nest` by `factor` along `d` (jamming the reduction loops).
static void coarsen(scf::ParallelOp nest, const NestBody &body, unsigned d, int64_t factor) {
  OpBuilder b(nest.getContext());
  Location loc = nest.getLoc();
  Block *block = nest.getBody();
  b.setInsertionPoint(block->getTerminator());
  Value iv = nest.getInductionVars()[d];
  // Dimension d now counts groups of `factor` with a unit step (the grid
  // mapping downstream tiles unit steps); copy r handles
  // lb + (iv * factor + r) * step, an affine.apply, which the index
  // computations of its loads compose with.
  int64_t lb = *getConstantIntValue(nest.getLowerBound()[d]);
  int64_t ub = *getConstantIntValue(nest.getUpperBound()[d]);
  int64_t step = *getConstantIntValue(nest.getStep()[d]);
  OpBuilder outside(nest);
  nest.getLowerBoundMutable()[d].set(arith::ConstantIndexOp::create(outside, loc, 0));
  nest.getUpperBoundMutable()[d].set(
      arith::ConstantIndexOp::create(outside, loc, (ub - lb) / (step * factor)));
  nest.getStepMutable()[d].set(arith::ConstantIndexOp::create(outside, loc, 1));
  SmallVector<IRMapping> maps(factor);
  AffineExpr group = b.getAffineDimExpr(0) * (factor * step);
  for (int64_t r = 0; r < factor; ++r)
    maps[r].map(iv, affine::AffineApplyOp::create(b, loc, group + (lb + r * step), iv).getResult());
  for (Operation *op : body.before)
    for (IRMapping &map : maps)
      b.clone(*op, map);
  // One loop carrying every copy's accumulators.
  if (scf::ForOp loop = body.loop)
    jam(b, loop, maps);
  for (Operation *op : body.after)
    for (IRMapping &map : maps)
      b.clone(*op, map);
  // The original body goes (after the copies, in reverse: uses first).
  SmallVector<Operation *> old(body.before);
  if (body.loop)
    old.push_back(body.loop);
  old.append(body.after);
  for (Operation *op : llvm::reverse(old))
    op->erase();
}

/// Loads and stores of subviews in `nest` as accesses of what they view,
/// at indices computed by affine.apply: the taps of a window (one view
/// each) become loads of one buffer, which the copies can share. (Only
/// subviews of buffers of static shapes: folding reshapes would divide
/// indices, floordivsi that the SPIR-V lowering does not take, and a
/// buffer of a dynamic shape reaches a kernel only through a strided view,
/// as a flat buffer with its strides.)
static void foldViews(scf::ParallelOp nest) {
  RewritePatternSet patterns(nest.getContext());
  memref::populateFoldMemRefAliasOpPatterns(patterns);
  FrozenRewritePatternSet frozen(std::move(patterns));
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingOps);
  while (true) {
    SmallVector<Operation *> accesses;
    nest.walk([&](Operation *op) {
      Value memref = aiopt::accessedMemRef(op);
      auto view = memref ? memref.getDefiningOp<memref::SubViewOp>() : memref::SubViewOp();
      if (view && view.getSourceType().hasStaticShape())
        accesses.push_back(op);
    });
    bool changed = false;
    if (accesses.empty() || failed(applyOpPatternsGreedily(accesses, frozen, config, &changed)) ||
        !changed)
      return;
  }
}

/// The loads that matter (countLoads) after coarsening `nest` by `factor`
/// along `d` (its views folded), measured on a copy.
static int64_t loadsCoarsened(scf::ParallelOp nest, unsigned d, int64_t factor,
                              bool reductions) {
  OpBuilder b(nest);
  Operation *previous = nest->getPrevNode();
  auto copy = cast<scf::ParallelOp>(b.clone(*nest));
  foldViews(copy);
  coarsen(copy, *nestBody(copy, reductions), d, factor);
  simplify(copy);
  int64_t loads = countLoads(copy);
  copy.erase();
  // And the copy's new bounds.
  Block::iterator first = previous ? std::next(previous->getIterator()) : nest->getBlock()->begin();
  for (Operation &op : llvm::make_early_inc_range(llvm::make_range(first, nest->getIterator())))
    if (op.use_empty() && isPure(&op))
      op.erase();
  return loads;
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
    for (scf::ParallelOp nest : nests) {
      std::optional<NestBody> body = nestBody(nest, reductions);
      if (nest.getNumLoops() < 2 || !body)
        continue;
      // The dimension (not the innermost: a warp's accesses stay
      // consecutive) whose copies share the most loads, if any do.
      int64_t loads = countLoads(nest);
      std::optional<unsigned> best;
      int64_t fewest = factor * loads;
      for (unsigned d = 0; d + 1 < nest.getNumLoops(); ++d) {
        std::optional<int64_t> lb = getConstantIntValue(nest.getLowerBound()[d]);
        std::optional<int64_t> ub = getConstantIntValue(nest.getUpperBound()[d]);
        std::optional<int64_t> step = getConstantIntValue(nest.getStep()[d]);
        if (!lb || !ub || !step || *step <= 0 || (*ub - *lb) % (*step * factor) != 0 ||
            *ub - *lb < *step * factor)
          continue;
        // The jammed loop has one set of bounds.
        DenseMap<Value, bool> memo;
        Value iv = nest.getInductionVars()[d];
        if (body->loop && llvm::any_of(body->loop->getOperands().take_front(3), [&](Value v) {
              return dependsOn(v, iv, nest, memo);
            }))
          continue;
        int64_t coarsened = loadsCoarsened(nest, d, factor, reductions);
        if (coarsened < fewest)
          best = d, fewest = coarsened;
      }
      if (!best)
        continue;
      foldViews(nest);
      coarsen(nest, *nestBody(nest, reductions), *best, factor);
      simplify(nest);
    }
  }
};
} // namespace
