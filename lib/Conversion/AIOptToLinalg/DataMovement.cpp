//===- DataMovement.cpp - constants, shapes and data movement -------------===//
//
// aiopt.constant, shape, reshape, transpose, concat, slice, gather and pad
// become arith constants, tensor reshapes/slices/pads and linalg ops.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Unsigned constants keep their bits with a signless element type.
    auto value = cast<ElementsAttr>(op.getValue());
    auto type = cast<RankedTensorType>(value.getType());
    if (type != signless(type)) {
      if (auto dense = dyn_cast<DenseElementsAttr>(value))
        value = dense.bitcast(signless(type.getElementType()));
      else if (auto blob = dyn_cast<DenseResourceElementsAttr>(value))
        value = DenseResourceElementsAttr::get(signless(type), blob.getRawHandle());
      else
        return rewriter.notifyMatchFailure(op, "unsupported unsigned constant");
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(value));
    return success();
  }
};

struct ShapeLowering : OpConversionPattern<ShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<Value> dimsI64;
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    for (int64_t d = 0; d < it.getRank(); ++d)
      dimsI64.push_back(arith::IndexCastOp::create(
          rewriter, loc, rewriter.getI64Type(),
          dimValue(rewriter, loc, adaptor.getInput(), d)));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), dimsI64);
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(),
                                         adaptor.getInput(), op.getType()));
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!op.getType().hasStaticShape() &&
        op.getType().getRank() > op.getInput().getType().getRank())
      return rewriter.notifyMatchFailure(op, "new dynamic leading dimensions");
    rewriter.replaceOp(op, buildBroadcastElementwise(
                               rewriter, op.getLoc(), op.getType(), adaptor.getInput(),
                               passThrough));
    return success();
  }
};

/// Trilu: a generic comparing `col - row` with `k` (read once from its
/// scalar tensor) and selecting the element or zero.
struct TriluLowering : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t r = type.getRank();
    Value k = arith::ConstantIndexOp::create(rewriter, loc, 0);
    if (Value kt = adaptor.getK())
      k = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                     tensor::ExtractOp::create(rewriter, loc, kt));
    bool upper = op.getUpper();
    rewriter.replaceOp(op, buildBroadcastElementwise(
                               rewriter, loc, type, adaptor.getInput(),
                               [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                 Value diff = arith::SubIOp::create(
                                     b, l, linalg::IndexOp::create(b, l, r - 1),
                                     linalg::IndexOp::create(b, l, r - 2));
                                 Value keep = arith::CmpIOp::create(
                                     b, l,
                                     upper ? arith::CmpIPredicate::sge
                                           : arith::CmpIPredicate::sle,
                                     diff, k);
                                 return arith::SelectOp::create(
                                     b, l, keep, v[0],
                                     scalarConstant(b, l, v[0].getType(), 0));
                               }));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    SmallVector<Value> sizes(type.getRank());
    for (auto [d, p] : llvm::enumerate(op.getPerm()))
      if (type.isDynamicDim(d))
        sizes[d] = dimValue(rewriter, loc, adaptor.getInput(), p);
    Value init = emptyTensor(rewriter, loc, type, sizes);
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, loc,
                                                        adaptor.getInput(), init,
                                                        op.getPerm())
                               .getResult());
    return success();
  }
};

