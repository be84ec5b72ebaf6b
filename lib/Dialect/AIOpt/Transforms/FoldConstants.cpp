//===- FoldConstants.cpp - the aiopt-fold-constants pass ------------------===//
//
// Folds reshapes, transposes and float casts of constants of any size (up
// to max-elements) by rewriting their bytes, so weights reach the lowering
// in the layout and precision the model computes with.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cstring>

namespace mlir::aiopt {
#define GEN_PASS_DEF_FOLDCONSTANTSPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// The constant bytes of `v` when its type is static and at most
/// `maxElements` elements.
FailureOr<RawConstant> foldable(Value v, int64_t maxElements) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.hasStaticShape() || type.getNumElements() > maxElements)
    return failure();
  return constantBytes(v);
}

/// A folding pattern bounded by the pass's max-elements.
template <typename OpTy>
struct BoundedFold : OpRewritePattern<OpTy> {
  BoundedFold(MLIRContext *ctx, int64_t maxElements)
      : OpRewritePattern<OpTy>(ctx), maxElements(maxElements) {}
  int64_t maxElements;
};

struct FoldReshape : BoundedFold<ReshapeOp> {
  using BoundedFold::BoundedFold;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    FailureOr<RawConstant> in = foldable(op.getInput(), maxElements);
    if (failed(in) || !op.getType().hasStaticShape())
      return failure();
    rewriter.replaceOp(op, createRawConstant(rewriter, op.getLoc(), op.getType(), in->data));
    return success();
  }
};

struct FoldTranspose : BoundedFold<TransposeOp> {
  using BoundedFold::BoundedFold;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    FailureOr<RawConstant> in = foldable(op.getInput(), maxElements);
    if (failed(in))
      return failure();
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    RankedTensorType outType = cast<RankedTensorType>(op.getType());
    if (in->splat) {
      rewriter.replaceOp(op, createRawConstant(rewriter, op.getLoc(), outType, in->data));
      return success();
    }
    int64_t rank = inType.getRank(), n = inType.getNumElements();
    size_t bytes = in->data.size() / static_cast<size_t>(n);
    // Input strides, permuted: output dimension d walks input dimension
    // perm[d].
    SmallVector<int64_t> inStrides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      inStrides[d] = inStrides[d + 1] * inType.getDimSize(d + 1);
    ArrayRef<int64_t> perm = op.getPerm();
    std::vector<char> out(in->data.size());
    SmallVector<int64_t> index(rank, 0);
    for (int64_t o = 0; o < n; ++o) {
      int64_t src = 0;
      for (int64_t d = 0; d < rank; ++d)
        src += index[d] * inStrides[perm[d]];
      std::memcpy(out.data() + o * bytes, in->data.data() + src * bytes, bytes);
      for (int64_t d = rank - 1; d >= 0 && ++index[d] == outType.getDimSize(d); --d)
        index[d] = 0;
    }
    rewriter.replaceOp(op, createRawConstant(rewriter, op.getLoc(), outType, out));
    return success();
  }
};

struct FoldFloatCast : BoundedFold<CastOp> {
  using BoundedFold::BoundedFold;
  LogicalResult matchAndRewrite(CastOp op, PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    // Standard float formats only; the small float8/4 encodings saturate
    // and round by their own rules (the lowering's).
    auto standard = [](Type t) { return t.isF16() || t.isBF16() || t.isF32() || t.isF64(); };
    if (!standard(type.getElementType()) || !standard(inType.getElementType()) ||
        !type.hasStaticShape() || type.getNumElements() > maxElements)
      return failure();
    FailureOr<SmallVector<double>> values = constantFloats(op.getInput());
    if (failed(values))
      return failure();
    rewriter.replaceOp(op, createFloatConstant(rewriter, op.getLoc(), type, *values));
    return success();
  }
};

struct FoldConstantsPass : aiopt::impl::FoldConstantsPassBase<FoldConstantsPass> {
  using FoldConstantsPassBase::FoldConstantsPassBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldReshape, FoldTranspose, FoldFloatCast>(&getContext(), maxElements);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
