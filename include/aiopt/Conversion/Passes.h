//===- Passes.h - aiopt conversion passes -----------------------*- C++ -*-===//
//
// Declarations and registration of aiopt's conversion passes.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CONVERSION_PASSES_H
#define AIOPT_CONVERSION_PASSES_H

#include "aiopt/Conversion/AIOptToLinalg/AIOptToLinalg.h"
#include "mlir/Pass/Pass.h"

namespace mlir::aiopt {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "aiopt/Conversion/Passes.h.inc"

} // namespace mlir::aiopt

#endif // AIOPT_CONVERSION_PASSES_H
