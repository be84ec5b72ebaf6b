//===- PadInPlace.cpp - the aiopt-cpu-pad-in-place pass -------------------===//
//
// Padded tensors are built where they live: the pad value fills only the
// border, and the padded tensor's interior is written by the op that
// computes the source (or, failing that, by an elementwise copy).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUPADINPLACEPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

/// `init` filled with `value` by an all-parallel elementwise generic (which
/// the vectorizer handles, unlike linalg.fill).
Value fill(OpBuilder &b, Location loc, Value init, Value value) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, type, ValueRange(), init, b.getMultiDimIdentityMap(type.getRank()), iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange) {
        linalg::YieldOp::create(nested, nestedLoc, value);
      });
  return generic->getResult(0);
}

/// The box at `offsets` of `sizes` in a tensor, with unit strides unless
/// `strides` are given.
struct Box {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  Box(OpBuilder &b, ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
      ArrayRef<int64_t> strides = {})
      : offsets(getAsIndexOpFoldResult(b.getContext(), offsets)),
        sizes(getAsIndexOpFoldResult(b.getContext(), sizes)),
        strides(strides.empty() ? SmallVector<OpFoldResult>(offsets.size(), b.getIndexAttr(1))
                                : getAsIndexOpFoldResult(b.getContext(), strides)) {}
  Value extract(OpBuilder &b, Location loc, Value from) const {
    return tensor::ExtractSliceOp::create(b, loc, from, offsets, sizes, strides);
  }
  Value insert(OpBuilder &b, Location loc, Value value, Value into) const {
    return tensor::InsertSliceOp::create(b, loc, value, into, offsets, sizes, strides);
  }
};

/// `dest` (whose two innermost dimensions are padded, the outer one on
/// both sides) with the side borders of its interior rows set to `value`,
/// as seams: the high border of row r and the low border of row r + 1 are
/// one run of memory. The rows from the last of the low border on, seen
/// as rows of the padded width that start at a high border, have the
/// seams as their first elements: one box, one vector store per row where
/// two boxes took a scalar store per row and side, each on its own cache
/// line. The view reaches into the border rows, which get `value` too.
Value fillSeams(OpBuilder &b, Location loc, Value dest, ArrayRef<int64_t> low,
                ArrayRef<int64_t> interior, Value value) {
  auto type = cast<RankedTensorType>(dest.getType());
  int64_t rank = type.getRank(), h = rank - 2, w = rank - 1;
  int64_t width = type.getDimSize(w), seams = interior[h] + 1;
  SmallVector<ReassociationIndices> rows;
  for (int64_t e = 0; e < h; ++e)
    rows.push_back({e});
  rows.push_back({h, w});
  Value flat = tensor::CollapseShapeOp::create(b, loc, dest, rows);
  SmallVector<int64_t> offsets(low.take_front(h)), sizes(interior.take_front(h));
  offsets.push_back((low[h] - 1) * width + low[w] + interior[w]);
  sizes.push_back(seams * width);
  Box run(b, offsets, sizes);
  SmallVector<int64_t> gridShape(interior.take_front(h));
  gridShape.append({seams, width});
  Value grid = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(gridShape, type.getElementType()), run.extract(b, loc, flat),
      rows);
  SmallVector<int64_t> seamSizes(gridShape);
  seamSizes[w] = width - interior[w];
  Box seam(b, SmallVector<int64_t>(rank, 0), seamSizes);
  grid = seam.insert(b, loc, fill(b, loc, seam.extract(b, loc, grid), value), grid);
  flat = run.insert(b, loc, tensor::CollapseShapeOp::create(b, loc, grid, rows), flat);
  return tensor::ExpandShapeOp::create(b, loc, type, flat, rows);
}

