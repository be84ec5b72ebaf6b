//===- StridedCopyToLoops.cpp - strided memref.copy to linalg.copy --------===//
//
// Keeps compiled objects free of runner-library calls: copies that LLVM
// lowering cannot turn into memcpy become linalg.copy loop nests, or loops
// of vector loads and stores along a contiguous innermost dimension; and,
// when vectorizing, vector reads at a stride of two to four become
// contiguous loads and shuffles.
//
//===----------------------------------------------------------------------===//

#include "CodegenUtils.h"
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
/// loop of full vectors, then one shorter vector for the remainder. A
/// source at a stride along its innermost dimension is read with in-bounds
/// transfer reads (StridedRead below makes them contiguous loads).
void copyRun(OpBuilder &b, Location loc, Value src, Value dst, ValueRange outer, int64_t n,
             int64_t lanes, Type elementType) {
  bool strided = !innermostContiguous(cast<MemRefType>(src.getType()));
  auto move = [&](OpBuilder &nb, Value at, int64_t width) {
    SmallVector<Value> indices(outer);
    indices.push_back(at);
    auto type = VectorType::get({width}, elementType);
    Value v = strided ? Value(vector::TransferReadOp::create(
                            nb, loc, type, src, indices,
                            arith::ConstantOp::create(nb, loc, nb.getZeroAttr(elementType)),
                            ArrayRef<bool>{true}))
                      : Value(vector::LoadOp::create(nb, loc, type, src, indices));
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
    int64_t srcStride = innermostStride(src);
    if (vectorSize > 0 && src.hasStaticShape() && src.getElementType().isIntOrFloat() &&
        srcStride >= 1 && srcStride <= aiopt::kMaxReadStride && innermostContiguous(dst)) {
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
/// along a memref dimension of static stride s, 2 to kMaxReadStride (the
/// windows of strided depthwise convolutions and pooling, the input rows of
/// stride-2 first layers, strided im2col gathers), which vector-to-scf
/// would lower to n scalar loads and inserts: read instead as the
/// contiguous vectors of n elements that cover the span of (n - 1) s + 1
/// (s of them for n >= s - 1; read j at j n, the last one ending with the
/// span, so no element past the last one read is touched; one odd-sized
/// vector would split into many small loads), and take each lane from the
/// first vector holding it with one shuffle per vector after the first
/// (vpermt2ps on AVX-512).
struct StridedRead : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<MemRefType>(read.getBase().getType());
    VectorType readType = read.getVectorType();
    int64_t step = type ? innermostStride(type) : 0;
    if (!type || readType.getRank() < 1 || readType.isScalable() ||
        llvm::any_of(readType.getShape().drop_back(), [](int64_t d) { return d != 1; }) ||
        readType.getShape().back() < 2 || read.getMask() ||
        !read.getPermutationMap().isMinorIdentity() ||
        !llvm::all_of(read.getInBoundsValues(), [](bool b) { return b; }) || step < 2 ||
        step > aiopt::kMaxReadStride)
      return rewriter.notifyMatchFailure(read, "not an in-bounds strided vector read");
    Location loc = read.getLoc();
    int64_t n = readType.getShape().back(), span = (n - 1) * step + 1;
    auto vt = VectorType::get({n}, readType.getElementType());
    auto meta = memref::ExtractStridedMetadataOp::create(rewriter, loc, read.getBase());
    // The first element's position in the base buffer.
    Value start = meta.getOffset();
    for (auto [index, stride] : llvm::zip(read.getIndices(), meta.getStrides()))
      start = arith::AddIOp::create(rewriter, loc, start,
                                    arith::MulIOp::create(rewriter, loc, index, stride));
    auto spanType = MemRefType::get({span}, vt.getElementType(),
                                    StridedLayoutAttr::get(rewriter.getContext(),
                                                           ShapedType::kDynamic, {1}),
                                    type.getMemorySpace());
    Value run = memref::ReinterpretCastOp::create(
        rewriter, loc, spanType, meta.getBaseBuffer(), OpFoldResult(start),
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(span)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
    SmallVector<Value> loads;
    SmallVector<int64_t> starts;
    // As many vectors as cover the span (`step` of them unless n is below
    // step - 1), none past its end.
    int64_t count = llvm::divideCeil(span, n);
    for (int64_t j = 0; j < count; ++j) {
      starts.push_back(std::min(j * n, span - n));
      loads.push_back(vector::LoadOp::create(
          rewriter, loc, vt, run,
          ValueRange{arith::ConstantIndexOp::create(rewriter, loc, starts.back())}));
    }
    // Lane i is element i s of the span: from the first load holding it.
    auto holder = [&](int64_t lane) {
      int64_t j = 0;
      while (lane * step >= starts[j] + n)
        ++j;
      return j;
    };
    Value result = loads[0];
    for (int64_t j = 1; j < count; ++j) {
      SmallVector<int64_t> lanes;
      for (int64_t i = 0; i < n; ++i) {
        int64_t from = holder(i);
        lanes.push_back(from == j ? n + i * step - starts[j] : j == 1 && from == 0 ? i * step : i);
      }
      result = vector::ShuffleOp::create(rewriter, loc, result, loads[j], lanes);
    }
    // Reads of [1, ..., 1, n] (a row of a tile) keep their shape.
    rewriter.replaceOp(read, readType.getRank() == 1
                                 ? result
                                 : vector::ShapeCastOp::create(rewriter, loc, readType, result));
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
    patterns.add<StridedRead>(patterns.getContext());
}
