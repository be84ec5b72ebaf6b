//===- RecurrentOps.cpp - ONNX RNN, GRU and LSTM --------------------------===//
//
// The recurrent operators unrolled over their static sequence length into
// aiopt ops: per step and direction, one matmul of the input and one of
// the hidden state against all gates, the gate activations, and the state
// update; sequence_lens masks the steps past each batch entry's length
// (the state is kept, the output is zero). Forward, reverse and
// bidirectional; layouts 0 and 1; clip; Sigmoid, Tanh and Relu
// activations; LSTM peepholes and input_forget; GRU linear_before_reset.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// Longest unrolled sequence.
constexpr int64_t kMaxSteps = 4096;

enum class Cell { rnn, gru, lstm };

class RecurrentBuilder {
public:
  RecurrentBuilder(NodeBinder &b, Cell cell) : b(b), ob(b.builder), cell(cell) {}
  LogicalResult run();

private:
  int64_t numGates() const { return cell == Cell::rnn ? 1 : cell == Cell::gru ? 3 : 4; }
  FailureOr<Value> activate(Value v, StringRef name);
  FailureOr<Value> slice(Value v, int64_t axis, int64_t start, int64_t size) {
    return b.sliceAlong(v, axis, start, start + size);
  }
  /// Row `d` of a [D, ...] tensor, without the leading dimension.
  FailureOr<Value> direction(Value v, int64_t d) {
    if (tensorType(v).getRank() < 1)
      return b.error() << "W, R, B, P, initial_h and initial_c need one row per direction, not "
                          "a scalar";
    FailureOr<Value> s = slice(v, 0, d, 1);
    return failed(s) ? s : b.reshape(*s, tensorType(v).getShape().drop_front());
  }
  FailureOr<Value> gate(Value all, int64_t g) { return slice(all, 1, g * hidden, hidden); }
  FailureOr<Value> step(int64_t d, Value xt, Value h, Value c, Value &newC);

  NodeBinder &b;
  OpBuilder &ob;
  Cell cell;
  int64_t hidden = 0;
  float clip = 0;
  SmallVector<std::string> activations;
  // Per direction: W^T [I, G*H], R^T [H, G*H], bias [G*H] (Wb + Rb, or Wb
  // alone for GRU's linear_before_reset), Rb of the GRU h gate, peepholes.
  SmallVector<Value> wT, rT, bias, rbH, peep;
};

FailureOr<Value> RecurrentBuilder::activate(Value v, StringRef name) {
  if (name == "Sigmoid")
    return b.makeTyped<SigmoidOp>(v.getType(), v);
  if (name == "Tanh")
    return b.makeTyped<TanhOp>(v.getType(), v);
  if (name == "Relu")
    return b.makeTyped<ReluOp>(v.getType(), v);
  return b.error(ErrorCode::UnsupportedFeature) << "activation '" << name << "' is not supported";
}