/// `dest` with its border around the box at `low` of `interior`'s sizes
/// set to `value`. The border is cut into disjoint boxes, two per padded
/// dimension d: the elements before and after the interior along d that
/// are inside it along every earlier dimension; but the innermost
/// dimension's two boxes are one of seams (fillSeams) where the dimension
/// before it is padded on both sides, and a dimension padded by one on
/// each side (a 3x3 window's top and bottom rows) has its two as one box
/// with a stride of the interior plus one: one loop nest, of twice the
/// work, which threads then share (aiopt-cpu-distribute) where a box of
/// one row each was left to one thread.
Value fillBorder(OpBuilder &b, Location loc, Value dest, ArrayRef<int64_t> low,
                 ArrayRef<int64_t> interior, Value value) {
  auto padded = cast<RankedTensorType>(dest.getType());
  int64_t rank = padded.getRank();
  auto high = [&](int64_t d) { return padded.getDimSize(d) - low[d] - interior[d]; };
  bool seams = rank >= 2 && low[rank - 1] + high(rank - 1) > 0 && low[rank - 2] > 0 &&
               high(rank - 2) > 0;
  for (int64_t d = 0; d < (seams ? rank - 1 : rank); ++d) {
    SmallVector<int64_t> offsets(rank, 0), sizes(padded.getShape());
    for (int64_t e = 0; e < d; ++e) {
      offsets[e] = low[e];
      sizes[e] = interior[e];
    }
    if (low[d] == 1 && high(d) == 1) {
      sizes[d] = 2;
      SmallVector<int64_t> strides(rank, 1);
      strides[d] = 1 + interior[d];
      Box box(b, offsets, sizes, strides);
      dest = box.insert(b, loc, fill(b, loc, box.extract(b, loc, dest), value), dest);
      continue;
    }
    if (low[d] > 0) {
      sizes[d] = low[d];
      Box box(b, offsets, sizes);
      dest = box.insert(b, loc, fill(b, loc, box.extract(b, loc, dest), value), dest);
    }
    if (high(d) > 0) {
      offsets[d] = low[d] + interior[d];
      sizes[d] = high(d);
      Box box(b, offsets, sizes);
      dest = box.insert(b, loc, fill(b, loc, box.extract(b, loc, dest), value), dest);
    }
  }
  return seams ? fillSeams(b, loc, dest, low, interior, value) : dest;
}

/// The linalg op computing `source` into an otherwise unused tensor.empty,
/// `source`'s only use being `pad`: it may write the padded interior
/// instead (an epilogue reading a contraction through reshapes too:
/// aiopt-cpu-tile-and-vectorize then tiles it in whole rows). Returns the
/// init operand to redirect.
OpOperand *redirectableInit(tensor::PadOp pad) {
  auto result = dyn_cast<OpResult>(pad.getSource());
  if (!result || !result.hasOneUse())
    return nullptr;
  auto producer = dyn_cast<linalg::LinalgOp>(result.getOwner());
  if (!producer || !producer.hasPureTensorSemantics() ||
      producer->getBlock() != pad->getBlock())
    return nullptr;
  OpOperand *init = producer.getDpsInitOperand(result.getResultNumber());
  if (!init->get().getDefiningOp<tensor::EmptyOp>() || producer.payloadUsesValueFromOperand(init))
    return nullptr;
  return init;
}

struct PadInPlacePass : aiopt::impl::CPUPadInPlacePassBase<PadInPlacePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<tensor::PadOp> pads;
    getOperation()->walk([&](tensor::PadOp pad) { pads.push_back(pad); });
    IRRewriter rewriter(&getContext());
    for (tensor::PadOp pad : pads) {
      RankedTensorType sourceType = pad.getSourceType(), padded = pad.getResultType();
      // Nothing to write (a batch of zero images): no views of it either,
      // which could not be valid subviews after bufferization.
      if (padded.hasStaticShape() && padded.getNumElements() == 0) {
        rewriter.setInsertionPoint(pad);
        rewriter.replaceOpWithNewOp<tensor::EmptyOp>(pad, padded.getShape(), padded.getElementType());
        continue;
      }
      if (!sourceType.hasStaticShape() || !padded.hasStaticShape() ||
          sourceType.getNumElements() == 0 ||
          ShapedType::isDynamicShape(pad.getStaticLow()))
        continue;
      Value value = pad.getConstantPaddingValue();
      if (!value)
        continue;
      Location loc = pad.getLoc();

      // The padded tensor's interior is written first, by the source's
      // producer where it can (its init becomes the interior), else by a
      // copy; then the border.
      OpOperand *init = redirectableInit(pad);
      rewriter.setInsertionPoint(init ? init->getOwner() : pad.getOperation());
      Value dest = tensor::EmptyOp::create(rewriter, loc, padded.getShape(), padded.getElementType());
      Box interior(rewriter, pad.getStaticLow(), sourceType.getShape());
      Value slice = interior.extract(rewriter, loc, dest);
      Value source = pad.getSource();
      if (init) {
        rewriter.modifyOpInPlace(init->getOwner(), [&] { init->set(slice); });
        rewriter.setInsertionPoint(pad);
      } else {
        source = linalg::CopyOp::create(rewriter, loc, source, slice)->getResult(0);
      }
      dest = interior.insert(rewriter, loc, source, dest);
      // A value from inside the body is a constant (see
      // getConstantPaddingValue), cloned out of it.
      if (pad.getRegion().isAncestor(value.getParentRegion()))
        value = rewriter.clone(*value.getDefiningOp())->getResult(0);
      rewriter.replaceOp(pad, fillBorder(rewriter, loc, dest, pad.getStaticLow(),
                                         sourceType.getShape(), value));
    }
  }
};

} // namespace
