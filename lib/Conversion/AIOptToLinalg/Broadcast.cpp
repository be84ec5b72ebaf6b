//===- Broadcast.cpp - numpy broadcasting of operands ---------------------===//
//
// Indexing maps and sizes of elementwise ops whose operands broadcast to
// their result, and the run-time side of broadcasting: an operand extent
// the types leave dynamic may be 1 (the operand is then broadcast along
// it), equal to the result's, or neither (the model's run fails with
// AIOPT_ERROR_SHAPE, naming the node). Operands whose extents are not
// known to be the result's get that decision at run time, outside the
// loops; where they are the same value (one input's batch flowing through
// the graph), canonicalization folds it away.
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

/// `e.value` with its checked axes stretched from 1 to the result's
/// extents: each reads index min(i, extent - 1), which is 0 along an axis
/// of extent 1 and i along one of the result's (an index, not a flag, so
/// that a GPU kernel can take it as an argument).
static Value stretch(OpBuilder &b, Location loc, const OperandExtents &e) {
  auto type = cast<RankedTensorType>(e.value.getType());
  SmallVector<Value> dynSizes;
  SmallVector<Value> last(type.getRank());
  for (int64_t a = 0; a < type.getRank(); ++a) {
    if (!type.isDynamicDim(a))
      continue;
    auto *it = llvm::find(e.axes, a);
    if (it == e.axes.end()) {
      dynSizes.push_back(dimValue(b, loc, e.value, a));
      continue;
    }
    size_t k = it - e.axes.begin();
    dynSizes.push_back(e.expected[k]);
    last[a] = arith::SubIOp::create(b, loc, e.extents[k], arith::ConstantIndexOp::create(b, loc, 1));
  }
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

/// `e.value` where its extents are the result's, else stretched where they
/// are 1; else (they do not broadcast) a report and a tensor of the
/// result's extents that the failed run's results come from.
static Value checkedOperand(OpBuilder &b, Location loc, const OperandExtents &e,
                            StringRef site) {
  SmallVector<Value> same, fits;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [extent, expected] : llvm::zip(e.extents, e.expected)) {
    same.push_back(cmpEq(b, loc, extent, expected));
    fits.push_back(arith::OrIOp::create(b, loc, same.back(), cmpEq(b, loc, extent, one)));
  }
  Type type = e.value.getType();
  auto asIs = scf::IfOp::create(b, loc, TypeRange{type}, allOf(b, loc, same), true, true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(asIs.thenBlock());
    scf::YieldOp::create(b, loc, e.value);
    b.setInsertionPointToStart(asIs.elseBlock());
    auto stretched = scf::IfOp::create(b, loc, TypeRange{type}, allOf(b, loc, fits), true, true);
    scf::YieldOp::create(b, loc, stretched.getResult(0));
    b.setInsertionPointToStart(stretched.thenBlock());
    scf::YieldOp::create(b, loc, stretch(b, loc, e));
    b.setInsertionPointToStart(stretched.elseBlock());
    auto i64 = b.getI64Type();
    auto asI64 = [&](Value v) { return arith::IndexCastOp::create(b, loc, i64, v).getResult(); };
    Value operand = arith::ConstantIntOp::create(b, loc, i64, e.operand);
    for (auto [k, axis] : llvm::enumerate(e.axes)) {
      auto bad = scf::IfOp::create(b, loc, TypeRange{},
                                   arith::XOrIOp::create(b, loc, fits[k],
                                                         arith::ConstantIntOp::create(b, loc, 1, 1)),
                                   false);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(bad.thenBlock());
      callRuntimeReport(b, loc, kShapeErrorFn, site,
                        ValueRange{operand, arith::ConstantIntOp::create(b, loc, i64, axis),
                                   asI64(e.extents[k]), asI64(e.expected[k])});
    }
    auto tt = cast<RankedTensorType>(type);
    SmallVector<Value> dynSizes;
    for (int64_t a = 0; a < tt.getRank(); ++a) {
      if (!tt.isDynamicDim(a))
        continue;
      auto *it = llvm::find(e.axes, a);
      dynSizes.push_back(it == e.axes.end() ? dimValue(b, loc, e.value, a)
                                            : e.expected[it - e.axes.begin()]);
    }
    scf::YieldOp::create(
        b, loc,
        tensor::EmptyOp::create(b, loc, tt.getShape(), tt.getElementType(), dynSizes).getResult());
  }
  return asIs.getResult(0);
}

SmallVector<Value> mlir::aiopt::broadcastOperands(OpBuilder &b, Location loc,
                                                  RankedTensorType type,
                                                  SmallVectorImpl<Value> &operands) {
  int64_t rank = type.getRank();
  // Each dynamic operand extent, per operand and axis (null where static).
  SmallVector<SmallVector<Value>> extents;
  for (Value v : operands) {
    auto t = cast<RankedTensorType>(v.getType());
    extents.emplace_back(t.getRank());
    for (int64_t a = 0; a < t.getRank(); ++a)
      if (t.isDynamicDim(a))
        extents.back()[a] = dimValue(b, loc, v, a);
  }
  auto operandAxis = [&](unsigned i, int64_t d) {
    return d - (rank - cast<RankedTensorType>(operands[i].getType()).getRank());
  };
  // The result's extents: static ones as the type has them; a dynamic one
  // is the first operand extent that is not 1 (a static one first), or 1.
  SmallVector<Value> result(rank), sizes(rank);
  for (int64_t d = 0; d < rank; ++d) {
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
  std::string site = runtimeSite(loc);
  for (unsigned i = 0; i < operands.size(); ++i) {
    OperandExtents e{i, operands[i], {}, {}, {}};
    for (int64_t a = 0; a < static_cast<int64_t>(extents[i].size()); ++a) {
      Value expected = result[a + (rank - extents[i].size())];
      if (!extents[i][a] || extents[i][a] == expected)
        continue;
      e.axes.push_back(a);
      e.extents.push_back(extents[i][a]);
      e.expected.push_back(expected);
    }
    if (!e.axes.empty())
      operands[i] = checkedOperand(b, loc, e, site);
  }
  return sizes;
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
