//===- NodeBinder.h - operands and attributes of one ONNX node --*- C++ -*-===//
//
// Private: the binder handed to each ONNX op handler (its inputs, constant
// inputs, attributes, result binding and error reporting), and the handler
// registry keyed by (op type, since-opset).
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_IMPORT_ONNX_NODEBINDER_H
#define AIOPT_LIB_IMPORT_ONNX_NODEBINDER_H

#include "TensorProto.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Support/ErrorCodes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"

#include <functional>

namespace mlir::aiopt::onnx_import {

/// Imports a subgraph at the builder's insertion point, its inputs bound to
/// the given values; returns its outputs.
using SubgraphImporter = llvm::function_ref<FailureOr<SmallVector<Value>>(
    const onnx::GraphProto &, ArrayRef<Value>)>;

/// Binds one ONNX node: what a handler reads and writes.
class NodeBinder {
public:
  NodeBinder(OpBuilder &builder, const onnx::NodeProto &node, StringRef name,
             int64_t opset, Location loc, llvm::StringMap<Value> &values,
             StringRef modelDir, const ONNXImportOptions &options,
             SubgraphImporter subgraphs)
      : builder(builder), loc(loc), node(node), name(name), opset(opset),
        values(values), modelDir(modelDir), options(options), subgraphs(subgraphs) {}

  OpBuilder &builder;
  Location loc;
  const onnx::NodeProto &node;
  /// The node's name, or "<op type>#<index>" for unnamed nodes.
  std::string name;
  int64_t opset;

  /// Reports an error naming the node, its op type and opset.
  InFlightDiagnostic error(ErrorCode code = ErrorCode::InvalidNode);

  /// Whether input `i` is present (ONNX marks absent optional inputs "").
  bool hasInput(int i) const;
  /// Input `i`; an error when absent.
  FailureOr<Value> input(int i);
  /// Input `i` or null when absent.
  Value optionalInput(int i);
  /// Integer values of constant input `i` (error when not constant).
  FailureOr<SmallVector<int64_t>> constInts(int i, StringRef what);
  /// The scalar value of constant input `i`, if present and constant.
  FailureOr<std::optional<double>> constScalar(int i, StringRef what);
  /// The values of constant float (or integer) input `i` as doubles.
  FailureOr<SmallVector<double>> constFloats(int i, StringRef what);

  bool hasAttr(StringRef name) const { return attr(name) != nullptr; }
  const onnx::AttributeProto *attr(StringRef name) const;
  int64_t attrInt(StringRef name, int64_t dflt) const;
  float attrFloat(StringRef name, float dflt) const;
  std::string attrString(StringRef name, StringRef dflt) const;
  SmallVector<int64_t> attrInts(StringRef name,
                                ArrayRef<int64_t> dflt = {}) const;
  /// The tensor attribute `name` as elements.
  FailureOr<ElementsAttr> attrTensor(StringRef name);
  /// The graph attribute `name`; an error when absent.
  FailureOr<const onnx::GraphProto *> attrGraph(StringRef name);

  /// Imports graph attribute `g` at the builder's insertion point, its
  /// inputs bound to `args` (it may read this node's scope); its outputs.
  FailureOr<SmallVector<Value>> subgraph(const onnx::GraphProto &g, ArrayRef<Value> args) {
    return subgraphs(g, args);
  }

  /// Binds the node's outputs, in order, to `results`. Fails when the node
  /// has more used outputs than `results`.
  LogicalResult setResults(ArrayRef<Value> results);

  /// Creates `OpTy` with result types inferred from operands and attributes;
  /// inference and verification errors are diagnostics, not crashes.
  template <typename OpTy, typename... Args>
  FailureOr<Value> make(Args &&...args) {
    OperationState state(loc, OpTy::getOperationName());
    OpTy::build(builder, state, builder.getNoneType(),
                std::forward<Args>(args)...);
    state.types.clear();
    SmallVector<Type> types;
    if (failed(OpTy::inferReturnTypes(
            builder.getContext(), loc, state.operands,
            state.attributes.getDictionary(builder.getContext()),
            state.getRawProperties(), state.regions, types)))
      return failure();
    state.addTypes(types);
    return finish(builder.create(state));
  }

  /// Creates `OpTy` with an explicit result type.
  template <typename OpTy, typename... Args>
  FailureOr<Value> makeTyped(Type type, Args &&...args) {
    return finish(OpTy::create(builder, loc, type, std::forward<Args>(args)...));
  }

  /// A constant holding `attr`.
  Value constant(DenseElementsAttr attr);
  /// A 0-d constant of element type `et` (float or integer) holding `v`.
  Value scalarConstant(Type et, double v);
  /// `v` converted to element type `et` (aiopt.cast; `v` itself when equal).
  FailureOr<Value> castTo(Value v, Type et);

