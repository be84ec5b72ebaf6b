//===- ControlFlowOps.cpp - ONNX If, Loop and Scan ------------------------===//
//
// The ONNX control-flow operators become scf ops whose regions hold the
// imported subgraphs: If -> scf.if (or the taken branch alone when the
// condition is constant), Scan -> scf.for over slices of the scan inputs,
// Loop -> scf.while. Per-iteration slices and stacked outputs are tensor
// dialect slices. Subgraphs read the enclosing scopes' values directly.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// The single element of a one-element tensor, as a scalar.
Value scalarOf(OpBuilder &b, Location loc, Value t) {
  SmallVector<Value> zeros(tensorType(t).getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, t, zeros);
}

/// A 0-d tensor holding scalar `v`.
Value tensorOf(OpBuilder &b, Location loc, Value v) {
  return tensor::FromElementsOp::create(b, loc, RankedTensorType::get({}, v.getType()), v);
}

/// Checks that `v` is a one-element tensor of element type `et`.
LogicalResult checkScalar(NodeBinder &n, Value v, Type et, StringRef what) {
  RankedTensorType t = tensorType(v);
  if (t.getElementType() != et || !t.hasStaticShape() || t.getNumElements() != 1)
    return n.error() << what << " must be a one-element tensor of " << et << ", not "
                     << t;
  return success();
}

/// The most specific type both `a` and `b` can be cast to: equal element
/// type and rank, dimensions dynamic where they differ. Null if none.
RankedTensorType joinTypes(RankedTensorType a, RankedTensorType b) {
  if (a == b)
    return a;
  if (a.getElementType() != b.getElementType() || a.getRank() != b.getRank())
    return {};
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, a.getElementType());
}

/// Casts `v` to `type` with tensor.cast when they differ.
Value castIfNeeded(OpBuilder &b, Location loc, Value v, Type type) {
  return v.getType() == type ? v : tensor::CastOp::create(b, loc, type, v).getResult();
}

/// The values a loop body yields for its carried values: each cast to the
/// carried type; an error when a body changes a carried value's type.
FailureOr<SmallVector<Value>> carriedResults(NodeBinder &n, ValueRange outs,
                                             TypeRange carried, StringRef what) {
  SmallVector<Value> res;
  for (auto [i, v, t] : llvm::enumerate(outs, carried)) {
    RankedTensorType joined = joinTypes(tensorType(v), cast<RankedTensorType>(t));
    if (joined != t)
      return n.error() << what << " #" << i << " enters the body as " << t
                       << " and leaves it as " << v.getType()
                       << " (loop-carried values must keep their type)";
    res.push_back(castIfNeeded(n.builder, n.loc, v, t));
  }
  return res;
}

/// Offsets/sizes/strides selecting index `pos` along `axis` of `t` (one
/// slice of a scan input or output).
void sliceAt(OpBuilder &b, Location loc, Value t, int64_t axis, OpFoldResult pos,
             SmallVectorImpl<OpFoldResult> &offsets, SmallVectorImpl<OpFoldResult> &sizes,
             SmallVectorImpl<OpFoldResult> &strides) {
  RankedTensorType type = tensorType(t);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    offsets.push_back(d == axis ? pos : b.getIndexAttr(0));
    sizes.push_back(d == axis ? OpFoldResult(b.getIndexAttr(1))
                              : tensor::getMixedSize(b, loc, t, d));
    strides.push_back(b.getIndexAttr(1));
  }
}

