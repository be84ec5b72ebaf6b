//===- ONNXImporter.cpp - ONNX model to aiopt dialect ---------------------===//
//
// Parses an ONNX model, checks its graph (topological order, dangling
// inputs, cycles, opsets) and imports every node through the handler of its
// (op type, opset) into one func.func of aiopt operations.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Import/ONNX/ONNXImporter.h"
#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <queue>

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// Keeps the first protobuf text-format error.
struct TextErrors : google::protobuf::io::ErrorCollector {
  std::string first;
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string &message) override {
    if (first.empty())
      first = "line " + std::to_string(line + 1) + ":" +
              std::to_string(column + 1) + ": " + message;
  }
};

/// Text format for .onnxtxt/.pbtxt/.txt; binary for .onnx; otherwise (stdin,
/// split chunks) text when the content starts like protobuf text.
bool isTextFormat(StringRef path, StringRef content) {
  StringRef ext = llvm::sys::path::extension(path);
  if (ext == ".onnxtxt" || ext == ".pbtxt" || ext == ".txt")
    return true;
  if (ext == ".onnx")
    return false;
  StringRef start = content.ltrim();
  return !start.empty() && (isalpha(static_cast<unsigned char>(start[0])) ||
                            start[0] == '#');
}

const OpRegistry &registry() {
  static const OpRegistry r = [] {
    OpRegistry reg;
    registerElementwiseOps(reg);
    registerNNOps(reg);
    registerTensorOps(reg);
    registerReductionOps(reg);
    registerComposedOps(reg);
    registerLossOps(reg);
    registerAttentionOps(reg);
    registerQuantizationOps(reg);
    registerResizeOps(reg);
    registerRecurrentOps(reg);
    registerControlFlowOps(reg);
    registerStatefulOps(reg);
    return reg;
  }();
  return r;
}

