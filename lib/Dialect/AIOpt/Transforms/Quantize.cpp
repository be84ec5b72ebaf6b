//===- Quantize.cpp - the aiopt-quantize pass ------------------------------===//
//
// Int8 quantization of convolutions and matrix products: weights quantized
// at compile time (symmetric, per output channel or per tensor), the
// activation quantized by ops placed before the contraction (a run-time
// range, or a calibrated one), an 8-bit contraction accumulating in i32,
// and a float epilogue that rescales, adds the bias and applies the
// activation. After lowering, the activation's quantization fuses with its
// producer's epilogue and the rescale with the contraction's.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "aiopt/Dialect/AIOpt/Transforms/Quantization.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>
#include <limits>

namespace mlir::aiopt {
#define GEN_PASS_DEF_QUANTIZEPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

//===----------------------------------------------------------------------===//
// Candidates
//===----------------------------------------------------------------------===//

std::string mlir::aiopt::layerName(Location loc) {
  std::string name;
  loc->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      name = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

StringRef mlir::aiopt::layerOpType(Operation *op) {
  if (isa<ConvOp>(op))
    return "Conv";
  if (isa<MatMulOp>(op))
    return "MatMul";
  if (isa<GemmOp>(op))
    return "Gemm";
  return "";
}

bool LayerSelection::selects(Operation *op) const {
  std::string name = layerName(op);
  StringRef type = layerOpType(op);
  auto listed = [&](const std::vector<std::string> &list) {
    return llvm::any_of(list, [&](const std::string &s) { return s == name || s == type; });
  };
  return (include.empty() || listed(include)) && !listed(exclude) &&
         !op->hasAttr(kKeepFloatAttr);
}

static bool isF32(Type t) { return getElementTypeOrSelf(t).isF32(); }
static bool isF32(Value v) { return isF32(v.getType()); }

/// A constant f32 operand with a static shape, or the dequantization of an
/// 8-bit constant: weights.
static bool isF32Weight(Value v) {
  return isF32(v) && cast<RankedTensorType>(v.getType()).hasStaticShape() &&
         succeeded(weightValues(v));
}

Value mlir::aiopt::quantizedActivation(Operation *op) { return op->getOperand(0); }

/// The weight operand of a candidate.
static Value weightOperand(Operation *op) { return op->getOperand(1); }

static bool isCandidate(Operation *op) {
  if (auto conv = dyn_cast<ConvOp>(op))
    return conv.getGroup() == 1 && isF32(conv.getInput()) && isF32Weight(conv.getFilter()) &&
           isF32(conv.getType()) &&
           (!conv.getBias() || conv.getBias().getDefiningOp<ConstantOp>());
  if (auto mm = dyn_cast<MatMulOp>(op))
    return isF32(mm.getLhs()) && isF32Weight(mm.getRhs()) &&
           cast<RankedTensorType>(mm.getRhs().getType()).getRank() == 2;
  if (auto gemm = dyn_cast<GemmOp>(op))
    return !gemm.getTransA() && isF32(gemm.getA()) && isF32Weight(gemm.getB());
  return false;
}

SmallVector<Operation *> mlir::aiopt::quantizationCandidates(Operation *root,
                                                             const LayerSelection &selection) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isCandidate(op) && selection.selects(op))
      ops.push_back(op);
  });
  return ops;
}

//===----------------------------------------------------------------------===//
// Quantization arithmetic
//===----------------------------------------------------------------------===//

