//===- CodegenUtils.cpp - helpers shared by the CPU codegen passes --------===//

#include "CodegenUtils.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

void mlir::aiopt::populateCanonicalization(MLIRContext *ctx, RewritePatternSet &patterns) {
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
}

FailureOr<scf::SCFTilingResult> mlir::aiopt::tileOp(RewriterBase &rewriter, linalg::LinalgOp op,
                                                    ArrayRef<int64_t> sizes,
                                                    ArrayRef<int64_t> order, bool forall) {
  // An empty iteration space (a zero-sized dimension) has nothing to tile,
  // and upstream's tile size computation would divide by its extent.
  if (llvm::is_contained(op.getStaticLoopRanges(), 0))
    return failure();
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  if (!order.empty())
    options.setInterchange(order);
  if (forall)
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  return result;
}

void mlir::aiopt::peelLoops(RewriterBase &rewriter, ArrayRef<LoopLikeOpInterface> loops,
                            unsigned keepInnermost) {
  for (size_t i = loops.size(); i-- > 0;) {
    if (i + keepInnermost >= loops.size())
      continue;
    auto forOp = dyn_cast<scf::ForOp>(LoopLikeOpInterface(loops[i]).getOperation());
    if (!forOp)
      continue;
    scf::ForOp partial;
    rewriter.setInsertionPoint(forOp);
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
  }
}

linalg::LinalgOp mlir::aiopt::dropUnitLoops(RewriterBase &rewriter, linalg::GenericOp op,
                                            ArrayRef<unsigned> keep, bool reshape) {
  linalg::ControlDropUnitDims control;
  control.rankReductionStrategy =
      reshape ? linalg::ControlDropUnitDims::RankReductionStrategy::ReassociativeReshape
              : linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
  SmallVector<unsigned> candidates;
  for (unsigned i = 0; i < op.getNumLoops(); ++i)
    if (!llvm::is_contained(keep, i))
      candidates.push_back(i);
  control.controlFn = [&](Operation *) { return candidates; };
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::DropUnitDimsResult> reduced = linalg::dropUnitDims(rewriter, op, control);
  if (failed(reduced))
    return op;
  rewriter.replaceOp(op, reduced->replacements);
  return cast<linalg::LinalgOp>(reduced->resultOp.getOperation());
}

LogicalResult mlir::aiopt::vectorizeMarked(
    Operation *root, StringRef marker,
    function_ref<linalg::LinalgOp(RewriterBase &, linalg::LinalgOp)> prepare, bool namedContraction) {
  MLIRContext *ctx = root->getContext();
  RewritePatternSet canonical(ctx);
  populateCanonicalization(ctx, canonical);
  if (failed(applyPatternsGreedily(root, std::move(canonical))))
    return failure();
  SmallVector<linalg::LinalgOp> marked;
  root->walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(marker))
      marked.push_back(op);
  });
  IRRewriter rewriter(ctx);
  for (linalg::LinalgOp op : marked) {
    op->removeAttr(marker);
    if (op.hasDynamicShape())
      continue; // stays scalar loops
    rewriter.setInsertionPoint(op);
    linalg::LinalgOp prepared = prepare(rewriter, op);
    rewriter.setInsertionPoint(prepared);
    FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
        rewriter, prepared, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
        /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
        /*assumeDynamicDimsMatchVecSizes=*/false, namedContraction);
    if (succeeded(result))
      rewriter.replaceOp(prepared, result->replacements);
  }
  return success();
}

