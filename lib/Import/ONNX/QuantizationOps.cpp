//===- QuantizationOps.cpp - ONNX linear quantization operators -----------===//
//
// QuantizeLinear, DequantizeLinear (per-tensor, per-axis and blocked),
// DynamicQuantizeLinear, MatMulInteger, QLinearMatMul, ConvInteger,
// QLinearConv and onnxruntime's QOperator contrib operators (QLinearAdd,
// QLinearMul, QLinearSigmoid, QLinearLeakyRelu, QLinear*Pool,
// QLinearConcat, QGemm), composed of aiopt ops: scales and zero points
// broadcast along the quantization axis, rounding half to even, saturation
// to the integer range, float8/float4 targets through aiopt.cast. Integer
// matrix products and convolutions keep their 8-bit operands (the 8-bit
// kernels) and correct the accumulator for the zero points.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"
#include "TensorProto.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// `param` (scale or zero point) shaped to broadcast against `x`: a scalar
/// as is, a 1-D tensor along `axis`, a blocked tensor repeated `block`
/// times along `axis` and cut to the extent of `x`.
FailureOr<Value> broadcastParam(NodeBinder &b, Value param, Value x, int64_t axisAttr,
                                int64_t block) {
  RankedTensorType pt = tensorType(param), xt = tensorType(x);
  if (pt.getRank() == 0 || (pt.getRank() == 1 && pt.getDimSize(0) == 1 && block == 0))
    return b.reshape(param, {});
  FailureOr<int64_t> axis = b.normalizeAxis(axisAttr, xt.getRank());
  if (failed(axis))
    return failure();
  int64_t extent = xt.getDimSize(*axis);
  if (pt.getRank() == 1 && block == 0) {
    if (pt.getDimSize(0) != extent)
      return b.error() << "the scale has " << pt.getDimSize(0) << " values, axis " << *axis
                       << " has extent " << extent;
    SmallVector<int64_t> shape(xt.getRank(), 1);
    shape[*axis] = extent;
    return b.reshape(param, shape);
  }
  if (pt.getRank() != xt.getRank() || block <= 0)
    return b.error() << "blocked quantization needs a scale of the input's rank and a "
                        "positive block_size";
  ArrayRef<int64_t> s = pt.getShape();
  if (!pt.hasStaticShape() || s[*axis] * block < extent)
    return b.error() << "the blocked scale does not cover axis " << *axis;
  SmallVector<int64_t> split(s.take_front(*axis + 1));
  split.push_back(1);
  llvm::append_range(split, s.drop_front(*axis + 1));
  FailureOr<Value> v = b.reshape(param, split);
  split[*axis + 1] = block;
  if (succeeded(v))
    v = b.makeTyped<ExpandOp>(pt.clone(split), *v);
  SmallVector<int64_t> merged(s);
  merged[*axis] *= block;
  if (succeeded(v))
    v = b.reshape(*v, merged);
  return failed(v) ? v : b.sliceAlong(*v, *axis, 0, extent);
}

/// (x - zp) * scale in float type `out`, `zp` (may be null) and `scale`
/// broadcast along `axis` (in blocks of `block` when positive).
FailureOr<Value> dequantize(NodeBinder &b, Value x, Value scale, Value zp, Type out,
                            int64_t axis, int64_t block) {
  FailureOr<Value> v = b.castTo(x, out);
  if (zp) {
    FailureOr<Value> z = broadcastParam(b, zp, x, axis, block);
    if (succeeded(z))
      z = b.castTo(*z, out);
    if (succeeded(z) && succeeded(v))
      v = b.make<SubOp>(*v, *z);
    if (failed(z))
      return failure();
  }
  FailureOr<Value> s = broadcastParam(b, scale, x, axis, block);
  if (succeeded(s))
    s = b.castTo(*s, out);
  if (failed(s) || failed(v))
    return failure();
  return b.make<MulOp>(*v, *s);
}

/// DequantizeLinear: the output type is that of the scale unless
/// output_dtype says otherwise.
LogicalResult dequantizeLinear(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), scale = b.input(1);
  if (failed(x) || failed(scale))
    return failure();
  Type out = tensorType(*scale).getElementType();
  if (int64_t dtype = b.attrInt("output_dtype", 0)) {
    out = elementType(b.builder.getContext(), dtype);
    if (!out || !isa<FloatType>(out))
      return b.error(ErrorCode::UnsupportedType) << "unsupported output_dtype " << dataTypeName(dtype);
  }
  FailureOr<Value> v = dequantize(b, *x, *scale, b.optionalInput(2), out, b.attrInt("axis", 1),
                                  b.attrInt("block_size", 0));
  return failed(v) ? failure() : b.setResults(*v);
}

