//===- ReductionOps.cpp - ONNX reduction operators ------------------------===//
//
// Handlers for ReduceSum/Mean/Max/Min/Prod: axes come from the attribute
// (older opsets) or the constant input #1 (ReduceSum >= 13, others >= 18).
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

LogicalResult reduce(NodeBinder &b, ReduceKind kind, int64_t axesInputSince) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  int64_t rank = cast<RankedTensorType>(x->getType()).getRank();
  SmallVector<int64_t> axes;
  if (b.opset < axesInputSince) {
    axes = b.attrInts("axes");
  } else if (b.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> a = b.constInts(1, "axes");
    if (failed(a))
      return failure();
    axes = *a;
  }
  if (axes.empty()) {
    if (b.attrInt("noop_with_empty_axes", 0) != 0)
      return b.setResults(*x);
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (failed(b.normalizeAxes(axes, rank)))
    return failure();
  llvm::sort(axes);
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return b.error() << "axes are repeated";
  OpBuilder &ob = b.builder;
  FailureOr<Value> v = b.make<ReduceOp>(
      ReduceKindAttr::get(ob.getContext(), kind), *x,
      ob.getDenseI64ArrayAttr(axes), ob.getBoolAttr(b.attrInt("keepdims", 1) != 0));
  return failed(v) ? failure() : b.setResults(*v);
}

void add(OpRegistry &r, StringRef name, ReduceKind kind, int64_t axesInputSince) {
  r.add(name, 1, [=](NodeBinder &b) { return reduce(b, kind, axesInputSince); });
}

LogicalResult argReduce(NodeBinder &b, ReduceKind kind) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", 0), tensorType(*x).getRank());
  if (failed(axis))
    return failure();
  OpBuilder &ob = b.builder;
  FailureOr<Value> v = b.make<ArgReduceOp>(
      ReduceKindAttr::get(ob.getContext(), kind), *x, ob.getI64IntegerAttr(*axis),
      ob.getBoolAttr(b.attrInt("keepdims", 1) != 0),
      ob.getBoolAttr(b.attrInt("select_last_index", 0) != 0));
  return failed(v) ? failure() : b.setResults(*v);
}

LogicalResult layerNorm(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), scale = b.input(1);
  if (failed(x) || failed(scale))
    return failure();
  if (b.attrInt("stash_type", 1) != 1)
    return b.error(ErrorCode::UnsupportedFeature) << "stash_type other than float32 is not supported";
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", -1), tensorType(*x).getRank());
  if (failed(axis))
    return failure();
  OpBuilder &ob = b.builder;
  FailureOr<Value> y = b.make<LayerNormOp>(*x, *scale, b.optionalInput(2),
                                           ob.getI64IntegerAttr(*axis),
                                           ob.getF32FloatAttr(b.attrFloat("epsilon", 1e-5f)));
  if (failed(y))
    return failure();
  Operation *op = y->getDefiningOp();
  return b.setResults({op->getResult(0), op->getResult(1), op->getResult(2)});
}

/// CumSum and CumProd: the axis is a constant scalar input.
LogicalResult cumulative(NodeBinder &b, ReduceKind kind) {
  FailureOr<Value> x = b.input(0);
  FailureOr<std::optional<double>> axisIn = b.constScalar(1, "axis");
  if (failed(x) || failed(axisIn))
    return failure();
  if (!*axisIn)
    return b.error() << "missing required input #1 (axis)";
  FailureOr<int64_t> axis =
      b.normalizeAxis(static_cast<int64_t>(**axisIn), tensorType(*x).getRank());
  if (failed(axis))
    return failure();
  OpBuilder &ob = b.builder;
  FailureOr<Value> v = b.makeTyped<CumulativeOp>(
      x->getType(), ReduceKindAttr::get(ob.getContext(), kind), *x, ob.getI64IntegerAttr(*axis),
      ob.getBoolAttr(b.attrInt("exclusive", 0) != 0), ob.getBoolAttr(b.attrInt("reverse", 0) != 0));
  return failed(v) ? failure() : b.setResults(*v);
}

/// TopK: k from the attribute (before opset 10) or a constant input.
LogicalResult topK(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  int64_t k;
  if (b.opset < 10) {
    k = b.attrInt("k", -1);
  } else {
    FailureOr<SmallVector<int64_t>> kIn = b.constInts(1, "k");
    if (failed(kIn))
      return failure();
    if (kIn->size() != 1)
      return b.error() << "k must hold one value";
    k = (*kIn)[0];
  }
  RankedTensorType xt = tensorType(*x);
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", -1), xt.getRank());
  if (failed(axis))
    return failure();
  if (k < 0 || (!xt.isDynamicDim(*axis) && k > xt.getDimSize(*axis)))
    return b.error() << "k = " << k << " is not in [0, " << xt.getDimSize(*axis) << "]";
  SmallVector<int64_t> shape(xt.getShape());
  shape[*axis] = k;
  OpBuilder &ob = b.builder;
  auto op = TopKOp::create(ob, b.loc, xt.clone(shape), xt.clone(shape).clone(ob.getI64Type()),
                           *x, ob.getI64IntegerAttr(*axis), ob.getI64IntegerAttr(k),
                           ob.getBoolAttr(b.attrInt("largest", 1) != 0));
  if (failed(op.verify()))
    return failure();
  return b.setResults({op.getValues(), op.getIndices()});
}

} // namespace

void onnx_import::registerReductionOps(OpRegistry &r) {
  r.add("TopK", 1, topK);
  r.add("CumSum", 11, [](NodeBinder &b) { return cumulative(b, ReduceKind::sum); });
  r.add("CumProd", 26, [](NodeBinder &b) { return cumulative(b, ReduceKind::prod); });
  r.add("ArgMax", 1, [](NodeBinder &b) { return argReduce(b, ReduceKind::max); });
  r.add("ArgMin", 1, [](NodeBinder &b) { return argReduce(b, ReduceKind::min); });
  r.add("LayerNormalization", 17, layerNorm);
  add(r, "ReduceSumSquare", ReduceKind::sum_square, 18);
  add(r, "ReduceL1", ReduceKind::l1, 18);
  add(r, "ReduceL2", ReduceKind::l2, 18);
  add(r, "ReduceLogSum", ReduceKind::log_sum, 18);
  add(r, "ReduceLogSumExp", ReduceKind::log_sum_exp, 18);
  add(r, "ReduceSum", ReduceKind::sum, 13);
  add(r, "ReduceMean", ReduceKind::mean, 18);
  add(r, "ReduceMax", ReduceKind::max, 18);
  add(r, "ReduceMin", ReduceKind::min, 18);
  add(r, "ReduceProd", ReduceKind::prod, 18);
}
