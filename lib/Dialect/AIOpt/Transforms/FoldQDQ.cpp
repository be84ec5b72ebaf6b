//===- FoldQDQ.cpp - the aiopt-fold-qdq pass -------------------------------===//
//
// Models quantized in the QDQ format (onnxruntime's quantize_static puts a
// QuantizeLinear/DequantizeLinear pair before each convolution or matrix
// product and stores int8 weights behind a DequantizeLinear) compile to the
// 8-bit kernels: a contraction whose activation is a per-tensor
// dequantization takes the 8-bit data directly, its weights become int8
// (the model's own integers when they lie on one grid), and a float
// epilogue rescales. The recognizers here read those dequantizations.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "aiopt/Dialect/AIOpt/Transforms/Quantization.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

namespace mlir::aiopt {
#define GEN_PASS_DEF_FOLDQDQPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

/// The elements of 8-bit integer constant `v`, read by their signedness.
static FailureOr<SmallVector<double>> int8Constant(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.getElementType().isInteger(8) || !t.hasStaticShape())
    return failure();
  FailureOr<RawConstant> raw = constantBytes(v);
  if (failed(raw))
    return failure();
  bool isUnsigned = t.getElementType().isUnsignedInteger();
  SmallVector<double> out(t.getNumElements());
  for (auto [i, x] : llvm::enumerate(out)) {
    char c = raw->data[raw->splat ? 0 : i];
    x = isUnsigned ? double(static_cast<uint8_t>(c)) : double(static_cast<int8_t>(c));
  }
  return out;
}

/// The float constant `param`, which broadcasts to `shape`, read at each
/// element of `shape` in row-major order.
static FailureOr<SmallVector<double>> broadcastConstant(Value param, ArrayRef<int64_t> shape) {
  FailureOr<SmallVector<double>> values = constantFloats(param);
  if (failed(values))
    return failure();
  ArrayRef<int64_t> ps = cast<RankedTensorType>(param.getType()).getShape();
  size_t rank = shape.size();
  if (ps.size() > rank)
    return failure();
  // The parameter's stride along each dimension of `shape` (0: broadcast).
  SmallVector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = ps.size(); i-- > 0;) {
    size_t d = rank - ps.size() + i;
    if (ps[i] != 1 && ps[i] != shape[d])
      return failure();
    strides[d] = ps[i] == 1 ? 0 : stride;
    stride *= ps[i];
  }
  int64_t total = 1;
  for (int64_t e : shape)
    total *= e;
  SmallVector<double> out(total);
  SmallVector<int64_t> index(rank, 0);
  int64_t at = 0;
  for (double &x : out) {
    x = (*values)[at];
    // Advance the multi-index, last dimension fastest.
    for (size_t d = rank; d-- > 0;) {
      at += strides[d];
      if (++index[d] < shape[d])
        break;
      at -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

/// The value of a one-element float constant.
static std::optional<double> scalarConstant(Value v) {
  FailureOr<SmallVector<double>> values = constantFloats(v);
  if (failed(values) || values->size() != 1)
    return std::nullopt;
  return (*values)[0];
}

/// The parts of `mul(sub(cast(q), zp), scale)` (or `mul(cast(q), scale)`,
/// the scale on either side): q, zero point and scale; null q otherwise.
struct DequantizeParts {
  Value q, zeroPoint, scale;
};
static DequantizeParts dequantizeParts(Value v) {
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul)
    return {};
  for (auto [x, scale] : {std::pair(mul.getLhs(), mul.getRhs()), {mul.getRhs(), mul.getLhs()}}) {
    if (!scale.getDefiningOp<ConstantOp>())
      continue;
    Value zp;
    if (auto sub = x.getDefiningOp<SubOp>()) {
      zp = sub.getRhs();
      x = sub.getLhs();
    }
    auto castOp = x.getDefiningOp<CastOp>();
    if (castOp && getElementTypeOrSelf(castOp.getInput()).isInteger(8) &&
        (!zp || zp.getDefiningOp<ConstantOp>()))
      return {castOp.getInput(), zp, scale};
  }
  return {};
}

std::optional<QuantizedTensor> mlir::aiopt::matchDequantize(Value v) {
  DequantizeParts p = dequantizeParts(v);
  if (!p.q || p.q.getType() != cast<RankedTensorType>(v.getType()).clone(
                                     getElementTypeOrSelf(p.q)))
    return std::nullopt;
  std::optional<double> scale = scalarConstant(p.scale);
  std::optional<double> zp = p.zeroPoint ? scalarConstant(p.zeroPoint) : 0.0;
  if (!scale || !zp || !(*scale > 0) || !std::isfinite(*scale) || *zp != std::nearbyint(*zp))
    return std::nullopt;
  bool isUnsigned = getElementTypeOrSelf(p.q).isUnsignedInteger();
  if (*zp < (isUnsigned ? 0 : -128) || *zp > (isUnsigned ? 255 : 127))
    return std::nullopt;
  return QuantizedTensor{p.q, static_cast<int64_t>(*zp), *scale};
}

FailureOr<SmallVector<double>> mlir::aiopt::weightValues(Value w) {
  FailureOr<SmallVector<double>> values = constantFloats(w);
  auto wt = cast<RankedTensorType>(w.getType());
  if (succeeded(values) || !wt.hasStaticShape() || !wt.getElementType().isF32())
    return values;
  DequantizeParts p = dequantizeParts(w);
  if (!p.q || cast<RankedTensorType>(p.q.getType()).getShape() != wt.getShape())
    return failure();
  FailureOr<SmallVector<double>> q = int8Constant(p.q);
  FailureOr<SmallVector<double>> scale = broadcastConstant(p.scale, wt.getShape());
  FailureOr<SmallVector<double>> zp =
      p.zeroPoint ? broadcastConstant(p.zeroPoint, wt.getShape())
                  : FailureOr<SmallVector<double>>(SmallVector<double>(q->size(), 0.0));
  if (failed(q) || failed(scale) || failed(zp))
    return failure();
  // As the float graph computes it: in f32.
  for (auto [x, z, s] : llvm::zip(*q, *zp, *scale))
    x = static_cast<float>(static_cast<float>(x - z) * static_cast<float>(s));
  return q;
}

namespace {

struct FoldQDQPass : aiopt::impl::FoldQDQPassBase<FoldQDQPass> {
  void runOnOperation() override {
    PatternRewriter rewriter(&getContext());
    for (Operation *op : quantizationCandidates(getOperation(), LayerSelection{})) {
      std::optional<QuantizedTensor> input = matchDequantize(quantizedActivation(op));
      if (input && failed(quantizeWithInput(rewriter, op, *input)))
        return signalPassFailure();
    }
  }
};

} // namespace
