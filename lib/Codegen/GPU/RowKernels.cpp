//===- RowKernels.cpp - row reductions and their neighbours as one kernel -===//
//
// Rewrites runs of linalg ops over one iteration space of rows (a
// reduction's outputs) and row elements (its reduced dimensions) into one
// gpu.launch with a workgroup per row: reductions fold their row in
// parallel and combine in a tree; elementwise ops around them handle the
// row's elements in the same places (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "LinalgKernels.h"
#include "PaddedOperands.h"

#include "aiopt/Codegen/BufferViews.h"
#include "aiopt/Codegen/GPU/GridLimits.h"

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUROWKERNELSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// A buffer access of a group member: the memref value and its indexing
/// map (over the group's loop dimensions, which all members share).
struct Access {
  Value value;
  AffineMap map;
  bool operator==(const Access &o) const { return value == o.value && map == o.map; }
};

/// A linalg op of a group: elementwise over the whole space, or a
/// reduction of the row elements into one value per row.
struct Member {
  linalg::LinalgOp op;
  /// Reductions: the payload's `comb(out, x)`, its identity, and the fill
  /// that last wrote the output (then erased: the kernel starts from its
  /// constant and stores every output).
  Operation *comb = nullptr;
  TypedAttr identity;
  linalg::FillOp fill;
  TypedAttr initValue;
  bool isReduction() const { return comb != nullptr; }
};

/// Consecutive linalg ops that become one kernel.
struct Group {
  SmallVector<int64_t> ranges;
  /// The row dimensions (a reduction's outputs, in its output's order) and
  /// the element dimensions (the reduced ones), once a reduction joined.
  SmallVector<unsigned> rowDims, elementDims;
  SmallVector<Member> members;
  /// Per buffer root: the group's write of it, and its reads before any.
  /// Every access of a written root is the write's own element, so one
  /// invocation reads and writes it (or, for a reduction's output, the
  /// row's value that every invocation holds).
  DenseMap<Value, Access> written;
  DenseMap<Value, SmallVector<Access>> read;
  /// Fills between members whose buffers no member touched yet: a later
  /// reduction may start from one; otherwise they run before the kernel.
  SmallVector<linalg::FillOp> pendingFills;

  bool hasReduction() const { return !rowDims.empty() || !elementDims.empty(); }
  int64_t extent(ArrayRef<unsigned> dims) const {
    int64_t n = 1;
    for (unsigned d : dims)
      n *= ranges[d];
    return n;
  }
};
} // namespace

/// Whether `op` can sit between members (the kernel then runs after it):
/// ops without effects (views, index arithmetic) and allocations.
static bool transparent(Operation &op) {
  if (op.getNumRegions())
    return false;
  if (isMemoryEffectFree(&op))
    return true;
  auto effects = dyn_cast<MemoryEffectOpInterface>(&op);
  SmallVector<MemoryEffects::EffectInstance> list;
  if (!effects)
    return false;
  effects.getEffects(list);
  return llvm::all_of(list, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Allocate>(e.getEffect());
  });
}

/// Whether the buffer rooted at `root` may be one of `roots` (or, unless
/// `orSame`, only whether it may be one without being the same root:
/// function arguments may be one buffer).
static bool mayShare(Value root, ArrayRef<Value> roots, bool orSame) {
  return llvm::any_of(roots, [&](Value other) {
    return (orSame || other != root) && !aiopt::buffersApart(root, other);
  });
}

/// The pending fill of `group` on the buffer rooted at `root`, if any.
static linalg::FillOp *pendingFillOf(Group &group, Value root) {
  for (linalg::FillOp &fill : group.pendingFills)
    if (aiopt::viewedBuffer(fill.getOutputs()[0]) == root)
      return &fill;
  return nullptr;
}

