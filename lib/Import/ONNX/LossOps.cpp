//===- LossOps.cpp - ONNX loss operators ----------------------------------===//
//
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (inference of the
// loss value), composed of aiopt ops as their ONNX function bodies are:
// the class score of each target is picked with gather_elements, weighted,
// masked by ignore_index and reduced (none, sum, or weighted mean).
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// The loss of log-probabilities `logProb` [N, C, d...] for class indices
/// `target` [N, d...], with optional per-class `weight` [C].
FailureOr<Value> nllLoss(NodeBinder &b, Value logProb, Value target, Value weight) {
  std::string reduction = b.attrString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return b.error() << "unknown reduction '" << reduction << "'";
  RankedTensorType xt = tensorType(logProb), tt = tensorType(target);
  if (xt.getRank() < 2 || tt.getRank() != xt.getRank() - 1)
    return b.error() << "input must be [N, C, d...] and target [N, d...], not " << xt
                     << " and " << tt;
  Type et = xt.getElementType(), i64 = b.builder.getI64Type();
  FailureOr<Value> t = b.castTo(target, i64);
  if (failed(t))
    return failure();
  // Ignored targets pick class 0 and are masked out.
  FailureOr<Value> valid = failure();
  if (b.hasAttr("ignore_index")) {
    // Built from the integer itself: a double would round indices past 2^53.
    Value index = b.constant(DenseElementsAttr::get(
        RankedTensorType::get({}, i64), IntegerAttr::get(i64, b.attrInt("ignore_index", 0))));
    FailureOr<Value> ignored = b.make<EqualOp>(*t, index);
    if (failed(ignored))
      return failure();
    valid = b.makeTyped<NotOp>(ignored->getType(), *ignored);
    if (succeeded(valid))
      t = b.make<WhereOp>(*valid, *t, b.scalarConstant(i64, 0));
    if (succeeded(valid) && succeeded(t))
      valid = b.castTo(*valid, et);
    if (failed(valid) || failed(t))
      return failure();
  }
  SmallVector<int64_t> shape(tt.getShape());
  shape.insert(shape.begin() + 1, 1);
  FailureOr<Value> picked = b.reshape(*t, shape);
  if (succeeded(picked))
    picked = b.make<GatherElementsOp>(logProb, *picked, b.builder.getI64IntegerAttr(1));
  if (succeeded(picked))
    picked = b.reshape(*picked, tt.getShape());
  FailureOr<Value> loss = failed(picked) ? picked : b.makeTyped<NegOp>(picked->getType(), *picked);
  if (failed(loss))
    return failure();
  // The per-element weight: the class weight, times the mask.
  FailureOr<Value> w = failure();
  if (weight)
    w = b.make<GatherOp>(weight, *t, b.builder.getI64IntegerAttr(0));
  if (succeeded(valid))
    w = succeeded(w) ? b.make<MulOp>(*w, *valid) : valid;
  if (weight && failed(w))
    return failure();
  if (succeeded(w))
    loss = b.make<MulOp>(*loss, *w);
  if (failed(loss) || reduction == "none")
    return loss;
  FailureOr<Value> total = b.reduce(ReduceKind::sum, *loss, {}, false);
  if (failed(total) || reduction == "sum")
    return total;
  FailureOr<Value> count =
      succeeded(w) ? b.reduce(ReduceKind::sum, *w, {}, false)
                   : FailureOr<Value>(b.scalarConstant(et, tt.getNumElements()));
  if (!succeeded(w) && !tt.hasStaticShape())
    return b.error() << "mean reduction needs a static target shape";
  return failed(count) ? count : b.make<DivOp>(*total, *count);
}

LogicalResult negativeLogLikelihoodLoss(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), target = b.input(1);
  if (failed(x) || failed(target))
    return failure();
  FailureOr<Value> loss = nllLoss(b, *x, *target, b.optionalInput(2));
  return failed(loss) ? failure() : b.setResults(*loss);
}

/// The loss of log_softmax(scores) over the class axis; the second result
/// is the log-probabilities.
LogicalResult softmaxCrossEntropyLoss(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), labels = b.input(1);
  if (failed(x) || failed(labels))
    return failure();
  if (tensorType(*x).getRank() < 2)
    return b.error() << "scores must be [N, C, d...]";
  OpBuilder &ob = b.builder;
  FailureOr<Value> logProb = b.makeTyped<SoftmaxOp>(x->getType(), *x, ob.getI64IntegerAttr(1),
                                                    ob.getBoolAttr(true));
  if (failed(logProb))
    return failure();
  FailureOr<Value> loss = nllLoss(b, *logProb, *labels, b.optionalInput(2));
  return failed(loss) ? failure() : b.setResults({*loss, *logProb});
}

} // namespace

void onnx_import::registerLossOps(OpRegistry &r) {
  r.add("NegativeLogLikelihoodLoss", 12, negativeLogLikelihoodLoss);
  r.add("SoftmaxCrossEntropyLoss", 12, softmaxCrossEntropyLoss);
}