bool isDefaultDomain(StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// Imports the graph of one model.
class GraphImporter {
public:
  GraphImporter(MLIRContext *ctx, const onnx::ModelProto &model, StringRef path,
                const ONNXImportOptions &options)
      : ctx(ctx), model(model), path(path),
        modelDir(llvm::sys::path::parent_path(path)), options(options),
        fileLoc(FileLineColLoc::get(ctx, path, 0, 0)), currentLoc(fileLoc) {}

  OwningOpRef<ModuleOp> run();

private:
  InFlightDiagnostic error(ErrorCode code) { return emitError(fileLoc) << errorTag(code); }
  static std::string nodeName(const onnx::NodeProto &node, size_t index);
  FailureOr<SmallVector<size_t>> topologicalOrder(const onnx::GraphProto &g,
                                                  const llvm::StringMap<Value> &scope);
  FailureOr<Value> boundInput(OpBuilder &b, const onnx::ValueInfoProto &in,
                              StringRef file);
  /// Creates constants for the initializers of `g` in `scope`.
  LogicalResult importInitializers(OpBuilder &b, const onnx::GraphProto &g,
                                   llvm::StringMap<Value> &scope);
  /// Imports the nodes of `g`, in dependency order, at the builder's
  /// insertion point. `scope` holds the values visible to them (graph
  /// inputs, initializers, values of enclosing graphs) and receives theirs.
  LogicalResult importNodes(OpBuilder &b, const onnx::GraphProto &g,
                            llvm::StringMap<Value> &scope);
  /// Imports subgraph `g` (the body of If, Loop or Scan) at the builder's
  /// insertion point, its inputs bound to `args`, names it does not define
  /// resolving in `outer`; returns its outputs.
  FailureOr<SmallVector<Value>> importSubgraph(OpBuilder &b, const onnx::GraphProto &g,
                                               ArrayRef<Value> args,
                                               const llvm::StringMap<Value> &outer);

  MLIRContext *ctx;
  const onnx::ModelProto &model;
  std::string path;
  std::string modelDir;
  const ONNXImportOptions &options;
  Location fileLoc;
  int64_t opset = -1;
  /// The opset imported for each other operator domain (com.microsoft).
  llvm::StringMap<int64_t> domainOpsets;
  /// The node being imported (innermost), named in diagnostics.
  const onnx::NodeProto *current = nullptr;
  std::string currentName;
  /// The current node's location: its name at line N of the model file
  /// for the graph's node N (1-based).
  Location currentLoc;
};

/// The dim_param names of a graph input's dimensions ("" where one has
/// none), or null where none has one (a shaped tensor input).
ArrayAttr dimParams(OpBuilder &b, const onnx::ValueInfoProto &in) {
  SmallVector<Attribute> names;
  bool any = false;
  for (const auto &d : in.type().tensor_type().shape().dim()) {
    std::string name = !d.has_dim_value() && d.has_dim_param() ? d.dim_param() : "";
    any |= !name.empty();
    names.push_back(b.getStringAttr(name));
  }
  return any ? b.getArrayAttr(names) : ArrayAttr();
}

/// Adds to `names` the values the subgraphs of `node` read from enclosing
/// scopes (every input of their nodes; names they define themselves are
/// harmless extra entries).
void collectSubgraphInputs(const onnx::NodeProto &node, llvm::StringSet<> &names) {
  for (const auto &a : node.attribute()) {
    auto visit = [&](const onnx::GraphProto &g) {
      for (const auto &n : g.node()) {
        for (const std::string &in : n.input())
          if (!in.empty())
            names.insert(in);
        collectSubgraphInputs(n, names);
      }
    };
    if (a.has_g())
      visit(a.g());
    for (const auto &g : a.graphs())
      visit(g);
  }
}

/// Counts the nodes of `g` and its subgraphs into `nodes`; fails when the
/// subgraphs nest deeper than `depthLeft` or the count passes `maxNodes`.
LogicalResult countNodes(const onnx::GraphProto &g, int64_t depthLeft, int64_t maxNodes,
                         int64_t &nodes, bool &tooDeep) {
  nodes += g.node_size();
  if (nodes > maxNodes)
    return failure();
  for (const auto &n : g.node())
    for (const auto &a : n.attribute()) {
      if (!a.has_g() && a.graphs_size() == 0)
        continue;
      if (depthLeft == 0) {
        tooDeep = true;
        return failure();
      }
      if (a.has_g() && failed(countNodes(a.g(), depthLeft - 1, maxNodes, nodes, tooDeep)))
        return failure();
      for (const auto &sub : a.graphs())
        if (failed(countNodes(sub, depthLeft - 1, maxNodes, nodes, tooDeep)))
          return failure();
    }
  return success();
}

/// The size limits of `options` on the graph, before anything is imported.
LogicalResult checkGraphLimits(const onnx::GraphProto &g, const ONNXImportOptions &options,
                               Location loc) {
  int64_t nodes = 0;
  bool tooDeep = false;
  if (succeeded(countNodes(g, options.maxSubgraphDepth, options.maxNodes, nodes, tooDeep)))
    return success();
  if (tooDeep)
    return emitError(loc) << errorTag(ErrorCode::LimitExceeded) << "subgraphs nest deeper than the limit of "
                          << options.maxSubgraphDepth << " (--max-subgraph-depth)";
  return emitError(loc) << errorTag(ErrorCode::LimitExceeded) << "the model has more than " << options.maxNodes
                        << " nodes, the limit (--max-nodes)";
}

std::string GraphImporter::nodeName(const onnx::NodeProto &node, size_t index) {
  return node.name().empty() ? node.op_type() + "#" + std::to_string(index)
                             : node.name();
}

FailureOr<SmallVector<size_t>>
GraphImporter::topologicalOrder(const onnx::GraphProto &g,
                                const llvm::StringMap<Value> &scope) {
  llvm::StringMap<size_t> producer;
  for (int i = 0; i < g.node_size(); ++i)
    for (const std::string &out : g.node(i).output())
      if (!out.empty() && !producer.try_emplace(out, i).second)
        return error(ErrorCode::InvalidGraph) << "value '" << out << "' is produced twice (by node '"
                       << nodeName(g.node(producer[out]), producer[out])
                       << "' and node '" << nodeName(g.node(i), i) << "')";
  std::vector<std::vector<size_t>> users(g.node_size());
  std::vector<size_t> pending(g.node_size(), 0);
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto &node = g.node(i);
    for (const std::string &in : node.input()) {
      if (in.empty() || scope.count(in))
        continue;
      auto it = producer.find(in);
      if (it == producer.end())
        return error(ErrorCode::InvalidGraph) << "node '" << nodeName(node, i) << "' (" << node.op_type()
                       << "): input '" << in
                       << "' is not produced by any node, graph input or "
                          "initializer";
      users[it->second].push_back(i);
      ++pending[i];
    }
    // Values a subgraph reads from this graph order the node after their
    // producers too; unknown names are the subgraph's own.
    llvm::StringSet<> implicit;
    collectSubgraphInputs(node, implicit);
    for (const auto &in : implicit) {
      auto it = producer.find(in.getKey());
      if (scope.count(in.getKey()) || it == producer.end() ||
          static_cast<int>(it->second) == i ||
          llvm::is_contained(node.input(), in.getKey()))
        continue;
      users[it->second].push_back(i);
      ++pending[i];
    }
  }
  // Kahn's algorithm, taking the earliest ready node first so a sorted
  // graph keeps its order.
  SmallVector<size_t> order;
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (int i = 0; i < g.node_size(); ++i)
    if (pending[i] == 0)
      ready.push(i);
  while (!ready.empty()) {
    size_t n = ready.top();
    ready.pop();
    order.push_back(n);
    for (size_t u : users[n])
      if (--pending[u] == 0)
        ready.push(u);
  }
  if (order.size() != static_cast<size_t>(g.node_size()))
    for (int i = 0; i < g.node_size(); ++i)
      if (pending[i] != 0)
        return error(ErrorCode::InvalidGraph) << "the graph has a cycle through node '"
                       << nodeName(g.node(i), i) << "' (" << g.node(i).op_type() << ")";
  return order;
}

