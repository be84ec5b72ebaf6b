//===- ElementwiseOps.cpp - ONNX elementwise operators --------------------===//
//
// Handlers for unary, binary (broadcasting, opset >= 7), variadic min/max,
// Where, Clip, Cast, LeakyRelu and Identity.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

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

/// Clip from opset 11: bounds are optional constant inputs.
LogicalResult clipInputs(NodeBinder &b) {
  FailureOr<std::optional<double>> lo = b.constScalar(1, "min");
  FailureOr<std::optional<double>> hi = b.constScalar(2, "max");
  if (failed(lo) || failed(hi))
    return failure();
  return buildClip(b, *lo, *hi);
}

LogicalResult castOp(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  int64_t to = b.attrInt("to", 0);
  Type et = elementType(b.builder.getContext(), to);
  if (!et)
    return b.error() << "cast to unsupported element type " << dataTypeName(to);
  auto type = cast<RankedTensorType>(x->getType()).clone(et);
  FailureOr<Value> v = b.makeTyped<CastOp>(type, *x);
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
  r.add("LeakyRelu", 6, leakyRelu);
  r.add("Clip", 6, clipAttrs);
  r.add("Clip", 11, clipInputs);
  r.add("Cast", 6, castOp);
  r.add("Where", 9, where);
  r.add("Add", 7, binary<AddOp>);
  r.add("Sub", 7, binary<SubOp>);
  r.add("Mul", 7, binary<MulOp>);
  r.add("Div", 7, binary<DivOp>);
  r.add("Pow", 7, binary<PowOp>);
  r.add("Equal", 7, binary<EqualOp>);
  r.add("Less", 7, binary<LessOp>);
  r.add("LessOrEqual", 12, binary<LessEqualOp>);
  r.add("Greater", 7, binary<GreaterOp>);
  r.add("GreaterOrEqual", 12, binary<GreaterEqualOp>);
  r.add("And", 7, binary<AndOp>);
  r.add("Or", 7, binary<OrOp>);
  r.add("Max", 8, variadic<MaxOp>);
  r.add("Min", 8, variadic<MinOp>);
  r.add("Sum", 8, variadic<AddOp>);
}