/// Concatenation: each operand is inserted into an empty result at its
/// running offset along the axis.
struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis();
    SmallVector<Value> inputs(adaptor.getInputs());
    SmallVector<Value> sizes(type.getRank());
    // Off the axis every input has the result's extent: a static one where
    // the result or an input has it, else the first input's; dynamic input
    // extents are checked against it at run time (a larger one would be
    // written past the result).
    SmallVector<std::pair<int64_t, Value>> offAxis;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (d == axis)
        continue;
      int64_t extent = type.getDimSize(d);
      for (Value v : inputs)
        if (auto vt = cast<RankedTensorType>(v.getType()); !vt.isDynamicDim(d))
          extent = vt.getDimSize(d);
      Value value = ShapedType::isDynamic(extent)
                        ? dimValue(rewriter, loc, inputs.front(), d)
                        : arith::ConstantIndexOp::create(rewriter, loc, extent).getResult();
      offAxis.emplace_back(d, value);
      if (type.isDynamicDim(d))
        sizes[d] = value;
    }
    for (auto [i, v] : llvm::enumerate(inputs))
      v = requireExtents(rewriter, loc, v, i, offAxis);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d) || d != axis)
        continue;
      Value total = arith::ConstantIndexOp::create(rewriter, loc, 0);
      for (Value v : inputs)
        total = arith::AddIOp::create(rewriter, loc, total,
                                      dimValue(rewriter, loc, v, axis));
      sizes[d] = total;
    }
    Value result = emptyTensor(rewriter, loc, type, sizes);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    for (Value v : inputs) {
      auto vt = cast<RankedTensorType>(v.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> vsizes, strides(type.getRank(), rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < vt.getRank(); ++d)
        vsizes.push_back(vt.isDynamicDim(d) ? OpFoldResult(dimValue(rewriter, loc, v, d))
                                            : rewriter.getIndexAttr(vt.getDimSize(d)));
      offsets[axis] = offset;
      result = tensor::InsertSliceOp::create(rewriter, loc, v, result, offsets,
                                             vsizes, strides);
      Value off = getValueOrCreateConstantIndexOp(rewriter, loc, offset);
      Value len = getValueOrCreateConstantIndexOp(rewriter, loc, vsizes[axis]);
      offset = arith::AddIOp::create(rewriter, loc, off, len).getResult();
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Positive steps become tensor.extract_slice; negative steps a generic
/// reading `start + i * step`.
struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value input = adaptor.getInput();
    SmallVector<Value> sizes(type.getRank());
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes[d] = dimValue(rewriter, loc, input, d);
    if (llvm::all_of(op.getSteps(), [](int64_t s) { return s > 0; })) {
      SmallVector<OpFoldResult> offsets, osizes, strides;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        // An empty result may start at the end; extract_slice wants an
        // offset inside the source.
        bool empty = type.getDimSize(d) == 0;
        offsets.push_back(rewriter.getIndexAttr(empty ? 0 : op.getStarts()[d]));
        osizes.push_back(sizes[d] ? OpFoldResult(sizes[d])
                                  : rewriter.getIndexAttr(type.getDimSize(d)));
        strides.push_back(rewriter.getIndexAttr(op.getSteps()[d]));
      }
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, signless(type), input, offsets, osizes, strides);
      return success();
    }
    MLIRContext *ctx = getContext();
    SmallVector<AffineExpr> e;
    for (int64_t d = 0; d < type.getRank(); ++d)
      e.push_back(getAffineDimExpr(d, ctx) * op.getSteps()[d] + op.getStarts()[d]);
    AffineMap map = AffineMap::get(type.getRank(), 0, e, ctx);
    rewriter.replaceOp(op, buildElementwise(
                               rewriter, loc, type, input, map, sizes,
                               passThrough));
    return success();
  }
};