/// `t` with dimension `axis` (extent `extent`) inserted into `shape`.
RankedTensorType withAxis(RankedTensorType t, int64_t axis, int64_t extent) {
  SmallVector<int64_t> shape(t.getShape());
  shape.insert(shape.begin() + axis, extent);
  return RankedTensorType::get(shape, t.getElementType());
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

LogicalResult importIf(NodeBinder &n) {
  OpBuilder &b = n.builder;
  FailureOr<Value> cond = n.input(0);
  FailureOr<const onnx::GraphProto *> thenG = n.attrGraph("then_branch");
  FailureOr<const onnx::GraphProto *> elseG = n.attrGraph("else_branch");
  if (failed(cond) || failed(thenG) || failed(elseG) ||
      failed(checkScalar(n, *cond, b.getI1Type(), "the condition")))
    return failure();

  // A constant condition selects one branch at compile time.
  DenseElementsAttr c;
  if (matchPattern(*cond, m_Constant(&c))) {
    FailureOr<SmallVector<Value>> outs =
        n.subgraph(*c.getValues<bool>().begin() ? **thenG : **elseG, {});
    return failed(outs) ? failure() : n.setResults(*outs);
  }

  auto branch = [&](const onnx::GraphProto &g, Block &block) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&block);
    return n.subgraph(g, {});
  };
  auto thenBlock = std::make_unique<Block>(), elseBlock = std::make_unique<Block>();
  FailureOr<SmallVector<Value>> thenOuts = branch(**thenG, *thenBlock);
  if (failed(thenOuts))
    return failure();
  FailureOr<SmallVector<Value>> elseOuts = branch(**elseG, *elseBlock);
  if (failed(elseOuts))
    return failure();
  if (thenOuts->size() != elseOuts->size())
    return n.error() << "the then branch has " << thenOuts->size()
                     << " outputs, the else branch " << elseOuts->size();
  SmallVector<Type> types;
  for (auto [i, t, e] : llvm::enumerate(*thenOuts, *elseOuts)) {
    RankedTensorType joined = joinTypes(tensorType(t), tensorType(e));
    if (!joined)
      return n.error() << "output #" << i << " is " << t.getType()
                       << " in the then branch and " << e.getType()
                       << " in the else branch";
    types.push_back(joined);
  }
  auto yield = [&](Block &block, ValueRange outs) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(&block);
    SmallVector<Value> cast;
    for (auto [v, t] : llvm::zip(outs, types))
      cast.push_back(castIfNeeded(b, n.loc, v, t));
    scf::YieldOp::create(b, n.loc, cast);
  };
  yield(*thenBlock, *thenOuts);
  yield(*elseBlock, *elseOuts);
  auto ifOp = scf::IfOp::create(b, n.loc, types, scalarOf(b, n.loc, *cond),
                                /*addThenBlock=*/false, /*addElseBlock=*/false);
  ifOp.getThenRegion().push_back(thenBlock.release());
  ifOp.getElseRegion().push_back(elseBlock.release());
  return n.setResults(SmallVector<Value>(ifOp.getResults()));
}

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

} // namespace

