//===- StridedCopyToLoops.cpp - strided memref.copy to linalg.copy --------===//
//
// Keeps compiled objects free of runner-library calls: copies that LLVM
// lowering cannot turn into memcpy become linalg.copy loop nests, or loops
// of vector loads and stores along a contiguous innermost dimension; and,
// when vectorizing, vector reads at a stride of two become contiguous
// loads and a shuffle.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUSTRIDEDCOPYTOLOOPSPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// The static stride of `type`'s innermost dimension (0: no dimension, or
/// a dynamic stride).
int64_t innermostStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (type.getRank() == 0 || failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(strides.back()))
    return 0;
  return strides.back();
}

/// Whether `type`'s innermost dimension has a static unit stride.
bool innermostContiguous(MemRefType type) { return innermostStride(type) == 1; }

/// Copies the innermost run of `n` elements at `outer` (indices of the
/// outer dimensions) from `src` to `dst` in vectors of `lanes` elements: a
/// loop of full vectors, then one shorter vector for the remainder.
void copyRun(OpBuilder &b, Location loc, Value src, Value dst, ValueRange outer, int64_t n,
             int64_t lanes, Type elementType) {
  auto move = [&](OpBuilder &nb, Value at, int64_t width) {
    SmallVector<Value> indices(outer);
    indices.push_back(at);
    auto type = VectorType::get({width}, elementType);
    Value v = vector::LoadOp::create(nb, loc, type, src, indices);
    vector::StoreOp::create(nb, loc, v, dst, indices);
  };
  int64_t full = n - n % lanes;
  if (full == lanes) {
    move(b, arith::ConstantIndexOp::create(b, loc, 0), lanes);
  } else if (full > 0) {
    Value lb = arith::ConstantIndexOp::create(b, loc, 0),
          ub = arith::ConstantIndexOp::create(b, loc, full),
          step = arith::ConstantIndexOp::create(b, loc, lanes);
    scf::ForOp::create(b, loc, lb, ub, step, ValueRange{},
                       [&](OpBuilder &nb, Location, Value j, ValueRange) {
                         move(nb, j, lanes);
                         scf::YieldOp::create(nb, loc);
                       });
  }
  if (n % lanes)
    move(b, arith::ConstantIndexOp::create(b, loc, full), n % lanes);
}

struct StridedCopyToLinalg : OpRewritePattern<memref::CopyOp> {
  StridedCopyToLinalg(MLIRContext *ctx, int64_t vectorSize)
      : OpRewritePattern(ctx), vectorSize(vectorSize) {}

  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    auto src = dyn_cast<MemRefType>(op.getSource().getType());
    auto dst = dyn_cast<MemRefType>(op.getTarget().getType());
    if (!src || !dst)
      return rewriter.notifyMatchFailure(op, "unranked copy");
    if (src.getLayout().isIdentity() && dst.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(op, "contiguous copy becomes memcpy");
    if (vectorSize > 0 && src.hasStaticShape() && src.getElementType().isIntOrFloat() &&
        innermostContiguous(src) && innermostContiguous(dst)) {
      // Loops over the outer dimensions around the vectorized runs.
      Location loc = op.getLoc();
      ArrayRef<int64_t> shape = src.getShape();
      SmallVector<Value> lbs, ubs, steps;
      for (int64_t extent : shape.drop_back()) {
        lbs.push_back(arith::ConstantIndexOp::create(rewriter, loc, 0));
        ubs.push_back(arith::ConstantIndexOp::create(rewriter, loc, extent));
        steps.push_back(arith::ConstantIndexOp::create(rewriter, loc, 1));
      }
      scf::buildLoopNest(rewriter, loc, lbs, ubs, steps,
                         [&](OpBuilder &b, Location, ValueRange outer) {
                           copyRun(b, loc, op.getSource(), op.getTarget(), outer, shape.back(),
                                   vectorSize, src.getElementType());
                         });
      rewriter.eraseOp(op);
      return success();
    }
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(), op.getTarget());
    return success();
  }

  int64_t vectorSize;
};

