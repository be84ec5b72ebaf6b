//===- Attention.cpp - aiopt.attention to linalg ---------------------------===//
//
// Scaled dot-product attention. With static shapes it becomes an
// scf.forall over (batch..., blocks of query rows): each block computes its
// scores [rows, Lk], scales and masks them, takes the row softmax and
// multiplies by the values, so the scores exist one block at a time (in
// cache) instead of for every head and the whole sequence. With dynamic
// shapes, or for GPUs (blocked-attention=false), it is the same
// computation on whole tensors. The products and the
// softmax are built as aiopt ops, which the conversion then lowers.
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

/// The most query rows per block: about 64 KiB of f32 scores, and at most
/// 64 rows so that short sequences still give threads several blocks.
int64_t queryBlock(int64_t lq, int64_t lk) {
  int64_t cap = std::clamp<int64_t>(16384 / std::max<int64_t>(lk, 1), 1, 64);
  for (int64_t rows = std::min(cap, lq); rows > 1; --rows)
    if (lq % rows == 0)
      return rows;
  return 1;
}

/// softmax(q kt * scale + mask) v for operands whose leading dimensions
/// agree; `mask` may be null.
Value attend(OpBuilder &b, Location loc, Value q, Value kt, Value v, Value mask, float scale,
             RankedTensorType outType) {
  auto qt = cast<RankedTensorType>(q.getType());
  auto ktt = cast<RankedTensorType>(kt.getType());
  int64_t rank = qt.getRank();
  SmallVector<int64_t> scoresShape(qt.getShape().drop_back());
  scoresShape.push_back(ktt.getDimSize(rank - 1));
  auto scoresType = RankedTensorType::get(scoresShape, qt.getElementType());
  Value scores = MatMulOp::create(b, loc, scoresType, q, kt);
  SmallVector<Value> operands = {scores};
  if (mask)
    operands.push_back(mask);
  Value scaled = buildBroadcastElementwise(
      b, loc, scoresType, operands, [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value s = arith::MulFOp::create(
            nb, l, args[0], scalarConstant(nb, l, args[0].getType(), scale));
        return args.size() > 1 ? arith::AddFOp::create(nb, l, s, args[1]).getResult() : s;
      });
  Value probs = SoftmaxOp::create(b, loc, scoresType, scaled, b.getI64IntegerAttr(rank - 1),
                                  b.getBoolAttr(false));
  return MatMulOp::create(b, loc, outType, probs, v);
}

