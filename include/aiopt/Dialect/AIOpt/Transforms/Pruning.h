//===- Pruning.h - which weights aiopt-prune removes ------------*- C++ -*-===//
//
// The ops pruning applies to and their weights, shared by the aiopt-prune
// pass, the sparse-kernel choice (aiopt-sparse-weights) and the compiler
// driver (the accuracy guard and the sparsity report).
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_TRANSFORMS_PRUNING_H
#define AIOPT_DIALECT_AIOPT_TRANSFORMS_PRUNING_H

#include "aiopt/Dialect/AIOpt/Transforms/Quantization.h"

#include "mlir/IR/Operation.h"

namespace mlir::aiopt {

/// On a pruning candidate, set by the accuracy guard: the sparsity
/// (magnitude) or channel ratio (channels) of this layer, `f64`, in place
/// of the pass option. 0 leaves the layer dense.
inline constexpr llvm::StringLiteral kPruneAmountAttr = "aiopt.prune_amount";

/// The weight operand of a conv, matmul or gemm and its layout: the
/// dimension of its output channels and the one it is reduced along
/// (input channels of a convolution, K of a matrix product).
struct WeightOperand {
  OpOperand *operand = nullptr;
  int64_t outputAxis = 0, reductionAxis = 0;
};

/// The weight of `op` (conv filter, right operand of a matmul with a 2-D
/// one, B of a gemm with A not transposed); nothing for other ops.
std::optional<WeightOperand> weightOperand(Operation *op);

/// Ops under `root` with a weight operand, selected by `selection`, in walk
/// order: what pruning considers (it refuses, with a remark, those whose
/// weight is not a float constant).
SmallVector<Operation *> pruningCandidates(Operation *root, const LayerSelection &selection);

/// The fraction of zero elements of constant `v`; failure when `v` is not
/// a float constant.
FailureOr<double> constantSparsity(Value v);


/// The L1 (or, with `l2`, squared L2) norm of each index along `axis` of
/// the float constant `weight`; zeros when it is not one.
SmallVector<double> channelNorms(Value weight, int64_t axis, bool l2);

/// The indices of `scores` to keep, ascending: all but the `ratio` fraction
/// (rounded down) with the smallest scores.
SmallVector<int64_t> keepLargest(ArrayRef<double> scores, double ratio);

/// Gives `v` the type it has with `size` elements along dimension `dim`
/// (negative: counted from the last).
void setDimSize(Value v, int64_t dim, int64_t size);

/// A constant like `v` with only the `keep` indices (ascending) of
/// dimension `axis`.
Value sliceConstant(PatternRewriter &rewriter, Value v, int64_t axis, ArrayRef<int64_t> keep);

/// Structured pruning of `op`'s output channels, together with those of
/// every contraction whose output is added to them (a residual stream):
/// keeps the channels `keep` returns (ascending) for the group's
/// contractions, and shrinks every consumer (see aiopt-prune). Returns the
/// group's contractions (just `op`, after a remark saying why, when the
/// channels must stay).
SmallVector<Operation *>
pruneChannels(PatternRewriter &rewriter, Operation *op,
              function_ref<SmallVector<int64_t>(ArrayRef<Operation *>)> keep);

/// Structured pruning of the heads of attention `op` (an aiopt.attention
/// whose Q, K and V are projections split into heads and whose output is
/// merged and projected): removes the fraction `ratioOf` gives for the
/// block's Q, K and V projections, the heads whose weights in the four
/// projections have the smallest norm (L1, or L2 with `l2`). Returns
/// those three projections (their columns are the heads', not output
/// channels of their own), empty when Q, K and V are not of that form;
/// a remark says why a block keeps its heads.
SmallVector<Operation *>
pruneHeads(PatternRewriter &rewriter, Operation *op,
           function_ref<double(ArrayRef<Operation *>)> ratioOf, bool l2);

} // namespace mlir::aiopt

#endif // AIOPT_DIALECT_AIOPT_TRANSFORMS_PRUNING_H
