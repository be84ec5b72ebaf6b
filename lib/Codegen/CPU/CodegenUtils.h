//===- CodegenUtils.h - helpers shared by the CPU codegen passes -*- C++ -*-===//
//
// Private to lib/Codegen/CPU.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CODEGEN_CPU_CODEGENUTILS_H
#define AIOPT_LIB_CODEGEN_CPU_CODEGENUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {

/// Canonicalization patterns of every loaded dialect and registered op (what
/// the canonicalize pass applies), for passes that canonicalize between
/// their steps.
void populateCanonicalization(MLIRContext *ctx, RewritePatternSet &patterns);

/// Tiles `op` with `sizes` (0: not tiled), loops in `order` (empty: the
/// op's), as scf.forall with `forall` else scf.for, and replaces `op`;
/// returns the tiled op and the loops, outermost first. Fails, leaving
/// `op` alone, when `op` has a zero-sized (empty) iteration space.
FailureOr<scf::SCFTilingResult> tileOp(RewriterBase &rewriter, linalg::LinalgOp op,
                                       ArrayRef<int64_t> sizes, ArrayRef<int64_t> order = {},
                                       bool forall = false);

/// Peels every scf.for of `loops` (outermost first) but the last
/// `keepInnermost`, innermost first, so the peeled copy of an outer loop
/// holds both parts of the inner ones; with static bounds every tile then
/// has a static size.
void peelLoops(RewriterBase &rewriter, ArrayRef<LoopLikeOpInterface> loops,
               unsigned keepInnermost);

/// Drops the unit-extent loops of `op` except those in `keep`, with
/// rank-reducing slices of its operands (`reshape`: collapse_shape and
/// expand_shape instead, for whole tensors, which later reshape folding can
/// see through); returns the new op, or `op` when nothing drops.
linalg::LinalgOp dropUnitLoops(RewriterBase &rewriter, linalg::GenericOp op,
                               ArrayRef<unsigned> keep = {}, bool reshape = false);

/// Canonicalizes `root` (so tiles get static sizes), then vectorizes every
/// linalg op carrying the unit attribute `marker` (removing it) whose shapes
/// are static, after `prepare` (which may replace the op, e.g. to drop unit
/// loops). `namedContraction`: contractions become vector.contract.
LogicalResult vectorizeMarked(Operation *root, StringRef marker,
                              function_ref<linalg::LinalgOp(RewriterBase &, linalg::LinalgOp)> prepare,
                              bool namedContraction);

/// Whether an input read through `map` is read in loop order along loop
/// `inner` or does not depend on it: a projected permutation with `inner`
/// (if present) in its last result, or a window read (an im2col gather)
/// whose last result is `inner` plus outer loops and whose other results
/// do not involve `inner`. Once the outer loops are tiled by one, either
/// reads a contiguous run. With `maxStride` above one, a window read may
/// take `inner` times a constant stride of at most `maxStride` (a strided
/// convolution's gather), every stride-th element of a run.
bool readsInLoopOrder(AffineMap map, unsigned inner, int64_t maxStride = 1);

/// Appends the terms of `e`, a sum of loops times positive constants, to
/// `terms` (loop, factor); false for any other expression.
bool linearTerms(AffineExpr e, SmallVectorImpl<std::pair<unsigned, int64_t>> &terms);

/// Reads of `op` at a stride (map results `loop * s`: a register tile of a
/// strided convolution, a piece of a strided im2col gather) become reads
/// of a strided slice of the operand through the plain loops, which the
/// vectorizer reads as strided vectors (aiopt-cpu-strided-copy-to-loops
/// makes them contiguous loads and shuffles); constant map results (a
/// fixed tap, a Winograd patch entry) fix the slice's offset there and
/// drop the dimension. Returns whether any did.
bool sliceStridedReads(RewriterBase &rewriter, linalg::GenericOp op);

/// The largest constant stride along a memref's innermost dimension at
/// which vector reads become contiguous loads and shuffles
/// (aiopt-cpu-strided-copy-to-loops), so the largest at which
/// aiopt-cpu-vectorize-elementwise vectorizes strided reads.
constexpr int64_t kMaxReadStride = 4;

/// Whether every operand of `op` has integer or float elements of a byte or
/// more: vectors of narrower ones (i1 masks, 4-bit types) would be read
/// bit-packed from memory that holds one per byte.
bool hasByteElements(Operation *op);

} // namespace mlir::aiopt

#endif