/// The constant a bound graph input takes: the TensorProto in `file`, which
/// must have the input's element type and fit its declared shape.
FailureOr<Value> GraphImporter::boundInput(OpBuilder &b,
                                           const onnx::ValueInfoProto &in,
                                           StringRef file) {
  FailureOr<RankedTensorType> declared = valueInfoType(in, fileLoc, options);
  if (failed(declared))
    return failure();
  auto buffer = llvm::MemoryBuffer::getFile(file);
  if (!buffer)
    return error(ErrorCode::FileUnreadable) << "cannot read the value bound to graph input '" << in.name()
                   << "' from '" << file << "': " << buffer.getError().message();
  onnx::TensorProto tensor;
  if (!tensor.ParseFromArray((*buffer)->getBufferStart(),
                             static_cast<int>((*buffer)->getBufferSize())))
    return error(ErrorCode::InvalidData) << "'" << file << "' (bound to graph input '" << in.name()
                   << "') is not a serialized ONNX TensorProto";
  Location loc = NameLoc::get(b.getStringAttr(in.name()), fileLoc);
  FailureOr<ElementsAttr> attr =
      tensorAttr(tensor, llvm::sys::path::parent_path(file), loc, options);
  if (failed(attr))
    return failure();
  auto type = cast<RankedTensorType>(attr->getType());
  bool fits = type.getElementType() == declared->getElementType() &&
              type.getRank() == declared->getRank();
  for (int64_t d = 0; fits && d < type.getRank(); ++d)
    fits = declared->isDynamicDim(d) || declared->getDimSize(d) == type.getDimSize(d);
  if (!fits)
    return error(ErrorCode::ShapeMismatch) << "the value bound to graph input '" << in.name() << "' has type "
                   << type << ", which does not fit the declared " << *declared;
  return ConstantOp::create(b, loc, cast<TypedAttr>(*attr)).getResult();
}