/// The smallest and largest values of integer type `t`.
std::pair<double, double> integerRange(Type t) {
  unsigned w = t.getIntOrFloatBitWidth();
  if (t.isUnsignedInteger())
    return {0, std::ldexp(1.0, w) - 1};
  return {-std::ldexp(1.0, w - 1), std::ldexp(1.0, w - 1) - 1};
}

/// `v` (floats holding integral values plus zero point) saturated to
/// integer type `to` and converted, or cast (with `saturate`) to a small
/// float type.
FailureOr<Value> saturateTo(NodeBinder &b, Value v, Type to, bool saturate) {
  if (isa<FloatType>(to))
    return b.makeTyped<CastOp>(tensorType(v).clone(to), v, b.builder.getBoolAttr(saturate));
  auto [lo, hi] = integerRange(to);
  FailureOr<Value> c = b.makeTyped<ClipOp>(v.getType(), v, b.builder.getF64FloatAttr(lo),
                                           b.builder.getF64FloatAttr(hi));
  return failed(c) ? c : b.castTo(*c, to);
}

/// saturate(round(x / scale) + zp) in type `to` (8-bit integers round half
/// to even; small float types round in the cast, saturating if
/// `saturate`), computed in float type `precision`; `zp` (may be null) and
/// `scale` broadcast along `axis` (in blocks of `block` when positive).
FailureOr<Value> quantize(NodeBinder &b, Value x, Value scale, Value zp, Type to,
                          Type precision, int64_t axis, int64_t block, bool saturate) {
  FailureOr<Value> s = broadcastParam(b, scale, x, axis, block);
  FailureOr<Value> xs = b.castTo(x, precision);
  if (succeeded(s))
    s = b.castTo(*s, precision);
  if (failed(s) || failed(xs))
    return failure();
  FailureOr<Value> v = b.make<DivOp>(*xs, *s);
  if (succeeded(v) && !isa<FloatType>(to))
    v = b.makeTyped<RoundOp>(v->getType(), *v);
  if (zp && succeeded(v)) {
    FailureOr<Value> z = broadcastParam(b, zp, x, axis, block);
    if (succeeded(z))
      z = b.castTo(*z, precision);
    v = failed(z) ? z : b.make<AddOp>(*v, *z);
  }
  return failed(v) ? v : saturateTo(b, *v, to, saturate);
}

/// QuantizeLinear: the target type is that of the zero point, else
/// output_dtype, else uint8.
LogicalResult quantizeLinear(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), scale = b.input(1);
  if (failed(x) || failed(scale))
    return failure();
  MLIRContext *ctx = b.builder.getContext();
  Value zp = b.optionalInput(2);
  Type to = zp ? tensorType(zp).getElementType() : Type();
  if (int64_t dtype = b.attrInt("output_dtype", 0)) {
    Type t = elementType(ctx, dtype);
    if (!t || (to && t != to))
      return b.error(ErrorCode::UnsupportedType) << "output_dtype " << dataTypeName(dtype)
                       << " is unsupported or differs from the zero point's type";
    to = t;
  }
  if (!to)
    to = IntegerType::get(ctx, 8, IntegerType::Unsigned);
  Type precision = tensorType(*scale).getElementType();
  if (int64_t p = b.attrInt("precision", 0)) {
    precision = elementType(ctx, p);
    if (!precision || !isa<FloatType>(precision))
      return b.error(ErrorCode::UnsupportedType) << "unsupported precision " << dataTypeName(p);
  }
  FailureOr<Value> v = quantize(b, *x, *scale, zp, to, precision, b.attrInt("axis", 1),
                                b.attrInt("block_size", 0), b.attrInt("saturate", 1) != 0);
  return failed(v) ? failure() : b.setResults(*v);
}

