//===- Broadcast.cpp - numpy broadcasting of operands ---------------------===//
//
// Indexing maps and sizes of elementwise ops whose operands broadcast to
// their result, and the run-time side of broadcasting: an operand extent
// the types leave dynamic may be 1 (the operand is then broadcast along
// it), equal to the result's, or neither (the model's run fails with
// AIOPT_ERROR_SHAPE, naming the node). Operands whose extents are not
// known to be the result's get that decision at run time, outside the
// loops; where they are the same value (one input's batch flowing through
// the graph), aiopt-tie-named-extents folds it away. Extents that must be
// equal without broadcasting (a product's reduced extents, Concat's off
// its axis, a reshape's fixed batch) take the same decision without the
// stretch (requireExtents).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "RuntimeReport.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::aiopt;

SmallVector<Value> mlir::aiopt::broadcastSizes(OpBuilder &b, Location loc,
                                               RankedTensorType type,
                                               ValueRange operands) {
  SmallVector<Value> sizes(type.getRank());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    for (Value v : operands) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t od = d - (type.getRank() - t.getRank());
      if (od >= 0 && t.isDynamicDim(od)) {
        sizes[d] = dimValue(b, loc, v, od);
        break;
      }
    }
  }
  return sizes;
}

AffineMap mlir::aiopt::broadcastMap(MLIRContext *ctx, RankedTensorType operand,
                                    RankedTensorType result) {
  SmallVector<AffineExpr> exprs;
  int64_t offset = result.getRank() - operand.getRank();
  for (int64_t d = 0; d < operand.getRank(); ++d) {
    bool broadcast = operand.getDimSize(d) == 1 &&
                     result.getDimSize(d + offset) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(d + offset, ctx));
  }
  return AffineMap::get(result.getRank(), 0, exprs, ctx);
}

namespace {
/// The dynamic extents of one operand that the result's may differ from.
struct OperandExtents {
  unsigned operand;
  Value value;
  SmallVector<int64_t> axes;   ///< the operand's axes
  SmallVector<Value> extents;  ///< its extents there
  SmallVector<Value> expected; ///< the result's extents there
};
} // namespace

static Value cmpEq(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
}

static Value allOf(OpBuilder &b, Location loc, ArrayRef<Value> conds) {
  Value all = conds.front();
  for (Value c : conds.drop_front())
    all = arith::AndIOp::create(b, loc, all, c);
  return all;
}

/// The extents of `e.value` with the checked axes at their expected ones.
static SmallVector<Value> expectedSizes(OpBuilder &b, Location loc, const OperandExtents &e) {
  auto type = cast<RankedTensorType>(e.value.getType());
  SmallVector<Value> dynSizes;
  for (int64_t a = 0; a < type.getRank(); ++a) {
    if (!type.isDynamicDim(a))
      continue;
    auto *it = llvm::find(e.axes, a);
    dynSizes.push_back(it == e.axes.end() ? dimValue(b, loc, e.value, a)
                                          : e.expected[it - e.axes.begin()]);
  }
  return dynSizes;
}

/// `e.value` with its checked axes stretched from 1 to the result's
/// extents: each reads index min(i, extent - 1), which is 0 along an axis
/// of extent 1 and i along one of the result's (an index, not a flag, so
/// that a GPU kernel can take it as an argument).
static Value stretch(OpBuilder &b, Location loc, const OperandExtents &e) {
  auto type = cast<RankedTensorType>(e.value.getType());
  SmallVector<Value> last(type.getRank());
  for (auto [axis, extent] : llvm::zip(e.axes, e.extents))
    last[axis] = arith::SubIOp::create(b, loc, extent, arith::ConstantIndexOp::create(b, loc, 1));
  SmallVector<Value> dynSizes = expectedSizes(b, loc, e);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dynSizes);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(type.getRank())},
      iterators(type.getRank(), 0), [&](OpBuilder &nb, Location nl, ValueRange) {
        SmallVector<Value> at;
        for (int64_t a = 0; a < type.getRank(); ++a) {
          Value i = linalg::IndexOp::create(nb, nl, a);
          at.push_back(last[a] ? arith::MinSIOp::create(nb, nl, i, last[a]).getResult() : i);
        }
        linalg::YieldOp::create(nb, nl, tensor::ExtractOp::create(nb, nl, e.value, at).getResult());
      });
  return generic.getResult(0);
}