/// An in-bounds vector read of n elements (shaped [n] or [1, ..., 1, n])
/// along a memref dimension of static stride 2 (the windows of stride-2 depthwise convolutions and
/// pooling), which vector-to-scf would lower to n scalar loads and
/// inserts: read instead as the two contiguous vectors of n elements that
/// cover its span of 2n - 1 (the second starting at element n - 1, so no
/// element past the last one read is touched), and keep every other
/// element with one shuffle (vpermt2ps on AVX-512).
struct StrideTwoRead : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<MemRefType>(read.getBase().getType());
    VectorType readType = read.getVectorType();
    if (!type || readType.getRank() < 1 || readType.isScalable() ||
        llvm::any_of(readType.getShape().drop_back(), [](int64_t d) { return d != 1; }) ||
        readType.getShape().back() < 2 || read.getMask() ||
        !read.getPermutationMap().isMinorIdentity() ||
        !llvm::all_of(read.getInBoundsValues(), [](bool b) { return b; }) ||
        innermostStride(type) != 2)
      return rewriter.notifyMatchFailure(read, "not an in-bounds stride-2 vector read");
    Location loc = read.getLoc();
    int64_t n = readType.getShape().back();
    auto vt = VectorType::get({n}, readType.getElementType());
    auto meta = memref::ExtractStridedMetadataOp::create(rewriter, loc, read.getBase());
    // The first element's position in the base buffer.
    Value start = meta.getOffset();
    for (auto [index, stride] : llvm::zip(read.getIndices(), meta.getStrides()))
      start = arith::AddIOp::create(rewriter, loc, start,
                                    arith::MulIOp::create(rewriter, loc, index, stride));
    auto spanType = MemRefType::get({2 * n - 1}, vt.getElementType(),
                                    StridedLayoutAttr::get(rewriter.getContext(),
                                                           ShapedType::kDynamic, {1}),
                                    type.getMemorySpace());
    Value span = memref::ReinterpretCastOp::create(
        rewriter, loc, spanType, meta.getBaseBuffer(), OpFoldResult(start),
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(2 * n - 1)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
    Value low = vector::LoadOp::create(rewriter, loc, vt, span,
                                       ValueRange{arith::ConstantIndexOp::create(rewriter, loc, 0)});
    Value high = vector::LoadOp::create(
        rewriter, loc, vt, span, ValueRange{arith::ConstantIndexOp::create(rewriter, loc, n - 1)});
    // Element 2i of the span: lane 2i of `low` while it is there, else lane
    // 2i - (n - 1) of `high` (shuffle index n + 2i - (n - 1)).
    SmallVector<int64_t> lanes;
    for (int64_t i = 0; i < n; ++i)
      lanes.push_back(2 * i < n ? 2 * i : 2 * i + 1);
    Value even = vector::ShuffleOp::create(rewriter, loc, low, high, lanes);
    // Reads of [1, ..., 1, n] (a row of a tile) keep their shape.
    rewriter.replaceOp(read, readType.getRank() == 1
                                 ? even
                                 : vector::ShapeCastOp::create(rewriter, loc, readType, even));
    return success();
  }
};

struct CPUStridedCopyToLoopsPass
    : aiopt::impl::CPUStridedCopyToLoopsPassBase<CPUStridedCopyToLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorSize < 0) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-strided-copy-to-loops: vector-size must not be negative";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    aiopt::populateStridedCopyToLinalgPatterns(patterns, vectorSize);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::aiopt::populateStridedCopyToLinalgPatterns(RewritePatternSet &patterns,
                                                      int64_t vectorSize) {
  patterns.add<StridedCopyToLinalg>(patterns.getContext(), vectorSize);
  if (vectorSize > 0)
    patterns.add<StrideTwoRead>(patterns.getContext());
}
