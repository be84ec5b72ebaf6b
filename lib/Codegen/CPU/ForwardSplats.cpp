//===- ForwardSplats.cpp - the aiopt-cpu-forward-splats pass --------------===//
//
// A register tile whose accumulator is initialized by a fill writes the
// fill's constant to its tile, inserts the tile into the block, and reads
// it back as its first accumulators; after the reduction it overwrites the
// whole tile. Here the read becomes the constant and the final write skips
// the insertion, so neither the constant's stores nor their reloads remain;
// a block's fill that the tiles' results replace whole goes too.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUFORWARDSPLATSPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

/// Whether `transfer` (unmasked, in bounds, over every dimension of its
/// tensor in order) reads or writes exactly the box `insert` inserts (unit
/// strides, static offsets and sizes).
bool coversInsertedBox(VectorTransferOpInterface transfer, tensor::InsertSliceOp insert) {
  auto type = dyn_cast<RankedTensorType>(transfer.getShapedType());
  if (!type || transfer.getMask() || type.getRank() != transfer.getVectorType().getRank() ||
      !transfer.getPermutationMap().isIdentity() ||
      llvm::any_of(transfer.getInBoundsValues(), [](bool b) { return !b; }))
    return false;
  for (auto [index, size, offset, extent, stride] :
       llvm::zip_equal(transfer.getIndices(), transfer.getVectorType().getShape(),
                       insert.getStaticOffsets(), insert.getStaticSizes(),
                       insert.getStaticStrides())) {
    std::optional<int64_t> at = getConstantIntValue(index);
    if (!at || *at != offset || size != extent || stride != 1)
      return false;
  }
  return true;
}

/// The insertion that produced the tensor `transfer` reads or writes, when
/// `transfer` covers exactly the box it inserted; else null.
tensor::InsertSliceOp coveredInsertion(VectorTransferOpInterface transfer) {
  auto insert = transfer.getBase().getDefiningOp<tensor::InsertSliceOp>();
  return insert && coversInsertedBox(transfer, insert) ? insert : nullptr;
}

/// The constant `insert` inserts: its source written whole by a
/// transfer_write of a splat constant.
TypedAttr insertedSplat(tensor::InsertSliceOp insert) {
  auto write = insert.getSource().getDefiningOp<vector::TransferWriteOp>();
  if (!write || write.getVectorType().getShape() != insert.getSourceType().getShape())
    return nullptr;
  auto source = cast<RankedTensorType>(write.getBase().getType());
  if (write.getMask() || !write.getPermutationMap().isIdentity() ||
      source.getShape() != write.getVectorType().getShape() ||
      llvm::any_of(write.getInBoundsValues(), [](bool b) { return !b; }) ||
      llvm::any_of(write.getIndices(), [](Value v) { return !isZeroInteger(v); }))
    return nullptr;
  DenseElementsAttr splat;
  if (!matchPattern(write.getVector(), m_Constant(&splat)) || !splat.isSplat())
    return nullptr;
  return splat.getSplatValue<TypedAttr>();
}

/// A read of exactly an inserted splat box is the splat.
struct ReadInsertedSplat : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    tensor::InsertSliceOp insert = coveredInsertion(read);
    TypedAttr value = insert ? insertedSplat(insert) : nullptr;
    if (!value)
      return failure();
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        read, DenseElementsAttr::get(read.getVectorType(), value));
    return success();
  }
};

/// A write of exactly an inserted box writes into the insertion's
/// destination: what the insertion wrote is overwritten.
struct WriteOverInsertedBox : OpRewritePattern<vector::TransferWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferWriteOp write,
                                PatternRewriter &rewriter) const override {
    tensor::InsertSliceOp insert = coveredInsertion(write);
    if (!insert)
      return failure();
    rewriter.modifyOpInPlace(write, [&] { write.getBaseMutable().assign(insert.getDest()); });
    return success();
  }
};

/// An insertion that replaces all of a fill's result inserts into the
/// fill's destination instead: the fill's values are all overwritten.
struct InsertOverFill : OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::InsertSliceOp insert,
                                PatternRewriter &rewriter) const override {
    auto fill = insert.getDest().getDefiningOp<linalg::FillOp>();
    RankedTensorType type = insert.getDestType();
    if (!fill || !type.hasStaticShape() ||
        llvm::any_of(insert.getStaticOffsets(), [](int64_t o) { return o != 0; }) ||
        insert.getStaticSizes() != type.getShape() ||
        llvm::any_of(insert.getStaticStrides(), [](int64_t s) { return s != 1; }))
      return failure();
    rewriter.modifyOpInPlace(insert,
                             [&] { insert.getDestMutable().assign(fill.getOutputs()[0]); });
    return success();
  }
};

struct ForwardSplatsPass : aiopt::impl::CPUForwardSplatsPassBase<ForwardSplatsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ReadInsertedSplat, WriteOverInsertedBox, InsertOverFill>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
