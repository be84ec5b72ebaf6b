//===- Window.cpp - convolution and pooling to linalg.generic -------------===//
//
// Convolution and pooling share one shape: a loop nest over output
// positions and window offsets reading a padded input at
// `out * stride + offset * dilation`. Convolution adds channel and group
// loops and a filter operand; pooling reduces with max or sum.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// Pads the spatial dimensions (2..) of `input` by `pads` (begins then ends)
/// plus `extraEnd`, with `value`.
Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> pads,
                 ArrayRef<int64_t> extraEnd, double value) {
  auto type = cast<RankedTensorType>(input.getType());
  size_t n = type.getRank() - 2;
  SmallVector<int64_t> low = {0, 0}, high = {0, 0};
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    low.push_back(pads[i]);
    high.push_back(pads[i + n] + extraEnd[i]);
    any |= low.back() != 0 || high.back() != 0;
  }
  if (!any)
    return input;
  SmallVector<int64_t> shape(type.getShape());
  for (size_t d = 2; d < shape.size(); ++d)
    if (shape[d] != ShapedType::kDynamic)
      shape[d] += low[d] + high[d];
  auto padType = RankedTensorType::get(shape, type.getElementType());
  Value pv = scalarConstant(b, loc, type.getElementType(), value);
  return padConstant(b, loc, padType, input, low, high, pv);
}

/// Input access `out_i * stride_i + win_i * dilation_i` for spatial dims.
SmallVector<AffineExpr> windowExprs(MLIRContext *ctx, unsigned outBase,
                                    unsigned winBase, ArrayRef<int64_t> strides,
                                    ArrayRef<int64_t> dilations) {
  SmallVector<AffineExpr> e;
  for (size_t i = 0; i < strides.size(); ++i)
    e.push_back(getAffineDimExpr(outBase + i, ctx) * strides[i] +
                getAffineDimExpr(winBase + i, ctx) * dilations[i]);
  return e;
}

/// Moves `loop` to the innermost position. Window loops put the output's
/// last spatial loop there, after the window (reduction) loops: the loop
/// nest's inner loop then walks consecutive outputs and input elements,
/// which LLVM vectorizes, instead of the few offsets of a window row.
void sinkLoop(SmallVector<AffineMap> &maps, SmallVector<utils::IteratorType> &iters,
              unsigned loop) {
  unsigned n = iters.size();
  MLIRContext *ctx = maps.front().getContext();
  SmallVector<AffineExpr> moved;
  for (unsigned d = 0; d < n; ++d)
    moved.push_back(getAffineDimExpr(d == loop ? n - 1 : (d > loop ? d - 1 : d), ctx));
  for (AffineMap &m : maps)
    m = m.replaceDimsAndSymbols(moved, {}, n, 0);
  utils::IteratorType kind = iters[loop];
  iters.erase(iters.begin() + loop);
  iters.push_back(kind);
}

SmallVector<AffineExpr> dims(MLIRContext *ctx, ArrayRef<unsigned> ids) {
  SmallVector<AffineExpr> e;
  for (unsigned i : ids)
    e.push_back(getAffineDimExpr(i, ctx));
  return e;
}

SmallVector<unsigned> range(unsigned begin, unsigned count) {
  SmallVector<unsigned> r;
  for (unsigned i = 0; i < count; ++i)
    r.push_back(begin + i);
  return r;
}