FailureOr<SmallVector<Value>> onnx_import::scanLoop(NodeBinder &n, ScanBody body,
                                                   ValueRange states, ValueRange xs,
                                                   const ScanAxes &axes) {
  OpBuilder &b = n.builder;
  Location loc = n.loc;
  if (xs.empty())
    return n.error() << "needs at least one scan input";
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  OpFoldResult length = tensor::getMixedSize(b, loc, xs[0], axes.inAxes[0]);
  for (auto [j, x] : llvm::enumerate(xs)) {
    int64_t len = tensorType(x).getDimSize(axes.inAxes[j]);
    std::optional<int64_t> first = getConstantIntValue(length);
    if (first && !ShapedType::isDynamic(len) && *first != len)
      return n.error() << "scan input #" << j << " has " << len
                       << " elements along its scan axis, scan input #0 has " << *first;
  }
  Value lengthV = getValueOrCreateConstantIndexOp(b, loc, length);
  Value last = arith::SubIOp::create(b, loc, lengthV, one);

  // The body, built in a detached block: the induction variable and the
  // states first; the stacked outputs' block arguments follow once their
  // element types are known.
  auto block = std::make_unique<Block>();
  Value iv = block->addArgument(b.getIndexType(), loc);
  SmallVector<Value> stateArgs;
  for (Value s : states)
    stateArgs.push_back(block->addArgument(s.getType(), loc));
  SmallVector<Value> yields;
  SmallVector<RankedTensorType> stackTypes;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(block.get());
    Value rev = arith::SubIOp::create(b, loc, last, iv);
    SmallVector<Value> args(stateArgs);
    for (auto [j, x] : llvm::enumerate(xs)) {
      SmallVector<OpFoldResult> offsets, sizes, strides;
      sliceAt(b, loc, x, axes.inAxes[j], axes.inReverse[j] ? rev : iv, offsets, sizes,
              strides);
      RankedTensorType full = tensorType(x);
      SmallVector<int64_t> shape(full.getShape());
      shape.erase(shape.begin() + axes.inAxes[j]);
      auto sliceType = RankedTensorType::get(shape, full.getElementType());
      args.push_back(tensor::ExtractSliceOp::create(b, loc, sliceType, x, offsets, sizes,
                                                    strides));
    }
    FailureOr<SmallVector<Value>> outs = body(args);
    if (failed(outs))
      return failure();
    size_t numStates = states.size();
    if (outs->size() < numStates || outs->size() - numStates != axes.outAxes.size())
      return n.error() << "the body has " << outs->size() << " outputs; expected "
                       << numStates << " states and " << axes.outAxes.size()
                       << " scan outputs";
    FailureOr<SmallVector<Value>> next = carriedResults(
        n, ArrayRef<Value>(*outs).take_front(numStates), TypeRange(states), "state");
    if (failed(next))
      return failure();
    yields = *next;
    for (auto [k, elem] : llvm::enumerate(ArrayRef<Value>(*outs).drop_front(numStates))) {
      RankedTensorType et = tensorType(elem);
      int64_t axis = axes.outAxes[k];
      if (!et.hasStaticShape())
        return n.error() << "scan output #" << k << " has the dynamic type " << et;
      if (axis < 0 || axis > et.getRank())
        return n.error() << "scan output axis " << axis << " is out of range for rank "
                         << et.getRank() + 1;
      RankedTensorType stacked =
          withAxis(et, axis, getConstantIntValue(length).value_or(ShapedType::kDynamic));
      Value acc = block->addArgument(stacked, loc);
      SmallVector<OpFoldResult> offsets, sizes, strides;
      sliceAt(b, loc, acc, axis, axes.outReverse[k] ? rev : iv, offsets, sizes, strides);
      yields.push_back(
          tensor::InsertSliceOp::create(b, loc, elem, acc, offsets, sizes, strides));
      stackTypes.push_back(stacked);
    }
    scf::YieldOp::create(b, loc, yields);
  }
  // The stacked outputs start empty, `length` long along their axes.
  SmallVector<Value> inits(states);
  for (auto [k, stacked] : llvm::enumerate(stackTypes)) {
    SmallVector<Value> dyn;
    if (stacked.isDynamicDim(axes.outAxes[k]))
      dyn.push_back(lengthV);
    inits.push_back(tensor::EmptyOp::create(b, loc, stacked, dyn));
  }
  auto loop = scf::ForOp::create(b, loc, zero, lengthV, one, inits);
  loop.getRegion().front().erase();
  loop.getRegion().push_back(block.release());
  SmallVector<Value> results(loop.getResults());
  return results;
}

