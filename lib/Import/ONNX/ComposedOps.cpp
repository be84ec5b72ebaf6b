//===- ComposedOps.cpp - ONNX operators built from other aiopt ops --------===//
//
// Handlers for operators that are compositions of existing aiopt operations
// (as their ONNX function bodies are): Swish, SwiGLU, Shrink, Mean, IsNaN,
// IsInf, RMSNormalization, LpNormalization, InstanceNormalization,
// GroupNormalization, MeanVarianceNormalization, Hardmax, OneHot, EyeLike,
// and, folded from constant operands, Range and the Hann, Hamming and
// Blackman windows. Graph passes see the primitive ops and may
// fuse them again.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"
#include "TensorProto.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// Largest Range result folded into a constant.
constexpr int64_t kMaxRangeElements = int64_t(1) << 24;

/// The i64 constant 0..n-1 laid along `axis` of a rank-`rank` tensor whose
/// other extents are 1.
Value iotaAlong(NodeBinder &b, int64_t n, int64_t axis, int64_t rank) {
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = n;
  SmallVector<int64_t> values(n);
  std::iota(values.begin(), values.end(), 0);
  auto type = RankedTensorType::get(shape, b.builder.getI64Type());
  return b.constant(DenseElementsAttr::get(type, ArrayRef<int64_t>(values)));
}

} // namespace

FailureOr<Value> onnx_import::buildSwish(NodeBinder &b, Value x) {
  Type et = tensorType(x).getElementType();
  FailureOr<Value> v = b.make<MulOp>(x, b.scalarConstant(et, b.attrFloat("alpha", 1.0f)));
  if (succeeded(v))
    v = b.makeTyped<SigmoidOp>(v->getType(), *v);
  return failed(v) ? v : b.make<MulOp>(x, *v);
}

namespace {

LogicalResult swish(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<Value> v = failed(x) ? x : buildSwish(b, *x);
  return failed(v) ? failure() : b.setResults(*v);
}

/// swish(A) * B.
LogicalResult swiGLU(NodeBinder &b) {
  FailureOr<Value> gate = b.input(0), value = b.input(1);
  if (failed(gate) || failed(value))
    return failure();
  FailureOr<Value> v = buildSwish(b, *gate);
  if (succeeded(v))
    v = b.make<MulOp>(*v, *value);
  return failed(v) ? failure() : b.setResults(*v);
}

/// x + bias where x < -lambd, x - bias where x > lambd, else 0.
LogicalResult shrink(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  Type et = tensorType(*x).getElementType();
  double lambd = b.attrFloat("lambd", 0.5f), bias = b.attrFloat("bias", 0);
  FailureOr<Value> low = b.make<LessOp>(*x, b.scalarConstant(et, -lambd));
  FailureOr<Value> high = b.make<GreaterOp>(*x, b.scalarConstant(et, lambd));
  FailureOr<Value> up = b.make<AddOp>(*x, b.scalarConstant(et, bias));
  FailureOr<Value> down = b.make<SubOp>(*x, b.scalarConstant(et, bias));
  if (failed(low) || failed(high) || failed(up) || failed(down))
    return failure();
  FailureOr<Value> v = b.make<WhereOp>(*high, *down, b.scalarConstant(et, 0));
  if (succeeded(v))
    v = b.make<WhereOp>(*low, *up, *v);
  return failed(v) ? failure() : b.setResults(*v);
}

/// (x - mean) / sqrt(variance + epsilon) over `axes` (kept as 1).
FailureOr<Value> standardize(NodeBinder &b, Value x, ArrayRef<int64_t> axes, double epsilon) {
  Type et = tensorType(x).getElementType();
  FailureOr<Value> mean = b.reduce(ReduceKind::mean, x, axes, /*keepdims=*/true);
  FailureOr<Value> centered = failed(mean) ? mean : b.make<SubOp>(x, *mean);
  if (failed(centered))
    return failure();
  FailureOr<Value> var = b.make<MulOp>(*centered, *centered);
  if (succeeded(var))
    var = b.reduce(ReduceKind::mean, *var, axes, /*keepdims=*/true);
  if (succeeded(var) && epsilon != 0)
    var = b.make<AddOp>(*var, b.scalarConstant(et, epsilon));
  if (succeeded(var))
    var = b.makeTyped<SqrtOp>(var->getType(), *var);
  return failed(var) ? var : b.make<DivOp>(*centered, *var);
}

/// `v` [C] reshaped to [C, 1, ...] to broadcast along dimension 1 of a
/// rank-`rank` tensor.
FailureOr<Value> perChannel(NodeBinder &b, Value v, int64_t rank) {
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = tensorType(v).getNumElements();
  return b.reshape(v, shape);
}

/// y * scale + bias with per-channel scale and bias.
FailureOr<Value> scaleShift(NodeBinder &b, Value y, Value scale, Value bias) {
  int64_t rank = tensorType(y).getRank();
  FailureOr<Value> s = perChannel(b, scale, rank), c = perChannel(b, bias, rank);
  if (failed(s) || failed(c))
    return failure();
  FailureOr<Value> v = b.make<MulOp>(y, *s);
  return failed(v) ? v : b.make<AddOp>(*v, *c);
}

/// Normalization over the spatial dimensions of each instance and channel.
LogicalResult instanceNormalization(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), scale = b.input(1), bias = b.input(2);
  if (failed(x) || failed(scale) || failed(bias))
    return failure();
  int64_t rank = tensorType(*x).getRank();
  if (rank < 3)
    return b.error() << "input must have rank >= 3";
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  FailureOr<Value> y = standardize(b, *x, axes, b.attrFloat("epsilon", 1e-5f));
  if (succeeded(y))
    y = scaleShift(b, *y, *scale, *bias);
  return failed(y) ? failure() : b.setResults(*y);
}