/// Convolution as a matrix product (im2col), for one group: the filter is
/// the [M, C*K] left matrix and the input's windows, gathered into a
/// [N, C*K, P] tensor (K the window size, P the output positions), the
/// right one, so the result comes out as [N, M, P], already in the NC...
/// layout. A 1x1 convolution with unit strides reads the input in place.
/// The gathered tensor costs K times the input's memory; in return the
/// convolution runs as a contraction that tiles and vectorizes like a
/// matmul.
Value im2colConv(OpBuilder &b, Location loc, ConvOp op, Value x, Value filter, Value bias) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = op.getType();
  auto xt = cast<RankedTensorType>(x.getType());
  auto ft = cast<RankedTensorType>(filter.getType());
  // Quantized convolutions gather 8-bit values and accumulate in i32;
  // mixed-precision ones gather f16 or bf16 values into an f32 sum.
  Type et = type.getElementType(), xet = xt.getElementType();
  unsigned n = type.getRank() - 2;
  int64_t m = ft.getDimSize(0), c = ft.getDimSize(1), window = 1, positions = 1;
  for (unsigned i = 0; i < n; ++i) {
    window *= ft.getDimSize(2 + i);
    positions *= type.getDimSize(2 + i);
  }
  int64_t batch = type.getDimSize(0);
  Value batchSize = type.isDynamicDim(0) ? dimValue(b, loc, x, 0) : Value();
  auto colType = RankedTensorType::get({batch, c * window, positions}, xet);

  bool inPlace = window == 1 && llvm::all_of(op.getStrides(), [](int64_t s) { return s == 1; }) &&
                 xt.getShape().drop_front(2) == type.getShape().drop_front(2);
  Value col;
  if (inPlace) {
    col = reshapeTensor(b, loc, x, colType);
  } else {
    // Loops n, c, k_1..k_n, o_1..o_n, all parallel: a gather.
    SmallVector<int64_t> shape = {batch, c};
    for (unsigned i = 0; i < n; ++i)
      shape.push_back(ft.getDimSize(2 + i));
    for (unsigned i = 0; i < n; ++i)
      shape.push_back(type.getDimSize(2 + i));
    auto gatherType = RankedTensorType::get(shape, xet);
    SmallVector<AffineExpr> xe = dims(ctx, {0, 1});
    llvm::append_range(xe, windowExprs(ctx, 2 + n, 2, op.getStrides(), op.getDilations()));
    AffineMap xMap = AffineMap::get(2 + 2 * n, 0, xe, ctx);
    SmallVector<Value> sizes(shape.size());
    sizes[0] = batchSize;
    Value gathered = buildElementwise(b, loc, gatherType, x, xMap, sizes, passThrough);
    col = reshapeTensor(b, loc, gathered, colType);
  }

  // Loops n, m, p | k.
  auto outType = RankedTensorType::get({batch, m, positions}, et);
  SmallVector<Value> outSizes = {batchSize, Value(), Value()};
  Value init;
  if (bias) {
    AffineMap bMap = AffineMap::get(3, 0, dims(ctx, {1}), ctx);
    init = buildElementwise(b, loc, outType, bias, bMap, outSizes, passThrough);
  } else {
    init = filledTensor(b, loc, outType, outSizes, scalarConstant(b, loc, et, 0));
  }
  Value w = reshapeTensor(b, loc, filter,
                          RankedTensorType::get({m, c * window}, ft.getElementType()));
  SmallVector<AffineMap> maps = {AffineMap::get(4, 0, dims(ctx, {1, 3}), ctx),
                                 AffineMap::get(4, 0, dims(ctx, {0, 3, 2}), ctx),
                                 AffineMap::get(4, 0, dims(ctx, {0, 1, 2}), ctx)};
  Value result = buildContraction(b, loc, w, col, init, maps, Value(), isUnsigned(op.getFilter()),
                                  isUnsigned(op.getInput()));
  return reshapeTensor(b, loc, result, type);
}

/// Whether `op` (one group, f32, static shapes) is a convolution with unit
/// strides that shiftedWindowConv computes with little waste: the columns
/// it computes past the output (the padded extent of every spatial
/// dimension but the first and the last) add at most a tenth. One- and
/// two-dimensional convolutions compute no extra column. Outputs of fewer
/// than kMinShiftedPositions positions per channel (ResNet-50's 7x7 layers)
/// are left to im2col, whose product the CPU tiler computes transposed,
/// the positions as rows (in an A/B of ResNet-50's 512-channel 3x3 layer
/// at 7x7, 1.31 ms gathered against 1.46 read in place).
constexpr int64_t kMinShiftedPositions = 64;

