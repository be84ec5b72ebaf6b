//===- PruneChannels.cpp - structured pruning of output channels ----------===//
//
// Removing output channels of a convolution or matrix product is a shape
// change that travels: every op between it and the next contractions
// carries the channel dimension (activations, per-channel constants, batch
// normalization, pooling, a flatten), and those contractions lose the
// matching input channels. The rewrite happens only when every use of the
// result can follow; anything else (a residual addition of two
// activations, a concatenation, a model output) leaves the layer whole.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/Pruning.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// A value whose dimension `axis` holds the pruned channels.
struct ChannelValue {
  Value value;
  int64_t axis;
};

/// A constant operand that broadcasts into a result of rank `rank` whose
/// dimension `axis` has `channels` channels: the dimension of the constant
/// to slice, or -1 when it broadcasts along the channels (or is a scalar).
FailureOr<int64_t> alignedChannelDim(Value k, int64_t rank, int64_t axis, int64_t channels) {
  if (!matchPattern(k, m_Constant()))
    return failure();
  auto type = cast<RankedTensorType>(k.getType());
  int64_t d = axis - (rank - type.getRank());
  if (d < 0 || type.getDimSize(d) == 1)
    return -1;
  if (type.getDimSize(d) != channels)
    return failure();
  return d;
}

/// What a channel rewrite changes: ops whose result carries the channels
/// (with the axis in their result), constant operands to slice (with the
/// dimension), and consumers' weights to slice along their input channels.
struct ChannelChain {
  SmallVector<std::pair<Operation *, int64_t>> carriers;
  SmallVector<std::pair<OpOperand *, int64_t>> constants;
  SmallVector<std::pair<OpOperand *, int64_t>> consumerWeights;
};

/// Follows the uses of `start` to the next contractions; on failure,
/// `why` names the use that cannot follow.
FailureOr<ChannelChain> followChannels(ChannelValue start, int64_t channels, std::string &why) {
  ChannelChain chain;
  SmallVector<ChannelValue> worklist = {start};
  auto refuse = [&](Operation *user) {
    why = "its output reaches '" + user->getName().getStringRef().str() +
          "', which a channel rewrite cannot follow";
    return failure();
  };
  while (!worklist.empty()) {
    auto [v, axis] = worklist.pop_back_val();
    auto type = cast<RankedTensorType>(v.getType());
    int64_t rank = type.getRank();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      unsigned idx = use.getOperandNumber();
      auto carry = [&](int64_t resultAxis) {
        chain.carriers.push_back({user, resultAxis});
        worklist.push_back({user->getResult(0), resultAxis});
      };
      // Consumers: the next contraction's input channels.
      if (auto conv = dyn_cast<ConvOp>(user); conv && idx == 0 && axis == 1 &&
                                             conv.getGroup() == 1 &&
                                             matchPattern(conv.getFilter(), m_Constant())) {
        chain.consumerWeights.push_back({&user->getOpOperand(1), 1});
        continue;
      }
      if (auto mm = dyn_cast<MatMulOp>(user);
          mm && idx == 0 && axis == rank - 1 && weightOperand(user) &&
          matchPattern(mm.getRhs(), m_Constant())) {
        chain.consumerWeights.push_back({&user->getOpOperand(1), 0});
        continue;
      }
      if (auto gemm = dyn_cast<GemmOp>(user); gemm && idx == 0 && axis == 1 &&
                                             !gemm.getTransA() &&
                                             matchPattern(gemm.getB(), m_Constant())) {
        chain.consumerWeights.push_back({&user->getOpOperand(1), gemm.getTransB() ? 1 : 0});
        continue;
      }
      // Elementwise ops of one operand keep every dimension.
      if (user->hasTrait<OpTrait::Elementwise>() && user->getNumOperands() == 1 &&
          user->getNumResults() == 1 && user->getResult(0).getType() == type) {
        carry(axis);
        continue;
      }
      // Broadcasting arithmetic with a per-channel or scalar constant.
      if (isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PReluOp>(user) &&
          user->getResult(0).getType() == type) {
        OpOperand &other = user->getOpOperand(1 - idx);
        FailureOr<int64_t> d = alignedChannelDim(other.get(), rank, axis, channels);
        if (failed(d))
          return refuse(user);
        if (*d >= 0)
          chain.constants.push_back({&other, *d});
        carry(axis);
        continue;
      }
      if (auto bn = dyn_cast<BatchNormOp>(user); bn && idx == 0 && axis == 1) {
        for (unsigned p = 1; p < 5; ++p) {
          if (!matchPattern(user->getOperand(p), m_Constant()))
            return refuse(user);
          chain.constants.push_back({&user->getOpOperand(p), 0});
        }
        carry(axis);
        continue;
      }
      if (isa<PoolOp>(user) && axis == 1) {
        carry(axis);
        continue;
      }
      // A flatten of [N, C, 1, ...] into [N, C].
      if (auto reshape = dyn_cast<ReshapeOp>(user)) {
        auto out = cast<RankedTensorType>(reshape.getType());
        bool trailingOnes = llvm::all_of(type.getShape().drop_front(axis + 1),
                                         [](int64_t d) { return d == 1; });
        if (trailingOnes && out.hasStaticShape() && type.hasStaticShape() &&
            out.getShape().back() == channels &&
            out.getNumElements() == type.getNumElements()) {
          int64_t lead = 1;
          for (int64_t d : out.getShape().drop_back())
            lead *= d;
          int64_t before = 1;
          for (int64_t d : type.getShape().take_front(axis))
            before *= d;
          if (lead == before) {
            carry(out.getRank() - 1);
            continue;
          }
        }
      }
      return refuse(user);
    }
  }
  return chain;
}