/// `e.value` where its extents are the expected ones; else, with
/// `stretchOnes`, stretched where they are 1; else (they do not fit) a
/// report and an uninitialized tensor of the expected extents, which the
/// failed run's results come from without reading out of bounds.
static Value checkedOperand(OpBuilder &b, Location loc, const OperandExtents &e,
                            StringRef site, bool stretchOnes) {
  SmallVector<Value> same, fits;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [extent, expected] : llvm::zip(e.extents, e.expected)) {
    same.push_back(cmpEq(b, loc, extent, expected));
    fits.push_back(stretchOnes ? arith::OrIOp::create(b, loc, same.back(),
                                                      cmpEq(b, loc, extent, one))
                                     .getResult()
                               : same.back());
  }
  Type type = e.value.getType();
  auto asIs = scf::IfOp::create(b, loc, TypeRange{type}, allOf(b, loc, same), true, true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(asIs.thenBlock());
  scf::YieldOp::create(b, loc, e.value);
  b.setInsertionPointToStart(asIs.elseBlock());
  if (stretchOnes) {
    auto stretched = scf::IfOp::create(b, loc, TypeRange{type}, allOf(b, loc, fits), true, true);
    scf::YieldOp::create(b, loc, stretched.getResult(0));
    b.setInsertionPointToStart(stretched.thenBlock());
    scf::YieldOp::create(b, loc, stretch(b, loc, e));
    b.setInsertionPointToStart(stretched.elseBlock());
  }
  auto i64 = b.getI64Type();
  auto asI64 = [&](Value v) { return arith::IndexCastOp::create(b, loc, i64, v).getResult(); };
  auto constant = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, i64, v); };
  Value isTrue = arith::ConstantIntOp::create(b, loc, 1, 1);
  for (auto [k, axis] : llvm::enumerate(e.axes)) {
    auto bad = scf::IfOp::create(b, loc, TypeRange{},
                                 arith::XOrIOp::create(b, loc, fits[k], isTrue), false);
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(bad.thenBlock());
    callRuntimeReport(b, loc, kShapeErrorFn, site,
                      ValueRange{constant(e.operand), constant(axis), asI64(e.extents[k]),
                                 asI64(e.expected[k]), constant(stretchOnes)});
  }
  auto tt = cast<RankedTensorType>(type);
  scf::YieldOp::create(b, loc,
                       tensor::EmptyOp::create(b, loc, tt.getShape(), tt.getElementType(),
                                               expectedSizes(b, loc, e))
                           .getResult());
  return asIs.getResult(0);
}

void mlir::aiopt::matchReducedExtents(OpBuilder &b, Location loc, Value &lhs, int64_t lhsAxis,
                                      Value &rhs, int64_t rhsAxis) {
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  auto extent = [&](Value v, RankedTensorType t, int64_t axis) -> Value {
    return t.isDynamicDim(axis) ? dimValue(b, loc, v, axis)
                                : arith::ConstantIndexOp::create(b, loc, t.getDimSize(axis));
  };
  if (rt.isDynamicDim(rhsAxis))
    rhs = requireExtents(b, loc, rhs, 1, {{rhsAxis, extent(lhs, lt, lhsAxis)}});
  else if (lt.isDynamicDim(lhsAxis))
    lhs = requireExtents(b, loc, lhs, 0, {{lhsAxis, extent(rhs, rt, rhsAxis)}});
}

/// `operand` (number `operandNo`) checked against the trailing `result`
/// extents: its dynamic extents `own` (null where static or not to be
/// checked) that are not those values are decided at run time, stretching
/// extents of 1 where `stretchOnes`.
static Value checkedAgainst(OpBuilder &b, Location loc, Value operand, unsigned operandNo,
                            ArrayRef<Value> result, ArrayRef<Value> own, bool stretchOnes) {
  OperandExtents e{operandNo, operand, {}, {}, {}};
  for (int64_t a = 0; a < static_cast<int64_t>(own.size()); ++a) {
    Value expected = result[a + (result.size() - own.size())];
    if (!own[a] || own[a] == expected)
      continue;
    e.axes.push_back(a);
    e.extents.push_back(own[a]);
    e.expected.push_back(expected);
  }
  if (e.axes.empty())
    return operand;
  return checkedOperand(b, loc, e, runtimeSite(loc), stretchOnes);
}