namespace {

/// Weights as int8, one scale per output channel (or one in all), with the
/// sum of each channel's integers (for the activation zero point's term).
struct QuantizedWeights {
  SmallVector<int8_t> data; ///< in the integer op's layout
  SmallVector<double> scales, sums;
};

/// Quantizes `values` (row-major `shape`), whose output channels are
/// dimension `axis`, symmetrically to [-127, 127]; with `transpose2D` the
/// 2-D data is written transposed.
QuantizedWeights quantizeWeights(ArrayRef<double> values, ArrayRef<int64_t> shape, int64_t axis,
                                 bool perChannel, bool transpose2D) {
  AxisLayout layout = axisLayout(shape, axis);
  int64_t channels = layout.extent;
  auto channelOf = [&](size_t i) { return layout.indexOf(i); };
  QuantizedWeights w;
  SmallVector<double> maxAbs(perChannel ? channels : 1, 0.0);
  for (auto [i, x] : llvm::enumerate(values)) {
    double &m = maxAbs[perChannel ? channelOf(i) : 0];
    m = std::max(m, std::abs(x));
  }
  SmallVector<double> scale;
  for (double m : maxAbs)
    scale.push_back(m > 0 ? m / 127.0 : 1.0);
  w.scales.assign(channels, 0.0);
  w.sums.assign(channels, 0.0);
  for (int64_t c = 0; c < channels; ++c)
    w.scales[c] = scale[perChannel ? c : 0];
  w.data.resize(values.size());
  for (auto [i, x] : llvm::enumerate(values)) {
    int64_t c = channelOf(i);
    double q = std::clamp(std::nearbyint(x / w.scales[c]), -127.0, 127.0);
    size_t at = i;
    if (transpose2D)
      at = (i % shape[1]) * shape[0] + i / shape[1];
    w.data[at] = static_cast<int8_t>(q);
    w.sums[c] += q;
  }
  return w;
}

/// Static activation parameters from a calibrated range.
struct ActivationParams {
  double scale;
  int64_t zeroPoint, qmin, qmax;
};

ActivationParams activationParams(double lo, double hi, bool isUnsigned, bool symmetric) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  int64_t qmin = isUnsigned ? 0 : -128, qmax = isUnsigned ? 255 : 127;
  if (symmetric) {
    double m = std::max(-lo, hi);
    double scale = m > 0 ? m / 127.0 : 1.0;
    return {scale, isUnsigned ? 128 : 0, isUnsigned ? 1 : -127, isUnsigned ? 255 : 127};
  }
  double scale = hi > lo ? (hi - lo) / double(qmax - qmin) : 1.0;
  int64_t zp = static_cast<int64_t>(std::nearbyint(qmin - lo / scale));
  return {scale, std::clamp(zp, qmin, qmax), qmin, qmax};
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

struct Quantizer {
  PatternRewriter &rewriter;
  bool perChannel, dynamic, isUnsigned, symmetric;

  RankedTensorType f32Tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, rewriter.getF32Type());
  }
  Value scalar(Location loc, double x) {
    return createFloatConstant(rewriter, loc, f32Tensor({}), {x});
  }
  /// Per-channel `values` shaped to broadcast along dimension `axis` of a
  /// result of rank `rank` (trailing ones).
  Value channelVector(Location loc, ArrayRef<double> values, int64_t rank, int64_t axis) {
    SmallVector<int64_t> shape(rank - axis, 1);
    shape[0] = values.size();
    return createFloatConstant(rewriter, loc, f32Tensor(shape), values);
  }
  template <typename OpTy, typename... Args>
  Value make(Location loc, Type type, Args &&...args) {
    return OpTy::create(rewriter, loc, type, std::forward<Args>(args)...).getResult();
  }

  /// x quantized to the storage type `storage`: clip(round(x / s) + zp).
  Value quantize(Location loc, Value x, Value scale, int64_t zeroPoint, int64_t qmin,
                 int64_t qmax, Type storage) {
    auto xt = cast<RankedTensorType>(x.getType());
    Value v = make<DivOp>(loc, xt, x, scale);
    v = make<RoundOp>(loc, xt, v);
    if (zeroPoint != 0)
      v = make<AddOp>(loc, xt, v, scalar(loc, double(zeroPoint)));
    v = make<ClipOp>(loc, xt, v, rewriter.getF64FloatAttr(double(qmin)),
                     rewriter.getF64FloatAttr(double(qmax)));
    return make<CastOp>(loc, xt.clone(storage), v, rewriter.getBoolAttr(true));
  }

  /// The run-time scale max|x| / 127 of `x` (a 0-D tensor).
  Value dynamicScale(Location loc, Value x) {
    auto xt = cast<RankedTensorType>(x.getType());
    Value a = make<AbsOp>(loc, xt, x);
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, xt.getRank()));
    Value m = make<ReduceOp>(loc, f32Tensor({}),
                             ReduceKindAttr::get(rewriter.getContext(), ReduceKind::max), a,
                             rewriter.getDenseI64ArrayAttr(axes), rewriter.getBoolAttr(false));
    // An all-zero tensor quantizes to zeros with any scale.
    m = make<MaxOp>(loc, f32Tensor({}), m, scalar(loc, std::numeric_limits<float>::min()));
    return make<DivOp>(loc, f32Tensor({}), m, scalar(loc, 127.0));
  }

  /// Rewrites `op`; its activation is quantized here (dynamic or static),
  /// or is `given`.
  LogicalResult rewrite(Operation *op, const QuantizedTensor *given = nullptr);
};

