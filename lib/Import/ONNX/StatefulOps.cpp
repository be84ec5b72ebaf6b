//===- StatefulOps.cpp - ONNX LinearAttention and CausalConvWithState -----===//
//
// The stateful sequence operators of linear-attention and state-space
// models (opset 27), which take a state from the previous call and return
// the next:
// - CausalConvWithState: the past state (or zeros) concatenated before the
//   input, a depthwise 1-D convolution without padding (aiopt.conv), an
//   optional SiLU; the new state is the last k - 1 positions.
// - LinearAttention: the per-token recurrence as a scan loop (scf.for) over
//   the sequence, the state [B, H_kv, d_k, d_v] carried, computed in f32.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// A zero-filled tensor of `shape` and element type `et`.
Value zeros(NodeBinder &b, ArrayRef<int64_t> shape, Type et) {
  auto type = RankedTensorType::get(shape, et);
  return b.constant(DenseElementsAttr::get(type, b.builder.getZeroAttr(et)));
}

//===----------------------------------------------------------------------===//
// CausalConvWithState
//===----------------------------------------------------------------------===//

LogicalResult causalConvWithState(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), w = b.input(1);
  if (failed(x) || failed(w))
    return failure();
  Value bias = b.optionalInput(2), past = b.optionalInput(3);
  std::string activation = b.attrString("activation", "none");
  if (activation != "none" && activation != "silu" && activation != "swish")
    return b.error() << "unknown activation '" << activation << "'";
  RankedTensorType xt = tensorType(*x), wt = tensorType(*w);
  if (xt.getRank() != 3 || wt.getRank() != 3 || wt.getDimSize(1) != 1 ||
      wt.getDimSize(0) != xt.getDimSize(1) || wt.isDynamicDim(2))
    return b.error() << "needs input [B, C, L] and weight [C, 1, k]; got " << xt << " and "
                     << wt;
  int64_t channels = xt.getDimSize(1), k = wt.getDimSize(2);
  SmallVector<int64_t> stateShape = {xt.getDimSize(0), channels, k - 1};
  if (past && tensorType(past).getShape() != ArrayRef<int64_t>(stateShape))
    return b.error() << "past_state must be [B, C, k - 1], not " << tensorType(past);
  if (!past)
    past = zeros(b, stateShape, xt.getElementType());
  FailureOr<Value> padded = b.make<ConcatOp>(ValueRange{past, *x}, 2);
  if (failed(padded))
    return failure();
  OpBuilder &ob = b.builder;
  FailureOr<Value> y = b.make<ConvOp>(*padded, *w, bias, ob.getDenseI64ArrayAttr({1}),
                                      ob.getDenseI64ArrayAttr({0, 0}),
                                      ob.getDenseI64ArrayAttr({1}),
                                      ob.getI64IntegerAttr(channels));
  if (succeeded(y) && activation != "none")
    y = buildSwish(b, *y);
  if (failed(y))
    return failure();
  int64_t total = tensorType(*padded).getDimSize(2);
  if (ShapedType::isDynamic(total))
    return b.error() << "needs a static sequence length";
  FailureOr<Value> present = b.sliceAlong(*padded, 2, total - (k - 1), total);
  return failed(present) ? failure() : b.setResults({*y, *present});
}

//===----------------------------------------------------------------------===//
// LinearAttention
//===----------------------------------------------------------------------===//

/// The shapes of one LinearAttention node.
struct LinearAttentionSpec {
  int64_t batch, qHeads, kvHeads, dk, dv;
  bool gating, delta;
  int64_t decayLast = 0, betaLast = 0;
  double scale;
};

/// One token's step: the state decays (gating), the value is corrected by
/// what the state already retrieves for the key (delta), the key-value
/// outer product is added, and each query head reads its KV head's state.
/// Returns the new state and the step's output [B, H_q * d_v].
FailureOr<SmallVector<Value>> linearAttentionStep(NodeBinder &b, const LinearAttentionSpec &s,
                                                  ArrayRef<Value> args) {
  Value state = args[0], q = args[1], k = args[2], v = args[3];
  Type et = tensorType(state).getElementType();
  int64_t next = 4;
  FailureOr<Value> kh = b.reshape(k, {s.batch, s.kvHeads, s.dk, 1});
  FailureOr<Value> vh = b.reshape(v, {s.batch, s.kvHeads, 1, s.dv});
  if (failed(kh) || failed(vh))
    return failure();
  FailureOr<Value> st = state;
  if (s.gating) {
    FailureOr<Value> g = b.reshape(
        args[next++], {s.batch, s.kvHeads, s.decayLast == s.kvHeads ? 1 : s.dk, 1});
    if (succeeded(g))
      g = b.makeTyped<ExpOp>(g->getType(), *g);
    if (succeeded(g))
      st = b.make<MulOp>(*st, *g);
  }
  if (succeeded(st) && s.delta) {
    FailureOr<Value> kv = b.make<MulOp>(*st, *kh);
    FailureOr<Value> retrieved =
        failed(kv) ? kv : b.reduce(ReduceKind::sum, *kv, {2}, /*keepdims=*/true);
    FailureOr<Value> beta = b.reshape(args[next++], {s.batch, s.betaLast, 1, 1});
    if (failed(retrieved) || failed(beta))
      return failure();
    vh = b.make<SubOp>(*vh, *retrieved);
    if (succeeded(vh))
      vh = b.make<MulOp>(*beta, *vh);
  }
  FailureOr<Value> update = failed(vh) ? vh : b.make<MulOp>(*kh, *vh);
  if (failed(st) || failed(update))
    return failure();
  FailureOr<Value> newState = b.make<AddOp>(*st, *update);
  FailureOr<Value> qg = b.reshape(q, {s.batch, s.kvHeads, s.qHeads / s.kvHeads, s.dk});
  if (failed(newState) || failed(qg))
    return failure();
  FailureOr<Value> o = b.make<MatMulOp>(*qg, *newState);
  if (succeeded(o))
    o = b.make<MulOp>(*o, b.scalarConstant(et, s.scale));
  if (succeeded(o))
    o = b.reshape(*o, {s.batch, s.qHeads * s.dv});
  if (failed(o))
    return failure();
  return SmallVector<Value>{*newState, *o};
}

