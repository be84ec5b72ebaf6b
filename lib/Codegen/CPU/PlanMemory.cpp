//===- PlanMemory.cpp - the aiopt-cpu-plan-memory pass --------------------===//
//
// A static memory plan: the intermediate buffers of a function share one
// arena, each at an offset chosen so that buffers alive at the same time
// never overlap.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUPLANMEMORYPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

/// One planned buffer: its allocation, the dealloc that frees it, its size
/// and the top-level ops (by position in the body) it is live across.
struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  int64_t bytes = 0, first = 0, last = 0, offset = 0;
};

/// The op of `block` that is or contains `op`.
Operation *topLevel(Operation *op, Block &block) {
  while (op && op->getBlock() != &block)
    op = op->getParentOp();
  return op;
}

/// Bytes of a static memref of whole-byte elements, or nullopt.
std::optional<int64_t> staticBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !type.getElementType().isIntOrFloat())
    return std::nullopt;
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  if (bits % 8 != 0)
    return std::nullopt;
  return type.getNumElements() * (bits / 8);
}

/// The live range of the buffer `alloc` allocates, in positions of the
/// top-level ops of `block`: from the allocation to the last op that uses
/// it or a value derived from it (views, reshapes, loops carrying it,
/// results of ops whose regions yield it). Fails when it escapes: returned,
/// freed other than by one dealloc of the buffer itself in `block`, or
/// taken apart for its base pointer (which a conditional dealloc frees).
FailureOr<Buffer> liveRange(memref::AllocOp alloc, Block &block,
                            const DenseMap<Operation *, int64_t> &position) {
  Buffer buffer;
  buffer.alloc = alloc;
  buffer.first = buffer.last = position.lookup(alloc);
  SmallVector<Value> worklist = {alloc.getResult()};
  DenseSet<Value> seen(worklist.begin(), worklist.end());
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<func::ReturnOp, memref::ExtractStridedMetadataOp>(user))
        return failure();
      if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
        if (v != alloc.getResult() || dealloc->getBlock() != &block || buffer.dealloc)
          return failure();
        buffer.dealloc = dealloc;
        continue;
      }
      Operation *top = topLevel(user, block);
      if (!top)
        return failure();
      buffer.last = std::max(buffer.last, position.lookup(top));
      // What the user returns (a view, a loop carrying the buffer) may be
      // the buffer, and so may what the op owning a terminator that yields
      // it returns.
      SmallVector<Value> derived(user->getResults());
      if (user->hasTrait<OpTrait::IsTerminator>() && user != top)
        llvm::append_range(derived, user->getParentOp()->getResults());
      for (Value r : derived)
        if (isa<BaseMemRefType>(r.getType()) && seen.insert(r).second)
          worklist.push_back(r);
    }
  }
  if (!buffer.dealloc)
    return failure();
  return buffer;
}

/// Places `buffers` (largest first, then in allocation order) at the
/// lowest offset, a multiple of `alignment`, where they overlap no placed
/// buffer whose live range meets theirs; returns the arena's size.
int64_t place(MutableArrayRef<Buffer> buffers, int64_t alignment) {
  SmallVector<Buffer *> order;
  for (Buffer &b : buffers)
    order.push_back(&b);
  llvm::sort(order, [](Buffer *a, Buffer *b) {
    return std::make_pair(-a->bytes, a->first) < std::make_pair(-b->bytes, b->first);
  });
  SmallVector<Buffer *> placed;
  int64_t arena = 0;
  for (Buffer *b : order) {
    // Ranges taken by live neighbours, by start.
    SmallVector<std::pair<int64_t, int64_t>> taken;
    for (Buffer *p : placed)
      if (p->first <= b->last && b->first <= p->last)
        taken.push_back({p->offset, p->offset + p->bytes});
    llvm::sort(taken);
    int64_t offset = 0;
    for (auto [begin, end] : taken) {
      if (offset + b->bytes <= begin)
        break;
      offset = std::max<int64_t>(offset, llvm::alignTo(end, alignment));
    }
    b->offset = offset;
    arena = std::max(arena, offset + b->bytes);
    placed.push_back(b);
  }
  return static_cast<int64_t>(llvm::alignTo(arena, alignment));
}

