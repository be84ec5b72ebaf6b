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
