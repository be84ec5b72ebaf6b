//===- NNOps.cpp - ONNX neural-network operators --------------------------===//
//
// Handlers for Conv, MaxPool, AveragePool, Global*Pool, BatchNormalization,
// Gemm, MatMul, Softmax, LogSoftmax and Dropout (inference).
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// Largest kernel size, stride, dilation or pad accepted: window
/// arithmetic on them then stays far from int64 overflow.
constexpr int64_t kMaxWindowValue = int64_t(1) << 31;

/// Whether all of `values` are in [lowest, kMaxWindowValue].
bool inWindowRange(ArrayRef<int64_t> values, int64_t lowest) {
  return llvm::all_of(values, [&](int64_t v) { return v >= lowest && v <= kMaxWindowValue; });
}

/// Kernel sizes, strides and dilations must be in [1, kMaxWindowValue].
LogicalResult checkWindow(NodeBinder &b, ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> dilations) {
  if (!inWindowRange(kernel, 1) || !inWindowRange(strides, 1) || !inWindowRange(dilations, 1))
    return b.error() << "kernel sizes, strides and dilations must be in [1, "
                     << kMaxWindowValue << "]";
  return success();
}

/// The `pads` attribute (zeros by default) of a window over `n` spatial
/// axes: 2 * n entries in [0, kMaxWindowValue].
FailureOr<SmallVector<int64_t>> explicitPads(NodeBinder &b, size_t n) {
  SmallVector<int64_t> pads = b.attrInts("pads", SmallVector<int64_t>(2 * n, 0));
  if (pads.size() != 2 * n)
    return b.error() << "'pads' has " << pads.size() << " entries, expected " << 2 * n;
  if (!inWindowRange(pads, 0))
    return b.error() << "'pads' must be in [0, " << kMaxWindowValue << "]";
  return pads;
}

/// Explicit begin/end pads from `pads` or `auto_pad` (SAME_* needs static
/// spatial extents), after checkWindow.
FailureOr<SmallVector<int64_t>> resolvePads(NodeBinder &b, RankedTensorType in,
                                            ArrayRef<int64_t> kernel,
                                            ArrayRef<int64_t> strides,
                                            ArrayRef<int64_t> dilations) {
  size_t n = kernel.size();
  if (failed(checkWindow(b, kernel, strides, dilations)))
    return failure();
  std::string autoPad = b.attrString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET" || autoPad.empty())
    return explicitPads(b, n);
  if (autoPad == "VALID")
    return SmallVector<int64_t>(2 * n, 0);
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return b.error() << "unknown auto_pad '" << autoPad << "'";
  SmallVector<int64_t> pads(2 * n, 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t extent = in.getDimSize(i + 2);
    if (extent == ShapedType::kDynamic)
      return b.error() << "auto_pad " << autoPad
                       << " needs static spatial dimensions";
    int64_t out = (extent + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(
        0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - extent);
    int64_t small = total / 2, large = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : large;
    pads[i + n] = total - pads[i];
  }
  return pads;
}

} // namespace

FailureOr<Value> onnx_import::convolution(NodeBinder &b, Value x, Value w, Value bias) {
  RankedTensorType xt = tensorType(x), wt = tensorType(w);
  if (xt.getRank() < 3 || wt.getRank() != xt.getRank())
    return b.error() << "input and weight must have the same rank >= 3";
  size_t n = xt.getRank() - 2;
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  if (b.hasAttr("kernel_shape") && b.attrInts("kernel_shape") != kernel)
    return b.error() << "kernel_shape does not match the weight shape";
  SmallVector<int64_t> strides = b.attrInts("strides", SmallVector<int64_t>(n, 1));
  SmallVector<int64_t> dilations = b.attrInts("dilations", SmallVector<int64_t>(n, 1));
  if (strides.size() != n || dilations.size() != n)
    return b.error() << "strides and dilations need " << n << " entries";
  FailureOr<SmallVector<int64_t>> pads = resolvePads(b, xt, kernel, strides, dilations);
  if (failed(pads))
    return failure();
  OpBuilder &ob = b.builder;
  return b.make<ConvOp>(
      x, w, bias, ob.getDenseI64ArrayAttr(strides),
      ob.getDenseI64ArrayAttr(*pads), ob.getDenseI64ArrayAttr(dilations),
      ob.getI64IntegerAttr(b.attrInt("group", 1)));
}

