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
  for (int64_t &a : axes) {
    FailureOr<int64_t> n = b.normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    a = *n;
  }
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

} // namespace

void onnx_import::registerReductionOps(OpRegistry &r) {
  add(r, "ReduceSum", ReduceKind::sum, 13);
  add(r, "ReduceMean", ReduceKind::mean, 18);
  add(r, "ReduceMax", ReduceKind::max, 18);
  add(r, "ReduceMin", ReduceKind::min, 18);
  add(r, "ReduceProd", ReduceKind::prod, 18);
}