/// Gather: the result loop nest reads the index tensor, wraps negative
/// indices, clamps to the axis extent (no out-of-bounds read), and extracts.
struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = op.getType();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dt = cast<RankedTensorType>(data.getType());
    auto it = cast<RankedTensorType>(indices.getType());
    int64_t axis = op.getAxis(), ir = it.getRank();
    SmallVector<Value> sizes(type.getRank());
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (d < axis)
        sizes[d] = dimValue(rewriter, loc, data, d);
      else if (d < axis + ir)
        sizes[d] = dimValue(rewriter, loc, indices, d - axis);
      else
        sizes[d] = dimValue(rewriter, loc, data, d - ir + 1);
    }
    SmallVector<AffineExpr> ie;
    for (int64_t d = 0; d < ir; ++d)
      ie.push_back(getAffineDimExpr(axis + d, ctx));
    AffineMap imap = AffineMap::get(type.getRank(), 0, ie, ctx);
    Value extent = dimValue(rewriter, loc, data, axis);
    Value result = buildElementwise(
        rewriter, loc, type, indices, imap, sizes,
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          coords.push_back(wrapIndex(b, l, v[0], extent));
          for (int64_t d = axis + 1; d < dt.getRank(); ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d + ir - 1));
          return tensor::ExtractOp::create(b, l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// GatherElements: one loop per index element; the coordinates are the
/// loop indices with the axis one replaced by the (wrapped) index.
struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    int64_t axis = op.getAxis();
    Value extent = dimValue(rewriter, loc, data, axis);
    AffineMap id = AffineMap::getMultiDimIdentityMap(type.getRank(), getContext());
    Value result = buildElementwise(
        rewriter, loc, type, indices, id, broadcastSizes(rewriter, loc, type, indices),
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < type.getRank(); ++d)
            coords.push_back(d == axis ? wrapIndex(b, l, v[0], extent)
                                       : linalg::IndexOp::create(b, l, d).getResult());
          return tensor::ExtractOp::create(b, l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Edge, reflect and wrap padding: each output element reads the input at
/// its index minus the begin pad, brought into range per mode.
Value padByIndex(OpBuilder &b, PadOp op, Value input) {
  Location loc = op.getLoc();
  RankedTensorType type = op.getType();
  int64_t r = type.getRank();
  ArrayRef<int64_t> pads = op.getPads();
  return buildElementwise(
      b, loc, type, ValueRange{}, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < r; ++d) {
          auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(nb, l, v).getResult(); };
          Value n = dimValue(nb, l, input, d);
          Value i = arith::SubIOp::create(nb, l, linalg::IndexOp::create(nb, l, d), c(pads[d]));
          Value last = arith::SubIOp::create(nb, l, n, c(1));
          switch (op.getMode()) {
          case PadMode::edge:
            i = arith::MaxSIOp::create(nb, l, arith::MinSIOp::create(nb, l, i, last), c(0));
            break;
          case PadMode::reflect: {
            // -i before the start; 2 * last - i after the end.
            Value neg = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, i, c(0));
            i = arith::SelectOp::create(nb, l, neg, arith::SubIOp::create(nb, l, c(0), i), i);
            Value over = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sgt, i, last);
            Value mirrored = arith::SubIOp::create(
                nb, l, arith::MulIOp::create(nb, l, last, c(2)), i);
            i = arith::SelectOp::create(nb, l, over, mirrored, i);
            break;
          }
          default: // wrap
            i = arith::RemSIOp::create(
                nb, l, arith::AddIOp::create(nb, l, arith::RemSIOp::create(nb, l, i, n), n), n);
            break;
          }
          coords.push_back(i);
        }
        return tensor::ExtractOp::create(nb, l, input, coords);
      });
}

/// GatherND: the output loops index the batch dimensions, the index tuple
/// (read from `indices`) and the trailing slice dimensions of `data`.
struct GatherNDLowering : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto it = cast<RankedTensorType>(indices.getType());
    int64_t q = it.getRank(), k = it.getDimSize(q - 1), batch = op.getBatchDims();
    int64_t dataRank = cast<RankedTensorType>(data.getType()).getRank();
    RankedTensorType type = op.getType();
    Value result = buildElementwise(
        rewriter, loc, type, ValueRange{}, {}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> coords, tuple;
          for (int64_t d = 0; d < q - 1; ++d)
            tuple.push_back(linalg::IndexOp::create(b, l, d));
          for (int64_t d = 0; d < batch; ++d)
            coords.push_back(tuple[d]);
          tuple.push_back(Value());
          for (int64_t j = 0; j < k; ++j) {
            tuple.back() = arith::ConstantIndexOp::create(b, l, j);
            Value raw = tensor::ExtractOp::create(b, l, indices, tuple);
            coords.push_back(wrapIndex(b, l, raw, dimValue(b, l, data, batch + j)));
          }
          for (int64_t d = batch + k; d < dataRank; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, q - 1 + d - batch - k));
          return tensor::ExtractOp::create(b, l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    int64_t r = type.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    if (op.getMode() != PadMode::constant) {
      rewriter.replaceOp(op, padByIndex(rewriter, op, adaptor.getInput()));
      return success();
    }
    Value pv = scalarConstant(rewriter, op.getLoc(), type.getElementType(),
                              op.getValue().convertToDouble());
    rewriter.replaceOp(op, padConstant(rewriter, op.getLoc(), type,
                                       adaptor.getInput(), pads.take_front(r),
                                       pads.drop_front(r), pv));
    return success();
  }
};

} // namespace

void mlir::aiopt::populateDataMovementPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ShapeLowering, ReshapeLowering, ExpandLowering,
               TriluLowering,
               TransposeLowering, ConcatLowering, SliceLowering,
               GatherLowering, GatherElementsLowering, GatherNDLowering, PadLowering>(patterns.getContext());
}
