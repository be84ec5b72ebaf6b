//===- PruneHeads.cpp - structured pruning of attention heads -------------===//
//
// An attention block as exported: Q, K and V are projections (matmuls with
// constant weights) of the hidden state, each split into heads (reshape
// [..., S, H*d] -> [..., S, H, d]) and transposed to [..., H, S, d] (K to
// [..., H, d, S]); the attention's output is transposed back, merged
// ([..., S, H*d]) and projected by a fourth matmul. Removing head h removes
// columns h*d..h*d+d-1 of the three projections (and their biases) and the
// same rows of the output projection; every shape on the way loses those
// heads. Any other use or shape leaves the block whole.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/Pruning.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "mlir/IR/Matchers.h"


using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// One of Q, K, V: matmul -> reshape into heads -> transpose.
struct HeadInput {
  MatMulOp projection;
  ReshapeOp split;
  TransposeOp transpose;
};

/// `v` with shape [..., S, H*d] split into [..., S, H, d], the H dimension
/// at the returned position; nothing otherwise.
std::optional<int64_t> headSplit(ReshapeOp reshape, int64_t &heads, int64_t &headSize) {
  auto in = cast<RankedTensorType>(reshape.getInput().getType());
  auto out = cast<RankedTensorType>(reshape.getType());
  if (!in.hasStaticShape() || !out.hasStaticShape() || out.getRank() != in.getRank() + 1 ||
      in.getShape().drop_back() != out.getShape().drop_back(2) ||
      out.getShape()[out.getRank() - 2] * out.getShape().back() != in.getShape().back())
    return std::nullopt;
  heads = out.getShape()[out.getRank() - 2];
  headSize = out.getShape().back();
  return out.getRank() - 2;
}

/// Matches `v` as an input of the attention with `perm` (the transpose
/// that makes it [..., H, S, d], or [..., H, d, S] for K).
FailureOr<HeadInput> matchInput(Value v, int64_t &heads, int64_t &headSize) {
  auto transpose = v.getDefiningOp<TransposeOp>();
  auto split = transpose ? transpose.getInput().getDefiningOp<ReshapeOp>() : ReshapeOp();
  auto projection = split ? split.getInput().getDefiningOp<MatMulOp>() : MatMulOp();
  if (!projection || !transpose->hasOneUse() || !split->hasOneUse() ||
      !projection->hasOneUse() || !weightOperand(projection) ||
      !matchPattern(projection.getRhs(), m_Constant()) ||
      (projection.getBias() && !matchPattern(projection.getBias(), m_Constant())))
    return failure();
  int64_t h = 0, d = 0;
  std::optional<int64_t> headDim = headSplit(split, h, d);
  if (!headDim || (heads && (h != heads || d != headSize)))
    return failure();
  heads = h;
  headSize = d;
  // The heads must become the dimension before the two of S and d.
  ArrayRef<int64_t> perm = transpose.getPerm();
  int64_t rank = perm.size();
  if (perm[rank - 3] != *headDim)
    return failure();
  return HeadInput{projection, split, transpose};
}

} // namespace

SmallVector<Operation *>
mlir::aiopt::pruneHeads(PatternRewriter &rewriter, Operation *op,
                        function_ref<double(ArrayRef<Operation *>)> ratioOf, bool l2) {
  auto attention = cast<AttentionOp>(op);
  int64_t heads = 0, headSize = 0;
  FailureOr<HeadInput> q = matchInput(attention.getQuery(), heads, headSize);
  FailureOr<HeadInput> k = matchInput(attention.getKeyTransposed(), heads, headSize);
  FailureOr<HeadInput> v = matchInput(attention.getValue(), heads, headSize);
  if (failed(q) || failed(k) || failed(v)) {
    op->emitRemark("attention heads not pruned: Q, K and V are not each a projection with "
                   "constant weights split into the same heads");
    return {};
  }
  SmallVector<Operation *> projections = {q->projection, k->projection, v->projection};
  // The output: transpose back, merge the heads, project.
  auto back = op->hasOneUse() ? dyn_cast<TransposeOp>(*op->getUsers().begin()) : TransposeOp();
  auto merge = back && back->hasOneUse() ? dyn_cast<ReshapeOp>(*back->getUsers().begin())
                                         : ReshapeOp();
  auto out = merge && merge->hasOneUse() ? dyn_cast<MatMulOp>(*merge->getUsers().begin())
                                         : MatMulOp();
  auto merges = [&] {
    // [..., H, S, d] -> [..., S, H, d] -> [..., S, H*d].
    ArrayRef<int64_t> perm = back.getPerm();
    int64_t r = perm.size();
    auto merged = cast<RankedTensorType>(merge.getType());
    auto bt = cast<RankedTensorType>(back.getType());
    return perm[r - 2] == r - 3 && perm[r - 1] == r - 1 && merged.getRank() + 1 == r &&
           bt.getShape().take_back(2) == ArrayRef<int64_t>{heads, headSize} &&
           merged.getShape().back() == heads * headSize;
  };
  if (!out || out.getLhs() != merge.getResult() || !weightOperand(out) ||
      !matchPattern(out.getRhs(), m_Constant()) || !merges()) {
    op->emitRemark("attention heads not pruned: its output is not merged and projected by a "
                   "matmul with constant weights");
    return projections;
  }

  // Head importance: the norms of each head's weights in all four
  // projections (columns of Q, K and V; rows of the output's).
  SmallVector<double> norms(heads, 0.0);
  auto addNorms = [&](Value weight, int64_t axis) {
    for (auto [i, x] : llvm::enumerate(channelNorms(weight, axis, l2)))
      norms[i / headSize] += x;
  };
  for (HeadInput *in : {&*q, &*k, &*v})
    addNorms(in->projection.getRhs(), 1);
  addNorms(out.getRhs(), 0);
  SmallVector<int64_t> keptHeads = keepLargest(norms, ratioOf(projections));
  int64_t kept = keptHeads.size();
  if (kept == heads)
    return projections;
  SmallVector<int64_t> columns;
  for (int64_t head : keptHeads)
    for (int64_t j = 0; j < headSize; ++j)
      columns.push_back(head * headSize + j);

  for (HeadInput *in : {&*q, &*k, &*v}) {
    MatMulOp p = in->projection;
    p.getRhsMutable().assign(sliceConstant(rewriter, p.getRhs(), 1, columns));
    if (Value bias = p.getBias()) {
      auto bt = cast<RankedTensorType>(bias.getType());
      if (bt.getDimSize(bt.getRank() - 1) != 1)
        p.getBiasMutable().assign(sliceConstant(rewriter, bias, bt.getRank() - 1, columns));
    }
    setDimSize(p.getResult(), -1, columns.size());
    setDimSize(in->split.getResult(), -2, kept);
    setDimSize(in->transpose.getResult(), -3, kept);
  }
  setDimSize(attention.getResult(), -3, kept);
  setDimSize(back.getResult(), -2, kept);
  setDimSize(merge.getResult(), -1, columns.size());
  out.getRhsMutable().assign(sliceConstant(rewriter, out.getRhs(), 0, columns));
  return projections;
}