/// Normalization over groups of channels, computed in f32; scale and bias
/// per channel (per group before opset 21).
LogicalResult groupNormalization(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), scale = b.input(1), bias = b.input(2);
  if (failed(x) || failed(scale) || failed(bias))
    return failure();
  RankedTensorType xt = tensorType(*x);
  int64_t groups = b.attrInt("num_groups", 0), rank = xt.getRank();
  if (rank < 3 || !xt.hasStaticShape())
    return b.error() << "input must be [N, C, ...] of static shape";
  int64_t channels = xt.getDimSize(1);
  if (groups <= 0 || channels % groups)
    return b.error() << "num_groups (" << groups << ") must divide the " << channels
                     << " channels";
  if (b.attrInt("stash_type", 1) != 1)
    return b.error(ErrorCode::UnsupportedFeature) << "stash_type other than float32 is not supported";
  FailureOr<Value> y = b.castTo(*x, b.builder.getF32Type());
  if (succeeded(y))
    y = b.reshape(*y, {xt.getDimSize(0), groups, xt.getNumElements() / xt.getDimSize(0) / groups});
  if (succeeded(y))
    y = standardize(b, *y, {2}, b.attrFloat("epsilon", 1e-5f));
  if (succeeded(y))
    y = b.reshape(*y, xt.getShape());
  if (succeeded(y))
    y = b.castTo(*y, xt.getElementType());
  if (failed(y))
    return failure();
  Value s = *scale, c = *bias;
  if (b.opset < 21 && groups != channels) {
    // One value per group, repeated over its channels.
    auto perGroup = [&](Value v) -> FailureOr<Value> {
      RankedTensorType vt = tensorType(v);
      FailureOr<Value> r = b.reshape(v, {groups, 1});
      if (succeeded(r))
        r = b.makeTyped<ExpandOp>(vt.clone({groups, channels / groups}), *r);
      return failed(r) ? r : b.reshape(*r, {channels});
    };
    FailureOr<Value> ps = perGroup(s), pc = perGroup(c);
    if (failed(ps) || failed(pc))
      return failure();
    s = *ps;
    c = *pc;
  }
  y = scaleShift(b, *y, s, c);
  return failed(y) ? failure() : b.setResults(*y);
}

/// (x - mean) / sqrt(variance) over `axes` (default N and the spatial
/// dimensions of a 4-D input).
LogicalResult meanVarianceNormalization(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  int64_t rank = tensorType(*x).getRank();
  SmallVector<int64_t> axes = b.attrInts("axes", {0, 2, 3});
  if (failed(b.normalizeAxes(axes, rank)))
    return failure();
  llvm::sort(axes);
  FailureOr<Value> y = standardize(b, *x, axes, 0);
  return failed(y) ? failure() : b.setResults(*y);
}

