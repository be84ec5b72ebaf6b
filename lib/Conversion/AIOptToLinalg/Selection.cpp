//===- Selection.cpp - ops with data-dependent extents to loops -----------===//
//
// NonZero and Compress keep the elements or slices a predicate selects, so
// their result extent is known only at run time. Each becomes two passes of
// an scf.for nest: the first counts the selected positions (sizing the
// result), the second writes each selected position at the running count.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {

using PredicateFn = function_ref<Value(OpBuilder &, Location, ValueRange ivs)>;
/// Updates the carried values at a selected position; `pos` counts the
/// positions selected before it.
using WriteFn = function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange ivs,
                                                ValueRange acc, Value pos)>;

/// An scf.for nest over [0, extents) (at least one loop) carrying `inits` and the number of
/// positions `selected` accepts (index); `write` (when given) updates the
/// carried values at each. Returns the carried values, then the count.
SmallVector<Value> selectLoop(OpBuilder &b, Location loc, ArrayRef<Value> extents,
                              ValueRange inits, PredicateFn selected, WriteFn write) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs(extents.size(), zero), steps(extents.size(), one);
  SmallVector<Value> carried(inits);
  carried.push_back(zero);
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, extents, steps, carried,
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange acc) -> scf::ValueVector {
        Value pos = acc.back();
        auto branch = scf::IfOp::create(nb, nl, acc.getTypes(), selected(nb, nl, ivs),
                                        /*addThenBlock=*/true, /*addElseBlock=*/true);
        OpBuilder::InsertionGuard guard(nb);
        nb.setInsertionPointToStart(branch.thenBlock());
        SmallVector<Value> next =
            write ? write(nb, nl, ivs, acc.drop_back(), pos) : SmallVector<Value>();
        next.push_back(arith::AddIOp::create(nb, nl, pos, one));
        scf::YieldOp::create(nb, nl, next);
        nb.setInsertionPointToStart(branch.elseBlock());
        scf::YieldOp::create(nb, nl, acc);
        return scf::ValueVector(branch.getResults().begin(), branch.getResults().end());
      });
  return SmallVector<Value>(nest.results.begin(), nest.results.end());
}

/// Whether scalar `v` is nonzero (true for NaN).
Value isNonZero(OpBuilder &b, Location l, Value v) {
  Type t = v.getType();
  if (t.isInteger(1))
    return v;
  if (isa<FloatType>(t))
    return arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNE, v,
                                 arith::ConstantOp::create(b, l, b.getFloatAttr(t, 0)));
  return arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, v,
                               arith::ConstantOp::create(b, l, b.getIntegerAttr(t, 0)));
}

struct NonZeroLowering : OpConversionPattern<NonZeroOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NonZeroOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<Value> extents;
    for (int64_t d = 0; d < rank; ++d)
      extents.push_back(dimValue(rewriter, loc, x, d));
    auto nonZero = [&](OpBuilder &b, Location l, ValueRange ivs) {
      return isNonZero(b, l, tensor::ExtractOp::create(b, l, x, ivs));
    };
    Value count = selectLoop(rewriter, loc, extents, {}, nonZero, nullptr).back();
    Value empty = tensor::EmptyOp::create(rewriter, loc, op.getType(), ValueRange{count});
    auto write = [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc, Value pos) {
      Value out = acc[0];
      for (int64_t d = 0; d < rank; ++d) {
        Value coord = arith::IndexCastOp::create(b, l, b.getI64Type(), ivs[d]);
        Value row = arith::ConstantIndexOp::create(b, l, d);
        out = tensor::InsertOp::create(b, l, coord, out, ValueRange{row, pos});
      }
      return SmallVector<Value>{out};
    };
    rewriter.replaceOp(op, selectLoop(rewriter, loc, extents, {empty}, nonZero, write)[0]);
    return success();
  }
};

struct CompressLowering : OpConversionPattern<CompressOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CompressOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), cond = adaptor.getCondition();
    int64_t axis = op.getAxis();
    RankedTensorType type = signless(op.getType());
    // Condition entries beyond the axis select nothing; missing ones are false.
    Value n = arith::MinUIOp::create(rewriter, loc, dimValue(rewriter, loc, cond, 0),
                                     dimValue(rewriter, loc, x, axis));
    auto selected = [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
      return tensor::ExtractOp::create(b, l, cond, ivs);
    };
    Value count = selectLoop(rewriter, loc, {n}, {}, selected, nullptr).back();
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(d == axis ? count : dimValue(rewriter, loc, x, d));
    Value empty = tensor::EmptyOp::create(rewriter, loc, type, sizes);
    auto write = [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc, Value pos) {
      auto at = [&](Value t, Value index) {
        SmallVector<OpFoldResult> offsets, sz, strides;
        for (int64_t d = 0; d < type.getRank(); ++d) {
          offsets.push_back(d == axis ? OpFoldResult(index) : b.getIndexAttr(0));
          sz.push_back(d == axis ? OpFoldResult(b.getIndexAttr(1))
                                 : tensor::getMixedSize(b, l, t, d));
          strides.push_back(b.getIndexAttr(1));
        }
        return std::make_tuple(offsets, sz, strides);
      };
      auto [offsets, sz, strides] = at(x, ivs[0]);
      Value slice = tensor::ExtractSliceOp::create(b, l, x, offsets, sz, strides);
      auto [outOffsets, outSizes, outStrides] = at(acc[0], pos);
      return SmallVector<Value>{tensor::InsertSliceOp::create(b, l, slice, acc[0], outOffsets,
                                                              outSizes, outStrides)};
    };
    rewriter.replaceOp(op, selectLoop(rewriter, loc, {n}, {empty}, selected, write)[0]);
    return success();
  }
};

} // namespace

void mlir::aiopt::populateSelectionPatterns(RewritePatternSet &patterns) {
  patterns.add<NonZeroLowering, CompressLowering>(patterns.getContext());
}