bool readsShiftedWindows(ConvOp op, RankedTensorType xt, RankedTensorType ft) {
  RankedTensorType type = op.getType();
  if (!type.getElementType().isF32() || !type.hasStaticShape() || !xt.hasStaticShape() ||
      !ft.hasStaticShape() || !llvm::all_of(op.getStrides(), [](int64_t s) { return s == 1; }))
    return false;
  int64_t window = 1, computed = 1, kept = 1, positions = 1;
  for (unsigned i = 2; i < type.getRank(); ++i) {
    window *= ft.getDimSize(i);
    positions *= type.getDimSize(i);
    if (i > 2 && i + 1 < type.getRank()) {
      computed *= xt.getDimSize(i) + op.getPads()[i - 2] + op.getPads()[i - 2 + type.getRank() - 2];
      kept *= type.getDimSize(i);
    }
  }
  return window > 1 && positions >= kMinShiftedPositions && 10 * computed <= 11 * kept;
}

/// Whether `op` (one group, f32, static shapes, two or more spatial
/// dimensions) is a stride-2 convolution over a few input channels (2 to
/// 8), a window larger than one, a whole reduction (channels times window)
/// of at most 256 and rows of at least 16 outputs: a network's first layer (ResNet's
/// 7x7 and MobileNet's 3x3 over three colours). Such convolutions keep the
/// direct loops, whose input the CPU tiler reads in place at a stride of
/// two, rather than gathering a copy as large as 12x their input and
/// packing it again.
bool readsDirectWindows(ConvOp op, RankedTensorType xt, RankedTensorType ft) {
  RankedTensorType type = op.getType();
  if (!type.getElementType().isF32() || !type.hasStaticShape() || !xt.hasStaticShape() ||
      !ft.hasStaticShape() || type.getRank() < 4 || type.getShape().back() < 16 ||
      !llvm::all_of(op.getStrides(), [](int64_t s) { return s == 2; }))
    return false;
  // One channel is left to im2col: the tiler sees a channel loop of one
  // iteration as no channel loop. So are 1x1 kernels and more than 8
  // channels (ResNet-50's 256 -> 512 1x1 stride-2 layer): there the
  // gather is a plain subsampling and the reduction is long enough for
  // packed panels.
  int64_t reduction = 1, window = 1;
  for (int64_t d : ft.getShape().drop_front())
    reduction *= d;
  for (int64_t d : ft.getShape().drop_front(2))
    window *= d;
  return ft.getDimSize(1) > 1 && ft.getDimSize(1) <= 8 && window > 1 && reduction <= 256;
}