/// Hann, Hamming and Blackman windows of a constant size, folded:
/// sum_k a_k cos(2 pi k n / N), N = size (periodic) or size - 1.
LogicalResult window(NodeBinder &b, ArrayRef<double> coefficients) {
  FailureOr<std::optional<double>> size = b.constScalar(0, "size");
  if (failed(size))
    return failure();
  if (!*size || **size < 0 || **size > (1 << 24))
    return b.error() << "size must be a scalar in [0, 2^24]";
  auto n = static_cast<int64_t>(**size);
  int64_t dtype = b.attrInt("output_datatype", 1);
  Type et = elementType(b.builder.getContext(), dtype);
  if (!et || !isa<FloatType>(et))
    return b.error(ErrorCode::UnsupportedType) << "unsupported output_datatype " << dataTypeName(dtype);
  double period = b.attrInt("periodic", 1) ? double(n) : double(n - 1);
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < n; ++i) {
    double w = 0;
    for (auto [k, a] : llvm::enumerate(coefficients))
      w += a * std::cos(2 * M_PI * double(k) * double(i) / period);
    values.push_back(FloatAttr::get(et, w));
  }
  return b.setResults(b.constant(DenseElementsAttr::get(RankedTensorType::get({n}, et), values)));
}

/// The broadcasting sum of the inputs divided by their count.
LogicalResult mean(NodeBinder &b) {
  FailureOr<Value> acc = b.input(0);
  for (int i = 1; succeeded(acc) && i < b.node.input_size(); ++i) {
    FailureOr<Value> next = b.input(i);
    if (failed(next))
      return failure();
    acc = b.make<AddOp>(*acc, *next);
  }
  if (succeeded(acc) && b.node.input_size() > 1)
    acc = b.make<DivOp>(*acc, b.scalarConstant(tensorType(*acc).getElementType(),
                                               b.node.input_size()));
  return failed(acc) ? failure() : b.setResults(*acc);
}

/// NaN is the only value that differs from itself.
LogicalResult isNaN(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  FailureOr<Value> v = b.make<EqualOp>(*x, *x);
  if (succeeded(v))
    v = b.makeTyped<NotOp>(v->getType(), *v);
  return failed(v) ? failure() : b.setResults(*v);
}

LogicalResult isInf(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  Type et = tensorType(*x).getElementType();
  if (!isa<FloatType>(et))
    return b.error() << "input must be a floating-point tensor";
  SmallVector<double> infinities;
  if (b.attrInt("detect_positive", 1))
    infinities.push_back(INFINITY);
  if (b.attrInt("detect_negative", 1))
    infinities.push_back(-INFINITY);
  FailureOr<Value> result = failure();
  for (double inf : infinities) {
    FailureOr<Value> eq = b.make<EqualOp>(*x, b.scalarConstant(et, inf));
    if (failed(eq))
      return failure();
    result = succeeded(result) ? b.make<OrOp>(*result, *eq) : eq;
    if (failed(result))
      return failure();
  }
  if (infinities.empty()) {
    FailureOr<Value> eq = b.make<EqualOp>(*x, *x);
    if (failed(eq))
      return failure();
    result = b.make<AndOp>(*eq, b.scalarConstant(b.builder.getI1Type(), 0));
  }
  return failed(result) ? failure() : b.setResults(*result);
}

/// x / sqrt(mean(x^2 over axis..rank-1) + epsilon) * scale, computed in f32.
LogicalResult rmsNormalization(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), scale = b.input(1);
  if (failed(x) || failed(scale))
    return failure();
  if (b.attrInt("stash_type", 1) != 1)
    return b.error(ErrorCode::UnsupportedFeature) << "stash_type other than float32 is not supported";
  int64_t rank = tensorType(*x).getRank();
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t d = *axis; d < rank; ++d)
    axes.push_back(d);
  Type et = tensorType(*x).getElementType(), f32 = b.builder.getF32Type();
  FailureOr<Value> xf = b.castTo(*x, f32);
  if (failed(xf))
    return failure();
  FailureOr<Value> v = b.make<MulOp>(*xf, *xf);
  if (succeeded(v))
    v = b.reduce(ReduceKind::mean, *v, axes, /*keepdims=*/true);
  if (succeeded(v))
    v = b.make<AddOp>(*v, b.scalarConstant(f32, b.attrFloat("epsilon", 1e-5f)));
  if (succeeded(v))
    v = b.makeTyped<SqrtOp>(v->getType(), *v);
  if (succeeded(v))
    v = b.make<DivOp>(*xf, *v);
  if (succeeded(v))
    v = b.castTo(*v, et);
  if (succeeded(v))
    v = b.make<MulOp>(*v, *scale);
  return failed(v) ? failure() : b.setResults(*v);
}

