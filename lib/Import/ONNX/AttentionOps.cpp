//===- AttentionOps.cpp - ONNX Attention ----------------------------------===//
//
// Attention (opset 23+) composed of aiopt ops: heads split from 3-D inputs,
// past key/value concatenation (the present outputs), grouped-query head
// repetition, Q and K scaled by sqrt(scale), softcap, the boolean
// allowed-set (causal with the cache offset, sliding windows, boolean
// mask, non-padding lengths) and additive float masks, softmax (in
// softmax_precision) with fully masked rows set to zero, and the
// qk_matmul_output debug output; and RotaryEmbedding. Graph passes may
// fuse the pieces again.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"
#include "TensorProto.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

/// Builds one Attention node; each step fails with a diagnostic.
class AttentionBuilder {
public:
  explicit AttentionBuilder(NodeBinder &b) : b(b), ob(b.builder) {}
  LogicalResult run();

private:
  FailureOr<Value> splitHeads(Value x, int64_t heads, StringRef what);
  FailureOr<Value> repeatHeads(Value x, int64_t groups);
  FailureOr<Value> transpose(Value x, ArrayRef<int64_t> perm) {
    return b.make<TransposeOp>(x, ob.getDenseI64ArrayAttr(perm));
  }
  FailureOr<std::optional<Value>> allowedSet(int64_t batch, int64_t sq, int64_t sk,
                                             int64_t past);
  /// The i64 constant f(i, j) over [sq, sk] (query i, key j).
  Value grid(int64_t sq, int64_t sk, function_ref<int64_t(int64_t, int64_t)> f);
  /// `acc` and `next` (`next` alone when `acc` is empty).
  LogicalResult andMask(std::optional<Value> &acc, FailureOr<Value> next);

  NodeBinder &b;
  OpBuilder &ob;
  bool threeD = false;
};

FailureOr<Value> AttentionBuilder::splitHeads(Value x, int64_t heads, StringRef what) {
  RankedTensorType t = tensorType(x);
  if (heads <= 0 || ShapedType::isDynamic(t.getDimSize(2)) || t.getDimSize(2) % heads)
    return b.error() << "the hidden size of " << what << " must be a static multiple of "
                     << "its number of heads (q_num_heads / kv_num_heads)";
  FailureOr<Value> v = b.reshape(x, {t.getDimSize(0), t.getDimSize(1), heads,
                                     t.getDimSize(2) / heads});
  return failed(v) ? v : transpose(*v, {0, 2, 1, 3});
}

/// [B, H, S, D] -> [B, H * groups, S, D], each head repeated `groups` times.
FailureOr<Value> AttentionBuilder::repeatHeads(Value x, int64_t groups) {
  if (groups == 1)
    return x;
  RankedTensorType t = tensorType(x);
  ArrayRef<int64_t> s = t.getShape();
  FailureOr<Value> v = b.reshape(x, {s[0], s[1], 1, s[2], s[3]});
  if (failed(v))
    return failure();
  v = b.makeTyped<ExpandOp>(t.clone({s[0], s[1], groups, s[2], s[3]}), *v);
  return failed(v) ? v : b.reshape(*v, {s[0], s[1] * groups, s[2], s[3]});
}

Value AttentionBuilder::grid(int64_t sq, int64_t sk,
                             function_ref<int64_t(int64_t, int64_t)> f) {
  SmallVector<int64_t> values;
  for (int64_t i = 0; i < sq; ++i)
    for (int64_t j = 0; j < sk; ++j)
      values.push_back(f(i, j));
  auto type = RankedTensorType::get({sq, sk}, ob.getI64Type());
  return b.constant(DenseElementsAttr::get(type, ArrayRef<int64_t>(values)));
}

LogicalResult AttentionBuilder::andMask(std::optional<Value> &acc, FailureOr<Value> next) {
  if (failed(next))
    return failure();
  if (acc) {
    next = b.make<AndOp>(*acc, *next);
    if (failed(next))
      return failure();
  }
  acc = *next;
  return success();
}