/// Whether `values` are integers in [-127, 127] times max|v| / 127.
bool onInt8Grid(ArrayRef<double> values) {
  double m = 0;
  for (double v : values)
    m = std::max(m, std::abs(v));
  if (m == 0)
    return true;
  double s = m / 127.0;
  return llvm::all_of(values, [&](double v) {
    return std::abs(v / s - std::nearbyint(v / s)) <= 1e-3;
  });
}

LogicalResult Quantizer::rewrite(Operation *op, const QuantizedTensor *given) {
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t rank = resultType.getRank();
  Value x = quantizedActivation(op), w = weightOperand(op);
  auto wt = cast<RankedTensorType>(w.getType());
  FailureOr<SmallVector<double>> wValues = weightValues(w);
  if (failed(wValues))
    return op->emitError("quantization: the weights are not readable constants");

  // Output channels: dimension 1 of a convolution's result, the last of a
  // matrix product's.
  auto gemm = dyn_cast<GemmOp>(op);
  bool isConv = isa<ConvOp>(op);
  int64_t channelAxis = isConv ? 1 : rank - 1;
  int64_t weightAxis = isConv ? 0 : (gemm && gemm.getTransB() ? 0 : 1);
  bool transpose = gemm && gemm.getTransB();
  bool channels = given ? !onInt8Grid(*wValues) : perChannel;
  QuantizedWeights qw = quantizeWeights(*wValues, wt.getShape(), weightAxis, channels, transpose);
  if (gemm) {
    double alpha = gemm.getAlpha().convertToDouble();
    for (double &s : qw.scales)
      s *= alpha;
  }

  // The activation, always int8: uint8 values q become q - 128 with the
  // zero point z - 128 (the same real values), so the contraction is
  // signed x signed and takes the tiled kernels.
  Type storage = rewriter.getI8Type();
  Value xScale, xq;
  int64_t zeroPoint = 0;
  SmallVector<double> channelScale = qw.scales;
  if (given) {
    xq = given->data;
    zeroPoint = given->zeroPoint;
    if (getElementTypeOrSelf(xq).isUnsignedInteger()) {
      auto qt = cast<RankedTensorType>(xq.getType());
      Value f = make<CastOp>(loc, qt.clone(rewriter.getF32Type()), xq, rewriter.getBoolAttr(true));
      f = make<SubOp>(loc, f.getType(), f, scalar(loc, 128.0));
      xq = make<CastOp>(loc, qt.clone(storage), f, rewriter.getBoolAttr(true));
      zeroPoint -= 128;
    }
    for (double &s : channelScale)
      s *= given->scale;
  } else if (dynamic) {
    xScale = dynamicScale(loc, x);
    xq = quantize(loc, x, xScale, 0, -127, 127, storage);
  } else {
    auto range = op->getAttrOfType<DenseF64ArrayAttr>(kActivationRangeAttr);
    if (!range || range.size() != 2 || !std::isfinite(range[0]) || !std::isfinite(range[1]) ||
        range[0] > range[1])
    {
      std::string name = layerName(op);
      return op->emitError("static quantization of ")
             << (name.empty() ? "a " + layerOpType(op).str()
                              : layerOpType(op).str() + " node '" + name + "'")
             << " needs a calibrated activation range (" << kActivationRangeAttr << ")";
    }
    ActivationParams p = activationParams(range[0], range[1], isUnsigned, symmetric);
    if (isUnsigned) {
      p.zeroPoint -= 128;
      p.qmin -= 128;
      p.qmax -= 128;
    }
    zeroPoint = p.zeroPoint;
    xq = quantize(loc, x, scalar(loc, p.scale), p.zeroPoint, p.qmin, p.qmax, storage);
    for (double &s : channelScale)
      s *= p.scale;
  }

  // The integer contraction.
  SmallVector<int64_t> qwShape(wt.getShape());
  if (transpose)
    std::swap(qwShape[0], qwShape[1]);
  auto qwType = RankedTensorType::get(qwShape, rewriter.getI8Type());
  Value qWeights = createRawConstant(
      rewriter, loc, qwType,
      ArrayRef<char>(reinterpret_cast<const char *>(qw.data.data()), qw.data.size()));
  auto accType = resultType.clone(rewriter.getI32Type());
  Value acc;
  if (auto conv = dyn_cast<ConvOp>(op)) {
    auto intConv = ConvOp::create(rewriter, loc, accType, xq, qWeights, Value(),
                                  conv.getStridesAttr(), conv.getPadsAttr(),
                                  conv.getDilationsAttr(), conv.getGroupAttr());
    // Padding holds the zero point: the real zero, whose term the bias
    // correction below removes like any other input's.
    if (zeroPoint != 0)
      padConvInput(rewriter, intConv, double(zeroPoint));
    acc = intConv;
  } else {
    acc = make<MatMulOp>(loc, accType, xq, qWeights);
  }

  // The float epilogue: rescale, bias (with the zero point's term), the
  // op's own bias or C, then its activation.
  Value y = make<CastOp>(loc, resultType, acc, rewriter.getBoolAttr(true));
  Value scale = channelVector(loc, channelScale, rank, channelAxis);
  if (xScale)
    scale = make<MulOp>(loc, cast<RankedTensorType>(scale.getType()), scale, xScale);
  y = make<MulOp>(loc, resultType, y, scale);
  SmallVector<double> bias(channelScale.size(), 0.0);
  bool hasBias = false;
  for (auto [c, s] : llvm::enumerate(channelScale)) {
    bias[c] = -s * double(zeroPoint) * qw.sums[c];
    hasBias |= bias[c] != 0;
  }
  Value extra;
  if (auto conv = dyn_cast<ConvOp>(op))
    extra = conv.getBias();
  else if (auto mm = dyn_cast<MatMulOp>(op))
    extra = mm.getBias();
  double beta = gemm ? gemm.getBeta().convertToDouble() : 1.0;
  if (gemm && beta != 0)
    extra = gemm.getC();
  if (extra) {
    // A conv's bias is 1-D (and constant, see isCandidate).
    FailureOr<SmallVector<double>> b =
        isConv ? channelConstant(extra, 1, 0, resultType.getDimSize(1))
               : channelConstant(extra, rank, channelAxis, resultType.getDimSize(channelAxis));
    if (succeeded(b)) {
      for (auto [c, v] : llvm::enumerate(*b))
        bias[c] += beta * v;
      hasBias = true;
      extra = Value();
    }
  }
  if (hasBias)
    y = make<AddOp>(loc, resultType, y, channelVector(loc, bias, rank, channelAxis));
  if (extra) {
    if (beta != 1)
      extra = make<MulOp>(loc, cast<RankedTensorType>(extra.getType()), extra, scalar(loc, beta));
    y = make<AddOp>(loc, resultType, y, extra);
  }
  auto activation = op->getAttrOfType<ActivationAttr>("activation");
  auto params = op->getAttrOfType<DenseF64ArrayAttr>("activation_params");
  y = applyActivation(rewriter, loc,
                      activation ? std::optional<Activation>(activation.getValue()) : std::nullopt,
                      params ? std::optional<ArrayRef<double>>(params.asArrayRef()) : std::nullopt,
                      y);
  rewriter.replaceOp(op, y);
  return success();
}

} // namespace