namespace {

LogicalResult conv(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), w = b.input(1);
  if (failed(x) || failed(w))
    return failure();
  FailureOr<Value> v = convolution(b, *x, *w, b.optionalInput(2));
  return failed(v) ? failure() : b.setResults(*v);
}

/// `x` with `s - 1` zeros inserted between neighbours along `axis`.
FailureOr<Value> dilateAlong(NodeBinder &b, Value x, int64_t axis, int64_t s) {
  RankedTensorType t = tensorType(x);
  int64_t extent = t.getDimSize(axis);
  if (s == 1 || extent == 0)
    return x;
  SmallVector<int64_t> shape(t.getShape());
  shape.insert(shape.begin() + axis + 1, 1);
  FailureOr<Value> v = b.reshape(x, shape);
  SmallVector<int64_t> pads(2 * shape.size(), 0);
  pads[shape.size() + axis + 1] = s - 1;
  if (succeeded(v))
    v = b.make<PadOp>(*v, b.builder.getDenseI64ArrayAttr(pads), b.builder.getF64FloatAttr(0));
  SmallVector<int64_t> merged(t.getShape());
  merged[axis] = extent * s;
  if (succeeded(v))
    v = b.reshape(*v, merged);
  return failed(v) ? v : b.sliceAlong(*v, axis, 0, (extent - 1) * s + 1);
}

/// `x` padded (positive) or cropped (negative) by `begin`/`end` along `axis`.
FailureOr<Value> padOrCrop(NodeBinder &b, Value x, int64_t axis, int64_t begin, int64_t end) {
  RankedTensorType t = tensorType(x);
  SmallVector<int64_t> pads(2 * t.getRank(), 0);
  pads[axis] = std::max<int64_t>(begin, 0);
  pads[t.getRank() + axis] = std::max<int64_t>(end, 0);
  FailureOr<Value> v = x;
  if (begin > 0 || end > 0)
    v = b.make<PadOp>(x, b.builder.getDenseI64ArrayAttr(pads), b.builder.getF64FloatAttr(0));
  if (failed(v) || (begin >= 0 && end >= 0))
    return v;
  int64_t extent = tensorType(*v).getDimSize(axis);
  return b.sliceAlong(*v, axis, std::max<int64_t>(-begin, 0), extent - std::max<int64_t>(-end, 0));
}