/// One step of direction `d`: the new hidden state (and cell state).
FailureOr<Value> RecurrentBuilder::step(int64_t d, Value xt, Value h, Value c, Value &newC) {
  Type et = tensorType(xt).getElementType();
  size_t perDir = cell == Cell::rnn ? 1 : cell == Cell::gru ? 2 : 3;
  ArrayRef<std::string> act = ArrayRef<std::string>(activations).slice(d * perDir, perDir);
  auto clipped = [&](FailureOr<Value> v) -> FailureOr<Value> {
    if (failed(v) || clip <= 0)
      return v;
    return b.makeTyped<ClipOp>(v->getType(), *v, ob.getF64FloatAttr(-clip),
                               ob.getF64FloatAttr(clip));
  };
  FailureOr<Value> xw = b.make<MatMulOp>(xt, wT[d]);
  FailureOr<Value> hr = b.make<MatMulOp>(h, rT[d]);
  if (failed(xw) || failed(hr))
    return failure();
  FailureOr<Value> xwb = b.make<AddOp>(*xw, bias[d]);
  if (failed(xwb))
    return failure();
  if (cell == Cell::gru) {
    // Gates z, r, h; the h gate's recurrent part is (r * H) R^T + Rb, or
    // r * (H R^T + Rb) with linear_before_reset.
    FailureOr<Value> zx = gate(*xwb, 0), rx = gate(*xwb, 1), hx = gate(*xwb, 2);
    FailureOr<Value> zh = gate(*hr, 0), rh = gate(*hr, 1);
    if (failed(zx) || failed(rx) || failed(hx) || failed(zh) || failed(rh))
      return failure();
    FailureOr<Value> z = clipped(b.make<AddOp>(*zx, *zh));
    FailureOr<Value> r = clipped(b.make<AddOp>(*rx, *rh));
    if (succeeded(z))
      z = activate(*z, act[0]);
    if (succeeded(r))
      r = activate(*r, act[0]);
    if (failed(z) || failed(r))
      return failure();
    FailureOr<Value> rec = failure();
    if (b.attrInt("linear_before_reset", 0)) {
      FailureOr<Value> hh = gate(*hr, 2);
      if (succeeded(hh))
        hh = b.make<AddOp>(*hh, rbH[d]);
      rec = failed(hh) ? hh : b.make<MulOp>(*r, *hh);
    } else {
      FailureOr<Value> rH = b.make<MulOp>(*r, h);
      FailureOr<Value> rT2 = slice(rT[d], 1, 2 * hidden, hidden);
      if (succeeded(rH) && succeeded(rT2))
        rec = b.make<MatMulOp>(*rH, *rT2);
      if (succeeded(rec))
        rec = b.make<AddOp>(*rec, rbH[d]);
    }
    if (failed(rec))
      return failure();
    FailureOr<Value> cand = clipped(b.make<AddOp>(*hx, *rec));
    if (succeeded(cand))
      cand = activate(*cand, act[1]);
    if (failed(cand))
      return failure();
    // (1 - z) * candidate + z * H
    FailureOr<Value> keep = b.make<SubOp>(b.scalarConstant(et, 1), *z);
    FailureOr<Value> l = failed(keep) ? keep : b.make<MulOp>(*keep, *cand);
    FailureOr<Value> rgt = b.make<MulOp>(*z, h);
    if (failed(l) || failed(rgt))
      return failure();
    return b.make<AddOp>(*l, *rgt);
  }
  FailureOr<Value> pre = b.make<AddOp>(*xwb, *hr);
  if (failed(pre))
    return failure();
  if (cell == Cell::rnn) {
    FailureOr<Value> v = clipped(pre);
    return failed(v) ? v : activate(*v, act[0]);
  }
  // LSTM gates i, o, f, c; peepholes P = [Pi, Po, Pf].
  auto withPeep = [&](FailureOr<Value> g, int64_t k, Value state) -> FailureOr<Value> {
    if (failed(g) || !peep[d])
      return g;
    FailureOr<Value> p = slice(peep[d], 0, k * hidden, hidden);
    FailureOr<Value> ps = failed(p) ? p : b.make<MulOp>(*p, state);
    return failed(ps) ? ps : b.make<AddOp>(*g, *ps);
  };
  FailureOr<Value> i = clipped(withPeep(gate(*pre, 0), 0, c));
  FailureOr<Value> f = clipped(withPeep(gate(*pre, 2), 2, c));
  FailureOr<Value> cand = clipped(gate(*pre, 3));
  if (succeeded(i))
    i = activate(*i, act[0]);
  if (b.attrInt("input_forget", 0) && succeeded(i))
    f = b.make<SubOp>(b.scalarConstant(et, 1), *i);
  else if (succeeded(f))
    f = activate(*f, act[0]);
  if (succeeded(cand))
    cand = activate(*cand, act[1]);
  if (failed(i) || failed(f) || failed(cand))
    return failure();
  FailureOr<Value> fc = b.make<MulOp>(*f, c), ic = b.make<MulOp>(*i, *cand);
  if (failed(fc) || failed(ic))
    return failure();
  FailureOr<Value> cNew = b.make<AddOp>(*fc, *ic);
  if (failed(cNew))
    return failure();
  newC = *cNew;
  FailureOr<Value> o = clipped(withPeep(gate(*pre, 1), 1, newC));
  if (succeeded(o))
    o = activate(*o, act[0]);
  FailureOr<Value> hc = activate(newC, act[2]);
  if (failed(o) || failed(hc))
    return failure();
  return b.make<MulOp>(*o, *hc);
}