LogicalResult mlir::aiopt::quantizeWithInput(PatternRewriter &rewriter, Operation *op,
                                             const QuantizedTensor &input) {
  Quantizer q{rewriter, /*perChannel=*/true, /*dynamic=*/false, /*isUnsigned=*/false,
              /*symmetric=*/false};
  return q.rewrite(op, &input);
}

namespace {

struct QuantizePass : aiopt::impl::QuantizePassBase<QuantizePass> {
  using QuantizePassBase::QuantizePassBase;

  void runOnOperation() override {
    Operation *root = getOperation();
    if (mode != "dynamic" && mode != "static") {
      root->emitError("aiopt-quantize: mode '") << mode << "' is not dynamic or static";
      return signalPassFailure();
    }
    if (activationType != "int8" && activationType != "uint8") {
      root->emitError("aiopt-quantize: activation-type '")
          << activationType << "' is not int8 or uint8";
      return signalPassFailure();
    }
    LayerSelection selection{std::vector<std::string>(ops.begin(), ops.end()),
                             std::vector<std::string>(exclude.begin(), exclude.end())};
    PatternRewriter rewriter(&getContext());
    Quantizer q{rewriter, perChannel, mode == "dynamic", activationType == "uint8",
                symmetricActivations};
    for (Operation *op : quantizationCandidates(root, selection))
      if (failed(q.rewrite(op)))
        return signalPassFailure();
  }
};

} // namespace