/// ConvTranspose as a stride-1 convolution: the input dilated by the
/// strides and padded by dilation * (kernel - 1) - pads (output_padding at
/// the end), the weights swapped to [M, C/group, k...] and flipped.
LogicalResult convTranspose(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), w = b.input(1);
  if (failed(x) || failed(w))
    return failure();
  RankedTensorType xt = tensorType(*x), wt = tensorType(*w);
  if (xt.getRank() < 3 || wt.getRank() != xt.getRank() || !xt.hasStaticShape() ||
      !wt.hasStaticShape())
    return b.error() << "input and weight must be static tensors of the same rank >= 3";
  size_t n = xt.getRank() - 2;
  int64_t group = b.attrInt("group", 1), channels = wt.getDimSize(0);
  if (group <= 0 || channels % group || xt.getDimSize(1) != channels)
    return b.error() << "the weight's first dimension must be the input channels, divisible "
                        "by group";
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  SmallVector<int64_t> strides = b.attrInts("strides", SmallVector<int64_t>(n, 1));
  SmallVector<int64_t> dilations = b.attrInts("dilations", SmallVector<int64_t>(n, 1));
  SmallVector<int64_t> outPad = b.attrInts("output_padding", SmallVector<int64_t>(n, 0));
  if (strides.size() != n || dilations.size() != n || outPad.size() != n)
    return b.error() << "strides, dilations and output_padding need " << n << " entries";
  if (failed(checkWindow(b, kernel, strides, dilations)))
    return failure();
  for (size_t i = 0; i < n; ++i)
    if (outPad[i] < 0 || outPad[i] >= std::max(strides[i], dilations[i]))
      return b.error() << "output_padding must be non-negative and below the stride or "
                          "dilation";
  std::string autoPad = b.attrString("auto_pad", "NOTSET");
  SmallVector<int64_t> outShape = b.attrInts("output_shape");
  SmallVector<int64_t> pads(2 * n, 0);
  if (!outShape.empty() || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    if (!outShape.empty() && outShape.size() < n)
      return b.error() << "'output_shape' has " << outShape.size() << " entries, expected "
                       << n;
    if (!outShape.empty())
      outShape.erase(outShape.begin(), outShape.end() - n);
    for (size_t i = 0; i < n; ++i) {
      int64_t in = xt.getDimSize(i + 2);
      // The full output's extent, and the padding that makes it `out`
      // (output_shape is not bounded like the window values), checked
      // for overflow.
      int64_t reach = dilations[i] * (kernel[i] - 1); // at most 2^62 (checkWindow)
      std::optional<int64_t> full = llvm::checkedMulAdd(strides[i], in - 1, outPad[i] + 1);
      std::optional<int64_t> out =
          outShape.empty() ? llvm::checkedMul(in, strides[i]) : std::optional(outShape[i]);
      std::optional<int64_t> total;
      if (full && out)
        if (std::optional<int64_t> sum = llvm::checkedAdd(*full, reach))
          total = llvm::checkedSub(*sum, *out);
      if (!total)
        return b.error() << "the output size of spatial axis " << i
                         << " overflows 64 bits (output_shape too large)";
      // SAME_LOWER (and output_shape without auto_pad) pad more at the start.
      // (A negative total enlarges the output: floor division.)
      bool upper = autoPad == "SAME_UPPER";
      int64_t half = llvm::divideFloorSigned(*total, 2);
      pads[i] = upper ? half : *total - half;
      pads[i + n] = *total - pads[i];
    }
  } else if (autoPad == "NOTSET" || autoPad.empty()) {
    FailureOr<SmallVector<int64_t>> given = explicitPads(b, n);
    if (failed(given))
      return failure();
    pads = *given;
  } else if (autoPad != "VALID") {
    return b.error() << "unknown auto_pad '" << autoPad << "'";
  }

  FailureOr<Value> v = *x;
  for (size_t i = 0; i < n && succeeded(v); ++i) {
    // Pads computed from output_shape can be near 2^63 in magnitude.
    int64_t reach = dilations[i] * (kernel[i] - 1); // at most 2^62 (checkWindow)
    std::optional<int64_t> before = llvm::checkedSub(reach, pads[i]);
    std::optional<int64_t> after = llvm::checkedSub(reach, pads[i + n]);
    if (after)
      after = llvm::checkedAdd(*after, outPad[i]);
    if (!before || !after)
      return b.error() << "the padding of spatial axis " << i
                       << " overflows 64 bits (output_shape too large)";
    v = dilateAlong(b, *v, i + 2, strides[i]);
    if (succeeded(v))
      v = padOrCrop(b, *v, i + 2, *before, *after);
  }
  // Weights [C, M/g, k...] -> [g, C/g, M/g, k...] -> [g, M/g, C/g, k...]
  // -> [M, C/g, k...], flipped along the kernel dimensions.
  int64_t cg = channels / group, mg = wt.getDimSize(1);
  SmallVector<int64_t> grouped = {group, cg, mg};
  llvm::append_range(grouped, kernel);
  FailureOr<Value> f = b.reshape(*w, grouped);
  SmallVector<int64_t> perm = {0, 2, 1};
  for (size_t i = 0; i < n; ++i)
    perm.push_back(3 + i);
  if (succeeded(f))
    f = b.make<TransposeOp>(*f, b.builder.getDenseI64ArrayAttr(perm));
  SmallVector<int64_t> merged = {group * mg, cg};
  llvm::append_range(merged, kernel);
  if (succeeded(f))
    f = b.reshape(*f, merged);
  if (succeeded(f)) {
    SmallVector<int64_t> starts(merged.size(), 0), ends(merged), steps(merged.size(), 1);
    for (size_t i = 0; i < n; ++i) {
      starts[i + 2] = kernel[i] - 1;
      ends[i + 2] = -1;
      steps[i + 2] = -1;
    }
    OpBuilder &ob = b.builder;
    f = b.make<SliceOp>(*f, ob.getDenseI64ArrayAttr(starts), ob.getDenseI64ArrayAttr(ends),
                        ob.getDenseI64ArrayAttr(steps));
  }
  if (failed(v) || failed(f))
    return failure();
  OpBuilder &ob = b.builder;
  FailureOr<Value> y = b.make<ConvOp>(
      *v, *f, b.optionalInput(2), ob.getDenseI64ArrayAttr(SmallVector<int64_t>(n, 1)),
      ob.getDenseI64ArrayAttr(SmallVector<int64_t>(2 * n, 0)), ob.getDenseI64ArrayAttr(dilations),
      ob.getI64IntegerAttr(group));
  return failed(y) ? failure() : b.setResults(*y);
}

} // namespace

