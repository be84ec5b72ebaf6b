//===- InitAll.h - register everything aiopt provides -----------*- C++ -*-===//
//
// Registration of aiopt's dialects, passes and pipelines together with the
// upstream ones its pipelines use.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_INITALL_H
#define AIOPT_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::aiopt {

/// aiopt's dialects plus every upstream dialect and extension.
void registerAllDialects(DialectRegistry &registry);

/// aiopt's passes and pipelines plus every upstream pass.
void registerAllPasses();

} // namespace mlir::aiopt

#endif // AIOPT_INITALL_H
