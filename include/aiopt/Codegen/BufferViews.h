//===- BufferViews.h - what a buffer view stands on -------------*- C++ -*-===//
//
// Shared by the CPU and GPU code generators: the buffer a chain of views
// (subviews, reshapes, casts) stands on, and whether that is a constant
// global (weights), which never changes while the model runs.
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
