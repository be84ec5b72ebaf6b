//===- NodeBinder.cpp - operands and attributes of one ONNX node ----------===//
//
// Implements the node binder and the op handler registry.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

/// Names the first graph input (function argument) `v` is computed from,
/// which --bind-input can turn into a constant.
static void addBindHint(InFlightDiagnostic &diag, Value v) {
  SmallVector<Value> work = {v};
  llvm::SmallPtrSet<Operation *, 16> seen;
  while (!work.empty() && seen.size() < 4096) {
    Value cur = work.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(cur)) {
      // Subgraph bodies are not yet in an op while they are imported.
      auto func = dyn_cast_or_null<func::FuncOp>(arg.getOwner()->getParentOp());
      auto name = func ? func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "aiopt.name")
                       : StringAttr();
      if (!name)
        continue;
      diag << "; it comes from graph input '" << name.getValue()
           << "', which can be bound to a value (aiopt-compile --bind-input "
           << name.getValue() << "=FILE.pb)";
      return;
    }
    if (Operation *op = cur.getDefiningOp(); op && seen.insert(op).second)
      llvm::append_range(work, op->getOperands());
  }
}

InFlightDiagnostic NodeBinder::error(ErrorCode code) {
  return emitError(loc) << errorTag(code) << "node '" << name << "' (" << node.op_type()
                        << ", opset " << opset << "): ";
}

bool NodeBinder::hasInput(int i) const {
  return i < node.input_size() && !node.input(i).empty();
}

FailureOr<Value> NodeBinder::input(int i) {
  if (!hasInput(i))
    return error() << "missing required input #" << i;
  auto it = values.find(node.input(i));
  if (it == values.end())
    return error() << "input '" << node.input(i) << "' is not defined";
  return it->second;
}

Value NodeBinder::optionalInput(int i) {
  if (!hasInput(i))
    return {};
  auto it = values.find(node.input(i));
  return it == values.end() ? Value() : it->second;
}

FailureOr<SmallVector<int64_t>> NodeBinder::constInts(int i, StringRef what) {
  FailureOr<Value> v = input(i);
  if (failed(v))
    return failure();
  DenseIntElementsAttr attr;
  if (!matchPattern(*v, m_Constant(&attr))) {
    auto diag = error(ErrorCode::ConstantNeeded) << what << " (input #" << i
                        << ") must be a constant integer tensor";
    addBindHint(diag, *v);
    return diag;
  }
  SmallVector<int64_t> out;
  for (const APInt &x : attr.getValues<APInt>())
    out.push_back(x.getSExtValue());
  return out;
}

FailureOr<std::optional<double>> NodeBinder::constScalar(int i, StringRef what) {
  Value v = optionalInput(i);
  if (!v)
    return std::optional<double>();
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || attr.getNumElements() != 1) {
    auto diag = error(ErrorCode::ConstantNeeded) << what << " (input #" << i << ") must be a constant scalar";
    addBindHint(diag, v);
    return diag;
  }
  if (auto f = dyn_cast<DenseFPElementsAttr>(attr))
    return std::optional<double>((*f.getValues<APFloat>().begin()).convertToDouble());
  return std::optional<double>(
      static_cast<double>((*attr.getValues<APInt>().begin()).getSExtValue()));
}

Value NodeBinder::constant(DenseElementsAttr attr) {
  return ConstantOp::create(builder, loc, attr);
}

Value NodeBinder::scalarConstant(Type et, double v) {
  // Doubles outside int64 (or NaN) saturate instead of overflowing the cast.
  auto toInt = [](double d) -> int64_t {
    if (std::isnan(d))
      return 0;
    if (d >= 9223372036854775807.0)
      return std::numeric_limits<int64_t>::max();
    if (d <= -9223372036854775808.0)
      return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
  };
  Attribute x = isa<FloatType>(et) ? Attribute(FloatAttr::get(et, v))
                                   : Attribute(IntegerAttr::get(et, toInt(v)));
  return constant(DenseElementsAttr::get(RankedTensorType::get({}, et), x));
}

FailureOr<Value> NodeBinder::castTo(Value v, Type et) {
  RankedTensorType type = tensorType(v);
  if (type.getElementType() == et)
    return v;
  return makeTyped<CastOp>(type.clone(et), v);
}

FailureOr<Value> NodeBinder::reduce(ReduceKind kind, Value x, ArrayRef<int64_t> axes,
                                    bool keepdims) {
  SmallVector<int64_t> all(axes);
  if (all.empty())
    for (int64_t d = 0; d < tensorType(x).getRank(); ++d)
      all.push_back(d);
  return make<ReduceOp>(ReduceKindAttr::get(builder.getContext(), kind), x,
                        builder.getDenseI64ArrayAttr(all), builder.getBoolAttr(keepdims));
}

FailureOr<Value> NodeBinder::sliceAlong(Value x, int64_t axis, int64_t start, int64_t end) {
  RankedTensorType xt = tensorType(x);
  SmallVector<int64_t> starts(xt.getRank(), 0), ends(xt.getShape()), steps(xt.getRank(), 1);
  starts[axis] = start;
  ends[axis] = end;
  return make<SliceOp>(x, builder.getDenseI64ArrayAttr(starts), builder.getDenseI64ArrayAttr(ends),
                       builder.getDenseI64ArrayAttr(steps));
}

