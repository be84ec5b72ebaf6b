//===- RuntimeChecks.cpp - aiopt.check_indices to run-time range checks ---===//
//
// A linalg reduction finds the smallest and largest index (per coordinate
// of an index tuple); each is compared with its data dimension, and a bad
// one is passed to the runtime's aiopt_rt_index_error with the site's
// name. The runtime records the first report of a run and aiopt_run
// returns AIOPT_ERROR_INDEX_OUT_OF_RANGE. One check per gather or scatter,
// outside its loops, so the indexing loops stay as fast as unchecked ones.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"
#include "RuntimeReport.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {
struct CheckIndicesLowering : OpConversionPattern<CheckIndicesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CheckIndicesOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location l = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value indices = adaptor.getIndices();
    auto type = cast<RankedTensorType>(indices.getType());
    auto elem = cast<IntegerType>(type.getElementType());
    unsigned rank = type.getRank();
    bool tuple = op.getTuple();
    int64_t positions = tuple ? type.getDimSize(rank - 1) : 1;

    // Loop 0 is the tuple coordinate (parallel) when there is one; the
    // other loops reduce.
    SmallVector<AffineExpr> in;
    for (unsigned d = 0; d < rank; ++d)
      in.push_back(getAffineDimExpr(tuple ? (d + 1) % rank : d, ctx));
    AffineMap inMap = AffineMap::get(rank, 0, in, ctx);
    AffineMap outMap = tuple ? AffineMap::get(rank, 0, {getAffineDimExpr(0, ctx)}, ctx)
                             : AffineMap::get(rank, 0, {}, ctx);
    SmallVector<int64_t> accShape;
    if (tuple)
      accShape.push_back(positions);
    auto accType = RankedTensorType::get(accShape, elem);
    auto filled = [&](const APInt &v) {
      Value c = arith::ConstantOp::create(rewriter, l, rewriter.getIntegerAttr(elem, v));
      return filledTensor(rewriter, l, accType, {}, c);
    };
    unsigned width = elem.getWidth();
    auto minMax = linalg::GenericOp::create(
        rewriter, l, TypeRange{accType, accType}, indices,
        ValueRange{filled(APInt::getSignedMaxValue(width)), filled(APInt::getSignedMinValue(width))},
        ArrayRef<AffineMap>{inMap, outMap, outMap}, iterators(tuple ? 1 : 0, tuple ? rank - 1 : rank),
        [](OpBuilder &b, Location l, ValueRange v) {
          linalg::YieldOp::create(b, l, ValueRange{arith::MinSIOp::create(b, l, v[0], v[1]),
                                                   arith::MaxSIOp::create(b, l, v[0], v[2])});
        });

    auto i64 = rewriter.getI64Type();
    auto asI64 = [&](Value v) -> Value {
      return width == 64 ? v : arith::ExtSIOp::create(rewriter, l, i64, v).getResult();
    };
    Value zero = arith::ConstantIntOp::create(rewriter, l, i64, 0);
    for (int64_t j = 0; j < positions; ++j) {
      SmallVector<Value> at;
      if (tuple)
        at.push_back(arith::ConstantIndexOp::create(rewriter, l, j));
      Value lo = asI64(tensor::ExtractOp::create(rewriter, l, minMax.getResult(0), at));
      Value hi = asI64(tensor::ExtractOp::create(rewriter, l, minMax.getResult(1), at));
      Value extent = arith::IndexCastOp::create(
          rewriter, l, i64, dimValue(rewriter, l, adaptor.getData(), op.getAxis() + j));
      Value below = arith::CmpIOp::create(rewriter, l, arith::CmpIPredicate::slt, lo,
                                          arith::SubIOp::create(rewriter, l, zero, extent));
      Value above = arith::CmpIOp::create(rewriter, l, arith::CmpIPredicate::sge, hi, extent);
      Value bad = arith::OrIOp::create(rewriter, l, below, above);
      Value badIndex = arith::SelectOp::create(rewriter, l, below, lo, hi);
      auto report = scf::IfOp::create(rewriter, l, TypeRange{}, bad, false);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(report.thenBlock());
      callRuntimeReport(rewriter, l, kIndexErrorFn, op.getSite(), ValueRange{badIndex, extent});
    }
    rewriter.replaceOp(op, indices);
    return success();
  }
};
} // namespace

void mlir::aiopt::populateRuntimeCheckPatterns(RewritePatternSet &patterns) {
  patterns.add<CheckIndicesLowering>(patterns.getContext());
}
