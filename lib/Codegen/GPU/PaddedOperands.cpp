//===- PaddedOperands.cpp - kernels that read around a padding copy -------===//
//
// Finds padded buffers (a constant fill, then a copy into a box) and reads
// their elements from the copied source (see PaddedOperands.h).
//
//===----------------------------------------------------------------------===//

#include "PaddedOperands.h"

#include "LinalgKernels.h"

#include "aiopt/Codegen/BufferViews.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

Operation *mlir::aiopt::lastToucher(Operation *op, Value root, bool writesOnly) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode())
    if (touchesBuffer(prev, root, writesOnly))
      return prev;
  return nullptr;
}

/// The constant `op` writes to every element of `root`: a linalg.fill of
/// it, or a linalg.map without inputs yielding a value from outside.
static TypedAttr constantFill(Operation *op, Value root) {
  Value value;
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(op)) {
    if (fill.getOutputs()[0] != root)
      return {};
    value = fill.getInputs()[0];
  } else if (auto map = dyn_cast_or_null<linalg::MapOp>(op)) {
    if (!map.getInputs().empty() || map.getInit() != root)
      return {};
    value = map.getMapper().front().getTerminator()->getOperand(0);
  } else {
    return {};
  }
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return {};
  return dyn_cast<TypedAttr>(attr);
}

std::optional<aiopt::PaddedBuffer> mlir::aiopt::findPaddedBuffer(Operation *reader,
                                                                 Value operand,
                                                                 bool subviews) {
  PaddedBuffer p;
  p.operand = operand;
  p.root = viewedBuffer(operand);
  auto alloc = p.root.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != reader->getBlock() || !alloc.getType().hasStaticShape() ||
      !alloc.getType().getLayout().isIdentity())
    return std::nullopt;
  if (auto view = operand.getDefiningOp<memref::SubViewOp>(); view && subviews) {
    if (view.getSource() != p.root || view.getType().getRank() != alloc.getType().getRank() ||
        ShapedType::isDynamicShape(view.getStaticOffsets()) ||
        ShapedType::isDynamicShape(view.getStaticStrides()))
      return std::nullopt;
    p.viewOffsets = llvm::to_vector(view.getStaticOffsets());
    p.viewStrides = llvm::to_vector(view.getStaticStrides());
  } else if (operand != p.root) {
    auto expand = operand.getDefiningOp<memref::ExpandShapeOp>();
    if (!expand || expand.getSrc() != p.root || !expand.getType().hasStaticShape())
      return std::nullopt;
    p.groups = expand.getReassociationIndices();
  }
  // The copy into a box of the buffer, with unit strides.
  p.copyOp = lastToucher(reader, p.root, /*writesOnly=*/true);
  Value target;
  if (auto copy = dyn_cast_or_null<memref::CopyOp>(p.copyOp)) {
    target = copy.getTarget();
    p.source = copy.getSource();
  } else if (auto copy = dyn_cast_or_null<linalg::CopyOp>(p.copyOp)) {
    target = copy.getOutputs()[0];
    p.source = copy.getInputs()[0];
  } else {
    return std::nullopt;
  }
  auto box = target.getDefiningOp<memref::SubViewOp>();
  if (!box || box.getSource() != p.root || !box.hasUnitStride() ||
      ShapedType::isDynamicShape(box.getStaticOffsets()) ||
      ShapedType::isDynamicShape(box.getStaticSizes()) ||
      box.getStaticSizes().size() != static_cast<size_t>(alloc.getType().getRank()))
    return std::nullopt;
  p.offsets = llvm::to_vector(box.getStaticOffsets());
  p.sizes = llvm::to_vector(box.getStaticSizes());
  // Before it, a constant fill of the whole buffer.
  p.fillOp = lastToucher(p.copyOp, p.root, /*writesOnly=*/true);
  p.fill = constantFill(p.fillOp, p.root);
  if (!p.fill)
    return std::nullopt;
  // The source keeps its contents until the reader runs.
  Value source = viewedBuffer(p.source);
  for (Operation *op = p.copyOp->getNextNode(); op != reader; op = op->getNextNode())
    if (touchesBuffer(op, source, /*writesOnly=*/true))
      return std::nullopt;
  return p;
}

