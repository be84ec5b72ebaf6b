//===- StridedCopyToLoops.cpp - strided memref.copy to linalg.copy --------===//
//
// Keeps compiled objects free of runner-library calls: copies that LLVM
// lowering cannot turn into memcpy become linalg.copy loop nests, or loops
// of vector loads and stores along a contiguous innermost dimension.
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
/// Whether `type`'s innermost dimension has a static unit stride.
bool innermostContiguous(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.getRank() > 0 && succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

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
}
