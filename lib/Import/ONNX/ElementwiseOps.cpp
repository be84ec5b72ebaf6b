//===- ElementwiseOps.cpp - ONNX elementwise operators --------------------===//
//
// Handlers for unary, binary (broadcasting, opset >= 7), bitwise, variadic
// min/max, Where, Clip, Cast/CastLike, Mod, Pow, LeakyRelu and Identity.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

template <typename OpTy>
LogicalResult unary(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  FailureOr<Value> r = b.makeTyped<OpTy>(x->getType(), *x);
  return failed(r) ? failure() : b.setResults(*r);
}

template <typename OpTy>
LogicalResult binary(NodeBinder &b) {
  FailureOr<Value> l = b.input(0), r = b.input(1);
  if (failed(l) || failed(r))
    return failure();
  FailureOr<Value> v = b.make<OpTy>(*l, *r);
  return failed(v) ? failure() : b.setResults(*v);
}

/// Before opset 7, binary ops broadcast only with `broadcast` = 1, aligning
/// the second operand at `axis` (default: trailing, as numpy).
template <typename OpTy>
LogicalResult binaryLegacy(NodeBinder &b) {
  FailureOr<Value> l = b.input(0), r = b.input(1);
  if (failed(l) || failed(r))
    return failure();
  RankedTensorType lt = tensorType(*l), rt = tensorType(*r);
  if (b.attrInt("broadcast", 0) == 0) {
    if (lt.getShape() != rt.getShape())
      return b.error() << "operands differ in shape and 'broadcast' is not set";
  } else if (b.hasAttr("axis")) {
    FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", 0), lt.getRank());
    if (failed(axis))
      return failure();
    if (*axis + rt.getRank() > lt.getRank())
      return b.error() << "the second operand does not fit at axis " << *axis;
    SmallVector<int64_t> shape(rt.getShape());
    shape.append(lt.getRank() - *axis - rt.getRank(), 1);
    r = b.reshape(*r, shape);
    if (failed(r))
      return failure();
  }
  FailureOr<Value> v = b.make<OpTy>(*l, *r);
  return failed(v) ? failure() : b.setResults(*v);
}

/// Registers `OpTy` for `name`: the legacy form from opset 1, numpy
/// broadcasting from `since`.
template <typename OpTy>
void addBinary(OpRegistry &r, StringRef name, int64_t since) {
  r.add(name, 1, binaryLegacy<OpTy>);
  r.add(name, since, binary<OpTy>);
}

/// Max/Min/Sum of one or more inputs, folded left.
template <typename OpTy>
LogicalResult variadic(NodeBinder &b) {
  FailureOr<Value> acc = b.input(0);
  for (int i = 1; succeeded(acc) && i < b.node.input_size(); ++i) {
    FailureOr<Value> next = b.input(i);
    if (failed(next))
      return failure();
    acc = b.make<OpTy>(*acc, *next);
  }
  return failed(acc) ? failure() : b.setResults(*acc);
}

LogicalResult identity(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  return failed(x) ? failure() : b.setResults(*x);
}

LogicalResult where(NodeBinder &b) {
  FailureOr<Value> c = b.input(0), x = b.input(1), y = b.input(2);
  if (failed(c) || failed(x) || failed(y))
    return failure();
  FailureOr<Value> v = b.make<WhereOp>(*c, *x, *y);
  return failed(v) ? failure() : b.setResults(*v);
}

LogicalResult leakyRelu(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  FailureOr<Value> v = b.makeTyped<LeakyReluOp>(
      x->getType(), *x, b.builder.getF32FloatAttr(b.attrFloat("alpha", 0.01f)));
  return failed(v) ? failure() : b.setResults(*v);
}

/// An activation whose float attributes (with ONNX defaults) become op
/// attributes of the same names.
template <typename OpTy, typename... Params>
LogicalResult activation(NodeBinder &b, Params... params) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  auto attr = [&](std::pair<const char *, float> p) {
    return b.builder.getF32FloatAttr(b.attrFloat(p.first, p.second));
  };
  FailureOr<Value> v = b.makeTyped<OpTy>(x->getType(), *x, attr(params)...);
  return failed(v) ? failure() : b.setResults(*v);
}

LogicalResult gelu(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  std::string approximate = b.attrString("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return b.error() << "unknown approximate '" << approximate << "'";
  FailureOr<Value> v = b.makeTyped<GeluOp>(
      x->getType(), *x, b.builder.getBoolAttr(approximate == "tanh"));
  return failed(v) ? failure() : b.setResults(*v);
}

/// PRelu before opset 7: a 1-D slope holds one value per channel
/// (dimension 1) or one for all.
LogicalResult preluLegacy(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), slope = b.input(1);
  if (failed(x) || failed(slope))
    return failure();
  RankedTensorType xt = tensorType(*x), st = tensorType(*slope);
  if (st.getRank() == 1 && xt.getRank() > 2 && st.getDimSize(0) != 1) {
    SmallVector<int64_t> shape(xt.getRank() - 1, 1);
    shape[0] = st.getDimSize(0);
    slope = b.reshape(*slope, shape);
    if (failed(slope))
      return failure();
  }
  FailureOr<Value> v = b.make<PReluOp>(*x, *slope);
  return failed(v) ? failure() : b.setResults(*v);
}

