//===- PopulatePatterns.h - per-family lowering patterns --------*- C++ -*-===//
//
// Private: one populate function per op family of the aiopt -> linalg
// lowering, each defined in the file of that family.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CONVERSION_AIOPTTOLINALG_POPULATEPATTERNS_H
#define AIOPT_LIB_CONVERSION_AIOPTTOLINALG_POPULATEPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {
void populateElementwisePatterns(RewritePatternSet &patterns);
void populateContractionPatterns(RewritePatternSet &patterns);
void populateSparseContractionPatterns(RewritePatternSet &patterns);
/// `windowCopies`: see AIOptToLinalgOptions.
void populateWindowPatterns(RewritePatternSet &patterns, bool windowCopies);
void populateWinogradPatterns(RewritePatternSet &patterns);
void populateReductionPatterns(RewritePatternSet &patterns);
void populateDataMovementPatterns(RewritePatternSet &patterns);
void populateInterpolationPatterns(RewritePatternSet &patterns);
void populateScatterPatterns(RewritePatternSet &patterns);
void populateEinsumPatterns(RewritePatternSet &patterns);
void populateSelectionPatterns(RewritePatternSet &patterns);
void populateAttentionPatterns(RewritePatternSet &patterns, bool blocked);
void populateRuntimeCheckPatterns(RewritePatternSet &patterns);
} // namespace mlir::aiopt

#endif