  /// aiopt.reduce of `x` over `axes` (all axes when empty).
  FailureOr<Value> reduce(ReduceKind kind, Value x, ArrayRef<int64_t> axes, bool keepdims);

  /// `x[start:end]` along `axis`, the other dimensions whole.
  FailureOr<Value> sliceAlong(Value x, int64_t axis, int64_t start, int64_t end);

  /// `v` reshaped to `shape` (same element type); `v` itself when equal.
  FailureOr<Value> reshape(Value v, ArrayRef<int64_t> shape);

  /// Converts a possibly negative axis of a rank-`rank` tensor.
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
  /// normalizeAxis on every element of `axes`, in place.
  LogicalResult normalizeAxes(SmallVectorImpl<int64_t> &axes, int64_t rank);
  /// Every input of the node, in order (all required).
  FailureOr<SmallVector<Value>> allInputs();

private:
  FailureOr<Value> finish(Operation *op);

  llvm::StringMap<Value> &values;
  StringRef modelDir;
  const ONNXImportOptions &options;
  SubgraphImporter subgraphs;
};

/// An aiopt.conv of `x` by `w` (plus `bias` if not null) with the window
/// attributes of the node being imported (Conv, ConvInteger, QLinearConv).
FailureOr<Value> convolution(NodeBinder &b, Value x, Value w, Value bias);

/// A pooling of `x` with the window attributes of the node being imported.
FailureOr<Value> buildPool(NodeBinder &b, Value x, PoolKind kind, bool countIncludePad);

/// The type of a value the importer created (always a ranked tensor).
inline RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Product of extents; ShapedType::kDynamic if any is dynamic.
int64_t shapeProduct(ArrayRef<int64_t> dims);

/// An op handler: imports one node through its binder.
using OpHandler = std::function<LogicalResult(NodeBinder &)>;

/// The registry key of `opType` in operator domain `domain`
/// ("com.microsoft::QLinearAdd").
inline std::string qualifiedOpType(StringRef domain, StringRef opType) {
  return (domain + "::" + opType).str();
}

/// Handlers keyed by op type; each op may have several since-versions.
class OpRegistry {
public:
  /// Registers `fn` for `opType` from opset `since` on.
  /// Operators of other domains than the default one are registered under
  /// qualifiedOpType(domain, opType).
  void add(StringRef opType, int64_t since, OpHandler fn);
  /// Whether any version of `opType` is registered.
  bool knows(StringRef opType) const { return handlers.contains(opType); }
  /// The handler for `opType` at `opset`: the one with the largest
  /// since-version <= opset. Null when the op is unknown or too old;
  /// `oldest` is then the first supported opset (0 if unknown).
  const OpHandler *lookup(StringRef opType, int64_t opset,
                          int64_t &oldest) const;

private:
  llvm::StringMap<std::vector<std::pair<int64_t, OpHandler>>> handlers;
};

/// Axis and direction (reverse or not) of each scan input or output.
struct ScanAxes {
  SmallVector<int64_t> inAxes, outAxes;
  SmallVector<bool> inReverse, outReverse;
};

/// Builds one iteration of a scan at the builder's insertion point: from
/// the states and one slice per scan input, the new states and one element
/// per scan output.
using ScanBody = llvm::function_ref<FailureOr<SmallVector<Value>>(ArrayRef<Value>)>;

/// An scf.for running `body` once per slice of `xs` along their scan axes,
/// threading `states` through; returns the final states followed by the
/// scan outputs stacked along their axes (ONNX Scan semantics).
FailureOr<SmallVector<Value>> scanLoop(NodeBinder &n, ScanBody body, ValueRange states,
                                       ValueRange xs, const ScanAxes &axes);

/// x * sigmoid(alpha * x), alpha the node's attribute (default 1).
FailureOr<Value> buildSwish(NodeBinder &b, Value x);

/// Registration of the handlers of one op family each.
void registerElementwiseOps(OpRegistry &registry);
void registerNNOps(OpRegistry &registry);
void registerTensorOps(OpRegistry &registry);
void registerReductionOps(OpRegistry &registry);
void registerComposedOps(OpRegistry &registry);
void registerLossOps(OpRegistry &registry);
void registerAttentionOps(OpRegistry &registry);
void registerQuantizationOps(OpRegistry &registry);
void registerResizeOps(OpRegistry &registry);
void registerRecurrentOps(OpRegistry &registry);
void registerControlFlowOps(OpRegistry &registry);
void registerStatefulOps(OpRegistry &registry);

} // namespace mlir::aiopt::onnx_import

#endif