FailureOr<Value> onnx_import::buildPool(NodeBinder &b, Value x, PoolKind kind,
                                        bool countIncludePad) {
  RankedTensorType xt = tensorType(x);
  if (xt.getRank() < 3)
    return b.error() << "input must have rank >= 3";
  size_t n = xt.getRank() - 2;
  SmallVector<int64_t> kernel = b.attrInts("kernel_shape");
  if (kernel.size() != n)
    return b.error() << "'kernel_shape' needs " << n << " entries";
  SmallVector<int64_t> strides = b.attrInts("strides", SmallVector<int64_t>(n, 1));
  SmallVector<int64_t> dilations = b.attrInts("dilations", SmallVector<int64_t>(n, 1));
  if (strides.size() != n || dilations.size() != n)
    return b.error() << "strides and dilations need " << n << " entries";
  if (b.attrInt("storage_order", 0) != 0)
    return b.error(ErrorCode::UnsupportedFeature) << "storage_order 1 (column major) is not supported";
  FailureOr<SmallVector<int64_t>> pads = resolvePads(b, xt, kernel, strides, dilations);
  if (failed(pads))
    return failure();
  OpBuilder &ob = b.builder;
  return b.make<PoolOp>(PoolKindAttr::get(ob.getContext(), kind), x,
                        ob.getDenseI64ArrayAttr(kernel), ob.getDenseI64ArrayAttr(strides),
                        ob.getDenseI64ArrayAttr(*pads), ob.getDenseI64ArrayAttr(dilations),
                        ob.getBoolAttr(b.attrInt("ceil_mode", 0) != 0),
                        ob.getBoolAttr(countIncludePad));
}

namespace {

LogicalResult pool(NodeBinder &b, PoolKind kind) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  FailureOr<Value> v = buildPool(b, *x, kind, b.attrInt("count_include_pad", 0) != 0);
  return failed(v) ? failure() : b.setResults(*v);
}

/// LpPool: (sum over the window of |x|^p)^(1/p), the sum as an average
/// over the whole window (padding counts as 0) times its size.
LogicalResult lpPool(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  Type et = tensorType(*x).getElementType();
  double p = b.attrInt("p", 2);
  if (p <= 0)
    return b.error() << "p must be positive";
  int64_t window = 1;
  for (int64_t k : b.attrInts("kernel_shape"))
    window *= k;
  FailureOr<Value> v = b.makeTyped<AbsOp>(x->getType(), *x);
  if (succeeded(v))
    v = b.make<PowOp>(*v, b.scalarConstant(et, p));
  if (succeeded(v))
    v = buildPool(b, *v, PoolKind::average, /*countIncludePad=*/true);
  if (succeeded(v))
    v = b.make<MulOp>(*v, b.scalarConstant(et, double(window)));
  if (succeeded(v))
    v = b.make<PowOp>(*v, b.scalarConstant(et, 1 / p));
  return failed(v) ? failure() : b.setResults(*v);
}