/// uint8 quantization of x over the range of its values extended to 0:
/// scale = (max - min) / 255, zero point = saturate(round(-min / scale)).
LogicalResult dynamicQuantizeLinear(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  Type f32 = b.builder.getF32Type();
  Type u8 = IntegerType::get(b.builder.getContext(), 8, IntegerType::Unsigned);
  FailureOr<Value> hi = b.reduce(ReduceKind::max, *x, {}, false);
  FailureOr<Value> lo = b.reduce(ReduceKind::min, *x, {}, false);
  if (failed(hi) || failed(lo))
    return failure();
  Value zero = b.scalarConstant(f32, 0);
  hi = b.make<MaxOp>(*hi, zero);
  lo = b.make<MinOp>(*lo, zero);
  if (failed(hi) || failed(lo))
    return failure();
  FailureOr<Value> scale = b.make<SubOp>(*hi, *lo);
  if (succeeded(scale))
    scale = b.make<DivOp>(*scale, b.scalarConstant(f32, 255));
  if (failed(scale))
    return failure();
  FailureOr<Value> zp = b.make<SubOp>(zero, *lo);
  if (succeeded(zp))
    zp = b.make<DivOp>(*zp, *scale);
  if (succeeded(zp))
    zp = b.makeTyped<RoundOp>(zp->getType(), *zp);
  if (failed(zp))
    return failure();
  FailureOr<Value> y = b.make<DivOp>(*x, *scale);
  if (succeeded(y))
    y = b.makeTyped<RoundOp>(y->getType(), *y);
  if (succeeded(y))
    y = b.make<AddOp>(*y, *zp);
  if (succeeded(y))
    y = saturateTo(b, *y, u8, true);
  FailureOr<Value> zpOut = saturateTo(b, *zp, u8, true);
  if (failed(y) || failed(zpOut))
    return failure();
  return b.setResults({*y, *scale, *zpOut});
}

//===----------------------------------------------------------------------===//
// Integer contractions: the 8-bit operands multiply as they are (the 8-bit
// kernels), the zero points enter as corrections of the i32 accumulator.
//===----------------------------------------------------------------------===//

/// Whether `v` is absent or a constant of zeros.
bool isZero(Value v) {
  DenseElementsAttr a;
  if (!v)
    return true;
  if (!matchPattern(v, m_Constant(&a)))
    return false;
  if (auto f = dyn_cast<DenseFPElementsAttr>(a))
    return llvm::all_of(f.getValues<APFloat>(), [](const APFloat &x) { return x.isZero(); });
  return llvm::all_of(a.getValues<APInt>(), [](const APInt &x) { return x.isZero(); });
}

/// The value of a one-element integer constant `v` (0 when absent), read by
/// its signedness; nothing when `v` is not such a constant.
std::optional<int64_t> constantInt(Value v) {
  DenseIntElementsAttr a;
  if (!v)
    return 0;
  if (!matchPattern(v, m_Constant(&a)) || a.getNumElements() != 1)
    return std::nullopt;
  APInt x = *a.getValues<APInt>().begin();
  return a.getElementType().isUnsignedInteger() ? int64_t(x.getZExtValue()) : x.getSExtValue();
}

/// `v` (a scalar or 1-D tensor of `n` values) as i32 shaped to broadcast
/// along dimension `axis` of a rank-`rank` result: [n, 1, ..., 1].
FailureOr<Value> alongAxis(NodeBinder &b, Value v, Type et, int64_t rank, int64_t axis) {
  FailureOr<Value> c = b.castTo(v, et);
  RankedTensorType t = tensorType(v);
  if (failed(c) || t.getRank() != 1 || t.getDimSize(0) == 1)
    return c;
  SmallVector<int64_t> shape(rank - axis, 1);
  shape[0] = t.getDimSize(0);
  return b.reshape(*c, shape);
}

/// The sum of `x` (as i32) along `axes`, kept as extent-1 dimensions.
FailureOr<Value> sumI32(NodeBinder &b, Value x, ArrayRef<int64_t> axes) {
  FailureOr<Value> c = b.castTo(x, b.builder.getI32Type());
  return failed(c) ? c : b.reduce(ReduceKind::sum, *c, axes, true);
}