/// Convolution with unit strides (one group) that reads shifted windows of
/// its input: flattened over its spatial dimensions (row stride S), the
/// input seen from window offset k is the flat input shifted by k . S, so
/// the result at flat position q is sum over c and k of W[m, c, k] *
/// X[c, q + k . S]. Along the last spatial dimension (of two or more) the
/// window's offsets are gathered first: copy j of the padded input holds
/// its columns j d .. j d + O - 1 (d the dilation, O the output's width),
/// so that rows are as wide as the output's and no column is computed past
/// them; the copies (as many as the window is wide, against im2col's whole
/// window) are laid one after the other, and offset j reads copy j, at
/// j times a copy's size. Every other dimension is read in place, padded:
/// the loops (n, m, q | c, k...) compute every position of the padded
/// inner dimensions over the output's first and last extents, and the
/// positions past the output (three or more spatial dimensions) are
/// dropped, for which `x` has one more padded row at the end. The filter is
/// read as is: the CPU tiler (aiopt-cpu-tile-and-vectorize) recognises the
/// shifted read.
Value shiftedWindowConv(OpBuilder &b, Location loc, ConvOp op, Value x, Value filter, Value bias) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = op.getType();
  auto xt = cast<RankedTensorType>(x.getType());
  auto ft = cast<RankedTensorType>(filter.getType());
  // Mixed precision: f16 or bf16 input and filter, f32 accumulator.
  Type et = type.getElementType(), xet = xt.getElementType();
  unsigned n = type.getRank() - 2, last = n - 1;
  int64_t batch = type.getDimSize(0), m = ft.getDimSize(0), c = ft.getDimSize(1);
  // The flattened input's spatial extents: the gathered copies, the padded
  // dimensions but the last, and the output's last (one dimension: the
  // padded input as is).
  SmallVector<int64_t> extents;
  if (n > 1)
    extents.push_back(ft.getDimSize(2 + last));
  for (unsigned i = 0; i < n; ++i)
    extents.push_back(i == last && n > 1 ? type.getDimSize(2 + i) : xt.getDimSize(2 + i));
  if (n > 1) {
    // Loops n, c, j, r_1..r_n: copy j of row r at r_n + j d.
    SmallVector<int64_t> shape = {batch, c};
    llvm::append_range(shape, extents);
    SmallVector<AffineExpr> read = dims(ctx, range(0, 2));
    llvm::append_range(read, dims(ctx, range(3, last)));
    read.push_back(getAffineDimExpr(2 + n, ctx) +
                   getAffineDimExpr(2, ctx) * op.getDilations()[last]);
    x = buildElementwise(b, loc, RankedTensorType::get(shape, xet), x,
                         AffineMap::get(shape.size(), 0, read, ctx), {}, passThrough);
  }
  // Row-major strides of the flattened extents; tap i reads at its
  // dimension's stride times the dilation, the last tap at the copies'.
  SmallVector<int64_t> strides(extents.size(), 1);
  for (int64_t i = extents.size() - 1; i > 0; --i)
    strides[i - 1] = strides[i] * extents[i];
  unsigned first = n > 1 ? 1 : 0;
  int64_t flat = strides[0] * extents[0], positions = strides[first] * type.getDimSize(2);
  Value xf = reshapeTensor(b, loc, x, RankedTensorType::get({batch, c, flat}, xet));

  // Loops n, m, q | c, k_1..k_n.
  unsigned loops = 4 + n;
  AffineExpr read = getAffineDimExpr(2, ctx);
  for (unsigned i = 0; i < n; ++i)
    read = read + getAffineDimExpr(4 + i, ctx) *
                      (n > 1 && i == last ? strides[0] : op.getDilations()[i] * strides[first + i]);
  SmallVector<AffineExpr> we = dims(ctx, {1, 3});
  llvm::append_range(we, dims(ctx, range(4, n)));
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, we, ctx),
                                 AffineMap::get(loops, 0, {getAffineDimExpr(0, ctx),
                                                           getAffineDimExpr(3, ctx), read},
                                                ctx),
                                 AffineMap::get(loops, 0, dims(ctx, {0, 1, 2}), ctx)};
  auto outType = RankedTensorType::get({batch, m, positions}, et);
  Value init = bias ? buildElementwise(b, loc, outType, bias,
                                       AffineMap::get(3, 0, dims(ctx, {1}), ctx), {}, passThrough)
                    : filledTensor(b, loc, outType, {}, scalarConstant(b, loc, et, 0));
  Value result = buildContraction(b, loc, filter, xf, init, maps, Value());
  // [n, m, q] -> [n, m, o_1, computed extents...] -> the output positions.
  SmallVector<int64_t> grid = {batch, m, type.getDimSize(2)};
  for (unsigned i = first + 1; i < extents.size(); ++i)
    grid.push_back(extents[i]);
  Value full = reshapeTensor(b, loc, result, RankedTensorType::get(grid, et));
  if (n <= 2)
    return full;
  SmallVector<OpFoldResult> zeros(grid.size(), b.getIndexAttr(0)),
      ones(grid.size(), b.getIndexAttr(1)), sizes;
  for (int64_t d : type.getShape())
    sizes.push_back(b.getIndexAttr(d));
  return tensor::ExtractSliceOp::create(b, loc, type, full, zeros, sizes, ones);
}

/// The window offsets of tap `t` of `kernel` (last spatial dimension
/// fastest).
SmallVector<int64_t> tapOffsets(int64_t t, ArrayRef<int64_t> kernel) {
  SmallVector<int64_t> offset(kernel.size());
  for (int64_t i = kernel.size() - 1; i >= 0; --i) {
    offset[i] = t % kernel[i];
    t /= kernel[i];
  }
  return offset;
}