/// The keys each query may attend, as i1 broadcastable to [B, H, Sq, Sk];
/// empty when every key is allowed.
FailureOr<std::optional<Value>> AttentionBuilder::allowedSet(int64_t batch, int64_t sq,
                                                             int64_t sk, int64_t past) {
  Type i64 = ob.getI64Type();
  std::optional<Value> allowed;
  bool causal = b.attrInt("is_causal", 0) != 0;
  int64_t left = b.attrInt("left_window_size", -1), right = b.attrInt("right_window_size", -1);
  Value nonpad = b.optionalInput(6);
  if (nonpad && b.optionalInput(4))
    return b.error() << "nonpad_kv_seqlen cannot be used with past_key";
  FailureOr<Value> lengths = Value();
  if (nonpad) {
    lengths = b.castTo(nonpad, i64);
    if (succeeded(lengths))
      lengths = b.reshape(*lengths, {batch, 1, 1, 1});
    // Padding keys: j < nonpad_kv_seqlen[b].
    if (failed(lengths) ||
        failed(andMask(allowed, b.make<LessOp>(
                                    grid(sq, sk, [](int64_t, int64_t j) { return j; }),
                                    *lengths))))
      return failure();
  }
  // With nonpad_kv_seqlen the offset is nonpad[b] - Sq, known at run time:
  // compare j - i + Sq (or its window forms) with the lengths.
  auto bound = [&](auto keyMinusQuery, bool upper) -> FailureOr<Value> {
    if (nonpad) {
      Value g = grid(sq, sk, [&](int64_t i, int64_t j) { return keyMinusQuery(i, j) + sq; });
      return upper ? b.make<LessEqualOp>(g, *lengths) : b.make<GreaterEqualOp>(g, *lengths);
    }
    SmallVector<bool> mask;
    for (int64_t i = 0; i < sq; ++i)
      for (int64_t j = 0; j < sk; ++j)
        mask.push_back(upper ? keyMinusQuery(i, j) <= past : keyMinusQuery(i, j) >= past);
    auto type = RankedTensorType::get({sq, sk}, ob.getI1Type());
    return b.constant(DenseElementsAttr::get(type, ArrayRef<bool>(mask)));
  };
  // Absolute query position p = offset + i: causal j <= p, windows
  // p - left <= j <= p + right.
  if (causal && failed(andMask(allowed, bound([](int64_t i, int64_t j) { return j - i; },
                                               true))))
    return failure();
  if (right >= 0 &&
      failed(andMask(allowed,
                     bound([&](int64_t i, int64_t j) { return j - i - right; }, true))))
    return failure();
  if (left >= 0 &&
      failed(andMask(allowed,
                     bound([&](int64_t i, int64_t j) { return j - i + left; }, false))))
    return failure();
  return allowed;
}

