//===- Scatter.cpp - scatter ops to loops on tensors ----------------------===//
//
// Scatters are not structured (several updates may hit one element, in
// order), so they become an scf.for nest over the updates carrying the
// result tensor: each step extracts the target element, combines it with
// the update and inserts it. Bufferization makes this an in-place update
// of a copy of the data.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// The update alone, or combined with the old value like a reduction.
Value combineUpdate(OpBuilder &b, Location l, ScatterReduction r, Value old, Value update,
                    bool uns) {
  switch (r) {
  case ScatterReduction::none:
    return update;
  case ScatterReduction::add:
    return combineReduction(b, l, ReduceKind::sum, old, update, uns);
  case ScatterReduction::mul:
    return combineReduction(b, l, ReduceKind::prod, old, update, uns);
  case ScatterReduction::max:
    return combineReduction(b, l, ReduceKind::max, old, update, uns);
  case ScatterReduction::min:
    return combineReduction(b, l, ReduceKind::min, old, update, uns);
  }
  llvm_unreachable("unknown scatter reduction");
}

/// Loops over every position of `updates`; `target` maps the loop indices
/// to the coordinates written in the result.
Value scatterLoops(OpBuilder &b, Location loc, Value data, Value updates,
                   ScatterReduction reduction, bool uns,
                   function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> target) {
  auto ut = cast<RankedTensorType>(updates.getType());
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t d = 0; d < ut.getRank(); ++d) {
    lbs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    ubs.push_back(dimValue(b, loc, updates, d));
    steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{data},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange acc) -> scf::ValueVector {
        SmallVector<Value> at = target(nb, nl, ivs);
        Value update = tensor::ExtractOp::create(nb, nl, updates, ivs);
        Value old = tensor::ExtractOp::create(nb, nl, acc[0], at);
        Value v = combineUpdate(nb, nl, reduction, old, update, uns);
        return {tensor::InsertOp::create(nb, nl, v, acc[0], at).getResult()};
      });
  return nest.results.front();
}

struct ScatterElementsLowering : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    int64_t axis = op.getAxis();
    Value extent = dimValue(rewriter, loc, data, axis);
    Value result = scatterLoops(
        rewriter, loc, data, adaptor.getUpdates(), op.getReduction(), isUnsigned(op.getData()),
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> at(ivs);
          at[axis] = wrapIndex(b, l, tensor::ExtractOp::create(b, l, indices, ivs), extent);
          return at;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto it = cast<RankedTensorType>(indices.getType());
    int64_t batch = it.getRank() - 1, k = it.getDimSize(batch);
    Value result = scatterLoops(
        rewriter, loc, data, adaptor.getUpdates(), op.getReduction(), isUnsigned(op.getData()),
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> at;
          SmallVector<Value> tuple(ivs.take_front(batch));
          tuple.push_back(Value());
          for (int64_t j = 0; j < k; ++j) {
            tuple.back() = arith::ConstantIndexOp::create(b, l, j);
            Value raw = tensor::ExtractOp::create(b, l, indices, tuple);
            at.push_back(wrapIndex(b, l, raw, dimValue(b, l, data, j)));
          }
          llvm::append_range(at, ivs.drop_front(batch));
          return at;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::aiopt::populateScatterPatterns(RewritePatternSet &patterns) {
  patterns.add<ScatterElementsLowering, ScatterNDLowering>(patterns.getContext());
}