LogicalResult buildClip(NodeBinder &b, std::optional<double> lo,
                        std::optional<double> hi) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  FloatAttr loAttr = lo ? b.builder.getF64FloatAttr(*lo) : FloatAttr();
  FloatAttr hiAttr = hi ? b.builder.getF64FloatAttr(*hi) : FloatAttr();
  FailureOr<Value> v = b.makeTyped<ClipOp>(x->getType(), *x, loAttr, hiAttr);
  return failed(v) ? failure() : b.setResults(*v);
}

/// Clip before opset 11: bounds are attributes.
LogicalResult clipAttrs(NodeBinder &b) {
  std::optional<double> lo, hi;
  if (b.hasAttr("min"))
    lo = b.attrFloat("min", 0);
  if (b.hasAttr("max"))
    hi = b.attrFloat("max", 0);
  return buildClip(b, lo, hi);
}

/// Clip from opset 11: bounds are optional inputs. Constant bounds become
/// attributes of aiopt.clip; runtime bounds a max and a min with them.
LogicalResult clipInputs(NodeBinder &b) {
  Value loV = b.optionalInput(1), hiV = b.optionalInput(2);
  auto isConstant = [](Value v) { return !v || matchPattern(v, m_Constant()); };
  if (!isConstant(loV) || !isConstant(hiV)) {
    FailureOr<Value> v = b.input(0);
    if (succeeded(v) && loV)
      v = b.make<MaxOp>(*v, loV);
    if (succeeded(v) && hiV)
      v = b.make<MinOp>(*v, hiV);
    return failed(v) ? failure() : b.setResults(*v);
  }
  FailureOr<std::optional<double>> lo = b.constScalar(1, "min");
  FailureOr<std::optional<double>> hi = b.constScalar(2, "max");
  if (failed(lo) || failed(hi))
    return failure();
  return buildClip(b, *lo, *hi);
}

/// Cast and CastLike: `x` converted to `et` with the node's `saturate`.
LogicalResult castSaturating(NodeBinder &b, Value x, Type et) {
  FailureOr<Value> v = b.makeTyped<CastOp>(tensorType(x).clone(et), x,
                                           b.builder.getBoolAttr(b.attrInt("saturate", 1) != 0));
  return failed(v) ? failure() : b.setResults(*v);
}

/// The element type the `to` attribute names (Cast, BitCast).
FailureOr<Type> targetType(NodeBinder &b, StringRef what) {
  int64_t to = b.attrInt("to", 0);
  Type et = elementType(b.builder.getContext(), to);
  if (!et)
    return b.error(ErrorCode::UnsupportedType) << what << " to unsupported element type " << dataTypeName(to);
  return et;
}

LogicalResult castOp(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<Type> et = targetType(b, "cast");
  if (failed(x) || failed(et))
    return failure();
  return castSaturating(b, *x, *et);
}

LogicalResult bitShift(NodeBinder &b) {
  FailureOr<Value> l = b.input(0), r = b.input(1);
  if (failed(l) || failed(r))
    return failure();
  std::string direction = b.attrString("direction", "");
  if (direction != "LEFT" && direction != "RIGHT")
    return b.error() << "direction must be LEFT or RIGHT, not '" << direction << "'";
  FailureOr<Value> v = b.make<BitShiftOp>(*l, *r, b.builder.getBoolAttr(direction == "LEFT"));
  return failed(v) ? failure() : b.setResults(*v);
}

LogicalResult bitcast(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<Type> et = targetType(b, "bitcast");
  if (failed(x) || failed(et))
    return failure();
  FailureOr<Value> v = b.makeTyped<BitcastOp>(tensorType(*x).clone(*et), *x);
  return failed(v) ? failure() : b.setResults(*v);
}

/// CastLike: a cast to the element type of input #1.
LogicalResult castLike(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), like = b.input(1);
  if (failed(x) || failed(like))
    return failure();
  return castSaturating(b, *x, tensorType(*like).getElementType());
}

LogicalResult mod(NodeBinder &b) {
  FailureOr<Value> l = b.input(0), r = b.input(1);
  if (failed(l) || failed(r))
    return failure();
  bool fmod = b.attrInt("fmod", 0) != 0;
  // Before opset 28 floats required fmod = 1.
  if (!fmod && b.opset < 28 && isa<FloatType>(tensorType(*l).getElementType()))
    return b.error() << "floating-point Mod requires fmod = 1 before opset 28";
  FailureOr<Value> v = b.make<ModOp>(*l, *r, b.builder.getBoolAttr(fmod));
  return failed(v) ? failure() : b.setResults(*v);
}