/// The slice of the padded input `x` that the window offsets `offset` see
/// for every output position of `type` (input `o * stride + offset *
/// dilation`; `sizes`: the batch and channel extents where dynamic).
Value tapSlice(OpBuilder &b, Location loc, Value x, RankedTensorType type, ArrayRef<Value> sizes,
               ArrayRef<int64_t> offset, ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0)), extents, steps(2, b.getIndexAttr(1));
  for (unsigned d = 0; d < 2; ++d)
    extents.push_back(sizes[d] ? OpFoldResult(sizes[d]) : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  for (unsigned i = 0; i < offset.size(); ++i) {
    offsets.push_back(b.getIndexAttr(offset[i] * dilations[i]));
    extents.push_back(b.getIndexAttr(type.getDimSize(2 + i)));
    steps.push_back(b.getIndexAttr(strides[i]));
  }
  return tensor::ExtractSliceOp::create(b, loc, type, x, offsets, extents, steps);
}

/// Depthwise convolution (one input and one output channel per group) as a
/// sum over the window taps: for each tap, an elementwise multiply-add of
/// the strided input slice that tap sees with that tap's per-channel weight.
/// Elementwise fusion then joins the taps into one loop nest over output
/// positions (each output written once, the innermost loop walking output
/// columns), which vectorizes, unlike a reduction over the few window
/// offsets.
Value depthwiseConv(OpBuilder &b, Location loc, ConvOp op, Value x, Value filter, Value bias) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = op.getType();
  auto ft = cast<RankedTensorType>(filter.getType());
  Type et = type.getElementType();
  unsigned n = type.getRank() - 2, rank = type.getRank();
  int64_t c = type.getDimSize(1);
  SmallVector<Value> sizes(rank);
  if (type.isDynamicDim(0))
    sizes[0] = dimValue(b, loc, x, 0);
  AffineMap channel = AffineMap::get(rank, 0, dims(ctx, {1}), ctx);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  Value acc = bias ? buildElementwise(b, loc, type, bias, channel, sizes, passThrough)
                   : filledTensor(b, loc, type, sizes, scalarConstant(b, loc, et, 0));
  // Weights as [C, taps].
  int64_t taps = 1;
  for (unsigned i = 0; i < n; ++i)
    taps *= ft.getDimSize(2 + i);
  Value w = reshapeTensor(b, loc, filter, RankedTensorType::get({c, taps}, et));
  for (int64_t t = 0; t < taps; ++t) {
    Value slice = tapSlice(b, loc, x, type, sizes, tapOffsets(t, ft.getShape().drop_front(2)),
                           op.getStrides(), op.getDilations());
    Value tap = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({c}, et), w,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(t)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(c), b.getIndexAttr(1)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    // The running sum is an input (a fresh tensor the output), so
    // elementwise fusion, which fuses through inputs, joins the taps.
    acc = linalg::GenericOp::create(
              b, loc, TypeRange{type}, ValueRange{slice, tap, acc},
              ValueRange{emptyTensor(b, loc, type, sizes)},
              ArrayRef<AffineMap>{identity, channel, identity, identity}, iterators(rank, 0),
              [](OpBuilder &nb, Location nl, ValueRange a) {
                Value p = arith::MulFOp::create(nb, nl, a[0], a[1]);
                linalg::YieldOp::create(nb, nl, arith::AddFOp::create(nb, nl, a[2], p).getResult());
              })
              .getResult(0);
  }
  return acc;
}

struct ConvLowering : OpConversionPattern<ConvOp> {
  ConvLowering(MLIRContext *ctx, bool windowCopies)
      : OpConversionPattern(ctx), windowCopies(windowCopies) {}
  bool windowCopies;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = op.getType();
    auto ft = cast<RankedTensorType>(adaptor.getFilter().getType());
    Type et = type.getElementType();
    unsigned n = type.getRank() - 2;
    int64_t g = op.getGroup(), m = ft.getDimSize(0), mg = m / g,
            cg = ft.getDimSize(1);