/// `type` with `size` elements along `axis`.
RankedTensorType resized(Type type, int64_t axis, int64_t size) {
  auto t = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = size;
  return RankedTensorType::get(shape, t.getElementType(), t.getEncoding());
}

} // namespace

bool mlir::aiopt::pruneChannels(PatternRewriter &rewriter, Operation *op,
                                ArrayRef<int64_t> keep) {
  WeightOperand w = *weightOperand(op);
  Value result = op->getResult(0);
  int64_t rank = cast<RankedTensorType>(result.getType()).getRank();
  int64_t axis = isa<ConvOp>(op) ? 1 : rank - 1;
  int64_t channels = cast<RankedTensorType>(w.operand->get().getType()).getDimSize(w.outputAxis);
  if (static_cast<int64_t>(keep.size()) == channels)
    return true;
  std::string why;
  FailureOr<ChannelChain> chain = followChannels({result, axis}, channels, why);
  // The bias (or gemm's C) slices with the channels too: a convolution's
  // has one element per channel, the others broadcast to the result.
  std::optional<std::pair<OpOperand *, int64_t>> bias;
  if (succeeded(chain) && op->getNumOperands() > 2) {
    OpOperand &b = op->getOpOperand(2);
    FailureOr<int64_t> d = isa<ConvOp>(op)
                               ? alignedChannelDim(b.get(), 1, 0, channels)
                               : alignedChannelDim(b.get(), rank, axis, channels);
    if (failed(d))
      why = "its bias is not a per-channel constant";
    else if (*d >= 0)
      bias = {&b, *d};
  }
  if (failed(chain) || !why.empty()) {
    op->emitRemark("output channels not pruned: ") << why;
    return false;
  }
  if (bias)
    chain->constants.push_back(*bias);

  int64_t kept = keep.size();
  w.operand->set(sliceConstant(rewriter, w.operand->get(), w.outputAxis, keep));
  for (auto [operand, d] : chain->constants)
    operand->set(sliceConstant(rewriter, operand->get(), d, keep));
  for (auto [operand, d] : chain->consumerWeights)
    operand->set(sliceConstant(rewriter, operand->get(), d, keep));
  result.setType(resized(result.getType(), axis, kept));
  for (auto [carrier, a] : chain->carriers)
    carrier->getResult(0).setType(resized(carrier->getResult(0).getType(), a, kept));
  return true;
}