/// The block of `source` at `offsets` with `sizes`, without its unit
/// leading dimensions (rank-reducing extract_slice to `keep` trailing dims).
Value slice(OpBuilder &b, Location loc, Value source, ArrayRef<OpFoldResult> offsets,
            ArrayRef<int64_t> sizes, unsigned keep) {
  auto type = cast<RankedTensorType>(source.getType());
  auto reduced = RankedTensorType::get(sizes.take_back(keep), type.getElementType());
  SmallVector<OpFoldResult> sizeAttrs, strides(sizes.size(), b.getIndexAttr(1));
  for (int64_t s : sizes)
    sizeAttrs.push_back(b.getIndexAttr(s));
  return tensor::ExtractSliceOp::create(b, loc, reduced, source, offsets, sizeAttrs, strides);
}

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  AttentionLowering(MLIRContext *ctx, bool blocked) : OpConversionPattern(ctx), blocked(blocked) {}
  /// Whether static shapes take the blocked form.
  bool blocked;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value q = adaptor.getQuery(), kt = adaptor.getKeyTransposed(), v = adaptor.getValue(),
          mask = adaptor.getMask();
    RankedTensorType outType = op.getType();
    float scale = op.getScale().convertToFloat();
    bool isStatic = llvm::all_of(op->getOperandTypes(), [](Type t) {
      return cast<RankedTensorType>(t).hasStaticShape();
    });
    if (!isStatic || !blocked) {
      rewriter.replaceOp(op, attend(rewriter, loc, q, kt, v, mask, scale, outType));
      return success();
    }

    ArrayRef<int64_t> qs = op.getQuery().getType().getShape();
    int64_t rank = qs.size(), lq = qs[rank - 2], d = qs[rank - 1];
    int64_t lk = op.getKeyTransposed().getType().getDimSize(rank - 1);
    int64_t dv = outType.getDimSize(rank - 1);
    int64_t rows = queryBlock(lq, lk);
    // Loops: every batch dimension, then the blocks of query rows.
    SmallVector<OpFoldResult> lbs, ubs, steps;
    for (int64_t i = 0; i < rank - 1; ++i) {
      lbs.push_back(rewriter.getIndexAttr(0));
      ubs.push_back(rewriter.getIndexAttr(qs[i]));
      steps.push_back(rewriter.getIndexAttr(i == rank - 2 ? rows : 1));
    }
    Value init = tensor::EmptyOp::create(rewriter, loc, outType.getShape(),
                                         outType.getElementType());
    auto forall = scf::ForallOp::create(rewriter, loc, lbs, ubs, steps, ValueRange{init},
                                        std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(forall.getBody());
    SmallVector<Value> ivs = forall.getInductionVars();
    OpFoldResult zero = rewriter.getIndexAttr(0);
    // Batch offsets, then the rows (or zero) and zero for the last two.
    auto offsets = [&](OpFoldResult second, unsigned trailing) {
      SmallVector<OpFoldResult> o(ivs.begin(), ivs.begin() + (rank - 2));
      o.push_back(second);
      if (trailing == 2)
        o.push_back(zero);
      return o;
    };
    auto blockSizes = [&](int64_t a, int64_t b) {
      SmallVector<int64_t> s(rank - 2, 1);
      s.append({a, b});
      return s;
    };
    OpFoldResult row = ivs.back();
    Value qBlock = slice(rewriter, loc, q, offsets(row, 2), blockSizes(rows, d), 2);
    Value ktBlock = slice(rewriter, loc, kt, offsets(zero, 2), blockSizes(d, lk), 2);
    Value vBlock = slice(rewriter, loc, v, offsets(zero, 2), blockSizes(lk, dv), 2);
    Value maskBlock;
    if (mask) {
      // The mask's dims align with the scores' trailing ones; broadcast
      // (size-1) dims are read at 0.
      auto mt = cast<RankedTensorType>(mask.getType());
      int64_t mr = mt.getRank();
      SmallVector<OpFoldResult> mOffsets;
      SmallVector<int64_t> mSizes;
      for (int64_t i = 0; i < mr; ++i) {
        int64_t s = rank - mr + i;
        bool broadcast = mt.getDimSize(i) == 1;
        mOffsets.push_back(broadcast || s == rank - 1 ? zero
                           : s == rank - 2            ? row
                                                      : OpFoldResult(ivs[s]));
        mSizes.push_back(broadcast ? 1 : s == rank - 2 ? rows : s == rank - 1 ? lk : 1);
      }
      maskBlock = slice(rewriter, loc, mask, mOffsets, mSizes, std::min<int64_t>(mr, 2));
    }
    auto blockType = RankedTensorType::get({rows, dv}, outType.getElementType());
    Value block = attend(rewriter, loc, qBlock, ktBlock, vBlock, maskBlock, scale, blockType);

    rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
    SmallVector<OpFoldResult> outSizes, strides(rank, rewriter.getIndexAttr(1));
    for (int64_t s : blockSizes(rows, dv))
      outSizes.push_back(rewriter.getIndexAttr(s));
    tensor::ParallelInsertSliceOp::create(rewriter, loc, block, forall.getRegionOutArgs()[0],
                                          offsets(row, 2), outSizes, strides);
    rewriter.replaceOp(op, forall.getResults());
    return success();
  }
};

} // namespace

void mlir::aiopt::populateAttentionPatterns(RewritePatternSet &patterns, bool blocked) {
  patterns.add<AttentionLowering>(patterns.getContext(), blocked);
}