/// x divided by its L1 or L2 norm along `axis`; 0 where the norm is 0.
LogicalResult lpNormalization(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  int64_t p = b.attrInt("p", 2);
  if (p != 1 && p != 2)
    return b.error() << "p must be 1 or 2, not " << p;
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", -1), tensorType(*x).getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> norm =
      b.reduce(p == 1 ? ReduceKind::l1 : ReduceKind::l2, *x, {*axis}, /*keepdims=*/true);
  if (failed(norm))
    return failure();
  Type et = tensorType(*x).getElementType();
  FailureOr<Value> zero = b.make<EqualOp>(*norm, b.scalarConstant(et, 0));
  FailureOr<Value> safe =
      failed(zero) ? zero : b.make<WhereOp>(*zero, b.scalarConstant(et, 1), *norm);
  FailureOr<Value> v = failed(safe) ? safe : b.make<DivOp>(*x, *safe);
  return failed(v) ? failure() : b.setResults(*v);
}

/// 1 where the first maximum along `axis` is, else 0. Before opset 13 the
/// input is viewed as a matrix [prod(dims < axis), prod(dims >= axis)].
LogicalResult hardmax(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType type = tensorType(*x);
  FailureOr<int64_t> axis =
      b.normalizeAxis(b.attrInt("axis", b.opset < 13 ? 1 : -1), type.getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> v = *x;
  if (b.opset < 13) {
    ArrayRef<int64_t> shape = type.getShape();
    v = b.reshape(*x, {shapeProduct(shape.take_front(*axis)),
                       shapeProduct(shape.drop_front(*axis))});
    axis = 1;
  }
  if (failed(v))
    return failure();
  int64_t n = tensorType(*v).getDimSize(*axis);
  if (ShapedType::isDynamic(n))
    return b.error() << "the extent along the axis must be static";
  OpBuilder &ob = b.builder;
  FailureOr<Value> arg = b.make<ArgReduceOp>(
      ReduceKindAttr::get(ob.getContext(), ReduceKind::max), *v, ob.getI64IntegerAttr(*axis),
      ob.getBoolAttr(true), ob.getBoolAttr(false));
  if (succeeded(arg))
    v = b.make<EqualOp>(*arg, iotaAlong(b, n, *axis, tensorType(*v).getRank()));
  if (succeeded(v))
    v = b.castTo(*v, type.getElementType());
  if (succeeded(v))
    v = b.reshape(*v, type.getShape());
  return failed(v) ? failure() : b.setResults(*v);
}

/// values[1] where the (wrapped) index equals the position along the new
/// axis, values[0] elsewhere.
LogicalResult oneHot(NodeBinder &b) {
  FailureOr<Value> indices = b.input(0), values = b.input(2);
  FailureOr<std::optional<double>> depth = b.constScalar(1, "depth");
  if (failed(indices) || failed(values) || failed(depth))
    return failure();
  if (!*depth || **depth < 1)
    return b.error() << "depth must be a positive scalar";
  if (tensorType(*values).getNumElements() != 2)
    return b.error() << "values must hold two elements [off, on]";
  auto d = static_cast<int64_t>(**depth);
  RankedTensorType it = tensorType(*indices);
  int64_t rank = it.getRank() + 1;
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  Type i64 = b.builder.getI64Type();
  FailureOr<Value> idx = b.castTo(*indices, i64);
  if (failed(idx))
    return failure();
  FailureOr<Value> neg = b.make<LessOp>(*idx, b.scalarConstant(i64, 0));
  FailureOr<Value> wrapped = b.make<AddOp>(*idx, b.scalarConstant(i64, d));
  if (failed(neg) || failed(wrapped))
    return failure();
  idx = b.make<WhereOp>(*neg, *wrapped, *idx);
  SmallVector<int64_t> shape(it.getShape());
  shape.insert(shape.begin() + *axis, 1);
  if (succeeded(idx))
    idx = b.reshape(*idx, shape);
  FailureOr<Value> hot =
      failed(idx) ? idx : b.make<EqualOp>(*idx, iotaAlong(b, d, *axis, rank));
  auto element = [&](int64_t i) {
    return b.make<GatherOp>(*values, b.scalarConstant(i64, i), b.builder.getI64IntegerAttr(0));
  };
  FailureOr<Value> off = element(0), on = element(1);
  if (failed(hot) || failed(off) || failed(on))
    return failure();
  FailureOr<Value> v = b.make<WhereOp>(*hot, *on, *off);
  return failed(v) ? failure() : b.setResults(*v);
}

/// A constant matrix with ones on the k-th diagonal.
LogicalResult eyeLike(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType type = tensorType(*x);
  if (type.getRank() != 2 || !type.hasStaticShape())
    return b.error() << "input must be a matrix of static shape";
  Type et = type.getElementType();
  if (b.hasAttr("dtype")) {
    int64_t dtype = b.attrInt("dtype", 0);
    et = elementType(b.builder.getContext(), dtype);
    if (!et)
      return b.error(ErrorCode::UnsupportedType) << "unsupported dtype " << dataTypeName(dtype);
  }
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1), k = b.attrInt("k", 0);
  SmallVector<bool> mask(rows * cols, false);
  for (int64_t r = 0; r < rows; ++r)
    if (r + k >= 0 && r + k < cols)
      mask[r * cols + r + k] = true;
  Value ones = b.constant(
      DenseElementsAttr::get(type.clone(b.builder.getI1Type()), ArrayRef<bool>(mask)));
  FailureOr<Value> v = b.castTo(ones, et);
  return failed(v) ? failure() : b.setResults(*v);
}

