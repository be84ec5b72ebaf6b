//===- PruneChannels.cpp - structured pruning of output channels ----------===//
//
// Removing output channels of a convolution or matrix product is a shape
// change that travels: every op between it and the next contractions
// carries the channel dimension (activations, per-channel constants, batch
// normalization, pooling and reductions over other axes, a flatten), and those contractions lose the
// matching input channels. Where two activations are added (a residual
// connection), every contraction writing either side shares the channels:
// they are pruned together, a whole residual stream at once. The rewrite
// happens only when every use and source can follow; anything else (a
// concatenation, a model input or output) leaves the layers whole.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/Pruning.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseSet.h"

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

/// What a channel rewrite changes: the contractions whose outputs hold the
/// channels (with the value and its axis), ops whose result carries them
/// (with the axis in their result), constant operands to slice (with the
/// dimension), and consumers' weights to slice along their input channels.
struct ChannelGroup {
  SmallVector<Operation *> producers;
  SmallVector<std::pair<Operation *, int64_t>> carriers;
  SmallVector<std::pair<OpOperand *, int64_t>> constants;
  SmallVector<std::pair<OpOperand *, int64_t>> consumerWeights;
};

/// The result axis of a producer's channels.
int64_t outputChannelAxis(Operation *op) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  return isa<ConvOp>(op) ? 1 : type.getRank() - 1;
}

/// Collects the channel group of `start`'s output: following its uses to
/// the next contractions, and through additions of two activations
/// (residual connections) back to every contraction writing the other
/// side, whose outputs then share the channels. On failure `why` names the
/// op the rewrite cannot follow.
FailureOr<ChannelGroup> collectGroup(Operation *start, int64_t channels, std::string &why) {
  ChannelGroup group;
  SmallVector<ChannelValue> worklist = {{start->getResult(0), outputChannelAxis(start)}};
  DenseSet<Value> seen = {start->getResult(0)};
  DenseSet<Operation *> counted;
  group.producers.push_back(start);
  counted.insert(start);
  auto refuse = [&](Operation *op) {
    why = "its output reaches '" + op->getName().getStringRef().str() +
          "', which a channel rewrite cannot follow";
    return failure();
  };
  auto visit = [&](Value v, int64_t axis) {
    if (seen.insert(v).second)
      worklist.push_back({v, axis});
  };
  /// An op whose result carries the channels, once.
  auto carry = [&](Operation *op, int64_t resultAxis) {
    if (counted.insert(op).second)
      group.carriers.push_back({op, resultAxis});
    visit(op->getResult(0), resultAxis);
  };
  /// An operand of broadcasting arithmetic on the channels: a constant to
  /// slice (or broadcast along them), or another activation of the group.
  auto join = [&](OpOperand &operand, RankedTensorType type, int64_t axis) -> LogicalResult {
    FailureOr<int64_t> d = alignedChannelDim(operand.get(), type.getRank(), axis, channels);
    if (succeeded(d)) {
      if (*d >= 0)
        group.constants.push_back({&operand, *d});
      return success();
    }
    if (operand.get().getType() != type)
      return failure();
    visit(operand.get(), axis);
    return success();
  };
  auto isBinary = [](Operation *op) {
    return isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PReluOp>(op);
  };
  while (!worklist.empty()) {
    auto [v, axis] = worklist.pop_back_val();
    auto type = cast<RankedTensorType>(v.getType());
    int64_t rank = type.getRank();
    // Where the channels come from: a contraction, or ops that carry them.
    if (Operation *def = v.getDefiningOp(); def && !counted.contains(def)) {
      if (weightOperand(def) && outputChannelAxis(def) == axis &&
          (!isa<ConvOp>(def) || cast<ConvOp>(def).getGroup() == 1) &&
          matchPattern(def->getOperand(1), m_Constant())) {
        counted.insert(def);
        group.producers.push_back(def);
      } else if ((def->hasTrait<OpTrait::Elementwise>() && def->getNumOperands() == 1) ||
                 (isa<PoolOp>(def) && axis == 1)) {
        carry(def, axis);
        visit(def->getOperand(0), axis);
      } else if (isBinary(def) && def->getResult(0).getType() == type) {
        carry(def, axis);
        for (OpOperand &operand : def->getOpOperands())
          if (failed(join(operand, type, axis)))
            return refuse(def);
      } else {
        return refuse(def);
      }
    } else if (!def) {
      // A model input cannot lose channels.
      why = "its channels also come from a model input";
      return failure();
    }
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      unsigned idx = use.getOperandNumber();
      // Consumers: the next contraction's input channels.
      if (auto conv = dyn_cast<ConvOp>(user); conv && idx == 0 && axis == 1 &&
                                             conv.getGroup() == 1 &&
                                             matchPattern(conv.getFilter(), m_Constant())) {
        group.consumerWeights.push_back({&user->getOpOperand(1), 1});
        continue;
      }
      if (auto mm = dyn_cast<MatMulOp>(user);
          mm && idx == 0 && axis == rank - 1 && weightOperand(user) &&
          matchPattern(mm.getRhs(), m_Constant())) {
        group.consumerWeights.push_back({&user->getOpOperand(1), 0});
        continue;
      }
      if (auto gemm = dyn_cast<GemmOp>(user); gemm && idx == 0 && axis == 1 &&
                                             !gemm.getTransA() &&
                                             matchPattern(gemm.getB(), m_Constant())) {
        group.consumerWeights.push_back({&user->getOpOperand(1), gemm.getTransB() ? 1 : 0});
        continue;
      }
      // Elementwise ops of one operand keep every dimension.
      if (user->hasTrait<OpTrait::Elementwise>() && user->getNumOperands() == 1 &&
          user->getNumResults() == 1 && user->getResult(0).getType() == type) {
        carry(user, axis);
        continue;
      }
      // Broadcasting arithmetic with a per-channel or scalar constant, or
      // with another activation of the same channels (a residual addition:
      // the other side joins the group).
      if (isBinary(user) && user->getResult(0).getType() == type) {
        if (!counted.contains(user) && failed(join(user->getOpOperand(1 - idx), type, axis)))
          return refuse(user);
        carry(user, axis);
        continue;
      }
      if (auto bn = dyn_cast<BatchNormOp>(user); bn && idx == 0 && axis == 1) {
        if (!counted.contains(user))
          for (unsigned p = 1; p < 5; ++p) {
            if (!matchPattern(user->getOperand(p), m_Constant()))
              return refuse(user);
            group.constants.push_back({&user->getOpOperand(p), 0});
          }
        carry(user, axis);
        continue;
      }
      if (isa<PoolOp>(user) && axis == 1) {
        carry(user, axis);
        continue;
      }
      // A reduction over other axes (global pooling).
      if (auto reduce = dyn_cast<ReduceOp>(user);
          reduce && !llvm::is_contained(reduce.getAxes(), axis)) {
        int64_t before = llvm::count_if(reduce.getAxes(), [&](int64_t a) { return a < axis; });
        carry(user, reduce.getKeepdims() ? axis : axis - before);
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
            carry(user, out.getRank() - 1);
            continue;
          }
        }
      }
      return refuse(user);
    }
  }
  return group;
}

} // namespace