LogicalResult GraphImporter::importInitializers(OpBuilder &b, const onnx::GraphProto &g,
                                                llvm::StringMap<Value> &scope) {
  for (const auto &t : g.initializer()) {
    FailureOr<ElementsAttr> attr = tensorAttr(t, modelDir, fileLoc, options);
    if (failed(attr))
      return failure();
    scope[t.name()] = ConstantOp::create(b, NameLoc::get(b.getStringAttr(t.name()), fileLoc),
                                         cast<TypedAttr>(*attr));
  }
  return success();
}

LogicalResult GraphImporter::importNodes(OpBuilder &b, const onnx::GraphProto &g,
                                         llvm::StringMap<Value> &scope) {
  FailureOr<SmallVector<size_t>> order = topologicalOrder(g, scope);
  if (failed(order))
    return failure();
  const onnx::NodeProto *enclosing = current;
  std::string enclosingName = currentName;
  Location enclosingLoc = currentLoc;
  llvm::scope_exit restore([&] {
    current = enclosing;
    currentName = enclosingName;
    currentLoc = enclosingLoc;
  });
  for (size_t idx : *order) {
    const onnx::NodeProto &node = g.node(idx);
    current = &node;
    currentName = nodeName(node, idx);
    // Line N of the model file is the graph's node N (1-based): a file
    // position diagnostics print and `aiopt-compile -g` line tables keep.
    currentLoc = NameLoc::get(StringAttr::get(ctx, currentName),
                              FileLineColLoc::get(ctx, path, idx + 1, 0));
    Location loc = currentLoc;
    bool standard = isDefaultDomain(node.domain());
    std::string key = standard ? node.op_type() : qualifiedOpType(node.domain(), node.op_type());
    int64_t nodeOpset = opset;
    if (!standard) {
      auto it = domainOpsets.find(node.domain());
      if (!registry().knows(key) || it == domainOpsets.end())
        return emitError(loc) << errorTag(ErrorCode::UnsupportedOperator) << "node '" << currentName << "' (" << node.op_type()
                              << "): operator domain '" << node.domain() << "' is "
                              << (registry().knows(key) ? "not imported by the model (opset_import)"
                                                        : "not supported");
      nodeOpset = it->second;
    }
    int64_t oldest;
    const OpHandler *handler = registry().lookup(key, nodeOpset, oldest);
    if (!handler) {
      auto diag = emitError(loc) << errorTag(ErrorCode::UnsupportedOperator) << "node '" << currentName << "' ("
                                 << node.op_type() << ", opset " << nodeOpset
                                 << "): ";
      if (oldest == 0)
        diag << "operator '" << node.op_type() << "' is not supported";
      else
        diag << "operator '" << node.op_type() << "' is supported from opset "
             << oldest << ", not opset " << nodeOpset;
      return failure();
    }
    auto importBody = [&](const onnx::GraphProto &body, ArrayRef<Value> args) {
      return importSubgraph(b, body, args, scope);
    };
    NodeBinder binder(b, node, currentName, nodeOpset, loc, scope, modelDir, options,
                      importBody);
    if (failed((*handler)(binder)))
      return failure();
  }
  return success();
}