Value mlir::aiopt::loadPadded(OpBuilder &b, Location loc, const PaddedBuffer &p,
                              ArrayRef<Value> indices, bool branchless) {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  // The element's indices in the padded buffer.
  SmallVector<Value> rootIndices;
  if (!p.viewOffsets.empty()) {
    // As affine.apply, which the unrolled copies of a window
    // (aiopt-gpu-coarsen-threads) compose with their own.
    for (auto [index, offset, stride] : llvm::zip(indices, p.viewOffsets, p.viewStrides))
      rootIndices.push_back(affine::AffineApplyOp::create(
          b, loc, b.getAffineDimExpr(0) * stride + offset, index));
  } else if (p.groups.empty()) {
    rootIndices.assign(indices.begin(), indices.end());
  } else {
    ArrayRef<int64_t> shape = cast<MemRefType>(p.operand.getType()).getShape();
    for (const ReassociationIndices &group : p.groups) {
      Value index = indices[group.front()];
      for (int64_t d : ArrayRef<int64_t>(group).drop_front())
        index = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, index, cst(shape[d])),
                                      indices[d]);
      rootIndices.push_back(index);
    }
  }
  // Inside the box: 0 <= index - offset < size, one unsigned comparison.
  ArrayRef<int64_t> rootShape = cast<MemRefType>(p.root.getType()).getShape();
  SmallVector<Value> sourceIndices;
  Value inside;
  for (auto [d, index] : llvm::enumerate(rootIndices)) {
    if (p.offsets[d] == 0 && p.sizes[d] == rootShape[d]) {
      sourceIndices.push_back(index);
      continue;
    }
    Value shifted = arith::SubIOp::create(b, loc, index, cst(p.offsets[d]));
    sourceIndices.push_back(shifted);
    Value in = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, shifted, cst(p.sizes[d]));
    inside = inside ? arith::AndIOp::create(b, loc, inside, in).getResult() : in;
  }
  if (!inside)
    return memref::LoadOp::create(b, loc, p.source, sourceIndices);
  Type type = cast<MemRefType>(p.root.getType()).getElementType();
  if (branchless) {
    // An index outside the box (below it, a huge unsigned number) clamps
    // to the box's last element; the select then takes the fill.
    for (size_t d = 0; d < sourceIndices.size(); ++d)
      if (p.offsets[d] != 0 || p.sizes[d] != rootShape[d])
        sourceIndices[d] = arith::MinUIOp::create(b, loc, sourceIndices[d], cst(p.sizes[d] - 1));
    Value loaded = memref::LoadOp::create(b, loc, p.source, sourceIndices);
    return arith::SelectOp::create(b, loc, inside, loaded,
                                   arith::ConstantOp::create(b, loc, p.fill));
  }
  auto ifOp = scf::IfOp::create(b, loc, type, inside, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, memref::LoadOp::create(b, loc, p.source, sourceIndices).getResult());
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, arith::ConstantOp::create(b, loc, p.fill).getResult());
  return ifOp.getResult(0);
}

void mlir::aiopt::erasePaddingIfUnread(RewriterBase &rewriter, const PaddedBuffer &p) {
  SmallVector<Operation *> erase;
  for (Operation *user : p.root.getUsers()) {
    if (user == p.fillOp || isa<memref::DeallocOp>(user))
      continue;
    auto box = dyn_cast<memref::SubViewOp>(user);
    if (box && box->hasOneUse() && *box->user_begin() == p.copyOp) {
      erase.push_back(box);
      continue;
    }
    if (isa<ViewLikeOpInterface>(user) && user->use_empty()) {
      erase.push_back(user);
      continue;
    }
    return; // still read
  }
  rewriter.eraseOp(p.copyOp);
  for (Operation *op : erase)
    rewriter.eraseOp(op);
  rewriter.eraseOp(p.fillOp);
}