struct PlanMemoryPass : aiopt::impl::CPUPlanMemoryPassBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (alignment <= 0 || !llvm::isPowerOf2_64(alignment)) {
      emitError(module.getLoc()) << "aiopt-cpu-plan-memory: alignment must be a power of two";
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    int64_t arenaBytes = 0, plannedBytes = 0, unplanned = 0;
    SmallVector<Attribute> records;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (!func.getBody().hasOneBlock()) {
        func.walk([&](memref::AllocOp) { ++unplanned; });
        continue;
      }
      Block &block = func.getBody().front();
      DenseMap<Operation *, int64_t> position;
      int64_t index = 0;
      for (Operation &op : block)
        position[&op] = index++;
      SmallVector<Buffer> buffers;
      func.walk([&](memref::AllocOp alloc) {
        std::optional<int64_t> bytes = staticBytes(alloc.getType());
        FailureOr<Buffer> buffer = failure();
        // An allocation asking for more alignment than the arena gives
        // keeps its own.
        bool aligned = !alloc.getAlignment() || *alloc.getAlignment() <= uint64_t(alignment);
        if (bytes && aligned && alloc->getBlock() == &block && alloc.getDynamicSizes().empty() &&
            alloc.getSymbolOperands().empty())
          buffer = liveRange(alloc, block, position);
        if (failed(buffer) || *bytes == 0) {
          ++unplanned;
          return;
        }
        buffer->bytes = *bytes;
        buffers.push_back(*buffer);
      });
      if (buffers.empty())
        continue;
      int64_t size = place(buffers, alignment);
      arenaBytes += size;

      // The arena: allocated first, freed before every return.
      OpBuilder builder(ctx);
      builder.setInsertionPointToStart(&block);
      Location loc = func.getLoc();
      auto arenaType = MemRefType::get({size}, builder.getI8Type());
      Value arena = memref::AllocOp::create(builder, loc, arenaType, ValueRange{},
                                            builder.getI64IntegerAttr(alignment));
      func.walk([&](func::ReturnOp ret) {
        builder.setInsertionPoint(ret);
        memref::DeallocOp::create(builder, loc, arena);
      });
      for (Buffer &buf : buffers) {
        plannedBytes += buf.bytes;
        records.push_back(b.getDictionaryAttr(
            {b.getNamedAttr("function", b.getStringAttr(func.getSymName())),
             b.getNamedAttr("type", TypeAttr::get(buf.alloc.getType())),
             b.getNamedAttr("bytes", b.getI64IntegerAttr(buf.bytes)),
             b.getNamedAttr("offset", b.getI64IntegerAttr(buf.offset)),
             b.getNamedAttr("first", b.getI64IntegerAttr(buf.first)),
             b.getNamedAttr("last", b.getI64IntegerAttr(buf.last))}));
        builder.setInsertionPoint(buf.alloc);
        Value offset = arith::ConstantIndexOp::create(builder, buf.alloc.getLoc(), buf.offset);
        Value view = memref::ViewOp::create(builder, buf.alloc.getLoc(), buf.alloc.getType(),
                                            arena, offset, ValueRange{});
        buf.alloc.getResult().replaceAllUsesWith(view);
        buf.dealloc.erase();
        buf.alloc.erase();
      }
    }
    module->setAttr("aiopt.memory_plan",
                    b.getDictionaryAttr(
                        {b.getNamedAttr("arena_bytes", b.getI64IntegerAttr(arenaBytes)),
                         b.getNamedAttr("planned_bytes", b.getI64IntegerAttr(plannedBytes)),
                         b.getNamedAttr("unplanned_allocations", b.getI64IntegerAttr(unplanned)),
                         b.getNamedAttr("buffers", b.getArrayAttr(records))}));
  }
};

} // namespace