/// 8-bit data `q` with its zero point `zp` (null: 0) as int8 data and an
/// i32 zero point: uint8 values become q - 128 and the zero point zp - 128
/// (the same differences), so the 8-bit kernels multiply signed x signed,
/// which they tile; int8 data as it is.
FailureOr<std::pair<Value, Value>> signedData(NodeBinder &b, Value q, Value zp) {
  if (!tensorType(q).getElementType().isUnsignedInteger(8))
    return std::pair(q, zp);
  Type f32 = b.builder.getF32Type(), i32 = b.builder.getI32Type();
  FailureOr<Value> f = b.castTo(q, f32);
  if (succeeded(f))
    f = b.make<SubOp>(*f, b.scalarConstant(f32, 128));
  if (succeeded(f))
    f = b.castTo(*f, b.builder.getI8Type());
  FailureOr<Value> z = zp ? b.castTo(zp, i32) : FailureOr<Value>(b.scalarConstant(i32, 0));
  if (succeeded(z))
    z = b.make<SubOp>(*z, b.scalarConstant(i32, 128));
  if (failed(f) || failed(z))
    return failure();
  return std::pair(*f, *z);
}

/// (a - za) x (m - zm) in i32, a's zero point per tensor or per row, m's per
/// tensor or per column: the 8-bit product a x m, minus zm times the row
/// sums of a, minus za times the column sums of m (constant weights fold
/// it), plus K za zm.
FailureOr<Value> integerMatMul(NodeBinder &b, Value a, Value za, Value m, Value zm) {
  Type i32 = b.builder.getI32Type();
  FailureOr<std::pair<Value, Value>> sa = signedData(b, a, za), sm = signedData(b, m, zm);
  if (failed(sa) || failed(sm))
    return failure();
  std::tie(a, za) = *sa;
  std::tie(m, zm) = *sm;
  int64_t ra = tensorType(a).getRank(), rm = tensorType(m).getRank();
  if (ra < 2 || rm < 2)
    return b.error() << "the operands must have rank >= 2";
  int64_t k = tensorType(a).getDimSize(ra - 1);
  bool zeroA = isZero(za), zeroM = isZero(zm);
  if (!zeroA && !zeroM && ShapedType::isDynamic(k))
    return b.error() << "zero points on both operands need a static inner dimension";
  FailureOr<Value> acc = b.make<MatMulOp>(a, m), zA = Value(), zM = Value();
  if (!zeroM) {
    zM = b.castTo(zm, i32);
    FailureOr<Value> rows = sumI32(b, a, {ra - 1});
    if (succeeded(rows) && succeeded(zM))
      rows = b.make<MulOp>(*rows, *zM);
    acc = failed(acc) || failed(rows) ? FailureOr<Value>(failure()) : b.make<SubOp>(*acc, *rows);
  }
  if (!zeroA && succeeded(acc)) {
    zA = alongAxis(b, za, i32, 2, 0);
    FailureOr<Value> cols = sumI32(b, m, {rm - 2});
    if (succeeded(cols) && succeeded(zA))
      cols = b.make<MulOp>(*cols, *zA);
    acc = failed(cols) ? FailureOr<Value>(failure()) : b.make<SubOp>(*acc, *cols);
  }
  if (!zeroA && !zeroM && succeeded(acc)) {
    FailureOr<Value> both = b.make<MulOp>(*zA, *zM);
    if (succeeded(both))
      both = b.make<MulOp>(*both, b.scalarConstant(i32, double(k)));
    acc = failed(both) ? FailureOr<Value>(failure()) : b.make<AddOp>(*acc, *both);
  }
  return acc;
}

/// The convolution of (x - zx) by (w - zw) in i32 with the node's window
/// attributes, x's zero point per tensor, w's per tensor or per output
/// channel. With a constant zx and no zw the 8-bit operands convolve as
/// they are (uint8 x as int8, see signedData): padding holds zx (the real
/// zero) and zx times each filter's sum is subtracted. Otherwise the
/// operands are centered in i32 first.
FailureOr<Value> integerConv(NodeBinder &b, Value x, Value zx, Value w, Value zw) {
  Type i32 = b.builder.getI32Type();
  int64_t rank = tensorType(w).getRank();
  std::optional<int64_t> zxValue = constantInt(zx);
  if (!isZero(zw) || !zxValue) {
    FailureOr<Value> xc = b.castTo(x, i32), wc = b.castTo(w, i32);
    if (zx && succeeded(xc)) {
      FailureOr<Value> z = b.castTo(zx, i32);
      xc = failed(z) ? z : b.make<SubOp>(*xc, *z);
    }
    if (zw && succeeded(wc)) {
      FailureOr<Value> z = alongAxis(b, zw, i32, rank, 0);
      wc = failed(z) ? z : b.make<SubOp>(*wc, *z);
    }
    return failed(xc) || failed(wc) ? FailureOr<Value>(failure()) : convolution(b, *xc, *wc, Value());
  }
  if (tensorType(x).getElementType().isUnsignedInteger(8)) {
    FailureOr<std::pair<Value, Value>> sx = signedData(b, x, Value());
    if (failed(sx))
      return failure();
    x = sx->first;
    *zxValue -= 128;
  }
  FailureOr<Value> acc = convolution(b, x, w, Value());
  if (failed(acc) || *zxValue == 0)
    return acc;
  padConvInput(b.builder, acc->getDefiningOp<ConvOp>(), double(*zxValue));
  FailureOr<Value> sums = sumI32(b, w, llvm::to_vector(llvm::seq<int64_t>(1, rank)));
  if (succeeded(sums))
    sums = b.reshape(*sums, SmallVector<int64_t>(tensorType(*sums).getShape().drop_back()));
  if (succeeded(sums))
    sums = b.make<MulOp>(*sums, b.scalarConstant(i32, double(*zxValue)));
  return failed(sums) ? sums : b.make<SubOp>(*acc, *sums);
}

