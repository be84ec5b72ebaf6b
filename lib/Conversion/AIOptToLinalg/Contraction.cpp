//===- Contraction.cpp - matmul and gemm to linalg ------------------------===//
//
// aiopt.matmul and aiopt.gemm become linalg contractions: linalg.matmul when
// the operands are (or collapse to) plain matrices, else a linalg.generic
// with broadcast batch dimensions and transposed operand maps.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {

Value zeroFilled(OpBuilder &b, Location loc, RankedTensorType type,
                 ArrayRef<Value> sizes) {
  return filledTensor(b, loc, type, sizes,
                      scalarConstant(b, loc, type.getElementType(), 0));
}

struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    RankedTensorType type = op.getType();
    Type et = type.getElementType();

    // [B..., M, K] x [K, N]: collapse the rows into one matrix. (Quantized
    // operands, which widen on their own signedness, take the generic;
    // mixed-precision floats widen in linalg.matmul.)
    matchReducedExtents(rewriter, loc, lhs, lt.getRank() - 1, rhs, rt.getRank() - 2);
    ArrayRef<int64_t> rows = lt.getShape().drop_back();
    bool widensIntegers = et != lt.getElementType() && !isa<FloatType>(et);
    if (rt.getRank() == 2 && llvm::count(rows, ShapedType::kDynamic) <= 1 && !widensIntegers) {
      int64_t m = 1;
      for (int64_t d : rows)
        m = (d == ShapedType::kDynamic || m == ShapedType::kDynamic)
                ? ShapedType::kDynamic
                : m * d;
      auto lhs2Type = RankedTensorType::get({m, lt.getShape().back()}, lt.getElementType());
      auto out2Type = RankedTensorType::get({m, rt.getDimSize(1)}, et);
      Value lhs2 = reshapeTensor(rewriter, loc, lhs, lhs2Type);
      Value rowsValue =
          m == ShapedType::kDynamic ? dimValue(rewriter, loc, lhs2, 0) : Value();
      Value colsValue = rt.isDynamicDim(1) ? dimValue(rewriter, loc, rhs, 1) : Value();
      Value init = zeroFilled(rewriter, loc, out2Type, {rowsValue, colsValue});
      Value mm = linalg::MatmulOp::create(rewriter, loc, ValueRange{lhs2, rhs},
                                          ValueRange{init})
                     .getResult(0);
      rewriter.replaceOp(op, epilogue(rewriter, op, adaptor,
                                      reshapeTensor(rewriter, loc, mm, type)));
      return success();
    }

    // General batched case: loops (batch..., m, n, k) with broadcasting.
    MLIRContext *ctx = getContext();
    int64_t r = type.getRank(), nLoops = r + 1;
    auto operandMap = [&](RankedTensorType t, bool isLhs) {
      SmallVector<AffineExpr> e;
      int64_t batch = t.getRank() - 2, offset = (r - 2) - batch;
      for (int64_t d = 0; d < batch; ++d)
        e.push_back(t.getDimSize(d) == 1 && type.getDimSize(d + offset) != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(d + offset, ctx));
      AffineExpr m = getAffineDimExpr(r - 2, ctx), n = getAffineDimExpr(r - 1, ctx),
                 k = getAffineDimExpr(r, ctx);
      e.push_back(isLhs ? m : k);
      e.push_back(isLhs ? k : n);
      return AffineMap::get(nLoops, 0, e, ctx);
    };
    SmallVector<AffineMap> maps = {
        operandMap(lt, true), operandMap(rt, false),
        AffineMap::getMultiDimIdentityMap(nLoops, ctx).getMajorSubMap(r)};
    // Batch dimensions broadcast (decided at run time where dynamic).
    SmallVector<Value> operands{lhs, rhs};
    SmallVector<Value> sizes = broadcastOperands(rewriter, loc, type, operands, 2);
    lhs = operands[0];
    rhs = operands[1];
    if (type.isDynamicDim(r - 1))
      sizes[r - 1] = dimValue(rewriter, loc, rhs, rt.getRank() - 1);
    if (type.isDynamicDim(r - 2))
      sizes[r - 2] = dimValue(rewriter, loc, lhs, lt.getRank() - 2);
    Value init = zeroFilled(rewriter, loc, type, sizes);
    rewriter.replaceOp(op, epilogue(rewriter, op, adaptor,
                                    buildContraction(rewriter, loc, lhs, rhs, init, maps,
                                                     Value(), isUnsigned(op.getLhs()),
                                                     isUnsigned(op.getRhs()))));
    return success();
  }

  /// The bias added (as aiopt.add, broadcasting) and the activation applied.
  static Value epilogue(OpBuilder &b, MatMulOp op, OpAdaptor adaptor, Value result) {
    if (Value bias = adaptor.getBias())
      result = AddOp::create(b, op.getLoc(), result.getType(), result, bias);
    return applyActivation(b, op.getLoc(), op.getActivation(), op.getActivationParams(),
                         result);
  }
};

/// alpha * op(A) op(B) + beta * C: the accumulator starts at beta * C.
struct GemmLowering : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    Value a = adaptor.getA(), b = adaptor.getB();
    bool ta = op.getTransA(), tb = op.getTransB();
    matchReducedExtents(rewriter, loc, a, ta ? 0 : 1, b, tb ? 1 : 0);
    SmallVector<Value> sizes = {
        type.isDynamicDim(0) ? dimValue(rewriter, loc, a, ta ? 1 : 0) : Value(),
        type.isDynamicDim(1) ? dimValue(rewriter, loc, b, tb ? 0 : 1) : Value()};

    Value init;
    double beta = op.getBeta().convertToDouble();
    if (Value c = adaptor.getC(); c && beta != 0) {
      c = broadcastTo(rewriter, loc, c, 2, type, sizes);
      auto ct = cast<RankedTensorType>(c.getType());
      AffineMap cMap = broadcastMap(ctx, ct, type);
      init = buildElementwise(
          rewriter, loc, type, c, cMap, sizes,
          [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
            if (beta == 1)
              return v[0];
            return arith::MulFOp::create(nb, nl, v[0],
                                         scalarConstant(nb, nl, et, beta));
          });
    } else {
      init = zeroFilled(rewriter, loc, type, sizes);
    }
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    auto map2 = [&](AffineExpr x, AffineExpr y) {
      return AffineMap::get(3, 0, {x, y}, ctx);
    };
    SmallVector<AffineMap> maps = {ta ? map2(k, m) : map2(m, k),
                                   tb ? map2(n, k) : map2(k, n), map2(m, n)};
    double alpha = op.getAlpha().convertToDouble();
    Value scale = alpha == 1 ? Value() : scalarConstant(rewriter, loc, et, alpha);
    rewriter.replaceOp(op, applyActivation(rewriter, loc, op.getActivation(),
                                         op.getActivationParams(),
                                         buildContraction(rewriter, loc, a, b, init, maps,
                                                          scale)));
    return success();
  }
};

} // namespace

void mlir::aiopt::populateContractionPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering>(patterns.getContext());
}