/// Adds `op` to `group` when it fits (same loop ranges and row structure,
/// and every access of a buffer the group writes is that write's element);
/// false, with `group` unchanged, otherwise.
static bool tryAdd(Group &group, linalg::LinalgOp op) {
  // Every root the group reads or writes, and those it writes.
  SmallVector<Value> accessed, writes, fills;
  for (auto &[root, access] : group.written) {
    accessed.push_back(root);
    writes.push_back(root);
  }
  for (auto &[root, accesses] : group.read)
    accessed.push_back(root);
  for (linalg::FillOp fill : group.pendingFills)
    fills.push_back(aiopt::viewedBuffer(fill.getOutputs()[0]));
  if (auto fill = dyn_cast<linalg::FillOp>(op.getOperation())) {
    // It runs before the kernel: apart from everything the group touches.
    if (mayShare(aiopt::viewedBuffer(fill.getOutputs()[0]), accessed, /*orSame=*/true))
      return false;
    group.pendingFills.push_back(fill);
    return true;
  }
  std::optional<SmallVector<int64_t>> ranges = aiopt::kernelLoopRanges(op, /*inPlace=*/true);
  if (!ranges || (!group.members.empty() && *ranges != group.ranges))
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  Member m;
  m.op = op;
  SmallVector<unsigned> rowDims, elementDims;
  if (op.getNumReductionLoops()) {
    m.comb = aiopt::combiningOp(op);
    std::optional<TypedAttr> identity =
        m.comb ? arith::getNeutralElement(m.comb) : std::optional<TypedAttr>();
    if (!identity)
      return false;
    m.identity = *identity;
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    for (AffineExpr e : outMap.getResults()) {
      unsigned d = cast<AffineDimExpr>(e).getPosition();
      if (iterators[d] != utils::IteratorType::parallel)
        return false;
      rowDims.push_back(d);
    }
    for (unsigned d = 0; d < iterators.size(); ++d)
      if (iterators[d] == utils::IteratorType::reduction)
        elementDims.push_back(d);
    if (group.hasReduction() && (rowDims != group.rowDims || elementDims != group.elementDims))
      return false;
  }
  // Reads: of the group's writes, only their elements; none of a pending
  // fill's buffer.
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value root = aiopt::viewedBuffer(input->get());
    if (mayShare(root, writes, /*orSame=*/false) || mayShare(root, fills, /*orSame=*/false))
      return false;
    auto w = group.written.find(root);
    if ((w != group.written.end() && !(w->second == Access{input->get(), op.getMatchingIndexingMap(input)})) ||
        pendingFillOf(group, root))
      return false;
  }
  // The write: the same element as every earlier access of its buffer; a
  // reduction may start from a pending fill of exactly its output.
  Value outRoot = aiopt::viewedBuffer(init->get());
  Access write{init->get(), outMap};
  if (mayShare(outRoot, accessed, /*orSame=*/false) || mayShare(outRoot, fills, /*orSame=*/false))
    return false;
  if (auto w = group.written.find(outRoot); w != group.written.end() && !(w->second == write))
    return false;
  if (auto r = group.read.find(outRoot); r != group.read.end())
    if (llvm::any_of(r->second, [&](const Access &a) { return !(a == write); }))
      return false;
  // A reduction starts from a constant fill of exactly its output that
  // nothing touched since (a pending one, or one before the group); any
  // other op on a pending fill's buffer ends the group.
  Operation *last = aiopt::lastToucher(op, outRoot, /*writesOnly=*/false);
  TypedAttr value = m.isReduction() ? aiopt::filledWith(last, init->get()) : TypedAttr();
  if (value && value.getType() == m.identity.getType()) {
    m.fill = cast<linalg::FillOp>(last);
    m.initValue = value;
  } else if (pendingFillOf(group, outRoot)) {
    return false;
  }

  // It fits: record it.
  if (group.members.empty())
    group.ranges = *ranges;
  if (m.isReduction() && !group.hasReduction()) {
    group.rowDims = rowDims;
    group.elementDims = elementDims;
  }
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value root = aiopt::viewedBuffer(input->get());
    if (!group.written.count(root))
      group.read[root].push_back({input->get(), op.getMatchingIndexingMap(input)});
  }
  group.written[outRoot] = write;
  if (m.fill)
    llvm::erase(group.pendingFills, m.fill);
  group.members.push_back(m);
  return true;
}

namespace {
/// Writes a group's kernel.
class RowKernelBuilder {
public:
  RowKernelBuilder(RewriterBase &b, const Group &g, int64_t threads, bool allocBuffers)
      : b(b), g(g), threads(threads), allocBuffers(allocBuffers),
        loc(Member(g.members.back()).op.getLoc()) {}
  void build();

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  /// The payload of `m` cloned at the loop dimension values `at`, its
  /// output argument bound to `out` (or loaded where null and used):
  /// returns the yielded value.
  Value payload(const Member &m, ArrayRef<Value> at, Value out);
  void elementwise(Member m);
  void reduction(Member m);
  Value combine(Operation *comb, Value a, Value c) {
    IRMapping map;
    map.map(comb->getOperand(0), a);
    map.map(comb->getOperand(1), c);
    return b.clone(*comb, map)->getResult(0);
  }