/// The i32 accumulator `acc` as f32 times each of `scales` (f32 values
/// shaped to broadcast).
FailureOr<Value> rescale(NodeBinder &b, Value acc, ArrayRef<FailureOr<Value>> scales) {
  FailureOr<Value> v = b.castTo(acc, b.builder.getF32Type());
  for (FailureOr<Value> s : scales)
    v = failed(v) || failed(s) ? FailureOr<Value>(failure()) : b.make<MulOp>(*v, *s);
  return v;
}

/// `y` quantized per tensor with scale input `scaleInput` and the optional
/// zero point after it, to the zero point's type (else `fallback`).
FailureOr<Value> quantizeOutput(NodeBinder &b, FailureOr<Value> y, int scaleInput, Type fallback) {
  FailureOr<Value> ys = b.input(scaleInput);
  Value yz = b.optionalInput(scaleInput + 1);
  if (failed(y) || failed(ys))
    return failure();
  if (!yz && !fallback)
    return b.error() << "input " << scaleInput + 1 << " (the output's zero point) is required";
  Type to = yz ? tensorType(yz).getElementType() : fallback;
  return quantize(b, *y, *ys, yz, to, b.builder.getF32Type(), 1, 0, true);
}

/// The product function of an integer contraction: (a - za) op (m - zm)
/// in i32.
using IntegerContraction = FailureOr<Value> (*)(NodeBinder &, Value, Value, Value, Value);

/// MatMulInteger and ConvInteger: the zero points are optional inputs 2
/// and 3.
template <IntegerContraction contract>
LogicalResult integerOp(NodeBinder &b) {
  FailureOr<Value> a = b.input(0), m = b.input(1);
  if (failed(a) || failed(m))
    return failure();
  FailureOr<Value> v = contract(b, *a, b.optionalInput(2), *m, b.optionalInput(3));
  return failed(v) ? failure() : b.setResults(*v);
}

/// The quantized operands of QLinearMatMul and QLinearConv, inputs 0-5: a,
/// its scale and zero point, b, its scale and zero point.
FailureOr<SmallVector<Value>> qLinearOperands(NodeBinder &b) {
  SmallVector<Value> v;
  for (int i = 0; i < 6; ++i) {
    FailureOr<Value> x = b.input(i);
    if (failed(x))
      return failure();
    v.push_back(*x);
  }
  return v;
}

/// QLinearMatMul: the integer product requantized, round(acc * a_scale *
/// b_scale / y_scale) + y_zero_point saturated to y_zero_point's type.
LogicalResult qLinearMatMul(NodeBinder &b) {
  FailureOr<SmallVector<Value>> o = qLinearOperands(b);
  if (failed(o))
    return failure();
  Type f32 = b.builder.getF32Type();
  FailureOr<Value> acc = integerMatMul(b, (*o)[0], (*o)[2], (*o)[3], (*o)[5]);
  FailureOr<Value> y =
      failed(acc) ? acc
                  : rescale(b, *acc, {alongAxis(b, (*o)[1], f32, 2, 0), b.castTo((*o)[4], f32)});
  FailureOr<Value> q = quantizeOutput(b, y, 6, Type());
  return failed(q) ? failure() : b.setResults(*q);
}