/// Pow allows an exponent of another type than the base; the result has
/// the base's type. Integer bases are raised in f64.
LogicalResult power(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), y = b.input(1);
  if (failed(x) || failed(y))
    return failure();
  Type et = tensorType(*x).getElementType();
  Type computeType = isa<FloatType>(et) ? et : b.builder.getF64Type();
  FailureOr<Value> xc = b.castTo(*x, computeType);
  FailureOr<Value> yc = b.castTo(*y, computeType);
  if (failed(xc) || failed(yc))
    return failure();
  FailureOr<Value> v = b.make<PowOp>(*xc, *yc);
  if (succeeded(v))
    v = b.castTo(*v, et);
  return failed(v) ? failure() : b.setResults(*v);
}

} // namespace

void onnx_import::registerElementwiseOps(OpRegistry &r) {
  r.add("Relu", 6, unary<ReluOp>);
  r.add("Sigmoid", 6, unary<SigmoidOp>);
  r.add("Tanh", 6, unary<TanhOp>);
  r.add("Erf", 9, unary<ErfOp>);
  r.add("Exp", 6, unary<ExpOp>);
  r.add("Log", 6, unary<LogOp>);
  r.add("Sqrt", 6, unary<SqrtOp>);
  r.add("Reciprocal", 6, unary<ReciprocalOp>);
  r.add("Floor", 6, unary<FloorOp>);
  r.add("Ceil", 6, unary<CeilOp>);
  r.add("Neg", 6, unary<NegOp>);
  r.add("Abs", 6, unary<AbsOp>);
  r.add("Not", 1, unary<NotOp>);
  r.add("Identity", 1, identity);
  r.add("Sign", 9, unary<SignOp>);
  r.add("Round", 11, unary<RoundOp>);
  r.add("Sin", 7, unary<SinOp>);
  r.add("Cos", 7, unary<CosOp>);
  r.add("Tan", 7, unary<TanOp>);
  r.add("Asin", 7, unary<AsinOp>);
  r.add("Acos", 7, unary<AcosOp>);
  r.add("Atan", 7, unary<AtanOp>);
  r.add("Sinh", 9, unary<SinhOp>);
  r.add("Cosh", 9, unary<CoshOp>);
  r.add("Asinh", 9, unary<AsinhOp>);
  r.add("Acosh", 9, unary<AcoshOp>);
  r.add("Atanh", 9, unary<AtanhOp>);
  r.add("Softplus", 1, unary<SoftplusOp>);
  r.add("Softsign", 1, unary<SoftsignOp>);
  r.add("Mish", 18, unary<MishOp>);
  r.add("HardSwish", 14, unary<HardSwishOp>);
  r.add("HardSigmoid", 6, [](NodeBinder &b) {
    return activation<HardSigmoidOp>(b, std::pair{"alpha", 0.2f}, std::pair{"beta", 0.5f});
  });
  r.add("Elu", 6, [](NodeBinder &b) {
    return activation<EluOp>(b, std::pair{"alpha", 1.0f});
  });
  r.add("Selu", 6, [](NodeBinder &b) {
    return activation<SeluOp>(b, std::pair{"alpha", 1.67326319217681884765625f},
                              std::pair{"gamma", 1.05070102214813232421875f});
  });
  r.add("Celu", 12, [](NodeBinder &b) {
    return activation<CeluOp>(b, std::pair{"alpha", 1.0f});
  });
  r.add("ThresholdedRelu", 10, [](NodeBinder &b) {
    return activation<ThresholdedReluOp>(b, std::pair{"alpha", 1.0f});
  });
  r.add("Gelu", 20, gelu);
  r.add("PRelu", 1, preluLegacy);
  r.add("PRelu", 7, binary<PReluOp>);
  r.add("LeakyRelu", 6, leakyRelu);
  r.add("Clip", 6, clipAttrs);
  r.add("Clip", 11, clipInputs);
  r.add("Cast", 6, castOp);
  r.add("CastLike", 15, castLike);
  r.add("BitCast", 26, bitcast);
  r.add("BitShift", 11, bitShift);
  r.add("Mod", 10, mod);
  r.add("BitwiseNot", 18, unary<NotOp>);
  r.add("BitwiseAnd", 18, binary<AndOp>);
  r.add("BitwiseOr", 18, binary<OrOp>);
  r.add("BitwiseXor", 18, binary<XorOp>);
  r.add("Where", 9, where);
  addBinary<AddOp>(r, "Add", 7);
  addBinary<SubOp>(r, "Sub", 7);
  addBinary<MulOp>(r, "Mul", 7);
  addBinary<DivOp>(r, "Div", 7);
  r.add("Pow", 1, binaryLegacy<PowOp>);
  r.add("Pow", 7, power);
  addBinary<EqualOp>(r, "Equal", 7);
  addBinary<LessOp>(r, "Less", 7);
  addBinary<GreaterOp>(r, "Greater", 7);
  addBinary<AndOp>(r, "And", 7);
  addBinary<OrOp>(r, "Or", 7);
  addBinary<XorOp>(r, "Xor", 7);
  r.add("LessOrEqual", 12, binary<LessEqualOp>);
  r.add("GreaterOrEqual", 12, binary<GreaterEqualOp>);
  // Before opset 8 the inputs have one shape; the same fold applies.
  r.add("Max", 6, variadic<MaxOp>);
  r.add("Min", 6, variadic<MinOp>);
  r.add("Sum", 6, variadic<AddOp>);
}