  RewriterBase &b;
  const Group &g;
  int64_t threads;
  bool allocBuffers;
  Location loc;
  Value tid;
  /// The row's loop dimension values (element dimensions unset).
  SmallVector<Value> rowAt;
  /// The workgroup buffer of partial results per element type, and
  /// whether a tree used it since the last barrier.
  DenseMap<Type, Value> partials;
  DenseMap<Type, bool> partialsRead;
  /// Each reduction's result for the row, by output memref value.
  DenseMap<Value, Value> rowValues;
};
} // namespace

Value RowKernelBuilder::payload(const Member &m, ArrayRef<Value> at, Value out) {
  linalg::LinalgOp op = m.op;
  Block *body = op.getBlock();
  IRMapping map;
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value v = rowValues.lookup(input->get());
    if (!v || op.getMatchingIndexingMap(input) != g.written.lookup(aiopt::viewedBuffer(input->get())).map)
      v = aiopt::loadAtDims(b, loc, op, input, at);
    map.map(body->getArgument(input->getOperandNumber()), v);
  }
  Value outArg = body->getArguments().back();
  if (!out && !outArg.use_empty())
    out = aiopt::loadAtDims(b, loc, op, op.getDpsInitOperand(0), at);
  if (out)
    map.map(outArg, out);
  for (Operation &inner : body->without_terminator())
    b.clone(inner, map);
  return map.lookupOrDefault(body->getTerminator()->getOperand(0));
}

void RowKernelBuilder::elementwise(Member m) {
  // This invocation's elements of the row: tid, tid + threads, ...
  auto loop = scf::ForOp::create(b, loc, tid, cst(g.extent(g.elementDims)), cst(threads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> at(rowAt);
  aiopt::delinearizeDims(b, loc, g.elementDims, g.ranges, loop.getInductionVar(), at);
  Value v = payload(m, at, Value());
  OpOperand *init = m.op.getDpsInitOperand(0);
  memref::StoreOp::create(b, loc, v, init->get(),
                          aiopt::indicesAtDims(b, loc, m.op.getMatchingIndexingMap(init), at));
}

void RowKernelBuilder::reduction(Member m) {
  OpOperand *init = m.op.getDpsInitOperand(0);
  SmallVector<Value> outIndices =
      aiopt::indicesAtDims(b, loc, m.op.getMatchingIndexingMap(init), rowAt);
  // The output's starting value, read before any invocation stores it.
  Value start = rowValues.lookup(init->get());
  if (!start)
    start = m.initValue ? arith::ConstantOp::create(b, loc, m.initValue).getResult()
                        : memref::LoadOp::create(b, loc, init->get(), outIndices).getResult();
  // This invocation's share, from the identity.
  Value identity = arith::ConstantOp::create(b, loc, m.identity);
  auto loop = scf::ForOp::create(b, loc, tid, cst(g.extent(g.elementDims)), cst(threads),
                                 ValueRange{identity});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> at(rowAt);
    aiopt::delinearizeDims(b, loc, g.elementDims, g.ranges, loop.getInductionVar(), at);
    scf::YieldOp::create(b, loc, payload(m, at, loop.getRegionIterArgs()[0]));
  }
  Type type = m.identity.getType();
  Value buffer = partials.lookup(type);
  // Every invocation read the last tree's total before this one's
  // partial results overwrite it.
  if (partialsRead.lookup(type))
    gpu::BarrierOp::create(b, loc);
  memref::StoreOp::create(b, loc, loop.getResult(0), buffer, tid);
  gpu::BarrierOp::create(b, loc);
  // The tree: invocations below `half` fold in the one `half` above.
  for (int64_t half = threads / 2; half >= 1; half /= 2) {
    Value active = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, tid, cst(half));
    auto ifOp = scf::IfOp::create(b, loc, active, /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value mine = memref::LoadOp::create(b, loc, buffer, tid);
      Value other = memref::LoadOp::create(
          b, loc, buffer, ValueRange{arith::AddIOp::create(b, loc, tid, cst(half))});
      memref::StoreOp::create(b, loc, combine(m.comb, mine, other), buffer, tid);
    }
    gpu::BarrierOp::create(b, loc);
  }
  // Every invocation holds the row's value; the first stores it.
  Value total = combine(m.comb, start, memref::LoadOp::create(b, loc, buffer, cst(0)));
  partialsRead[type] = true;
  rowValues[init->get()] = total;
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, cst(0));
  auto ifOp = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  memref::StoreOp::create(b, loc, total, init->get(), outIndices);
}