/// QLinearConv: the integer convolution plus the i32 bias, requantized as
/// in QLinearMatMul (w's scale per tensor or per output channel).
LogicalResult qLinearConv(NodeBinder &b) {
  FailureOr<SmallVector<Value>> o = qLinearOperands(b);
  if (failed(o))
    return failure();
  Value x = (*o)[0], xScale = (*o)[1], wScale = (*o)[4];
  FailureOr<Value> acc = integerConv(b, x, (*o)[2], (*o)[3], (*o)[5]);
  int64_t rank = tensorType(x).getRank();
  if (Value bias = b.optionalInput(8); bias && succeeded(acc)) {
    FailureOr<Value> bv = alongAxis(b, bias, b.builder.getI32Type(), rank, 1);
    acc = failed(bv) ? bv : b.make<AddOp>(*acc, *bv);
  }
  Type f32 = b.builder.getF32Type();
  FailureOr<Value> y =
      failed(acc) ? acc
                  : rescale(b, *acc, {b.castTo(xScale, f32), alongAxis(b, wScale, f32, rank, 1)});
  FailureOr<Value> q = quantizeOutput(b, y, 6, Type());
  return failed(q) ? failure() : b.setResults(*q);
}

/// `v` transposed (2-D) when `transpose`.
FailureOr<Value> transposedIf(NodeBinder &b, Value v, bool transpose) {
  if (!transpose)
    return v;
  return b.make<TransposeOp>(v, b.builder.getDenseI64ArrayAttr({1, 0}));
}

/// com.microsoft QGemm: alpha * a_scale * b_scale * ((A - a_zp) x (B - b_zp)
/// + C) with the optional transposes, C an i32 bias; quantized with
/// y_scale and y_zero_point when given, else f32.
LogicalResult qGemm(NodeBinder &b) {
  FailureOr<Value> a = b.input(0), aScale = b.input(1), m = b.input(3), mScale = b.input(4);
  for (FailureOr<Value> v : {a, aScale, m, mScale})
    if (failed(v))
      return failure();
  if (tensorType(*a).getRank() != 2 || tensorType(*m).getRank() != 2)
    return b.error() << "A and B must be 2-D";
  a = transposedIf(b, *a, b.attrInt("transA", 0) != 0);
  m = transposedIf(b, *m, b.attrInt("transB", 0) != 0);
  FailureOr<Value> acc = failed(a) || failed(m)
                             ? FailureOr<Value>(failure())
                             : integerMatMul(b, *a, b.optionalInput(2), *m, b.optionalInput(5));
  if (Value c = b.optionalInput(6); c && succeeded(acc))
    acc = b.make<AddOp>(*acc, c);
  Type f32 = b.builder.getF32Type();
  FailureOr<Value> y = failed(acc) ? acc
                                   : rescale(b, *acc,
                                             {b.castTo(*aScale, f32), b.castTo(*mScale, f32),
                                              b.scalarConstant(f32, b.attrFloat("alpha", 1.0f))});
  if (b.hasInput(7))
    y = quantizeOutput(b, y, 7, Type());
  return failed(y) ? failure() : b.setResults(*y);
}

//===----------------------------------------------------------------------===//
// com.microsoft QLinear* operators: dequantized inputs, the float operator,
// the result quantized (per tensor throughout).
//===----------------------------------------------------------------------===//

/// The quantized input at `i` (with its scale at i + 1 and optional zero
/// point at i + 2) in f32.
FailureOr<Value> dequantizedInput(NodeBinder &b, int i) {
  FailureOr<Value> x = b.input(i), scale = b.input(i + 1);
  if (failed(x) || failed(scale))
    return failure();
  return dequantize(b, *x, *scale, b.optionalInput(i + 2), b.builder.getF32Type(), 1, 0);
}

/// Binds `y` quantized with the scale at input `scaleInput`, in the type of
/// the zero point after it (else of input 0).
LogicalResult setQuantized(NodeBinder &b, FailureOr<Value> y, int scaleInput) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  FailureOr<Value> q = quantizeOutput(b, y, scaleInput, tensorType(*x).getElementType());
  return failed(q) ? failure() : b.setResults(*q);
}

/// QLinearAdd, QLinearMul: A and B at inputs 0 and 3, C's scale at 6.
template <typename OpTy>
LogicalResult qLinearBinary(NodeBinder &b) {
  FailureOr<Value> x = dequantizedInput(b, 0), y = dequantizedInput(b, 3);
  FailureOr<Value> v = failed(x) || failed(y) ? FailureOr<Value>(failure()) : b.make<OpTy>(*x, *y);
  return setQuantized(b, v, 6);
}