/// GlobalAveragePool / GlobalMaxPool: a keepdims reduction over the spatial
/// dimensions (works with dynamic extents).
LogicalResult globalPool(NodeBinder &b, ReduceKind kind) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  int64_t rank = tensorType(*x).getRank();
  if (rank < 3)
    return b.error() << "input must have rank >= 3";
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  OpBuilder &ob = b.builder;
  FailureOr<Value> v = b.make<ReduceOp>(
      ReduceKindAttr::get(ob.getContext(), kind), *x,
      ob.getDenseI64ArrayAttr(axes), ob.getBoolAttr(true));
  return failed(v) ? failure() : b.setResults(*v);
}

/// Training-mode BatchNormalization (opset 14+): normalizes with the batch
/// statistics (mean and population variance over all axes but 1) and also
/// returns the running statistics updated with `momentum`.
LogicalResult batchNormTraining(NodeBinder &b, ArrayRef<Value> in) {
  Value x = in[0];
  RankedTensorType xt = tensorType(x);
  SmallVector<int64_t> axes = {0};
  for (int64_t d = 2; d < xt.getRank(); ++d)
    axes.push_back(d);
  SmallVector<int64_t> channelShape(xt.getRank(), 1);
  channelShape[1] = xt.getDimSize(1);
  Type et = xt.getElementType();
  FailureOr<Value> mean = b.reduce(ReduceKind::mean, x, axes, /*keepdims=*/false);
  FailureOr<Value> bcast = failed(mean) ? mean : b.reshape(*mean, channelShape);
  FailureOr<Value> centered = failed(bcast) ? bcast : b.make<SubOp>(x, *bcast);
  FailureOr<Value> sq = failed(centered) ? centered : b.make<MulOp>(*centered, *centered);
  FailureOr<Value> var = failed(sq) ? sq : b.reduce(ReduceKind::mean, *sq, axes, false);
  if (failed(var))
    return failure();
  FailureOr<Value> y = b.makeTyped<BatchNormOp>(
      x.getType(), x, in[1], in[2], *mean, *var,
      b.builder.getF32FloatAttr(b.attrFloat("epsilon", 1e-5f)));
  double momentum = b.attrFloat("momentum", 0.9f);
  auto running = [&](Value old, Value batch) -> FailureOr<Value> {
    FailureOr<Value> keep = b.make<MulOp>(old, b.scalarConstant(et, momentum));
    FailureOr<Value> add = b.make<MulOp>(batch, b.scalarConstant(et, 1 - momentum));
    if (failed(keep) || failed(add))
      return failure();
    return b.make<AddOp>(*keep, *add);
  };
  FailureOr<Value> runMean = running(in[3], *mean), runVar = running(in[4], *var);
  if (failed(y) || failed(runMean) || failed(runVar))
    return failure();
  return b.setResults({*y, *runMean, *runVar});
}

