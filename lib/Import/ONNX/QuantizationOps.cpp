//===- QuantizationOps.cpp - ONNX linear quantization operators -----------===//
//
// QuantizeLinear, DequantizeLinear (per-tensor, per-axis and blocked),
// DynamicQuantizeLinear, MatMulInteger and QLinearMatMul, composed of aiopt
// ops: scales and zero points broadcast along the quantization axis,
// rounding half to even, saturation to the integer range, float8/float4
// targets through aiopt.cast.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"
#include "TensorProto.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

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

/// (x - zero_point) * scale in the output type (that of the scale unless
/// output_dtype says otherwise).
LogicalResult dequantizeLinear(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), scale = b.input(1);
  if (failed(x) || failed(scale))
    return failure();
  Type out = tensorType(*scale).getElementType();
  if (int64_t dtype = b.attrInt("output_dtype", 0)) {
    out = elementType(b.builder.getContext(), dtype);
    if (!out || !isa<FloatType>(out))
      return b.error() << "unsupported output_dtype " << dataTypeName(dtype);
  }
  int64_t axis = b.attrInt("axis", 1), block = b.attrInt("block_size", 0);
  FailureOr<Value> v = b.castTo(*x, out);
  if (Value zp = b.optionalInput(2)) {
    FailureOr<Value> z = broadcastParam(b, zp, *x, axis, block);
    if (succeeded(z))
      z = b.castTo(*z, out);
    if (succeeded(z) && succeeded(v))
      v = b.make<SubOp>(*v, *z);
    if (failed(z))
      return failure();
  }
  FailureOr<Value> s = broadcastParam(b, *scale, *x, axis, block);
  if (succeeded(s))
    s = b.castTo(*s, out);
  if (failed(s) || failed(v))
    return failure();
  v = b.make<MulOp>(*v, *s);
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

/// saturate(round(x / scale) + zero_point); the target type is that of the
/// zero point, else output_dtype, else uint8.
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
      return b.error() << "output_dtype " << dataTypeName(dtype)
                       << " is unsupported or differs from the zero point's type";
    to = t;
  }
  if (!to)
    to = IntegerType::get(ctx, 8, IntegerType::Unsigned);
  Type precision = tensorType(*scale).getElementType();
  if (int64_t p = b.attrInt("precision", 0)) {
    precision = elementType(ctx, p);
    if (!precision || !isa<FloatType>(precision))
      return b.error() << "unsupported precision " << dataTypeName(p);
  }
  int64_t axis = b.attrInt("axis", 1), block = b.attrInt("block_size", 0);
  FailureOr<Value> s = broadcastParam(b, *scale, *x, axis, block);
  FailureOr<Value> xs = b.castTo(*x, precision);
  if (succeeded(s))
    s = b.castTo(*s, precision);
  if (failed(s) || failed(xs))
    return failure();
  FailureOr<Value> v = b.make<DivOp>(*xs, *s);
  // Integers round half to even; float targets round in the cast.
  if (succeeded(v) && !isa<FloatType>(to))
    v = b.makeTyped<RoundOp>(v->getType(), *v);
  if (zp && succeeded(v)) {
    FailureOr<Value> z = broadcastParam(b, zp, *x, axis, block);
    if (succeeded(z))
      z = b.castTo(*z, precision);
    v = failed(z) ? z : b.make<AddOp>(*v, *z);
  }
  if (succeeded(v))
    v = saturateTo(b, *v, to, b.attrInt("saturate", 1) != 0);
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

/// (x - zero_point) as i32; a 1-D zero point of `rows` values applies per
/// row (dimension -2) when `perRow`, else per column (dimension -1).
FailureOr<Value> centered(NodeBinder &b, Value x, Value zp, bool perRow) {
  Type i32 = b.builder.getI32Type();
  FailureOr<Value> v = b.castTo(x, i32);
  if (!zp || failed(v))
    return v;
  FailureOr<Value> z = b.castTo(zp, i32);
  RankedTensorType zt = tensorType(zp);
  if (succeeded(z) && perRow && zt.getRank() == 1 && zt.getDimSize(0) != 1)
    z = b.reshape(*z, {zt.getDimSize(0), 1});
  return failed(z) ? z : b.make<SubOp>(*v, *z);
}

/// (a - a_zero_point) x (b - b_zero_point) in int32.
LogicalResult matMulInteger(NodeBinder &b) {
  FailureOr<Value> a = b.input(0), m = b.input(1);
  if (failed(a) || failed(m))
    return failure();
  FailureOr<Value> ac = centered(b, *a, b.optionalInput(2), /*perRow=*/true);
  FailureOr<Value> mc = centered(b, *m, b.optionalInput(3), /*perRow=*/false);
  if (failed(ac) || failed(mc))
    return failure();
  FailureOr<Value> v = b.make<MatMulOp>(*ac, *mc);
  return failed(v) ? failure() : b.setResults(*v);
}

/// The integer product requantized: round(acc * a_scale * b_scale /
/// y_scale) + y_zero_point, saturated to the type of y_zero_point.
LogicalResult qLinearMatMul(NodeBinder &b) {
  FailureOr<Value> a = b.input(0), aScale = b.input(1), aZp = b.input(2);
  FailureOr<Value> m = b.input(3), mScale = b.input(4), mZp = b.input(5);
  FailureOr<Value> yScale = b.input(6), yZp = b.input(7);
  for (FailureOr<Value> v : {a, aScale, aZp, m, mScale, mZp, yScale, yZp})
    if (failed(v))
      return failure();
  FailureOr<Value> ac = centered(b, *a, *aZp, /*perRow=*/true);
  FailureOr<Value> mc = centered(b, *m, *mZp, /*perRow=*/false);
  if (failed(ac) || failed(mc))
    return failure();
  FailureOr<Value> acc = b.make<MatMulOp>(*ac, *mc);
  Type f32 = b.builder.getF32Type();
  if (succeeded(acc))
    acc = b.castTo(*acc, f32);
  // Per-row a scales are [M] -> [M, 1]; per-column b scales broadcast.
  FailureOr<Value> as = b.castTo(*aScale, f32), ms = b.castTo(*mScale, f32);
  FailureOr<Value> ys = b.castTo(*yScale, f32);
  RankedTensorType ast = tensorType(*aScale);
  if (succeeded(as) && ast.getRank() == 1 && ast.getDimSize(0) != 1)
    as = b.reshape(*as, {ast.getDimSize(0), 1});
  if (failed(acc) || failed(as) || failed(ms) || failed(ys))
    return failure();
  FailureOr<Value> v = b.make<MulOp>(*acc, *as);
  if (succeeded(v))
    v = b.make<MulOp>(*v, *ms);
  if (succeeded(v))
    v = b.make<DivOp>(*v, *ys);
  if (succeeded(v))
    v = b.makeTyped<RoundOp>(v->getType(), *v);
  FailureOr<Value> z = b.castTo(*yZp, f32);
  if (succeeded(v) && succeeded(z))
    v = b.make<AddOp>(*v, *z);
  if (succeeded(v) && succeeded(z))
    v = saturateTo(b, *v, tensorType(*yZp).getElementType(), true);
  return failed(v) || failed(z) ? failure() : b.setResults(*v);
}

} // namespace

void onnx_import::registerQuantizationOps(OpRegistry &r) {
  r.add("QuantizeLinear", 10, quantizeLinear);
  r.add("DequantizeLinear", 10, dequantizeLinear);
  r.add("DynamicQuantizeLinear", 11, dynamicQuantizeLinear);
  r.add("MatMulInteger", 10, matMulInteger);
  r.add("QLinearMatMul", 10, qLinearMatMul);
}