LogicalResult RecurrentBuilder::run() {
  FailureOr<Value> x = b.input(0), w = b.input(1), r = b.input(2);
  if (failed(x) || failed(w) || failed(r))
    return failure();
  hidden = b.attrInt("hidden_size", 0);
  clip = b.attrFloat("clip", 0);
  std::string dirName = b.attrString("direction", "forward");
  if (dirName != "forward" && dirName != "reverse" && dirName != "bidirectional")
    return b.error() << "unknown direction '" << dirName << "'";
  int64_t dirs = dirName == "bidirectional" ? 2 : 1;
  bool layout1 = b.attrInt("layout", 0) != 0;
  if (layout1)
    x = b.make<TransposeOp>(*x, ob.getDenseI64ArrayAttr({1, 0, 2}));
  if (failed(x))
    return failure();
  RankedTensorType xt = tensorType(*x), wt = tensorType(*w);
  int64_t gates = numGates();
  if (!xt.hasStaticShape() || xt.getRank() != 3 || !wt.hasStaticShape())
    return b.error() << "X and W must be static 3-D tensors";
  int64_t steps = xt.getDimSize(0), batch = xt.getDimSize(1), inputSize = xt.getDimSize(2);
  if (hidden <= 0 || hidden > (int64_t(1) << 31) ||
      wt.getShape() != ArrayRef<int64_t>{dirs, gates * hidden, inputSize})
    return b.error() << "W must be [" << dirs << ", " << gates << " * hidden_size, input_size]";
  if (steps > kMaxSteps)
    return b.error() << "sequences longer than " << kMaxSteps << " are not unrolled";
  Type et = xt.getElementType();
  // Default activations: Tanh (RNN); Sigmoid, Tanh (GRU); Sigmoid, Tanh,
  // Tanh (LSTM); one list per direction.
  SmallVector<std::string> defaults = cell == Cell::rnn   ? SmallVector<std::string>{"Tanh"}
                                      : cell == Cell::gru ? SmallVector<std::string>{"Sigmoid", "Tanh"}
                                                          : SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  if (const onnx::AttributeProto *a = b.attr("activations")) {
    for (const std::string &s : a->strings())
      activations.push_back(s);
    if (activations.size() != defaults.size() * dirs)
      return b.error() << "activations needs " << defaults.size() * dirs << " entries";
  } else {
    for (int64_t d = 0; d < dirs; ++d)
      llvm::append_range(activations, defaults);
  }
  for (const std::string &a : activations)
    if (a != "Sigmoid" && a != "Tanh" && a != "Relu")
      return b.error(ErrorCode::UnsupportedFeature) << "activation '" << a << "' is not supported";

  Value bAll = b.optionalInput(3), lens = b.optionalInput(4);
  Value h0 = b.optionalInput(5), c0 = cell == Cell::lstm ? b.optionalInput(6) : Value();
  Value pAll = cell == Cell::lstm ? b.optionalInput(7) : Value();
  for (int64_t d = 0; d < dirs; ++d) {
    FailureOr<Value> wd = direction(*w, d), rd = direction(*r, d);
    if (succeeded(wd))
      wd = b.make<TransposeOp>(*wd, ob.getDenseI64ArrayAttr({1, 0}));
    if (succeeded(rd))
      rd = b.make<TransposeOp>(*rd, ob.getDenseI64ArrayAttr({1, 0}));
    if (failed(wd) || failed(rd))
      return failure();
    wT.push_back(*wd);
    rT.push_back(*rd);
    FailureOr<Value> bias_ = b.scalarConstant(et, 0), rbh = b.scalarConstant(et, 0);
    if (bAll) {
      FailureOr<Value> bd = direction(bAll, d);
      FailureOr<Value> wb = failed(bd) ? bd : slice(*bd, 0, 0, gates * hidden);
      FailureOr<Value> rb = failed(bd) ? bd : slice(*bd, 0, gates * hidden, gates * hidden);
      if (failed(wb) || failed(rb))
        return failure();
      if (cell == Cell::gru) {
        // Rb of the z and r gates joins Wb; the h gate's Rb stays apart.
        FailureOr<Value> zr = slice(*rb, 0, 0, 2 * hidden);
        FailureOr<Value> zero = b.constant(DenseElementsAttr::get(
            RankedTensorType::get({hidden}, et), ob.getZeroAttr(et)));
        FailureOr<Value> rb3 = failed(zr) ? zr
                                          : b.make<ConcatOp>(ValueRange{*zr, *zero},
                                                             ob.getI64IntegerAttr(0));
        bias_ = failed(rb3) ? rb3 : b.make<AddOp>(*wb, *rb3);
        rbh = slice(*rb, 0, 2 * hidden, hidden);
      } else {
        bias_ = b.make<AddOp>(*wb, *rb);
      }
      if (failed(bias_) || failed(rbh))
        return failure();
    }
    bias.push_back(*bias_);
    rbH.push_back(*rbh);
    FailureOr<Value> pd = pAll ? direction(pAll, d) : FailureOr<Value>(Value());
    if (failed(pd))
      return failure();
    peep.push_back(*pd);
  }

  auto initialState = [&](Value v, int64_t d) -> FailureOr<Value> {
    if (!v)
      return b.constant(DenseElementsAttr::get(RankedTensorType::get({batch, hidden}, et),
                                               ob.getZeroAttr(et)));
    FailureOr<Value> s = v;
    if (layout1)
      s = b.make<TransposeOp>(v, ob.getDenseI64ArrayAttr({1, 0, 2}));
    return failed(s) ? s : direction(*s, d);
  };
  // Per step: 1 for batch entries still inside their sequence.
  FailureOr<Value> lensI64 = lens ? b.castTo(lens, ob.getI64Type()) : FailureOr<Value>(Value());
  if (succeeded(lensI64) && lens)
    lensI64 = b.reshape(*lensI64, {batch, 1});
  if (failed(lensI64))
    return failure();

  SmallVector<SmallVector<Value>> outputs(dirs, SmallVector<Value>(steps));
  SmallVector<Value> lastH, lastC;
  for (int64_t d = 0; d < dirs; ++d) {
    bool reverse = dirName == "reverse" || d == 1;
    FailureOr<Value> h = initialState(h0, d), c = initialState(c0, d);
    if (failed(h) || failed(c))
      return failure();
    for (int64_t k = 0; k < steps; ++k) {
      int64_t t = reverse ? steps - 1 - k : k;
      FailureOr<Value> xtv = slice(*x, 0, t, 1);
      if (succeeded(xtv))
        xtv = b.reshape(*xtv, {batch, inputSize});
      if (failed(xtv))
        return failure();
      Value newC = *c;
      FailureOr<Value> hNew = step(d, *xtv, *h, *c, newC);
      if (failed(hNew))
        return failure();
      Value out = *hNew;
      if (*lensI64) {
        FailureOr<Value> active = b.make<LessOp>(b.scalarConstant(ob.getI64Type(), t), *lensI64);
        if (failed(active))
          return failure();
        FailureOr<Value> o = b.make<WhereOp>(*active, *hNew, b.scalarConstant(et, 0));
        FailureOr<Value> hk = b.make<WhereOp>(*active, *hNew, *h);
        FailureOr<Value> ck = b.make<WhereOp>(*active, newC, *c);
        if (failed(o) || failed(hk) || failed(ck))
          return failure();
        out = *o;
        hNew = hk;
        newC = *ck;
      }
      outputs[d][t] = out;
      h = hNew;
      c = newC;
    }
    lastH.push_back(*h);
    lastC.push_back(*c);
  }
  // Y [S, D, B, H] (layout 1: [B, S, D, H]); Y_h, Y_c [D, B, H] (layout 1:
  // [B, D, H]).
  SmallVector<Value> perStep;
  for (int64_t t = 0; t < steps; ++t)
    for (int64_t d = 0; d < dirs; ++d) {
      FailureOr<Value> v = b.reshape(outputs[d][t], {1, 1, batch, hidden});
      if (failed(v))
        return failure();
      perStep.push_back(*v);
    }
  FailureOr<Value> y = b.make<ConcatOp>(ValueRange(perStep), ob.getI64IntegerAttr(0));
  if (succeeded(y))
    y = b.reshape(*y, {steps, dirs, batch, hidden});
  if (succeeded(y) && layout1)
    y = b.make<TransposeOp>(*y, ob.getDenseI64ArrayAttr({2, 0, 1, 3}));
  auto stack = [&](ArrayRef<Value> states) -> FailureOr<Value> {
    SmallVector<Value> parts;
    for (Value s : states) {
      FailureOr<Value> v = b.reshape(s, {1, batch, hidden});
      if (failed(v))
        return failure();
      parts.push_back(*v);
    }
    FailureOr<Value> v = b.make<ConcatOp>(ValueRange(parts), ob.getI64IntegerAttr(0));
    if (succeeded(v) && layout1)
      v = b.make<TransposeOp>(*v, ob.getDenseI64ArrayAttr({1, 0, 2}));
    return v;
  };
  FailureOr<Value> yh = stack(lastH), yc = stack(lastC);
  if (failed(y) || failed(yh) || failed(yc))
    return failure();
  return cell == Cell::lstm ? b.setResults({*y, *yh, *yc}) : b.setResults({*y, *yh});
}

} // namespace

void onnx_import::registerRecurrentOps(OpRegistry &r) {
  r.add("RNN", 7, [](NodeBinder &b) { return RecurrentBuilder(b, Cell::rnn).run(); });
  r.add("GRU", 7, [](NodeBinder &b) { return RecurrentBuilder(b, Cell::gru).run(); });
  r.add("LSTM", 7, [](NodeBinder &b) { return RecurrentBuilder(b, Cell::lstm).run(); });
}
