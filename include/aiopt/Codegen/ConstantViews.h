//===- ConstantViews.h - views of constant globals --------------*- C++ -*-===//
//
// Shared by the CPU and GPU code generators: whether a buffer is a view of
// a constant global (weights), which never changes while the model runs.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CODEGEN_CONSTANTVIEWS_H
#define AIOPT_CODEGEN_CONSTANTVIEWS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::aiopt {

/// Whether `v` is a view (through view-like ops) of a constant memref.global.
inline bool viewsConstant(Value v, SymbolTableCollection &symbols) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto get = dyn_cast<memref::GetGlobalOp>(def)) {
      auto global = symbols.lookupNearestSymbolFrom<memref::GlobalOp>(get, get.getNameAttr());
      return global && global.getConstant();
    }
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return false;
    v = view.getViewSource();
  }
  return false;
}

} // namespace mlir::aiopt

#endif // AIOPT_CODEGEN_CONSTANTVIEWS_H