void RowKernelBuilder::build() {
  b.setInsertionPoint(Member(g.members.back()).op);
  SmallVector<MemRefType> bufferTypes;
  SmallVector<Type> types;
  for (Member m : g.members)
    if (m.isReduction() && !llvm::is_contained(types, m.identity.getType())) {
      types.push_back(m.identity.getType());
      bufferTypes.push_back(MemRefType::get({threads}, types.back()));
    }
  // A workgroup per row; more rows than a grid axis takes fold into a
  // second axis, and the workgroups past the last row do nothing.
  int64_t rows = g.extent(g.rowDims);
  int64_t gridY = llvm::divideCeil(rows, aiopt::kPortableGridAxis);
  int64_t gridX = llvm::divideCeil(rows, gridY);
  SmallVector<Value> buffers;
  auto launch = aiopt::createKernelLaunch(b, loc, {b.getIndexAttr(gridX), b.getIndexAttr(gridY)},
                                          threads, bufferTypes, allocBuffers, buffers);
  for (auto [type, buffer] : llvm::zip(types, buffers))
    partials[type] = buffer;
  tid = launch.getThreadIds().x;
  Value row = launch.getBlockIds().x;
  if (gridY > 1) {
    row = arith::AddIOp::create(b, loc, row,
                                arith::MulIOp::create(b, loc, launch.getBlockIds().y, cst(gridX)));
    if (gridX * gridY != rows) {
      Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, cst(rows));
      auto ifOp = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
      b.setInsertionPointToStart(ifOp.thenBlock());
    }
  }
  rowAt.assign(g.ranges.size(), Value());
  aiopt::delinearizeDims(b, loc, g.rowDims, g.ranges, row, rowAt);
  for (Member m : g.members)
    m.isReduction() ? reduction(m) : elementwise(m);
  for (const Member &m : g.members) {
    b.eraseOp(m.op);
    if (m.fill)
      b.eraseOp(m.fill);
  }
}

namespace {
struct GPURowKernelsPass : aiopt::impl::GPURowKernelsPassBase<GPURowKernelsPass> {
  using Base::Base;

  /// Whether `group` becomes a kernel: it has a reduction, with rows as
  /// long as `min-reduction` or, with an elementwise op that would be a
  /// kernel of its own, `min-row-length`.
  bool worthIt(const Group &group) const {
    if (!group.hasReduction())
      return false;
    int64_t length = group.extent(group.elementDims);
    bool elementwise = llvm::any_of(group.members, [](const Member &m) { return !m.isReduction(); });
    return length >= minReduction || (elementwise && length >= minRowLength);
  }

  void runOnOperation() override {
    if (workgroupSize < 2 || !llvm::isPowerOf2_64(workgroupSize)) {
      getOperation().emitError("workgroup-size must be a power of two of at least 2, not ")
          << static_cast<int64_t>(workgroupSize);
      return signalPassFailure();
    }
    FailureOr<bool> allocBuffers = aiopt::allocWorkgroupBuffers(getOperation(), tileMemory);
    if (failed(allocBuffers))
      return signalPassFailure();
    SmallVector<Block *> blocks;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp, linalg::LinalgOp>(op))
        return WalkResult::skip();
      for (Region &region : op->getRegions())
        for (Block &block : region)
          blocks.push_back(&block);
      return WalkResult::advance();
    });
    std::vector<Group> groups;
    for (Block *block : blocks)
      collect(*block, groups);
    IRRewriter rewriter(&getContext());
    for (const Group &group : groups) {
      int64_t length = group.extent(group.elementDims);
      int64_t threads = std::clamp<int64_t>(llvm::PowerOf2Ceil(length), 2, workgroupSize);
      RowKernelBuilder(rewriter, group, threads, *allocBuffers).build();
    }
  }

  /// Appends the groups of `block` worth a kernel to `groups`.
  void collect(Block &block, std::vector<Group> &groups) {
    Group group;
    // A group ends where an op does not fit; one that does not fit the
    // next either leaves the fills that waited to the next group.
    auto close = [&](bool keepFills) {
      SmallVector<linalg::FillOp> fills;
      if (keepFills)
        fills = group.pendingFills;
      if (worthIt(group))
        groups.push_back(std::move(group));
      group = Group();
      group.pendingFills = fills;
    };
    for (Operation &op : block) {
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
        if (tryAdd(group, linalgOp))
          continue;
        close(/*keepFills=*/true);
        if (tryAdd(group, linalgOp))
          continue;
      } else if (transparent(op)) {
        continue;
      }
      close(/*keepFills=*/false);
    }
    close(/*keepFills=*/false);
  }
};
} // namespace
