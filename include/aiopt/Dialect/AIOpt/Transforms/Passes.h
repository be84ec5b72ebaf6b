//===- Passes.h - aiopt graph passes ----------------------------*- C++ -*-===//
//
// Declarations and registration of the graph-level passes on the aiopt
// dialect.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_TRANSFORMS_PASSES_H
#define AIOPT_DIALECT_AIOPT_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::aiopt {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"

} // namespace mlir::aiopt

#endif // AIOPT_DIALECT_AIOPT_TRANSFORMS_PASSES_H
