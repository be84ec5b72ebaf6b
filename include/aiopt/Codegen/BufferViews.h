//===- BufferViews.h - what a buffer view stands on -------------*- C++ -*-===//
//
// Shared by the CPU and GPU code generators: the buffer a chain of views
// (subviews, reshapes, casts) stands on, whether two such buffers are
// certainly apart, and whether one is a constant global (weights), which
// never changes while the model runs.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CODEGEN_BUFFERVIEWS_H
#define AIOPT_CODEGEN_BUFFERVIEWS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::aiopt {

/// The value `v` views through view-like ops: an allocation, a global, a
/// block argument or the result of another op.
inline Value viewedBuffer(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    v = view.getViewSource();
  }
  return v;
}

/// Whether `def` is a view that keeps its source's elements where they
/// are: a subview, cast or reshape (not a reinterpret_cast or view, which
/// may reach outside their source).
inline bool keepsSourceElements(Operation *def) {
  return isa<memref::SubViewOp, memref::CastOp, memref::ExpandShapeOp,
             memref::CollapseShapeOp>(def);
}

/// The memref that `op` accesses where it is a memref.load or
/// memref.store; null otherwise.
inline Value accessedMemRef(Operation *op) {
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return load.getMemRef();
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return store.getMemRef();
  return Value();
}

/// Whether the buffers rooted at `a` and `b` (viewedBuffer results) are
/// certainly apart: different allocations or globals, or an allocation and
/// anything else. Two function arguments may be one buffer.
inline bool buffersApart(Value a, Value b) {
  if (a == b)
    return false;
  auto fresh = [](Value v) {
    return v.getDefiningOp<memref::AllocOp>() || v.getDefiningOp<memref::AllocaOp>();
  };
  if (fresh(a) || fresh(b))
    return true;
  auto ga = a.getDefiningOp<memref::GetGlobalOp>(), gb = b.getDefiningOp<memref::GetGlobalOp>();
  return ga && gb && ga.getName() != gb.getName();
}

/// Whether the views `a` and `b` certainly share no element: their
/// buffers are apart, or they are views of one buffer through subviews
/// (and casts and reshapes, which keep a view's elements) that part at two
/// subviews of one memref whose static offsets, sizes and strides leave a
/// gap along some dimension.
inline bool viewsApart(Value a, Value b) {
  // The chain of views from the buffer up to `v`, buffer first; empty when
  // a view other than a subview, cast or reshape is on the way (a
  // reinterpret_cast or view may reach outside its source).
  auto chain = [](Value v) {
    SmallVector<Value> views{v};
    while (Operation *def = v.getDefiningOp()) {
      if (!keepsSourceElements(def)) {
        if (isa<ViewLikeOpInterface>(def))
          return SmallVector<Value>();
        break;
      }
      v = cast<ViewLikeOpInterface>(def).getViewSource();
      views.push_back(v);
    }
    return SmallVector<Value>(llvm::reverse(views));
  };
  Value ra = viewedBuffer(a), rb = viewedBuffer(b);
  if (ra != rb)
    return buffersApart(ra, rb);
  SmallVector<Value> ca = chain(a), cb = chain(b);
  size_t common = 0;
  while (common < ca.size() && common < cb.size() && ca[common] == cb[common])
    ++common;
  // One view contains the other, or an unknown view is on the way.
  if (common == 0 || common == ca.size() || common == cb.size())
    return false;
  auto sa = ca[common].getDefiningOp<memref::SubViewOp>();
  auto sb = cb[common].getDefiningOp<memref::SubViewOp>();
  if (!sa || !sb)
    return false;
  for (auto [oa, na, ta, ob, nb, tb] :
       llvm::zip_equal(sa.getStaticOffsets(), sa.getStaticSizes(), sa.getStaticStrides(),
                       sb.getStaticOffsets(), sb.getStaticSizes(), sb.getStaticStrides())) {
    if (ShapedType::isDynamic(oa) || ShapedType::isDynamic(na) || ShapedType::isDynamic(ta) ||
        ShapedType::isDynamic(ob) || ShapedType::isDynamic(nb) || ShapedType::isDynamic(tb))
      continue;
    if (na == 0 || nb == 0 || oa + (na - 1) * ta < ob || ob + (nb - 1) * tb < oa)
      return true;
  }
  return false;
}

/// Whether each memory effect `op` has of its own satisfies `ok`. An op
/// without MemoryEffectOpInterface has none of its own when its effects
/// are those of the ops in its regions (which a walk checks where they
/// are); otherwise its effects are unknown and this is false.
inline bool ownEffectsAll(Operation *op,
                          function_ref<bool(const MemoryEffects::EffectInstance &)> ok) {
  auto iface = dyn_cast<MemoryEffectOpInterface>(op);
  if (!iface)
    return op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
  SmallVector<MemoryEffects::EffectInstance> effects;
  iface.getEffects(effects);
  return llvm::all_of(effects, ok);
}

/// Whether `v` is a view of a constant memref.global.
inline bool viewsConstant(Value v, SymbolTableCollection &symbols) {
  auto get = viewedBuffer(v).getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return false;
  auto global = symbols.lookupNearestSymbolFrom<memref::GlobalOp>(get, get.getNameAttr());
  return global && global.getConstant();
}

} // namespace mlir::aiopt

#endif // AIOPT_CODEGEN_BUFFERVIEWS_H