/// start, start + delta, ... up to (excluding) limit, folded to a constant.
LogicalResult range(NodeBinder &b) {
  FailureOr<Value> startV = b.input(0);
  FailureOr<std::optional<double>> start = b.constScalar(0, "start");
  FailureOr<std::optional<double>> limit = b.constScalar(1, "limit");
  FailureOr<std::optional<double>> delta = b.constScalar(2, "delta");
  if (failed(startV) || failed(start) || failed(limit) || failed(delta))
    return failure();
  if (!*start || !*limit || !*delta)
    return b.error() << "start, limit and delta are required";
  if (**delta == 0)
    return b.error() << "delta must not be 0";
  Type et = tensorType(*startV).getElementType();
  double count = std::ceil((**limit - **start) / **delta);
  if (!(count <= kMaxRangeElements))
    return b.error() << "the range has more than " << kMaxRangeElements << " elements";
  auto n = static_cast<int64_t>(std::max(count, 0.0));
  SmallVector<Attribute> elems;
  for (int64_t i = 0; i < n; ++i) {
    if (isa<FloatType>(et)) {
      // Accumulate in the element type, as the reference does.
      elems.push_back(FloatAttr::get(et, **start + static_cast<double>(i) * **delta));
    } else {
      auto s = static_cast<int64_t>(**start), dl = static_cast<int64_t>(**delta);
      elems.push_back(IntegerAttr::get(et, s + i * dl));
    }
  }
  return b.setResults(
      b.constant(DenseElementsAttr::get(RankedTensorType::get({n}, et), elems)));
}

} // namespace

void onnx_import::registerComposedOps(OpRegistry &r) {
  r.add("Swish", 24, swish);
  r.add("SwiGLU", 28, swiGLU);
  r.add("Shrink", 9, shrink);
  r.add("InstanceNormalization", 6, instanceNormalization);
  r.add("GroupNormalization", 18, groupNormalization);
  r.add("MeanVarianceNormalization", 9, meanVarianceNormalization);
  r.add("HannWindow", 17, [](NodeBinder &b) { return window(b, {0.5, -0.5}); });
  r.add("HammingWindow", 17,
        [](NodeBinder &b) { return window(b, {25.0 / 46, -21.0 / 46}); });
  r.add("BlackmanWindow", 17, [](NodeBinder &b) { return window(b, {0.42, -0.5, 0.08}); });
  r.add("Mean", 8, mean);
  r.add("IsNaN", 9, isNaN);
  r.add("IsInf", 10, isInf);
  r.add("RMSNormalization", 23, rmsNormalization);
  r.add("LpNormalization", 1, lpNormalization);
  r.add("Hardmax", 1, hardmax);
  r.add("OneHot", 9, oneHot);
  r.add("EyeLike", 9, eyeLike);
  r.add("Range", 11, range);
}