LogicalResult linearAttention(NodeBinder &b) {
  FailureOr<Value> q = b.input(0), k = b.input(1), v = b.input(2);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  Value past = b.optionalInput(3), decay = b.optionalInput(4), beta = b.optionalInput(5);
  std::string rule = b.attrString("update_rule", "gated_delta");
  if (rule != "linear" && rule != "gated" && rule != "delta" && rule != "gated_delta")
    return b.error() << "unknown update_rule '" << rule << "'";
  LinearAttentionSpec s;
  s.gating = rule == "gated" || rule == "gated_delta";
  s.delta = rule == "delta" || rule == "gated_delta";
  if (s.gating != static_cast<bool>(decay))
    return b.error() << "update_rule '" << rule << "' " << (s.gating ? "needs" : "takes no")
                     << " decay (input #4)";
  if (s.delta != static_cast<bool>(beta))
    return b.error() << "update_rule '" << rule << "' " << (s.delta ? "needs" : "takes no")
                     << " beta (input #5)";
  s.qHeads = b.attrInt("q_num_heads", 0);
  s.kvHeads = b.attrInt("kv_num_heads", 0);
  if (s.qHeads <= 0 || s.kvHeads <= 0 || s.qHeads % s.kvHeads != 0)
    return b.error() << "q_num_heads (" << s.qHeads << ") must be a positive multiple of "
                     << "kv_num_heads (" << s.kvHeads << ")";
  RankedTensorType qt = tensorType(*q), kt = tensorType(*k), vt = tensorType(*v);
  auto packed = [&](RankedTensorType t) {
    return t.getRank() == 3 && t.hasStaticShape() && t.getDimSize(0) == qt.getDimSize(0) &&
           t.getDimSize(1) == qt.getDimSize(1);
  };
  if (!packed(qt) || !packed(kt) || !packed(vt) || qt.getDimSize(2) % s.qHeads != 0 ||
      vt.getDimSize(2) % s.kvHeads != 0)
    return b.error() << "query, key and value must be static [B, T, H * D] with whole heads";
  s.batch = qt.getDimSize(0);
  s.dk = qt.getDimSize(2) / s.qHeads;
  s.dv = vt.getDimSize(2) / s.kvHeads;
  if (kt.getDimSize(2) != s.kvHeads * s.dk)
    return b.error() << "key must be [B, T, kv_num_heads * d_k] with d_k = " << s.dk;
  if (decay) {
    s.decayLast = tensorType(decay).getRank() == 3 ? tensorType(decay).getDimSize(2) : -1;
    if (!packed(tensorType(decay)) ||
        (s.decayLast != s.kvHeads && s.decayLast != s.kvHeads * s.dk))
      return b.error() << "decay must be [B, T, kv_num_heads] or [B, T, kv_num_heads * d_k]";
  }
  if (beta) {
    s.betaLast = tensorType(beta).getRank() == 3 ? tensorType(beta).getDimSize(2) : -1;
    if (!packed(tensorType(beta)) || (s.betaLast != s.kvHeads && s.betaLast != 1))
      return b.error() << "beta must be [B, T, kv_num_heads] or [B, T, 1]";
  }
  SmallVector<int64_t> stateShape = {s.batch, s.kvHeads, s.dk, s.dv};
  if (past && tensorType(past).getShape() != ArrayRef<int64_t>(stateShape))
    return b.error() << "past_state must be [B, kv_num_heads, d_k, d_v], not "
                     << tensorType(past);
  float scale = b.attrFloat("scale", 0.0f);
  s.scale = scale == 0.0f ? 1.0 / std::sqrt(static_cast<double>(s.dk)) : scale;

  // Narrow types compute in f32, as the recurrence accumulates.
  Type outType = qt.getElementType();
  Type stateType = past ? tensorType(past).getElementType() : outType;
  Type ct = outType.isF64() ? outType : b.builder.getF32Type();
  SmallVector<Value> xs;
  for (Value x : {*q, *k, *v, decay, beta}) {
    if (!x)
      continue;
    FailureOr<Value> c = b.castTo(x, ct);
    if (failed(c))
      return failure();
    xs.push_back(*c);
  }
  FailureOr<Value> state = past ? b.castTo(past, ct) : zeros(b, stateShape, ct);
  if (failed(state))
    return failure();
  ScanAxes axes;
  axes.inAxes.assign(xs.size(), 1);
  axes.inReverse.assign(xs.size(), false);
  axes.outAxes = {1};
  axes.outReverse = {false};
  auto step = [&](ArrayRef<Value> args) { return linearAttentionStep(b, s, args); };
  FailureOr<SmallVector<Value>> outs = scanLoop(b, step, ValueRange{*state}, xs, axes);
  if (failed(outs))
    return failure();
  FailureOr<Value> y = b.castTo((*outs)[1], outType);
  FailureOr<Value> present = b.castTo((*outs)[0], stateType);
  if (failed(y) || failed(present))
    return failure();
  return b.setResults({*y, *present});
}

} // namespace

void onnx_import::registerStatefulOps(OpRegistry &r) {
  r.add("CausalConvWithState", 27, causalConvWithState);
  r.add("LinearAttention", 27, linearAttention);
}