    SmallVector<int64_t> noExtra(n, 0);
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    if (windowCopies && g == 1 && readsShiftedWindows(op, inputType, ft)) {
      // One more padded row for the positions computed past the last one.
      SmallVector<int64_t> extraRow(noExtra);
      extraRow[0] = n > 2 ? 1 : 0;
      Value x = padSpatial(rewriter, loc, adaptor.getInput(), op.getPads(), extraRow, 0.0);
      Value conv = shiftedWindowConv(rewriter, loc, op, x, adaptor.getFilter(), adaptor.getBias());
      rewriter.replaceOp(op, applyActivation(rewriter, loc, op.getActivation(),
                                           op.getActivationParams(), conv));
      return success();
    }
    Value x = padSpatial(rewriter, loc, adaptor.getInput(), op.getPads(),
                         noExtra, 0.0);
    // Without window copies only a 1x1 convolution with unit strides (its
    // input in place) takes the im2col form.
    bool pointwise = ft.hasStaticShape() &&
                     llvm::all_of(ft.getShape().drop_front(2), [](int64_t k) { return k == 1; }) &&
                     llvm::all_of(op.getStrides(), [](int64_t s) { return s == 1; });
    if (g == 1 && ft.hasStaticShape() &&
        !ShapedType::isDynamicShape(type.getShape().drop_front(1)) &&
        !readsDirectWindows(op, inputType, ft) && (windowCopies || pointwise)) {
      Value conv = im2colConv(rewriter, loc, op, x, adaptor.getFilter(), adaptor.getBias());
      rewriter.replaceOp(op, applyActivation(rewriter, loc, op.getActivation(),
                                           op.getActivationParams(), conv));
      return success();
    }
    if (g == m && cg == 1 && ft.hasStaticShape() && isa<FloatType>(et) &&
        inputType.getElementType() == et &&
        !ShapedType::isDynamicShape(type.getShape().drop_front(1))) {
      Value conv = depthwiseConv(rewriter, loc, op, x, adaptor.getFilter(), adaptor.getBias());
      rewriter.replaceOp(op, applyActivation(rewriter, loc, op.getActivation(),
                                           op.getActivationParams(), conv));
      return success();
    }
    auto xt = cast<RankedTensorType>(x.getType());
    // Split channels into (group, channel-in-group) on input, filter, output.
    auto withGroups = [&](ArrayRef<int64_t> shape, unsigned at, int64_t inner) {
      SmallVector<int64_t> s(shape.take_front(at));
      s.push_back(g);
      s.push_back(inner);
      llvm::append_range(s, shape.drop_front(at + 1));
      return s;
    };
    Value xg = reshapeTensor(
        rewriter, loc, x,
        RankedTensorType::get(withGroups(xt.getShape(), 1, cg), xt.getElementType()));
    Value wg = reshapeTensor(
        rewriter, loc, adaptor.getFilter(),
        RankedTensorType::get(withGroups(ft.getShape(), 0, mg), ft.getElementType()));
    auto outType = RankedTensorType::get(withGroups(type.getShape(), 1, mg), et);
    SmallVector<Value> sizes(outType.getRank());
    if (outType.isDynamicDim(0))
      sizes[0] = dimValue(rewriter, loc, x, 0);
    for (unsigned i = 0; i < n; ++i)
      if (outType.isDynamicDim(3 + i))
        return rewriter.notifyMatchFailure(op, "dynamic spatial dimensions");

    // Loops: n, g, mg, o_1..o_n | cg, k_1..k_n.
    unsigned oBase = 3, cLoop = 3 + n, kBase = 4 + n, nLoops = 4 + 2 * n;
    Value init;
    if (Value bias = adaptor.getBias()) {
      Value bg = reshapeTensor(rewriter, loc, bias,
                               RankedTensorType::get({g, mg}, et));
      AffineMap bMap = AffineMap::get(outType.getRank(), 0, dims(ctx, {1, 2}), ctx);
      init = buildElementwise(rewriter, loc, outType, bg, bMap, sizes,
                              passThrough);
    } else {
      init = filledTensor(rewriter, loc, outType, sizes,
                          scalarConstant(rewriter, loc, et, 0));
    }
    SmallVector<AffineExpr> xe = dims(ctx, {0, 1, cLoop});
    llvm::append_range(xe, windowExprs(ctx, oBase, kBase, op.getStrides(),
                                       op.getDilations()));
    SmallVector<AffineExpr> we = dims(ctx, {1, 2, cLoop});
    llvm::append_range(we, dims(ctx, range(kBase, n)));
    SmallVector<AffineExpr> oe = dims(ctx, {0, 1, 2});
    llvm::append_range(oe, dims(ctx, range(oBase, n)));
    SmallVector<AffineMap> maps = {AffineMap::get(nLoops, 0, xe, ctx),
                                   AffineMap::get(nLoops, 0, we, ctx),
                                   AffineMap::get(nLoops, 0, oe, ctx)};
    SmallVector<utils::IteratorType> iters = iterators(3 + n, 1 + n);
    sinkLoop(maps, iters, oBase + n - 1);
    auto conv = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, ValueRange{xg, wg}, ValueRange{init},
        maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          linalg::YieldOp::create(b, l,
                                  multiplyAccumulate(b, l, a[2], a[0], a[1], Value(),
                                                     isUnsigned(op.getInput()),
                                                     isUnsigned(op.getFilter())));
        });
    rewriter.replaceOp(op, applyActivation(rewriter, loc, op.getActivation(),
                                         op.getActivationParams(),
                                         reshapeTensor(rewriter, loc, conv.getResult(0), type)));
    return success();
  }
};

