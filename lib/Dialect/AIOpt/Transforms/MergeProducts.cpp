//===- MergeProducts.cpp - the aiopt-merge-products pass ------------------===//
//
// Matrix products of one input by constant weights (attention's query, key
// and value projections) become one product by the weights side by side,
// whose columns slices hand back (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_MERGEPRODUCTSPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// A product that may merge: its weights' and bias's bytes.
struct Candidate {
  MatMulOp op;
  RawConstant weights;
  std::optional<RawConstant> bias;
  int64_t columns;
};

/// What products must share to merge: the input, the weights' rows and
/// element type, the result's element type, whether there is a bias, and
/// the epilogue.
struct Key {
  Value lhs;
  int64_t rows;
  Type weightType, resultType, biasType;
  Attribute activation, params, accumulate;
  bool operator==(const Key &o) const {
    return lhs == o.lhs && rows == o.rows && weightType == o.weightType &&
           resultType == o.resultType && biasType == o.biasType && activation == o.activation &&
           params == o.params && accumulate == o.accumulate;
  }
};

/// `op` as a candidate: float operands, a static result, 2-D constant
/// weights and a 1-D constant bias (or none), not marked for the sparse
/// kernel.
std::optional<Candidate> candidate(MatMulOp op, Key &key) {
  auto lhsType = dyn_cast<RankedTensorType>(op.getLhs().getType());
  auto rhsType = dyn_cast<RankedTensorType>(op.getRhs().getType());
  auto resultType = dyn_cast<RankedTensorType>(op.getType());
  if (!lhsType || !rhsType || !resultType || !resultType.hasStaticShape() ||
      rhsType.getRank() != 2 || !rhsType.hasStaticShape() ||
      !isa<FloatType>(lhsType.getElementType()) || !isa<FloatType>(rhsType.getElementType()) ||
      op->hasAttr("aiopt.sparse_weight"))
    return std::nullopt;
  FailureOr<RawConstant> weights = constantBytes(op.getRhs());
  if (failed(weights))
    return std::nullopt;
  Candidate c{op, *weights, std::nullopt, rhsType.getDimSize(1)};
  if (Value bias = op.getBias()) {
    auto biasType = dyn_cast<RankedTensorType>(bias.getType());
    FailureOr<RawConstant> bytes = constantBytes(bias);
    if (!biasType || biasType.getRank() != 1 || biasType.getDimSize(0) != c.columns ||
        failed(bytes))
      return std::nullopt;
    c.bias = *bytes;
  }
  Type biasType = op.getBias() ? getElementTypeOrSelf(op.getBias().getType()) : Type();
  key = Key{op.getLhs(),        rhsType.getDimSize(0),        rhsType.getElementType(),
            resultType.getElementType(), biasType,        op.getActivationAttr(),
            op.getActivationParamsAttr(), op.getAccumulateAttr()};
  return c;
}

/// Row `row` of `c`'s `columns`-wide constant of `bytes`-wide elements.
ArrayRef<char> rowOf(const RawConstant &c, int64_t row, int64_t columns, unsigned bytes) {
  if (c.splat)
    return c.data;
  return c.data.slice(row * columns * bytes, columns * bytes);
}

/// Appends `count` elements of `row` (a splat's one element repeated).
void append(std::vector<char> &out, ArrayRef<char> row, int64_t count, unsigned bytes) {
  if (static_cast<int64_t>(row.size()) == count * bytes) {
    out.insert(out.end(), row.begin(), row.end());
    return;
  }
  for (int64_t i = 0; i < count; ++i)
    out.insert(out.end(), row.begin(), row.end());
}

/// Replaces the products of `group` (in block order) by one.
void merge(PatternRewriter &b, ArrayRef<Candidate> group, const Key &key) {
  MatMulOp first = group.front().op;
  Location loc = first.getLoc();
  b.setInsertionPoint(first);
  unsigned bytes = key.weightType.getIntOrFloatBitWidth() / 8;
  int64_t total = 0;
  for (const Candidate &c : group)
    total += c.columns;
  std::vector<char> weights;
  weights.reserve(key.rows * total * bytes);
  for (int64_t row = 0; row < key.rows; ++row)
    for (const Candidate &c : group)
      append(weights, rowOf(c.weights, row, c.columns, bytes), c.columns, bytes);
  Value rhs = createRawConstant(b, loc, RankedTensorType::get({key.rows, total}, key.weightType),
                                weights);
  Value bias;
  if (Type biasType = key.biasType) {
    unsigned biasBytes = biasType.getIntOrFloatBitWidth() / 8;
    std::vector<char> values;
    for (const Candidate &c : group)
      append(values, rowOf(*c.bias, 0, c.columns, biasBytes), c.columns, biasBytes);
    bias = createRawConstant(b, loc, RankedTensorType::get({total}, biasType), values);
  }
  auto resultType = cast<RankedTensorType>(first.getType());
  SmallVector<int64_t> shape(resultType.getShape());
  shape.back() = total;
  auto merged = MatMulOp::create(b, loc, RankedTensorType::get(shape, key.resultType), key.lhs,
                                 rhs, bias, first.getActivationAttr(),
                                 first.getActivationParamsAttr(), first.getAccumulateAttr());
  int64_t offset = 0;
  for (Candidate c : group) {
    SmallVector<int64_t> starts(shape.size(), 0), ends(shape), steps(shape.size(), 1);
    starts.back() = offset;
    ends.back() = offset + c.columns;
    offset += c.columns;
    b.setInsertionPoint(c.op);
    b.replaceOpWithNewOp<SliceOp>(c.op, c.op.getType(), merged, b.getDenseI64ArrayAttr(starts),
                                  b.getDenseI64ArrayAttr(ends), b.getDenseI64ArrayAttr(steps));
  }
}

struct MergeProductsPass : mlir::aiopt::impl::MergeProductsPassBase<MergeProductsPass> {
  void runOnOperation() override {
    // Candidates by block and key, in block order.
    SmallVector<std::pair<Key, SmallVector<Candidate>>> groups;
    getOperation()->walk([&](MatMulOp op) {
      Key key;
      std::optional<Candidate> c = candidate(op, key);
      if (!c)
        return;
      auto it = llvm::find_if(groups, [&](auto &g) {
        return g.first == key && g.second.front().op->getBlock() == op->getBlock();
      });
      if (it == groups.end())
        groups.push_back({key, {*c}});
      else
        it->second.push_back(*c);
    });
    PatternRewriter rewriter(&getContext());
    for (auto &[key, group] : groups)
      if (group.size() > 1)
        merge(rewriter, group, key);
  }
};

} // namespace