Value mlir::aiopt::requireExtents(OpBuilder &b, Location loc, Value operand, unsigned operandNo,
                                  ArrayRef<std::pair<int64_t, Value>> expected) {
  auto type = cast<RankedTensorType>(operand.getType());
  SmallVector<Value> own(type.getRank()), wanted(type.getRank());
  for (auto [axis, want] : expected) {
    // An extent checked against itself (a Concat's first input) is not.
    auto dim = want.getDefiningOp<tensor::DimOp>();
    if (!type.isDynamicDim(axis) ||
        (dim && dim.getSource() == operand && dim.getConstantIndex() == axis))
      continue;
    own[axis] = dimValue(b, loc, operand, axis);
    wanted[axis] = want;
  }
  return checkedAgainst(b, loc, operand, operandNo, wanted, own, /*stretchOnes=*/false);
}

SmallVector<Value> mlir::aiopt::broadcastOperands(OpBuilder &b, Location loc,
                                                  RankedTensorType type,
                                                  SmallVectorImpl<Value> &operands,
                                                  unsigned trailing) {
  int64_t rank = type.getRank(), broadcastRank = rank - trailing;
  // Each dynamic operand extent, per operand and axis (null where static).
  SmallVector<SmallVector<Value>> extents;
  for (Value v : operands) {
    auto t = cast<RankedTensorType>(v.getType());
    int64_t broadcastAxes = std::max<int64_t>(t.getRank() - trailing, 0);
    extents.emplace_back(broadcastAxes);
    for (int64_t a = 0; a < broadcastAxes; ++a)
      if (t.isDynamicDim(a))
        extents.back()[a] = dimValue(b, loc, v, a);
  }
  auto operandAxis = [&](unsigned i, int64_t d) {
    return d - (rank - cast<RankedTensorType>(operands[i].getType()).getRank());
  };
  // The result's extents: static ones as the type has them; a dynamic one
  // is the first operand extent that is not 1 (a static one first), or 1.
  SmallVector<Value> result(broadcastRank), sizes(rank);
  for (int64_t d = 0; d < broadcastRank; ++d) {
    if (!type.isDynamicDim(d)) {
      result[d] = arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
      continue;
    }
    Value acc;
    for (unsigned i = 0; i < operands.size(); ++i) {
      int64_t a = operandAxis(i, d);
      auto t = cast<RankedTensorType>(operands[i].getType());
      if (a >= 0 && !t.isDynamicDim(a) && t.getDimSize(a) != 1)
        acc = arith::ConstantIndexOp::create(b, loc, t.getDimSize(a));
    }
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    for (unsigned i = 0; i < operands.size(); ++i) {
      int64_t a = operandAxis(i, d);
      if (a < 0 || !extents[i][a])
        continue;
      acc = acc ? arith::SelectOp::create(b, loc, cmpEq(b, loc, acc, one), extents[i][a], acc)
                      .getResult()
                : extents[i][a];
    }
    result[d] = sizes[d] = acc ? acc : one;
  }
  // Operands with a dynamic extent that is not itself the result's.
  for (unsigned i = 0; i < operands.size(); ++i)
    operands[i] = checkedAgainst(b, loc, operands[i], i, result, extents[i], /*stretchOnes=*/true);
  return sizes;
}

Value mlir::aiopt::broadcastTo(OpBuilder &b, Location loc, Value operand, unsigned operandNo,
                               RankedTensorType type, ArrayRef<Value> sizes) {
  SmallVector<Value> extents;
  for (int64_t d = 0; d < type.getRank(); ++d)
    extents.push_back(type.isDynamicDim(d)
                          ? sizes[d]
                          : arith::ConstantIndexOp::create(b, loc, type.getDimSize(d)).getResult());
  auto t = cast<RankedTensorType>(operand.getType());
  SmallVector<Value> own(t.getRank());
  for (int64_t a = 0; a < t.getRank(); ++a)
    if (t.isDynamicDim(a))
      own[a] = dimValue(b, loc, operand, a);
  return checkedAgainst(b, loc, operand, operandNo, extents, own, /*stretchOnes=*/true);
}

Value mlir::aiopt::buildBroadcastElementwise(OpBuilder &b, Location loc,
                                             RankedTensorType type,
                                             ValueRange inputs, ScalarFn fn) {
  SmallVector<Value> operands(inputs);
  SmallVector<Value> sizes = broadcastOperands(b, loc, type, operands);
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(broadcastMap(b.getContext(),
                                cast<RankedTensorType>(v.getType()), type));
  return buildElementwise(b, loc, type, operands, maps, sizes, fn);
}
