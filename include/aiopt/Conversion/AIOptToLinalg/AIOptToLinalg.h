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
/// `blockedAttention`: attention with static shapes as an scf.forall over
/// blocks of query rows (scores one block at a time, in cache; for CPUs),
/// else whole-tensor products and softmax (for GPUs, whose kernels span
/// every head at once).
void populateAIOptToLinalgPatterns(RewritePatternSet &patterns, bool blockedAttention = true);

/// Marks aiopt illegal and the dialects it lowers to legal.
void configureAIOptToLinalgTarget(ConversionTarget &target);

} // namespace mlir::aiopt

#endif // AIOPT_CONVERSION_AIOPTTOLINALG_AIOPTTOLINALG_H
