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

#include <cmath>
#include <numeric>

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

RankedTensorType withDim(Type type, int64_t dim, int64_t size) {
  auto t = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(t.getShape());
  shape[dim] = size;
  return RankedTensorType::get(shape, t.getElementType());
}

/// The sum of |w| (or w^2) over each head's columns (axis 1) or rows
/// (axis 0) of a 2-D constant weight.
void addHeadNorms(Value weight, int64_t axis, int64_t headSize, bool l2,
                  SmallVectorImpl<double> &norms) {
  auto type = cast<RankedTensorType>(weight.getType());
  FailureOr<SmallVector<double>> values = constantFloats(weight);
  if (failed(values))
    return;
  int64_t cols = type.getDimSize(1);
  for (auto [i, x] : llvm::enumerate(*values)) {
    int64_t index = axis == 1 ? static_cast<int64_t>(i) % cols : static_cast<int64_t>(i) / cols;
    norms[index / headSize] += l2 ? x * x : std::abs(x);
  }
}

} // namespace

bool mlir::aiopt::pruneHeads(PatternRewriter &rewriter, Operation *op, double ratio, bool l2) {
  auto attention = cast<AttentionOp>(op);
  auto refuse = [&](StringRef why) {
    op->emitRemark("attention heads not pruned: ") << why;
    return false;
  };
  int64_t heads = 0, headSize = 0;
  FailureOr<HeadInput> q = matchInput(attention.getQuery(), heads, headSize);
  FailureOr<HeadInput> k = matchInput(attention.getKeyTransposed(), heads, headSize);
  FailureOr<HeadInput> v = matchInput(attention.getValue(), heads, headSize);
  if (failed(q) || failed(k) || failed(v))
    return refuse("Q, K and V are not each a projection with constant weights split into the "
                  "same heads");
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
  if (!op->hasOneUse() || !out || out.getLhs() != merge.getResult() || !weightOperand(out) ||
      !matchPattern(out.getRhs(), m_Constant()) || !merges())
    return refuse("its output is not merged and projected by a matmul with constant weights");

  // Head importance: the norms of each head's weights in all four.
  SmallVector<double> norms(heads, 0.0);
  for (HeadInput *in : {&*q, &*k, &*v})
    addHeadNorms(in->projection.getRhs(), 1, headSize, l2, norms);
  addHeadNorms(out.getRhs(), 0, headSize, l2, norms);
  int64_t removed = static_cast<int64_t>(std::floor(ratio * heads + 1e-9));
  if (removed == 0)
    return true;
  SmallVector<int64_t> order(heads);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return norms[a] > norms[b]; });
  SmallVector<int64_t> keptHeads(order.begin(), order.end() - removed);
  llvm::sort(keptHeads);
  SmallVector<int64_t> columns;
  for (int64_t head : keptHeads)
    for (int64_t j = 0; j < headSize; ++j)
      columns.push_back(head * headSize + j);
  int64_t kept = keptHeads.size(), width = columns.size();

  for (HeadInput *in : {&*q, &*k, &*v}) {
    MatMulOp p = in->projection;
    p.getRhsMutable().assign(sliceConstant(rewriter, p.getRhs(), 1, columns));
    if (Value bias = p.getBias()) {
      auto bt = cast<RankedTensorType>(bias.getType());
      if (bt.getDimSize(bt.getRank() - 1) != 1)
        p.getBiasMutable().assign(sliceConstant(rewriter, bias, bt.getRank() - 1, columns));
    }
    auto pt = cast<RankedTensorType>(p.getType());
    p.getResult().setType(withDim(pt, pt.getRank() - 1, width));
    auto st = cast<RankedTensorType>(in->split.getType());
    in->split.getResult().setType(withDim(st, st.getRank() - 2, kept));
    auto tt = cast<RankedTensorType>(in->transpose.getType());
    in->transpose.getResult().setType(withDim(tt, tt.getRank() - 3, kept));
  }
  auto at = cast<RankedTensorType>(attention.getType());
  attention.getResult().setType(withDim(at, at.getRank() - 3, kept));
  auto bt = cast<RankedTensorType>(back.getType());
  back.getResult().setType(withDim(bt, bt.getRank() - 2, kept));
  auto mt = cast<RankedTensorType>(merge.getType());
  merge.getResult().setType(withDim(mt, mt.getRank() - 1, width));
  out.getRhsMutable().assign(sliceConstant(rewriter, out.getRhs(), 0, columns));
  return true;
}