namespace {

/// Reads a per-input or per-output attribute list (axes or directions) of
/// `count` entries, defaulting to 0; axes are normalized against `ranks`.
FailureOr<SmallVector<int64_t>> scanAttr(NodeBinder &n, StringRef name, size_t count,
                                         ArrayRef<int64_t> ranks) {
  SmallVector<int64_t> v = n.attrInts(name);
  if (v.empty())
    v.assign(count, 0);
  if (v.size() != count)
    return n.error() << "attribute '" << name << "' has " << v.size()
                     << " entries; expected " << count;
  for (auto [i, x] : llvm::enumerate(v)) {
    if (ranks.empty()) {
      if (x != 0 && x != 1)
        return n.error() << "attribute '" << name << "' entry " << x
                         << " is not a direction (0 or 1)";
      continue;
    }
    FailureOr<int64_t> axis = n.normalizeAxis(x, ranks[i]);
    if (failed(axis))
      return failure();
    x = *axis;
  }
  return v;
}

LogicalResult importScan(NodeBinder &n) {
  FailureOr<const onnx::GraphProto *> body = n.attrGraph("body");
  if (failed(body))
    return failure();
  int64_t numScanInputs = n.attrInt("num_scan_inputs", 0);
  // Opset 8 has an optional sequence_lens input first and a batch axis.
  bool batched = n.opset < 9;
  if (batched && n.hasInput(0))
    return n.error(ErrorCode::UnsupportedFeature) << "sequence_lens (input #0) is not supported";
  SmallVector<Value> inputs;
  for (int i = batched ? 1 : 0; i < n.node.input_size(); ++i) {
    FailureOr<Value> v = n.input(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  if (numScanInputs < 1 || numScanInputs > static_cast<int64_t>(inputs.size()))
    return n.error() << "num_scan_inputs " << numScanInputs << " does not fit the "
                     << inputs.size() << " inputs";
  size_t numStates = inputs.size() - numScanInputs;
  size_t numOutputs = (*body)->output_size() - numStates;
  if ((*body)->output_size() < static_cast<int>(numStates))
    return n.error() << "the body has fewer outputs than the " << numStates << " states";
  ArrayRef<Value> states = ArrayRef<Value>(inputs).take_front(numStates);
  auto importBody = [&](ArrayRef<Value> args) { return n.subgraph(**body, args); };
  ArrayRef<Value> xs = ArrayRef<Value>(inputs).drop_front(numStates);

  ScanAxes axes;
  if (batched) {
    FailureOr<SmallVector<int64_t>> dirs = scanAttr(n, "directions", xs.size(), {});
    if (failed(dirs))
      return failure();
    axes.inAxes.assign(xs.size(), 0);
    axes.outAxes.assign(numOutputs, 0);
    axes.inReverse = llvm::map_to_vector(*dirs, [](int64_t d) { return d == 1; });
    axes.outReverse.assign(numOutputs, false);
    // Each state has a batch axis first; each scan input a batch axis and
    // then its scan axis.
    for (auto [j, v] : llvm::enumerate(inputs))
      if (tensorType(v).getRank() < (j < numStates ? 1 : 2))
        return n.error() << (j < numStates ? "state" : "scan input") << " #"
                         << (j < numStates ? j : j - numStates) << " has rank "
                         << tensorType(v).getRank() << "; opset 8 Scan needs a batch axis"
                         << (j < numStates ? "" : " and a scan axis");
    // One scan per batch entry, the results stacked again.
    int64_t batch = tensorType(xs[0]).getDimSize(0);
    if (ShapedType::isDynamic(batch))
      return n.error() << "the batch dimension must be static";
    SmallVector<SmallVector<Value>> perBatch(numStates + numOutputs);
    for (int64_t i = 0; i < batch; ++i) {
      auto entry = [&](Value v) -> FailureOr<Value> {
        FailureOr<Value> s = n.sliceAlong(v, 0, i, i + 1);
        if (failed(s))
          return failure();
        return n.reshape(*s, tensorType(*s).getShape().drop_front());
      };
      SmallVector<Value> st, x;
      for (Value v : states) {
        FailureOr<Value> e = entry(v);
        if (failed(e))
          return failure();
        st.push_back(*e);
      }
      for (Value v : xs) {
        FailureOr<Value> e = entry(v);
        if (failed(e))
          return failure();
        x.push_back(*e);
      }
      FailureOr<SmallVector<Value>> outs = scanLoop(n, importBody, st, x, axes);
      if (failed(outs))
        return failure();
      for (auto [k, o] : llvm::enumerate(*outs)) {
        SmallVector<int64_t> shape(tensorType(o).getShape());
        shape.insert(shape.begin(), 1);
        FailureOr<Value> r = n.reshape(o, shape);
        if (failed(r))
          return failure();
        perBatch[k].push_back(*r);
      }
    }
    SmallVector<Value> results;
    for (auto &parts : perBatch) {
      FailureOr<Value> r =
          parts.size() == 1 ? FailureOr<Value>(parts[0]) : n.make<ConcatOp>(parts, 0);
      if (failed(r))
        return failure();
      results.push_back(*r);
    }
    return n.setResults(results);
  }

  SmallVector<int64_t> inRanks = llvm::map_to_vector(
      xs, [](Value v) { return tensorType(v).getRank(); });
  FailureOr<SmallVector<int64_t>> inAxes =
      scanAttr(n, "scan_input_axes", xs.size(), inRanks);
  FailureOr<SmallVector<int64_t>> inDirs =
      scanAttr(n, "scan_input_directions", xs.size(), {});
  FailureOr<SmallVector<int64_t>> outDirs =
      scanAttr(n, "scan_output_directions", numOutputs, {});
  if (failed(inAxes) || failed(inDirs) || failed(outDirs))
    return failure();
  // Output axes count in the stacked rank, known once the body is built:
  // negative ones are resolved against the body's declared output ranks.
  SmallVector<int64_t> outAxes = n.attrInts("scan_output_axes");
  if (outAxes.empty())
    outAxes.assign(numOutputs, 0);
  if (outAxes.size() != numOutputs)
    return n.error() << "attribute 'scan_output_axes' has " << outAxes.size()
                     << " entries; expected " << numOutputs;
  for (auto [k, a] : llvm::enumerate(outAxes)) {
    if (a >= 0)
      continue;
    const onnx::ValueInfoProto &out = (*body)->output(numStates + k);
    if (!out.type().tensor_type().has_shape())
      return n.error() << "negative scan output axis " << a
                       << " needs the body output's declared rank";
    a += out.type().tensor_type().shape().dim_size() + 1;
  }
  axes.inAxes = *inAxes;
  axes.outAxes = outAxes;
  axes.inReverse = llvm::map_to_vector(*inDirs, [](int64_t d) { return d == 1; });
  axes.outReverse = llvm::map_to_vector(*outDirs, [](int64_t d) { return d == 1; });
  FailureOr<SmallVector<Value>> outs = scanLoop(n, importBody, states, xs, axes);
  return failed(outs) ? failure() : n.setResults(*outs);
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

/// `acc` (stacked along dimension 0, `count` entries filled) with room for
/// at least one more entry: doubled in size when full.
Value reserve(OpBuilder &b, Location loc, Value acc, Value count) {
  RankedTensorType type = tensorType(acc);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value capacity = tensor::DimOp::create(b, loc, acc, zero);
  Value full = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, count, capacity);
  auto grow = scf::IfOp::create(b, loc, TypeRange{type}, full, true, true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(grow.thenBlock());
    Value doubled = arith::MaxUIOp::create(
        b, loc, one, arith::MulIOp::create(b, loc, capacity,
                                           arith::ConstantIndexOp::create(b, loc, 2)));
    Value bigger = tensor::EmptyOp::create(b, loc, type, ValueRange{doubled});
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, acc);
    scf::YieldOp::create(b, loc, ValueRange{tensor::InsertSliceOp::create(
                                     b, loc, acc, bigger, offsets, sizes, strides)});
    b.setInsertionPointToStart(grow.elseBlock());
    scf::YieldOp::create(b, loc, ValueRange{acc});
  }
  return grow.getResult(0);
}

LogicalResult importLoop(NodeBinder &n) {
  OpBuilder &b = n.builder;
  Location loc = n.loc;
  FailureOr<const onnx::GraphProto *> body = n.attrGraph("body");
  if (failed(body))
    return failure();
  Value maxTrips = n.optionalInput(0), cond = n.optionalInput(1);
  if ((maxTrips && failed(checkScalar(n, maxTrips, b.getI64Type(), "the trip count M"))) ||
      (cond && failed(checkScalar(n, cond, b.getI1Type(), "the condition"))))
    return failure();
  SmallVector<Value> carried;
  for (int i = 2; i < n.node.input_size(); ++i) {
    FailureOr<Value> v = n.input(i);
    if (failed(v))
      return failure();
    carried.push_back(*v);
  }
  size_t numCarried = carried.size();
  int numScans = (*body)->output_size() - 1 - static_cast<int>(numCarried);
  if (numScans < 0)
    return n.error() << "the body has " << (*body)->output_size()
                     << " outputs; expected the condition and " << numCarried
                     << " loop-carried values first";

  // Carried through scf.while: the iteration number (i64), the condition,
  // the loop-carried values and one growing stack per scan output.
  Value i0 = arith::ConstantIntOp::create(b, loc, 0, 64);
  Value c0 = cond ? scalarOf(b, loc, cond) : arith::ConstantIntOp::create(b, loc, 1, 1);
  Value limit = maxTrips ? scalarOf(b, loc, maxTrips) : Value();

  auto after = std::make_unique<Block>();
  Value iter = after->addArgument(b.getI64Type(), loc);
  after->addArgument(b.getI1Type(), loc);
  SmallVector<Value> carriedArgs;
  for (Value v : carried)
    carriedArgs.push_back(after->addArgument(v.getType(), loc));
  SmallVector<Value> inits = {i0, c0};
  llvm::append_range(inits, carried);
  SmallVector<RankedTensorType> stackTypes;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(after.get());
    SmallVector<Value> args = {tensorOf(b, loc, iter), tensorOf(b, loc, after->getArgument(1))};
    llvm::append_range(args, carriedArgs);
    FailureOr<SmallVector<Value>> outs = n.subgraph(**body, args);
    if (failed(outs))
      return failure();
    if (failed(checkScalar(n, (*outs)[0], b.getI1Type(), "the body's condition output")))
      return failure();
    FailureOr<SmallVector<Value>> next =
        carriedResults(n, ArrayRef<Value>(*outs).slice(1, numCarried), TypeRange(carried),
                       "loop-carried value");
    if (failed(next))
      return failure();
    Value count = arith::IndexCastOp::create(b, loc, b.getIndexType(), iter);
    SmallVector<Value> yields = {
        arith::AddIOp::create(b, loc, iter, arith::ConstantIntOp::create(b, loc, 1, 64)),
        scalarOf(b, loc, (*outs)[0])};
    llvm::append_range(yields, *next);
    for (auto [k, elem] : llvm::enumerate(ArrayRef<Value>(*outs).drop_front(1 + numCarried))) {
      RankedTensorType et = tensorType(elem);
      if (!et.hasStaticShape())
        return n.error() << "scan output #" << k << " has the dynamic type " << et;
      RankedTensorType stacked = withAxis(et, 0, ShapedType::kDynamic);
      Value acc = reserve(b, loc, after->addArgument(stacked, loc), count);
      SmallVector<OpFoldResult> offsets, sizes, strides;
      sliceAt(b, loc, acc, 0, count, offsets, sizes, strides);
      yields.push_back(tensor::InsertSliceOp::create(b, loc, elem, acc, offsets, sizes, strides));
      stackTypes.push_back(stacked);
    }
    scf::YieldOp::create(b, loc, yields);
  }
  // The stacks start empty.
  for (RankedTensorType stacked : stackTypes)
    inits.push_back(tensor::EmptyOp::create(
        b, loc, stacked, ValueRange{arith::ConstantIndexOp::create(b, loc, 0)}));

  SmallVector<Type> types = llvm::map_to_vector(inits, [](Value v) { return v.getType(); });
  auto loop = scf::WhileOp::create(b, loc, types, inits);
  Block *before = b.createBlock(&loop.getBefore(), {}, types,
                                SmallVector<Location>(types.size(), loc));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(before);
    Value go = before->getArgument(1);
    if (limit)
      go = arith::AndIOp::create(
          b, loc, go,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, before->getArgument(0),
                                limit));
    scf::ConditionOp::create(b, loc, go, before->getArguments());
  }
  b.setInsertionPointAfter(loop);
  loop.getAfter().push_back(after.release());

  SmallVector<Value> results(loop.getResults().slice(2, numCarried));
  Value count = arith::IndexCastOp::create(b, loc, b.getIndexType(), loop.getResult(0));
  for (Value acc : loop.getResults().drop_front(2 + numCarried)) {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    sliceAt(b, loc, acc, 0, b.getIndexAttr(0), offsets, sizes, strides);
    sizes[0] = count;
    results.push_back(tensor::ExtractSliceOp::create(b, loc, tensorType(acc), acc, offsets,
                                                     sizes, strides));
  }
  return n.setResults(results);
}

} // namespace

void onnx_import::registerControlFlowOps(OpRegistry &r) {
  r.add("If", 1, importIf);
  r.add("Scan", 8, importScan);
  r.add("Loop", 1, importLoop);
}