bool mlir::aiopt::readsInLoopOrder(AffineMap map, unsigned inner, int64_t maxStride) {
  if (!map.isFunctionOfDim(inner))
    return true;
  ArrayRef<AffineExpr> results = map.getResults();
  for (AffineExpr e : results.drop_back())
    if (e.isFunctionOfDim(inner))
      return false;
  if (map.isProjectedPermutation())
    return true;
  // inner + (terms of other loops) + constant: exactly one added term
  // involves `inner`, and it is `inner` itself.
  SmallVector<AffineExpr> terms = {results.back()}, innerTerms;
  while (!terms.empty()) {
    AffineExpr e = terms.pop_back_val();
    if (e.getKind() == AffineExprKind::Add) {
      auto sum = cast<AffineBinaryOpExpr>(e);
      terms.append({sum.getLHS(), sum.getRHS()});
    } else if (e.isFunctionOfDim(inner)) {
      innerTerms.push_back(e);
    }
  }
  if (innerTerms.size() != 1)
    return false;
  AffineExpr d = getAffineDimExpr(inner, map.getContext());
  if (innerTerms.front() == d)
    return true;
  auto product = dyn_cast<AffineBinaryOpExpr>(innerTerms.front());
  auto stride = product ? dyn_cast<AffineConstantExpr>(product.getRHS()) : AffineConstantExpr();
  return product && product.getKind() == AffineExprKind::Mul && product.getLHS() == d && stride &&
         stride.getValue() > 1 && stride.getValue() <= maxStride;
}

bool mlir::aiopt::hasByteElements(Operation *op) {
  return llvm::all_of(op->getOperandTypes(), [](Type type) {
    Type t = getElementTypeOrSelf(type);
    return t.isIntOrFloat() && t.getIntOrFloatBitWidth() >= 8;
  });
}

bool mlir::aiopt::linearTerms(AffineExpr e, SmallVectorImpl<std::pair<unsigned, int64_t>> &terms) {
  if (auto d = dyn_cast<AffineDimExpr>(e)) {
    terms.push_back({d.getPosition(), 1});
    return true;
  }
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return false;
  if (bin.getKind() == AffineExprKind::Add)
    return linearTerms(bin.getLHS(), terms) && linearTerms(bin.getRHS(), terms);
  auto d = dyn_cast<AffineDimExpr>(bin.getLHS());
  auto c = dyn_cast<AffineConstantExpr>(bin.getRHS());
  if (bin.getKind() != AffineExprKind::Mul || !d || !c || c.getValue() <= 0)
    return false;
  terms.push_back({d.getPosition(), c.getValue()});
  return true;
}

bool mlir::aiopt::sliceStridedReads(RewriterBase &rewriter, linalg::GenericOp op) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  MLIRContext *ctx = op.getContext();
  bool changed = false;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = maps[in->getOperandNumber()];
    auto type = dyn_cast<RankedTensorType>(in->get().getType());
    if (!type || !type.hasStaticShape() || map.isProjectedPermutation())
      continue;
    SmallVector<AffineExpr> plain;
    SmallVector<OpFoldResult> offsets, sizes, strides;
    SmallVector<int64_t> sliceShape;
    for (auto [dim, e] : llvm::enumerate(map.getResults())) {
      // A constant index (a fixed tap of a window, once its loop of one
      // iteration is dropped) is a unit dimension of the slice, dropped.
      if (auto c = dyn_cast<AffineConstantExpr>(e)) {
        offsets.push_back(rewriter.getIndexAttr(c.getValue()));
        sizes.push_back(rewriter.getIndexAttr(1));
        strides.push_back(rewriter.getIndexAttr(1));
        continue;
      }
      SmallVector<std::pair<unsigned, int64_t>> terms;
      if (!linearTerms(e, terms) || terms.size() != 1 ||
          ShapedType::isDynamic(ranges[terms[0].first]) ||
          (ranges[terms[0].first] - 1) * terms[0].second + 1 != type.getDimSize(dim))
        break;
      plain.push_back(getAffineDimExpr(terms[0].first, ctx));
      offsets.push_back(rewriter.getIndexAttr(0));
      sizes.push_back(rewriter.getIndexAttr(ranges[terms[0].first]));
      strides.push_back(rewriter.getIndexAttr(terms[0].second));
      sliceShape.push_back(ranges[terms[0].first]);
    }
    if (offsets.size() != map.getNumResults())
      continue;
    rewriter.setInsertionPoint(op);
    Value slice = tensor::ExtractSliceOp::create(rewriter, op.getLoc(), type.clone(sliceShape),
                                                 in->get(), offsets, sizes, strides);
    rewriter.modifyOpInPlace(op, [&] { in->set(slice); });
    maps[in->getOperandNumber()] = AffineMap::get(map.getNumDims(), 0, plain, ctx);
    changed = true;
  }
  if (changed)
    rewriter.modifyOpInPlace(
        op, [&] { op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps)); });
  return changed;
}