SmallVector<Operation *>
mlir::aiopt::pruneChannels(PatternRewriter &rewriter, Operation *op,
                           function_ref<SmallVector<int64_t>(ArrayRef<Operation *>)> keep) {
  WeightOperand w = *weightOperand(op);
  int64_t channels = cast<RankedTensorType>(w.operand->get().getType()).getDimSize(w.outputAxis);
  std::string why;
  FailureOr<ChannelGroup> group = collectGroup(op, channels, why);
  // Each producer's bias (or gemm's C) slices with the channels too: a
  // convolution's has one element per channel, the others broadcast to
  // the result.
  if (succeeded(group)) {
    for (Operation *p : group->producers) {
      auto pw = *weightOperand(p);
      if (cast<RankedTensorType>(pw.operand->get().getType()).getDimSize(pw.outputAxis) !=
          channels) {
        why = "the contractions added together have different channel counts";
        break;
      }
      if (p->getNumOperands() <= 2)
        continue;
      OpOperand &b = p->getOpOperand(2);
      int64_t rank = cast<RankedTensorType>(p->getResult(0).getType()).getRank();
      FailureOr<int64_t> d = isa<ConvOp>(p) ? alignedChannelDim(b.get(), 1, 0, channels)
                                            : alignedChannelDim(b.get(), rank,
                                                                outputChannelAxis(p), channels);
      if (failed(d)) {
        why = "a bias is not a per-channel constant";
        break;
      }
      if (*d >= 0)
        group->constants.push_back({&b, *d});
    }
  }
  if (failed(group) || !why.empty()) {
    op->emitRemark("output channels not pruned: ") << why;
    return {op};
  }
  SmallVector<int64_t> kept = keep(group->producers);
  if (static_cast<int64_t>(kept.size()) == channels)
    return group->producers;
  int64_t size = kept.size();
  for (Operation *p : group->producers) {
    WeightOperand pw = *weightOperand(p);
    pw.operand->set(sliceConstant(rewriter, pw.operand->get(), pw.outputAxis, kept));
    setDimSize(p->getResult(0), outputChannelAxis(p), size);
  }
  for (auto [operand, d] : group->constants)
    operand->set(sliceConstant(rewriter, operand->get(), d, kept));
  for (auto [operand, d] : group->consumerWeights)
    operand->set(sliceConstant(rewriter, operand->get(), d, kept));
  for (auto [carrier, a] : group->carriers)
    setDimSize(carrier->getResult(0), a, size);
  return group->producers;
}
