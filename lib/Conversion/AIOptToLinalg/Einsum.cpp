//===- Einsum.cpp - aiopt.einsum to linalg.generic ------------------------===//
//
// One generic: a loop per letter (output letters parallel, the others
// reductions), each operand indexed by the loops of its letters (constant 0
// where its extent 1 broadcasts), the body multiplying the operands and
// accumulating into the zero-filled output.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {

struct EinsumLowering : OpConversionPattern<EinsumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto [lhs, out] = op.getEquation().split("->");
    SmallVector<StringRef> terms;
    lhs.split(terms, ',');
    // Loop order: output letters, then the summed ones.
    std::string letters = out.str();
    llvm::StringMap<int64_t> extent;
    for (auto [term, v] : llvm::zip(terms, adaptor.getInputs()))
      for (auto [c, d] : llvm::zip(term, cast<RankedTensorType>(v.getType()).getShape())) {
        if (letters.find(c) == std::string::npos)
          letters.push_back(c);
        int64_t &e = extent[StringRef(&c, 1)];
        e = std::max(e, d);
      }
    unsigned numLoops = letters.size();
    auto mapOf = [&](StringRef term, ArrayRef<int64_t> shape) {
      SmallVector<AffineExpr> exprs;
      for (auto [c, d] : llvm::zip(term, shape))
        exprs.push_back(d == 1 && extent[StringRef(&c, 1)] != 1
                            ? getAffineConstantExpr(0, ctx)
                            : getAffineDimExpr(letters.find(c), ctx));
      return AffineMap::get(numLoops, 0, exprs, ctx);
    };
    SmallVector<AffineMap> maps;
    for (auto [term, v] : llvm::zip(terms, adaptor.getInputs()))
      maps.push_back(mapOf(term, cast<RankedTensorType>(v.getType()).getShape()));
    RankedTensorType type = signless(op.getType());
    maps.push_back(mapOf(out, type.getShape()));
    Type et = type.getElementType();
    bool isFloat = isa<FloatType>(et);
    Value init = filledTensor(rewriter, loc, type, {}, scalarConstant(rewriter, loc, et, 0));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, adaptor.getInputs(), ValueRange{init}, maps,
        iterators(out.size(), numLoops - out.size()),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value p = a[0];
          for (Value v : a.drop_front().drop_back())
            p = isFloat ? arith::MulFOp::create(b, l, p, v).getResult()
                        : arith::MulIOp::create(b, l, p, v).getResult();
          Value sum = isFloat ? arith::AddFOp::create(b, l, a.back(), p).getResult()
                              : arith::AddIOp::create(b, l, a.back(), p).getResult();
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void mlir::aiopt::populateEinsumPatterns(RewritePatternSet &patterns) {
  patterns.add<EinsumLowering>(patterns.getContext());
}
