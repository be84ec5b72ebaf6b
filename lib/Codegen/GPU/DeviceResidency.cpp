//===- DeviceResidency.cpp - buffers stay on the device between launches --===//
//
// Marks the launches of single-block host functions resident and brackets
// the host code's own accesses to memory with calls that keep a GPU
// runtime's device mirrors coherent (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "KernelABI.h"

#include "aiopt/Codegen/BufferViews.h"
#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUDEVICERESIDENCYPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// The host-access functions' modes (lib/Runtime/DeviceMirrors.h). The last
/// three bracket the model's own function: its arguments at the entry and
/// the return, and the buffers it returns.
enum class Access : int32_t {
  Before = 0,
  HostWrote = 1,
  Forget = 2,
  Fresh = 3,
  Entry = 4,
  ArgumentOut = 5,
  Result = 6
};

/// The buffers a host operation reads and writes: the allocations they
/// view (a null value: all memory).
struct HostEffects {
  SetVector<Value> read, written;
  bool any() const { return !read.empty() || !written.empty(); }
};

class Residency {
public:
  Residency(ModuleOp module, StringRef function) : module(module), function(function) {}

  /// Rewrites `f`; fails when the runtime function has another type.
  LogicalResult run(func::FuncOp f);

private:
  /// The allocation `v` views; null when it cannot be sized (a layout
  /// other than the identity), `v`'s own root otherwise.
  Value root(Value v);
  /// Whether `v` views a constant global (never written, kept apart).
  bool constant(Value v) { return aiopt::viewsConstant(v, symbols); }
  /// What `op` (and the ops nested in it) does to buffers defined outside
  /// it; std::nullopt when not every effect is known.
  std::optional<HostEffects> effects(Operation *op);
  /// The calls around each host operation of `block` that touches buffers;
  /// launches are marked resident (recursing into regions holding some).
  void bracket(Block &block);
  void call(OpBuilder &b, Location loc, Value root, Access mode);

  ModuleOp module;
  StringRef function;
  SymbolTableCollection symbols;
  FailureOr<LLVM::LLVMFuncOp> fn;
};
} // namespace

/// The bytes of a host buffer's element; 0 for types the pass does not size
/// (kernels take only integers and floats; host buffers may hold indices).
static int64_t hostElementBytes(Type t) {
  if (t.isIndex())
    return 8;
  return t.isIntOrFloat() ? aiopt::kernelElementBytes(t) : 0;
}

Value Residency::root(Value v) {
  v = aiopt::viewedBuffer(v);
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getLayout().isIdentity() && hostElementBytes(type.getElementType()) ? v
                                                                                           : Value();
}

std::optional<HostEffects> Residency::effects(Operation *op) {
  HostEffects result;
  bool known = true;
  op->walk([&](Operation *nested) {
    if (isa<gpu::LaunchFuncOp>(nested) || nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return;
    auto iface = dyn_cast<MemoryEffectOpInterface>(nested);
    if (!iface) {
      known = false;
      return;
    }
    SmallVector<MemoryEffects::EffectInstance> list;
    iface.getEffects(list);
    for (const MemoryEffects::EffectInstance &e : list) {
      if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(e.getEffect()))
        continue;
      Value v = e.getValue();
      if (!v || !isa<MemRefType>(v.getType())) {
        known = false;
        continue;
      }
      if (constant(v))
        continue;
      Value r = root(v);
      // A buffer allocated inside `op` is its own business unless a launch
      // uses it, which `bracket` handles by recursing.
      if (r && op->isAncestor(r.getParentRegion()->getParentOp()))
        continue;
      (isa<MemoryEffects::Write>(e.getEffect()) ? result.written : result.read).insert(r);
    }
  });
  if (!known)
    return std::nullopt;
  return result;
}

void Residency::call(OpBuilder &b, Location loc, Value root, Access mode) {
  Type i64 = b.getI64Type();
  Value ptr, bytes;
  if (root) {
    auto type = cast<MemRefType>(root.getType());
    Value aligned = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, root);
    ptr = arith::IndexCastOp::create(b, loc, i64, aligned);
    Value count = arith::ConstantIndexOp::create(b, loc, hostElementBytes(type.getElementType()));
    for (int64_t d = 0; d < type.getRank(); ++d)
      count = arith::MulIOp::create(b, loc, count,
                                    type.isDynamicDim(d)
                                        ? memref::DimOp::create(b, loc, root, d).getResult()
                                        : arith::ConstantIndexOp::create(b, loc, type.getDimSize(d))
                                              .getResult());
    bytes = arith::IndexCastOp::create(b, loc, i64, count);
  } else {
    ptr = arith::ConstantIntOp::create(b, loc, i64, 0);
    bytes = arith::ConstantIntOp::create(b, loc, i64, 0);
  }
  Value m = arith::ConstantIntOp::create(b, loc, b.getI32Type(), static_cast<int32_t>(mode));
  LLVM::CallOp::create(b, loc, *fn, ValueRange{ptr, bytes, m});
}