/// Number of window offsets `k` with lo <= o * s + k * d < hi.
int64_t windowCount(int64_t o, int64_t s, int64_t k, int64_t d, int64_t lo,
                    int64_t hi) {
  int64_t c = 0;
  for (int64_t i = 0; i < k; ++i) {
    int64_t p = o * s + i * d;
    c += p >= lo && p < hi;
  }
  return c;
}

/// Pooling windows of at most this many elements are computed tap by tap
/// (a 3x3 or 2x2 window; not a global 7x7 average).
constexpr int64_t kMaxPoolTaps = 16;

struct PoolLowering : OpConversionPattern<PoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = signless(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = type.getElementType();
    unsigned n = type.getRank() - 2;
    bool isMax = op.getKind() == PoolKind::max;
    bool uns = isUnsigned(op.getInput());
    ArrayRef<int64_t> ks = op.getKernelShape(), st = op.getStrides(),
                      dl = op.getDilations(), pads = op.getPads();
    for (unsigned i = 0; i < n; ++i)
      if (it.isDynamicDim(i + 2))
        return rewriter.notifyMatchFailure(op, "dynamic spatial dimensions");

    // Ceil mode may read past the padded input: pad the end further.
    SmallVector<int64_t> extra;
    for (unsigned i = 0; i < n; ++i) {
      int64_t need = (type.getDimSize(i + 2) - 1) * st[i] + (ks[i] - 1) * dl[i] + 1;
      int64_t have = it.getDimSize(i + 2) + pads[i] + pads[i + n];
      extra.push_back(std::max<int64_t>(0, need - have));
    }
    // Max pooling pads with the lowest value of the type (exact in double).
    double padValue = 0.0;
    if (isMax && isa<FloatType>(et))
      padValue = -std::numeric_limits<double>::infinity();
    else if (isMax && !uns)
      padValue = -std::ldexp(1.0, et.getIntOrFloatBitWidth() - 1);
    Value x = padSpatial(rewriter, loc, adaptor.getInput(), pads, extra, padValue);

    SmallVector<Value> sizes(type.getRank());
    for (unsigned d = 0; d < 2; ++d)
      if (type.isDynamicDim(d))
        sizes[d] = dimValue(rewriter, loc, x, d);
    ReduceKind kind = isMax ? ReduceKind::max : ReduceKind::sum;
    int64_t taps = 1;
    for (int64_t k : ks)
      taps *= k;
    Value pooled;
    if (taps <= kMaxPoolTaps) {
      // A small window: the combination of its taps' strided slices, one
      // elementwise op each, which elementwise fusion joins into one loop
      // nest over outputs (vectorized along the output rows, like a
      // depthwise convolution's) instead of a reduction over a few window
      // offsets per output.
      AffineMap identity = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
      auto slice = [&](int64_t t) {
        return tapSlice(rewriter, loc, x, type, sizes, tapOffsets(t, ks), st, dl);
      };
      // The taps combine in pairs, as a balanced tree: a chain of eight
      // float maxima (NaN-propagating, a compare, a second compare and a
      // blend each on x86) is a chain of dependent instructions per
      // output vector; the tree's levels are independent.
      SmallVector<Value> level;
      for (int64_t t = 0; t < taps; ++t)
        level.push_back(slice(t));
      while (level.size() > 1) {
        SmallVector<Value> next;
        for (size_t i = 0; i + 1 < level.size(); i += 2)
          next.push_back(buildElementwise(rewriter, loc, type, ValueRange{level[i], level[i + 1]},
                                          {identity, identity}, sizes,
                                          [&](OpBuilder &b, Location l, ValueRange v) {
                                            return combineReduction(b, l, kind, v[0], v[1], uns);
                                          }));
        if (level.size() % 2)
          next.push_back(level.back());
        level = std::move(next);
      }
      pooled = level.front();
    } else {
      Value init = filledTensor(rewriter, loc, type, sizes,
                                scalarConstant(rewriter, loc, et, padValue));
      Value window = tensor::EmptyOp::create(rewriter, loc, ks, et);
      unsigned nLoops = 2 + 2 * n;
      SmallVector<AffineExpr> xe = dims(ctx, {0, 1});
      llvm::append_range(xe, windowExprs(ctx, 2, 2 + n, st, dl));
      SmallVector<AffineMap> maps = {
          AffineMap::get(nLoops, 0, xe, ctx),
          AffineMap::get(nLoops, 0, dims(ctx, range(2 + n, n)), ctx),
          AffineMap::get(nLoops, 0, dims(ctx, range(0, 2 + n)), ctx)};
      SmallVector<utils::IteratorType> iters = iterators(2 + n, n);
      sinkLoop(maps, iters, 1 + n);
      pooled = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{type}, ValueRange{x, window}, ValueRange{init}, maps,
                   iters,
                   [&](OpBuilder &b, Location l, ValueRange a) {
                     linalg::YieldOp::create(b, l, combineReduction(b, l, kind, a[2], a[0], uns));
                   })
                   .getResult(0);
    }
    if (isMax) {
      rewriter.replaceOp(op, pooled);
      return success();
    }

    // Average: divide by the number of counted window elements, which varies
    // near the borders unless padding counts.
    SmallVector<int64_t> outSpatial(type.getShape().drop_front(2));
    int64_t total = 1;
    for (int64_t s : outSpatial)
      total *= s;
    SmallVector<double> counts(total, 1.0);
    for (int64_t flat = 0; flat < total; ++flat) {
      int64_t rem = flat;
      for (int64_t i = n - 1; i >= 0; --i) {
        int64_t o = rem % outSpatial[i];
        rem /= outSpatial[i];
        int64_t in = it.getDimSize(i + 2);
        int64_t lo = op.getCountIncludePad() ? 0 : pads[i];
        int64_t hi = op.getCountIncludePad() ? in + pads[i] + pads[i + n]
                                             : pads[i] + in;
        counts[flat] *= windowCount(o, st[i], ks[i], dl[i], lo, hi);
      }
    }
    bool uniform = llvm::all_equal(counts);
    Value result;
    if (uniform) {
      Value c = scalarConstant(rewriter, loc, et, counts.empty() ? 1 : counts[0]);
      result = buildElementwise(
          rewriter, loc, type, pooled,
          AffineMap::getMultiDimIdentityMap(type.getRank(), ctx), sizes,
          [&](OpBuilder &b, Location l, ValueRange v) {
            return arith::DivFOp::create(b, l, v[0], c).getResult();
          });
    } else {
      auto countType = RankedTensorType::get(outSpatial, et);
      SmallVector<Attribute> attrs;
      for (double c : counts)
        attrs.push_back(rewriter.getFloatAttr(et, c));
      Value countT = arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(countType, attrs));
      SmallVector<AffineMap> dmaps = {
          AffineMap::getMultiDimIdentityMap(type.getRank(), ctx),
          AffineMap::get(type.getRank(), 0, dims(ctx, range(2, n)), ctx)};
      result = buildElementwise(
          rewriter, loc, type, ValueRange{pooled, countT}, dmaps, sizes,
          [&](OpBuilder &b, Location l, ValueRange v) {
            return arith::DivFOp::create(b, l, v[0], v[1]).getResult();
          });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::aiopt::populateWindowPatterns(RewritePatternSet &patterns, bool windowCopies) {
  patterns.add<ConvLowering>(patterns.getContext(), windowCopies);
  patterns.add<PoolLowering>(patterns.getContext());
}