LogicalResult AttentionBuilder::run() {
  FailureOr<Value> q = b.input(0), k = b.input(1), v = b.input(2);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  int64_t rank = tensorType(*q).getRank();
  if (rank != 3 && rank != 4)
    return b.error() << "Q must be a 3-D or 4-D tensor";
  if (tensorType(*k).getRank() != rank || tensorType(*v).getRank() != rank)
    return b.error() << "Q, K and V must have the same rank";
  threeD = rank == 3;
  if (threeD) {
    q = splitHeads(*q, b.attrInt("q_num_heads", 0), "Q");
    if (succeeded(q))
      k = splitHeads(*k, b.attrInt("kv_num_heads", 0), "K");
    if (succeeded(k))
      v = splitHeads(*v, b.attrInt("kv_num_heads", 0), "V");
    if (failed(q) || failed(k) || failed(v))
      return failure();
  }
  Value pastK = b.optionalInput(4), pastV = b.optionalInput(5);
  if (!pastK != !pastV)
    return b.error() << "past_key and past_value must be given together";
  int64_t past = 0;
  if (pastK) {
    past = tensorType(pastK).getDimSize(2);
    k = b.make<ConcatOp>(ValueRange{pastK, *k}, ob.getI64IntegerAttr(2));
    if (succeeded(k))
      v = b.make<ConcatOp>(ValueRange{pastV, *v}, ob.getI64IntegerAttr(2));
    if (failed(k) || failed(v))
      return failure();
  }
  Value presentK = *k, presentV = *v;
  ArrayRef<int64_t> qs = tensorType(*q).getShape(), ks = tensorType(*k).getShape();
  int64_t batch = qs[0], hq = qs[1], sq = qs[2], headSize = qs[3];
  int64_t hkv = ks[1], sk = ks[2];
  for (int64_t d : {batch, hq, sq, headSize, hkv, sk, past})
    if (ShapedType::isDynamic(d))
      return b.error() << "batch, head and sequence extents must be static";
  if (hq % hkv)
    return b.error() << "q_num_heads (" << hq << ") must be a multiple of kv_num_heads ("
                     << hkv << ")";
  k = repeatHeads(*k, hq / hkv);
  if (succeeded(k))
    v = repeatHeads(*v, hq / hkv);
  if (failed(k) || failed(v))
    return failure();

  // Scores: (Q * sqrt(scale)) x (K * sqrt(scale))^T.
  Type et = tensorType(*q).getElementType();
  double scale = b.hasAttr("scale") ? b.attrFloat("scale", 1) : 1 / std::sqrt(double(headSize));
  Value rootScale = b.scalarConstant(et, std::sqrt(scale));
  FailureOr<Value> qScaled = b.make<MulOp>(*q, rootScale);
  FailureOr<Value> kScaled = b.make<MulOp>(*k, rootScale);
  if (succeeded(kScaled))
    kScaled = transpose(*kScaled, {0, 1, 3, 2});
  if (failed(qScaled) || failed(kScaled))
    return failure();
  FailureOr<Value> scores = b.make<MatMulOp>(*qScaled, *kScaled);
  if (failed(scores))
    return failure();
  SmallVector<Value> qkStages = {*scores};
  if (float softcap = b.attrFloat("softcap", 0); softcap > 0) {
    scores = b.make<DivOp>(*scores, b.scalarConstant(et, softcap));
    if (succeeded(scores))
      scores = b.makeTyped<TanhOp>(scores->getType(), *scores);
    if (succeeded(scores))
      scores = b.make<MulOp>(*scores, b.scalarConstant(et, softcap));
    if (failed(scores))
      return failure();
  }
  qkStages.push_back(*scores);

  // The allowed set and the additive mask.
  FailureOr<std::optional<Value>> allowedOr = allowedSet(batch, sq, sk, past);
  if (failed(allowedOr))
    return failure();
  std::optional<Value> allowed = *allowedOr;
  if (Value mask = b.optionalInput(3)) {
    RankedTensorType mt = tensorType(mask);
    // A mask shorter than the keys (nonpad_kv_seqlen) covers the leading ones.
    if (mt.getRank() > 0 && !mt.isDynamicDim(mt.getRank() - 1) &&
        mt.getDimSize(mt.getRank() - 1) < sk) {
      SmallVector<int64_t> pads(2 * mt.getRank(), 0);
      pads[2 * mt.getRank() - 1] = sk - mt.getDimSize(mt.getRank() - 1);
      FailureOr<Value> padded = b.make<PadOp>(
          mask, ob.getDenseI64ArrayAttr(pads),
          ob.getF64FloatAttr(mt.getElementType().isInteger(1) ? 0 : -INFINITY));
      if (failed(padded))
        return failure();
      mask = *padded;
    }
    if (mt.getElementType().isInteger(1)) {
      if (failed(andMask(allowed, FailureOr<Value>(mask))))
        return failure();
    } else {
      FailureOr<Value> m = b.castTo(mask, et);
      scores = failed(m) ? m : b.make<AddOp>(*scores, *m);
      if (failed(scores))
        return failure();
    }
  }
  if (allowed) {
    scores = b.make<WhereOp>(*allowed, *scores, b.scalarConstant(et, -INFINITY));
    if (failed(scores))
      return failure();
  }
  qkStages.push_back(*scores);

  // Softmax over the keys, in softmax_precision; a row without any
  // attended key (all -inf) gives zeros.
  Type softmaxType = et;
  if (b.hasAttr("softmax_precision")) {
    int64_t precision = b.attrInt("softmax_precision", 1);
    softmaxType = elementType(ob.getContext(), precision);
    if (!softmaxType || !isa<FloatType>(softmaxType))
      return b.error(ErrorCode::UnsupportedType) << "unsupported softmax_precision " << precision;
  }
  FailureOr<Value> s = b.castTo(*scores, softmaxType);
  FailureOr<Value> probs =
      failed(s) ? s : b.makeTyped<SoftmaxOp>(s->getType(), *s, ob.getI64IntegerAttr(3),
                                              ob.getBoolAttr(false));
  if (succeeded(probs))
    probs = b.castTo(*probs, et);
  if (failed(probs))
    return failure();
  FailureOr<Value> rowMax = b.make<ReduceOp>(
      ReduceKindAttr::get(ob.getContext(), ReduceKind::max), *scores,
      ob.getDenseI64ArrayAttr({3}), ob.getBoolAttr(true));
  FailureOr<Value> attended =
      failed(rowMax) ? rowMax : b.make<GreaterOp>(*rowMax, b.scalarConstant(et, -INFINITY));
  if (succeeded(attended))
    probs = b.make<WhereOp>(*attended, *probs, b.scalarConstant(et, 0));
  if (failed(probs))
    return failure();
  qkStages.push_back(*probs);

  FailureOr<Value> y = b.make<MatMulOp>(*probs, *v);
  if (succeeded(y) && threeD) {
    ArrayRef<int64_t> ys = tensorType(*y).getShape();
    y = transpose(*y, {0, 2, 1, 3});
    if (succeeded(y))
      y = b.reshape(*y, {ys[0], ys[2], ys[1] * ys[3]});
  }
  if (failed(y))
    return failure();
  int64_t mode = b.attrInt("qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3)
    return b.error() << "qk_matmul_output_mode must be 0 to 3, not " << mode;
  return b.setResults({*y, presentK, presentV, qkStages[mode]});
}

/// x[..., start:end:step] along the last axis.
FailureOr<Value> lastAxisSlice(NodeBinder &b, Value x, int64_t start, int64_t end,
                               int64_t step) {
  RankedTensorType t = tensorType(x);
  int64_t r = t.getRank();
  SmallVector<int64_t> starts(r, 0), ends(t.getShape()), steps(r, 1);
  starts[r - 1] = start;
  ends[r - 1] = end;
  steps[r - 1] = step;
  OpBuilder &ob = b.builder;
  return b.make<SliceOp>(x, ob.getDenseI64ArrayAttr(starts), ob.getDenseI64ArrayAttr(ends),
                         ob.getDenseI64ArrayAttr(steps));
}

/// RotaryEmbedding (opset 23): the first rotary_embedding_dim features of
/// each head rotated by the cos/sin caches (gathered at position_ids),
/// pairing halves or (interleaved) even and odd features.
LogicalResult rotaryEmbedding(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), cosCache = b.input(1), sinCache = b.input(2);
  if (failed(x) || failed(cosCache) || failed(sinCache))
    return failure();
  RankedTensorType xt = tensorType(*x);
  if (!xt.hasStaticShape() || (xt.getRank() != 3 && xt.getRank() != 4))
    return b.error() << "input must be a static 3-D or 4-D tensor";
  OpBuilder &ob = b.builder;
  auto transpose = [&](Value v) {
    return b.make<TransposeOp>(v, ob.getDenseI64ArrayAttr({0, 2, 1, 3}));
  };
  // [batch, seq, heads, head_size]
  FailureOr<Value> v = *x;
  if (xt.getRank() == 4) {
    v = transpose(*x);
  } else {
    int64_t heads = b.attrInt("num_heads", 0);
    if (heads <= 0 || xt.getDimSize(2) % heads)
      return b.error() << "num_heads must divide the hidden size of a 3-D input";
    v = b.reshape(*x, {xt.getDimSize(0), xt.getDimSize(1), heads, xt.getDimSize(2) / heads});
  }
  if (failed(v))
    return failure();
  ArrayRef<int64_t> s = tensorType(*v).getShape();
  int64_t headSize = s[3], dim = b.attrInt("rotary_embedding_dim", 0);
  if (dim == 0)
    dim = headSize;
  if (dim < 2 || dim % 2 || dim > headSize)
    return b.error() << "rotary_embedding_dim must be even and at most the head size";
  FailureOr<Value> cos = *cosCache, sin = *sinCache;
  if (Value pos = b.optionalInput(3)) {
    cos = b.make<GatherOp>(*cosCache, pos, ob.getI64IntegerAttr(0));
    sin = b.make<GatherOp>(*sinCache, pos, ob.getI64IntegerAttr(0));
  }
  if (succeeded(cos))
    cos = b.reshape(*cos, {s[0], s[1], 1, dim / 2});
  if (succeeded(sin))
    sin = b.reshape(*sin, {s[0], s[1], 1, dim / 2});
  bool interleaved = b.attrInt("interleaved", 0) != 0;
  FailureOr<Value> x1 = interleaved ? lastAxisSlice(b, *v, 0, dim, 2)
                                    : lastAxisSlice(b, *v, 0, dim / 2, 1);
  FailureOr<Value> x2 = interleaved ? lastAxisSlice(b, *v, 1, dim, 2)
                                    : lastAxisSlice(b, *v, dim / 2, dim, 1);
  if (failed(cos) || failed(sin) || failed(x1) || failed(x2))
    return failure();
  auto combine = [&](Value a, Value p, Value c, Value q, bool subtract) -> FailureOr<Value> {
    FailureOr<Value> l = b.make<MulOp>(a, p), r = b.make<MulOp>(c, q);
    if (failed(l) || failed(r))
      return failure();
    return subtract ? b.make<SubOp>(*l, *r) : b.make<AddOp>(*l, *r);
  };
  FailureOr<Value> real = combine(*cos, *x1, *sin, *x2, true);
  FailureOr<Value> imag = combine(*sin, *x1, *cos, *x2, false);
  if (failed(real) || failed(imag))
    return failure();
  FailureOr<Value> rotated = failure();
  if (interleaved) {
    SmallVector<int64_t> pairs = {s[0], s[1], s[2], dim / 2, 1};
    FailureOr<Value> re = b.reshape(*real, pairs), im = b.reshape(*imag, pairs);
    if (failed(re) || failed(im))
      return failure();
    rotated = b.make<ConcatOp>(ValueRange{*re, *im}, ob.getI64IntegerAttr(4));
    if (succeeded(rotated))
      rotated = b.reshape(*rotated, {s[0], s[1], s[2], dim});
  } else {
    rotated = b.make<ConcatOp>(ValueRange{*real, *imag}, ob.getI64IntegerAttr(3));
  }
  if (succeeded(rotated) && dim < headSize) {
    FailureOr<Value> rest = lastAxisSlice(b, *v, dim, headSize, 1);
    rotated = failed(rest) ? rest
                           : b.make<ConcatOp>(ValueRange{*rotated, *rest}, ob.getI64IntegerAttr(3));
  }
  if (failed(rotated))
    return failure();
  FailureOr<Value> y = xt.getRank() == 4 ? transpose(*rotated) : b.reshape(*rotated, xt.getShape());
  return failed(y) ? failure() : b.setResults(*y);
}

} // namespace

void onnx_import::registerAttentionOps(OpRegistry &r) {
  r.add("RotaryEmbedding", 23, rotaryEmbedding);
  r.add("Attention", 23, [](NodeBinder &b) { return AttentionBuilder(b).run(); });
}