/// A unary QLinear operator: X at 0, Y's scale at 3.
LogicalResult qLinearUnary(NodeBinder &b, llvm::function_ref<FailureOr<Value>(Value)> op) {
  FailureOr<Value> x = dequantizedInput(b, 0);
  return setQuantized(b, failed(x) ? x : op(*x), 3);
}

LogicalResult qLinearSigmoid(NodeBinder &b) {
  return qLinearUnary(b, [&](Value x) { return b.make<SigmoidOp>(x); });
}

LogicalResult qLinearLeakyRelu(NodeBinder &b) {
  return qLinearUnary(b, [&](Value x) {
    return b.make<LeakyReluOp>(x, b.builder.getF32FloatAttr(b.attrFloat("alpha", 0.01f)));
  });
}

/// The mean over the spatial axes (channels first or, with channels_last,
/// last), kept as extent-1 dimensions.
LogicalResult qLinearGlobalAveragePool(NodeBinder &b) {
  bool last = b.attrInt("channels_last", 0) != 0;
  return qLinearUnary(b, [&](Value x) -> FailureOr<Value> {
    int64_t rank = tensorType(x).getRank();
    if (rank < 3)
      return b.error() << "input must have rank >= 3";
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(last ? 1 : 2, rank - last));
    return b.reduce(ReduceKind::mean, x, axes, true);
  });
}

LogicalResult qLinearAveragePool(NodeBinder &b) {
  if (b.attrInt("channels_last", 0) != 0)
    return b.error(ErrorCode::UnsupportedFeature) << "channels_last is not supported";
  return qLinearUnary(b, [&](Value x) {
    return buildPool(b, x, PoolKind::average, b.attrInt("count_include_pad", 0) != 0);
  });
}

/// QLinearConcat: Y's scale and zero point at 0 and 1, then (X, scale,
/// zero point) per input.
LogicalResult qLinearConcat(NodeBinder &b) {
  int n = b.node.input_size();
  if (n < 5 || (n - 2) % 3 != 0)
    return b.error() << "needs Y's scale and zero point, then (X, scale, zero point) per input";
  SmallVector<Value> xs;
  for (int i = 2; i < n; i += 3) {
    FailureOr<Value> x = dequantizedInput(b, i);
    if (failed(x))
      return failure();
    xs.push_back(*x);
  }
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", 0), tensorType(xs[0]).getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> v = b.make<ConcatOp>(ValueRange(xs), b.builder.getI64IntegerAttr(*axis));
  FailureOr<Value> x = b.input(2), ys = b.input(0);
  Value yz = b.optionalInput(1);
  if (failed(v) || failed(x) || failed(ys))
    return failure();
  Type to = yz ? tensorType(yz).getElementType() : tensorType(*x).getElementType();
  FailureOr<Value> q = quantize(b, *v, *ys, yz, to, b.builder.getF32Type(), 1, 0, true);
  return failed(q) ? failure() : b.setResults(*q);
}

} // namespace

void onnx_import::registerQuantizationOps(OpRegistry &r) {
  r.add("QuantizeLinear", 10, quantizeLinear);
  r.add("DequantizeLinear", 10, dequantizeLinear);
  r.add("DynamicQuantizeLinear", 11, dynamicQuantizeLinear);
  r.add("MatMulInteger", 10, integerOp<integerMatMul>);
  r.add("QLinearMatMul", 10, qLinearMatMul);
  r.add("ConvInteger", 10, integerOp<integerConv>);
  r.add("QLinearConv", 10, qLinearConv);
  // onnxruntime's contrib operators of the QOperator format.
  auto ms = [&](StringRef op, OpHandler fn) { r.add(qualifiedOpType("com.microsoft", op), 1, fn); };
  ms("QLinearAdd", qLinearBinary<AddOp>);
  ms("QLinearMul", qLinearBinary<MulOp>);
  ms("QLinearSigmoid", qLinearSigmoid);
  ms("QLinearLeakyRelu", qLinearLeakyRelu);
  ms("QLinearGlobalAveragePool", qLinearGlobalAveragePool);
  ms("QLinearAveragePool", qLinearAveragePool);
  ms("QLinearConcat", qLinearConcat);
  ms("QGemm", qGemm);
}
