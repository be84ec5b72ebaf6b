//===- AIOptToLinalg.h - aiopt to linalg lowering ---------------*- C++ -*-===//
//
// Entry points of the aiopt -> linalg/tensor/arith/math lowering.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CONVERSION_AIOPTTOLINALG_AIOPTTOLINALG_H
#define AIOPT_CONVERSION_AIOPTTOLINALG_AIOPTTOLINALG_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::aiopt {

/// How the lowering shapes code for its target.
struct AIOptToLinalgOptions {
  /// Attention with static shapes as an scf.forall over blocks of query
  /// rows (scores one block at a time, in cache; for CPUs), else
  /// whole-tensor products and softmax (for GPUs, whose kernels span every
  /// head at once).
  bool blockedAttention = true;
  /// Convolutions of one group read copies of their input's windows
  /// (shifted rows, or an im2col matrix) that CPUs' vectorized products
  /// stream; else one product reads the padded input through window
  /// indices (for GPUs, whose product kernels gather their tiles
  /// themselves). A 1x1 convolution with unit strides reads its input in
  /// place either way.
  bool windowCopies = true;
};

/// Adds the patterns lowering every aiopt operation to `patterns`.
void populateAIOptToLinalgPatterns(RewritePatternSet &patterns,
                                   const AIOptToLinalgOptions &options = {});

/// Marks aiopt illegal and the dialects it lowers to legal.
void configureAIOptToLinalgTarget(ConversionTarget &target);

} // namespace mlir::aiopt

#endif // AIOPT_CONVERSION_AIOPTTOLINALG_AIOPTTOLINALG_H