FailureOr<SmallVector<Value>>
GraphImporter::importSubgraph(OpBuilder &b, const onnx::GraphProto &g,
                              ArrayRef<Value> args, const llvm::StringMap<Value> &outer) {
  auto fail = [&]() {
    return emitError(currentLoc) << errorTag(ErrorCode::InvalidGraph)
           << "node '" << currentName << "' (" << current->op_type() << ", opset "
           << opset << "): subgraph '" << g.name() << "': ";
  };
  if (static_cast<size_t>(g.input_size()) != args.size())
    return fail() << "it has " << g.input_size() << " inputs, the operator passes "
                  << args.size();
  llvm::StringMap<Value> scope = outer;
  for (auto [in, arg] : llvm::zip(g.input(), args)) {
    // A declared element type must be the one passed; shapes may be
    // omitted or more general.
    if (in.type().has_tensor_type() && in.type().tensor_type().elem_type() != 0) {
      Type et = elementType(ctx, in.type().tensor_type().elem_type());
      if (et && et != getElementTypeOrSelf(arg.getType()))
        return fail() << "input '" << in.name() << "' is declared " << et
                      << ", the operator passes " << arg.getType();
    }
    scope[in.name()] = arg;
  }
  if (failed(importInitializers(b, g, scope)) || failed(importNodes(b, g, scope)))
    return failure();
  SmallVector<Value> results;
  for (const auto &out : g.output()) {
    auto it = scope.find(out.name());
    if (it == scope.end())
      return fail() << "output '" << out.name() << "' is not produced by any node";
    results.push_back(it->second);
  }
  return results;
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  if (!model.has_graph())
    return error(ErrorCode::NotONNX) << "the model has no graph", nullptr;
  const onnx::GraphProto &g = model.graph();

  for (const auto &imp : model.opset_import()) {
    if (isDefaultDomain(imp.domain()))
      opset = imp.version();
    else
      domainOpsets[imp.domain()] = imp.version();
  }
  // A model of operators of other domains only (e.g. training operators)
  // needs no default opset: its nodes are reported as unsupported.
  if (opset < 0 && llvm::any_of(g.node(), [](const onnx::NodeProto &n) {
        return isDefaultDomain(n.domain());
      }))
    return error(ErrorCode::NotONNX) << "the model imports no version of the default ONNX "
                      "domain (opset_import)",
           nullptr;
  for (const auto &[name, file] : options.boundInputs)
    if (llvm::none_of(g.input(), [&, &name = name](const onnx::ValueInfoProto &in) {
          return in.name() == name;
        }))
      return error(ErrorCode::InvalidOption) << "cannot bind '" << name << "': the graph has no input of that name",
             nullptr;

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module->getBody());

  // Graph inputs that are not initializers become function arguments.
  llvm::StringSet<> initNames;
  for (const auto &t : g.initializer())
    initNames.insert(t.name());
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  SmallVector<ArrayAttr> argDims; // dim_param names, or null where none
  SmallVector<std::pair<const onnx::ValueInfoProto *, StringRef>> bound;
  for (const auto &in : g.input()) {
    if (initNames.contains(in.name()))
      continue;
    if (auto it = options.boundInputs.find(in.name()); it != options.boundInputs.end()) {
      bound.emplace_back(&in, it->second);
      continue;
    }
    FailureOr<RankedTensorType> t = valueInfoType(in, fileLoc, options);
    if (failed(t))
      return nullptr;
    argTypes.push_back(*t);
    argNames.push_back(in.name());
    argDims.push_back(dimParams(b, in));
  }
  auto func = func::FuncOp::create(b, fileLoc, options.functionName,
                                   b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  llvm::StringMap<Value> values;
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "aiopt.name", b.getStringAttr(name));
    if (argDims[i])
      func.setArgAttr(i, "aiopt.dims", argDims[i]);
    values[name] = entry->getArgument(i);
  }
  b.setInsertionPointToStart(entry);
  for (auto [in, file] : bound) {
    FailureOr<Value> v = boundInput(b, *in, file);
    if (failed(v))
      return nullptr;
    values[in->name()] = *v;
  }
  if (failed(importInitializers(b, g, values)))
    return nullptr;

  // Diagnostics raised while building a node's ops name that node.
  ScopedDiagnosticHandler noteNode(ctx, [&](Diagnostic &diag) {
    if (!current || diag.getSeverity() != DiagnosticSeverity::Error)
      return failure();
    // Errors not raised by the importer itself are the verifiers' and shape
    // inference's: the node's shapes or types do not fit together.
    if (!hasErrorTag(diag.str())) {
      tagDiagnostic(diag, ErrorCode::ShapeMismatch);
      diag.attachNote() << "while importing node '" << currentName << "' ("
                        << current->op_type() << ", opset " << opset << ")";
    }
    return failure();
  });
  if (failed(importNodes(b, g, values)))
    return nullptr;

  SmallVector<Value> results;
  for (const auto &out : g.output()) {
    auto it = values.find(out.name());
    if (it == values.end())
      return error(ErrorCode::InvalidGraph) << "graph output '" << out.name()
                     << "' is not produced by any node",
             nullptr;
    results.push_back(it->second);
  }
  func::ReturnOp::create(b, fileLoc, results);
  func.setType(b.getFunctionType(argTypes, TypeRange(ValueRange(results))));
  for (auto [i, out] : llvm::enumerate(g.output()))
    func.setResultAttr(i, "aiopt.name", b.getStringAttr(out.name()));
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp> mlir::aiopt::importONNX(const llvm::MemoryBuffer &buffer,
                                              StringRef path,
                                              MLIRContext *context,
                                              const ONNXImportOptions &options) {
  context->loadDialect<AIOptDialect, func::FuncDialect, arith::ArithDialect, scf::SCFDialect,
                       tensor::TensorDialect>();
  Location loc = FileLineColLoc::get(context, path, 0, 0);
  if (buffer.getBufferSize() == 0)
    return emitError(loc) << errorTag(ErrorCode::NotONNX) << "the model file is empty", nullptr;
  if (static_cast<int64_t>(buffer.getBufferSize()) > options.maxModelBytes)
    return emitError(loc) << errorTag(ErrorCode::LimitExceeded) << "the model has " << buffer.getBufferSize()
                          << " bytes, above the limit of " << options.maxModelBytes
                          << " (--max-model-bytes)",
           nullptr;
  onnx::ModelProto model;
  if (isTextFormat(path, buffer.getBuffer())) {
    google::protobuf::TextFormat::Parser parser;
    TextErrors errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(buffer.getBuffer().str(), &model))
      return emitError(loc) << errorTag(ErrorCode::NotONNX) << "not a valid ONNX model in protobuf "
                                       "text format: "
                            << errors.first,
             nullptr;
  } else {
    google::protobuf::io::CodedInputStream stream(
        reinterpret_cast<const uint8_t *>(buffer.getBufferStart()),
        static_cast<int>(std::min<size_t>(buffer.getBufferSize(), INT_MAX)));
    stream.SetTotalBytesLimit(INT_MAX);
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
      return emitError(loc) << errorTag(ErrorCode::NotONNX) << "not a valid ONNX model (protobuf "
                                       "parse failed: truncated or not ONNX)",
             nullptr;
  }
  if (model.ir_version() <= 0 || !model.has_graph())
    return emitError(loc) << errorTag(ErrorCode::NotONNX) << "not a valid ONNX model (no IR "
                                     "version or no graph)",
           nullptr;
  if (failed(checkGraphLimits(model.graph(), options, loc)))
    return nullptr;
  return GraphImporter(context, model, path, options).run();
}

OwningOpRef<ModuleOp> mlir::aiopt::importONNXFile(StringRef path,
                                                  MLIRContext *context,
                                                  const ONNXImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(context, path, 0, 0)) << errorTag(ErrorCode::FileUnreadable)
        << "cannot open the model: " << buffer.getError().message();
    return nullptr;
  }
  return importONNX(**buffer, path, context, options);
}

void mlir::aiopt::registerONNXImportDialects(DialectRegistry &registry) {
  registry.insert<AIOptDialect, func::FuncDialect, arith::ArithDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
}

void mlir::aiopt::registerONNXImportTranslation() {
  static TranslateToMLIRRegistration reg(
      "import-onnx", "import an ONNX model (binary or .onnxtxt text protobuf)",
      [](llvm::SourceMgr &sm, MLIRContext *ctx) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(sm.getMainFileID());
        return importONNX(*buf, buf->getBufferIdentifier(), ctx);
      },
      registerONNXImportDialects);
}
