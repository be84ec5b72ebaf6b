//===- AIOptToLinalg.h - aiopt to linalg lowering ---------------*- C++ -*-===//
//
// Entry points of the aiopt -> linalg/tensor/arith/math lowering.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CONVERSION_AIOPTTOLINALG_AIOPTTOLINALG_H
#define AIOPT_CONVERSION_AIOPTTOLINALG_AIOPTTOLINALG_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::aiopt {

/// Adds the patterns lowering every aiopt operation to `patterns`.
void populateAIOptToLinalgPatterns(RewritePatternSet &patterns);

/// Marks aiopt illegal and the dialects it lowers to legal.
void configureAIOptToLinalgTarget(ConversionTarget &target);

} // namespace mlir::aiopt

#endif // AIOPT_CONVERSION_AIOPTTOLINALG_AIOPTTOLINALG_H