static bool holdsLaunch(Operation *op) {
  return op->getNumRegions() > 0 &&
         op->walk([](gpu::LaunchFuncOp) { return WalkResult::interrupt(); }).wasInterrupted();
}

void Residency::bracket(Block &block) {
  for (Operation &op : llvm::make_early_inc_range(block)) {
    OpBuilder b(&op);
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
      launch->setAttr(aiopt::kResidentAttr, b.getUnitAttr());
      continue;
    }
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      // Undefined contents: a device mirror without a copy.
      if (Value r = root(alloc.getResult())) {
        b.setInsertionPointAfter(alloc);
        call(b, op.getLoc(), r, Access::Fresh);
      }
      continue;
    }
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      // The contents are dead: the mirror goes without a copy. A buffer
      // the pass cannot size stands for all memory, which is brought back
      // first (live buffers are in it).
      if (constant(dealloc.getMemref()))
        continue;
      Value r = root(dealloc.getMemref());
      if (!r)
        call(b, op.getLoc(), r, Access::Before);
      call(b, op.getLoc(), r, Access::Forget);
      continue;
    }
    if (op.hasTrait<OpTrait::IsTerminator>())
      continue;
    if (holdsLaunch(&op)) {
      for (Region &region : op.getRegions())
        for (Block &nested : region)
          bracket(nested);
      continue;
    }
    std::optional<HostEffects> e = effects(&op);
    if (e && !e->any())
      continue;
    Location loc = op.getLoc();
    if (!e) {
      call(b, loc, Value(), Access::Before);
      b.setInsertionPointAfter(&op);
      call(b, loc, Value(), Access::HostWrote);
      continue;
    }
    for (Value r : e->read)
      if (!e->written.contains(r))
        call(b, loc, r, Access::Before);
    for (Value r : e->written)
      call(b, loc, r, Access::Before);
    b.setInsertionPointAfter(&op);
    for (Value r : e->written)
      call(b, loc, r, Access::HostWrote);
  }
}

LogicalResult Residency::run(func::FuncOp f) {
  OpBuilder b(module.getContext());
  b.setInsertionPointToStart(module.getBody());
  Type i64 = b.getI64Type();
  fn = LLVM::lookupOrCreateFn(b, module, function, {i64, i64, b.getI32Type()},
                              LLVM::LLVMVoidType::get(module.getContext()));
  if (failed(fn))
    return f.emitError() << "'" << function << "' is declared with another type";
  Block &entry = f.getBody().front();
  bracket(entry);
  // The model's own (public) function tells the runtime which calls are
  // its caller's, where aiopt_run_on may have handed it device memory; a
  // private function's caller is host code of the same model.
  bool model = f.isPublic();
  // The caller may have changed the arguments' contents since the last run.
  b.setInsertionPointToStart(&entry);
  for (BlockArgument arg : entry.getArguments())
    if (isa<MemRefType>(arg.getType()))
      call(b, f.getLoc(), root(arg), model ? Access::Entry : Access::HostWrote);
  // Results the caller reads: arguments written in place, returned buffers
  // (whose mirrors go, the caller owning them).
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  b.setInsertionPoint(ret);
  for (BlockArgument arg : entry.getArguments())
    if (isa<MemRefType>(arg.getType()))
      call(b, ret.getLoc(), root(arg), model ? Access::ArgumentOut : Access::Before);
  for (Value v : ret.getOperands()) {
    if (!isa<MemRefType>(v.getType()) || constant(v))
      continue;
    if (model) {
      call(b, ret.getLoc(), root(v), Access::Result);
      continue;
    }
    call(b, ret.getLoc(), root(v), Access::Before);
    call(b, ret.getLoc(), root(v), Access::Forget);
  }
  return success();
}

namespace {
struct GPUDeviceResidencyPass
    : aiopt::impl::GPUDeviceResidencyPassBase<GPUDeviceResidencyPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Residency residency(module, function);
    for (auto f : llvm::to_vector(module.getOps<func::FuncOp>())) {
      // The model's function is rewritten even without launches: it is
      // what makes aiopt_run_on's device inputs readable by the host code.
      if (f.isExternal() || !f.getBody().hasOneBlock() || (!holdsLaunch(f) && !f.isPublic()))
        continue;
      if (failed(residency.run(f)))
        return signalPassFailure();
    }
  }
};
} // namespace