LogicalResult batchNorm(NodeBinder &b) {
  // Opsets 6-8: `spatial` = 0 normalizes per element, not per channel.
  if (b.attrInt("spatial", 1) != 1)
    return b.error(ErrorCode::UnsupportedFeature) << "spatial = 0 is not supported";
  SmallVector<Value> in;
  for (int i = 0; i < 5; ++i) {
    FailureOr<Value> v = b.input(i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  if (b.attrInt("training_mode", 0) != 0)
    return batchNormTraining(b, in);
  if (b.opset < 14 && b.node.output_size() > 1)
    return b.error(ErrorCode::UnsupportedFeature) << "the training outputs of BatchNormalization before opset 14 are "
                        "not supported";
  FailureOr<Value> v = b.makeTyped<BatchNormOp>(
      in[0].getType(), in[0], in[1], in[2], in[3], in[4],
      b.builder.getF32FloatAttr(b.attrFloat("epsilon", 1e-5f)));
  return failed(v) ? failure() : b.setResults(*v);
}

LogicalResult gemm(NodeBinder &b) {
  FailureOr<Value> a = b.input(0), w = b.input(1);
  if (failed(a) || failed(w))
    return failure();
  OpBuilder &ob = b.builder;
  FailureOr<Value> v = b.make<GemmOp>(
      *a, *w, b.optionalInput(2), ob.getF32FloatAttr(b.attrFloat("alpha", 1)),
      ob.getF32FloatAttr(b.attrFloat("beta", 1)),
      ob.getBoolAttr(b.attrInt("transA", 0) != 0),
      ob.getBoolAttr(b.attrInt("transB", 0) != 0));
  return failed(v) ? failure() : b.setResults(*v);
}

/// MatMul with numpy semantics for 1-D operands: a 1-D lhs gains a leading
/// unit row, a 1-D rhs a trailing unit column, both dropped afterwards.
LogicalResult matmul(NodeBinder &b) {
  FailureOr<Value> l = b.input(0), r = b.input(1);
  if (failed(l) || failed(r))
    return failure();
  RankedTensorType lt = tensorType(*l), rt = tensorType(*r);
  if (lt.getRank() == 0 || rt.getRank() == 0)
    return b.error() << "operands must not be scalars";
  bool lhsVec = lt.getRank() == 1, rhsVec = rt.getRank() == 1;
  if (lhsVec)
    l = b.reshape(*l, {1, lt.getDimSize(0)});
  if (rhsVec)
    r = b.reshape(*r, {rt.getDimSize(0), 1});
  if (failed(l) || failed(r))
    return failure();
  FailureOr<Value> v = b.make<MatMulOp>(*l, *r);
  if (failed(v))
    return failure();
  if (lhsVec || rhsVec) {
    SmallVector<int64_t> shape(tensorType(*v).getShape());
    if (rhsVec)
      shape.erase(shape.end() - 1);
    if (lhsVec)
      shape.erase(shape.end() - (rhsVec ? 1 : 2));
    v = b.reshape(*v, shape);
    if (failed(v))
      return failure();
  }
  return b.setResults(*v);
}

/// Softmax along `axis` (opset >= 13), or over the flattened trailing
/// dimensions from `axis` on (before 13, default axis 1).
LogicalResult softmax(NodeBinder &b, bool log) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType xt = tensorType(*x);
  int64_t rank = xt.getRank();
  bool legacy = b.opset < 13;
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", legacy ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  OpBuilder &ob = b.builder;
  if (!legacy || *axis == rank - 1) {
    FailureOr<Value> v = b.makeTyped<SoftmaxOp>(xt, *x, ob.getI64IntegerAttr(*axis),
                                                ob.getBoolAttr(log));
    return failed(v) ? failure() : b.setResults(*v);
  }
  SmallVector<int64_t> flat = {shapeProduct(xt.getShape().take_front(*axis)),
                               shapeProduct(xt.getShape().drop_front(*axis))};
  FailureOr<Value> f = b.reshape(*x, flat);
  if (failed(f))
    return failure();
  FailureOr<Value> s = b.makeTyped<SoftmaxOp>(f->getType(), *f, ob.getI64IntegerAttr(1),
                                              ob.getBoolAttr(log));
  if (failed(s))
    return failure();
  FailureOr<Value> v = b.reshape(*s, xt.getShape());
  return failed(v) ? failure() : b.setResults(*v);
}

/// Dropout at inference (or with ratio 0) is the identity; its mask output
/// is all true.
LogicalResult dropout(NodeBinder &b) {
  if (b.hasInput(2)) {
    FailureOr<SmallVector<int64_t>> training = b.constInts(2, "training_mode");
    if (failed(training))
      return failure();
    // Training mode with ratio 0 keeps every element too; other ratios
    // draw random masks, which compiled inference does not.
    FailureOr<std::optional<double>> ratio = b.constScalar(1, "ratio");
    if (failed(ratio))
      return failure();
    if (!training->empty() && (*training)[0] != 0 && ratio->value_or(0.5) != 0)
      return b.error() << "training_mode with a nonzero ratio (random dropout) is not "
                          "supported";
  }
  if (b.opset < 7 && b.attrInt("is_test", 0) == 0)
    return b.error(ErrorCode::UnsupportedFeature) << "is_test = 0 (training) is not supported";
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  SmallVector<Value> results = {*x};
  if (b.node.output_size() > 1 && !b.node.output(1).empty()) {
    RankedTensorType xt = tensorType(*x);
    if (!xt.hasStaticShape())
      return b.error() << "the mask output needs a static input shape";
    auto maskType = RankedTensorType::get(xt.getShape(), b.builder.getI1Type());
    results.push_back(ConstantOp::create(b.builder, b.loc,
                                         DenseElementsAttr::get(maskType, true)));
  }
  return b.setResults(results);
}

/// LRN as existing ops: the channel-window sum of squares is an average
/// pool over a [N, 1, C, H*W] view (count_include_pad, so the divisor is
/// `size`), then y = x / (bias + alpha * mean)^beta.
LogicalResult lrn(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType xt = tensorType(*x);
  if (xt.getRank() < 3)
    return b.error() << "input must have rank >= 3";
  int64_t size = b.attrInt("size", 0);
  if (size < 1)
    return b.error() << "'size' must be a positive integer";
  Type et = xt.getElementType();
  OpBuilder &ob = b.builder;
  auto scalar = [&](double v) {
    return ConstantOp::create(ob, b.loc,
                              DenseElementsAttr::get(RankedTensorType::get({}, et),
                                                     ob.getFloatAttr(et, v)))
        .getResult();
  };
  int64_t spatial = shapeProduct(xt.getShape().drop_front(2));
  FailureOr<Value> sq = b.make<MulOp>(*x, *x);
  if (failed(sq))
    return failure();
  FailureOr<Value> view = b.reshape(
      *sq, {xt.getDimSize(0), 1, xt.getDimSize(1), spatial});
  if (failed(view))
    return failure();
  FailureOr<Value> mean = b.make<PoolOp>(
      PoolKindAttr::get(ob.getContext(), PoolKind::average), *view,
      ob.getDenseI64ArrayAttr({size, 1}), ob.getDenseI64ArrayAttr({1, 1}),
      ob.getDenseI64ArrayAttr({(size - 1) / 2, 0, size / 2, 0}),
      ob.getDenseI64ArrayAttr({1, 1}), ob.getBoolAttr(false), ob.getBoolAttr(true));
  if (failed(mean))
    return failure();
  FailureOr<Value> meanNCHW = b.reshape(*mean, xt.getShape());
  if (failed(meanNCHW))
    return failure();
  FailureOr<Value> scaled =
      b.make<MulOp>(*meanNCHW, scalar(b.attrFloat("alpha", 1e-4f)));
  if (failed(scaled))
    return failure();
  FailureOr<Value> base = b.make<AddOp>(*scaled, scalar(b.attrFloat("bias", 1.0f)));
  if (failed(base))
    return failure();
  FailureOr<Value> denom = b.make<PowOp>(*base, scalar(b.attrFloat("beta", 0.75f)));
  if (failed(denom))
    return failure();
  FailureOr<Value> y = b.make<DivOp>(*x, *denom);
  return failed(y) ? failure() : b.setResults(*y);
}

} // namespace

void onnx_import::registerNNOps(OpRegistry &r) {
  r.add("Conv", 1, conv);
  r.add("ConvTranspose", 1, convTranspose);
  r.add("MaxPool", 1, [](NodeBinder &b) { return pool(b, PoolKind::max); });
  r.add("AveragePool", 1, [](NodeBinder &b) { return pool(b, PoolKind::average); });
  r.add("LpPool", 11, lpPool);
  r.add("GlobalAveragePool", 1, [](NodeBinder &b) { return globalPool(b, ReduceKind::mean); });
  r.add("GlobalMaxPool", 1, [](NodeBinder &b) { return globalPool(b, ReduceKind::max); });
  r.add("BatchNormalization", 6, batchNorm);
  r.add("Gemm", 6, gemm);
  r.add("LRN", 1, lrn);
  r.add("MatMul", 1, matmul);
  r.add("Softmax", 1, [](NodeBinder &b) { return softmax(b, false); });
  r.add("LogSoftmax", 1, [](NodeBinder &b) { return softmax(b, true); });
  r.add("Dropout", 6, dropout);
}