FailureOr<SmallVector<double>> NodeBinder::constFloats(int i, StringRef what) {
  FailureOr<Value> v = input(i);
  if (failed(v))
    return failure();
  DenseElementsAttr attr;
  if (!matchPattern(*v, m_Constant(&attr))) {
    auto diag = error(ErrorCode::ConstantNeeded) << what << " (input #" << i << ") must be a constant tensor";
    addBindHint(diag, *v);
    return diag;
  }
  SmallVector<double> out;
  if (auto f = dyn_cast<DenseFPElementsAttr>(attr)) {
    for (const APFloat &x : f.getValues<APFloat>()) {
      APFloat d = x;
      bool lost;
      d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      out.push_back(d.convertToDouble());
    }
  } else {
    for (const APInt &x : attr.getValues<APInt>())
      out.push_back(static_cast<double>(x.getSExtValue()));
  }
  return out;
}

LogicalResult NodeBinder::normalizeAxes(SmallVectorImpl<int64_t> &axes, int64_t rank) {
  for (int64_t &a : axes) {
    FailureOr<int64_t> n = normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    a = *n;
  }
  return success();
}

FailureOr<SmallVector<Value>> NodeBinder::allInputs() {
  SmallVector<Value> inputs;
  for (int i = 0; i < node.input_size(); ++i) {
    FailureOr<Value> v = input(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  return inputs;
}

const onnx::AttributeProto *NodeBinder::attr(StringRef name) const {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

FailureOr<const onnx::GraphProto *> NodeBinder::attrGraph(StringRef name) {
  const onnx::AttributeProto *a = attr(name);
  if (!a || !a->has_g())
    return error() << "missing graph attribute '" << name << "'";
  return &a->g();
}

int64_t NodeBinder::attrInt(StringRef name, int64_t dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : dflt;
}

float NodeBinder::attrFloat(StringRef name, float dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string NodeBinder::attrString(StringRef name, StringRef dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : dflt.str();
}

SmallVector<int64_t> NodeBinder::attrInts(StringRef name,
                                          ArrayRef<int64_t> dflt) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return SmallVector<int64_t>(dflt);
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

FailureOr<ElementsAttr> NodeBinder::attrTensor(StringRef name) {
  const onnx::AttributeProto *a = attr(name);
  if (!a || !a->has_t())
    return error() << "missing tensor attribute '" << name << "'";
  return tensorAttr(a->t(), modelDir, loc, options);
}

LogicalResult NodeBinder::setResults(ArrayRef<Value> results) {
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    if (i >= static_cast<int>(results.size()))
      return error(ErrorCode::UnsupportedFeature) << "output #" << i << " ('" << node.output(i)
                     << "') is not supported";
    // Attributes can make shapes far larger than any input (pads,
    // output_shape): the limits on the model's tensors hold for results too.
    if (auto type = dyn_cast<RankedTensorType>(results[i].getType())) {
      SmallVector<int64_t> extents(llvm::make_filter_range(
          type.getShape(), [](int64_t d) { return !ShapedType::isDynamic(d); }));
      if (failed(checkShapeLimits(extents, options, [&](ErrorCode code) {
            return error(code) << "output #" << i << " ('" << node.output(i) << "')";
          })))
        return failure();
    }
    values[node.output(i)] = results[i];
  }
  return success();
}

FailureOr<Value> NodeBinder::reshape(Value v, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, tensorType(v).getElementType());
  if (type == v.getType())
    return v;
  return makeTyped<ReshapeOp>(type, v);
}

int64_t onnx_import::shapeProduct(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (d == ShapedType::kDynamic)
      return ShapedType::kDynamic;
    p *= d;
  }
  return p;
}

FailureOr<int64_t> NodeBinder::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return error() << "axis " << axis << " is out of range for rank " << rank;
  return axis < 0 ? axis + rank : axis;
}

FailureOr<Value> NodeBinder::finish(Operation *op) {
  if (failed(mlir::verify(op, /*verifyRecursively=*/false))) {
    op->erase();
    return failure();
  }
  // Fold as we go, so shape subgraphs become the constants that later
  // nodes (Reshape, Slice, ...) need at import.
  SmallVector<OpFoldResult, 1> folded;
  if (op->getNumResults() != 1 || failed(op->fold(folded)) || folded.empty())
    return op->getResult(0);
  Value result;
  if (auto v = dyn_cast<Value>(folded[0])) {
    result = v;
  } else {
    auto attr = cast<TypedAttr>(cast<Attribute>(folded[0]));
    result = ConstantOp::create(builder, loc, attr).getResult();
  }
  op->erase();
  return result;
}

void OpRegistry::add(StringRef opType, int64_t since, OpHandler fn) {
  handlers[opType].emplace_back(since, std::move(fn));
}

const OpHandler *OpRegistry::lookup(StringRef opType, int64_t opset,
                                    int64_t &oldest) const {
  oldest = 0;
  auto it = handlers.find(opType);
  if (it == handlers.end())
    return nullptr;
  const OpHandler *best = nullptr;
  int64_t bestSince = -1;
  oldest = INT64_MAX;
  for (const auto &[since, fn] : it->second) {
    oldest = std::min(oldest, since);
    if (since <= opset && since > bestSince) {
      best = &fn;
      bestSince = since;
    }
  }
  return best;
}
