//===- AIOptOps.cpp - aiopt result-type inference and verifiers -----------===//
//
// Result-type inference (ONNX shape rules) and verifiers of aiopt operations.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/IR/Winograd.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::aiopt;

static constexpr int64_t kDyn = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>>
mlir::aiopt::broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> result(rank, 1);
  for (ArrayRef<int64_t> s : shapes) {
    size_t offset = rank - s.size();
    for (auto [i, d] : llvm::enumerate(s)) {
      int64_t &r = result[offset + i];
      if (d == 1 || d == r)
        continue;
      if (r == 1 || r == kDyn) {
        r = d == kDyn ? r == 1 ? kDyn : r : d;
        continue;
      }
      if (d == kDyn)
        continue;
      return failure();
    }
  }
  return result;
}

int64_t mlir::aiopt::windowOutputSize(int64_t in, int64_t kernel,
                                      int64_t stride, int64_t padBegin,
                                      int64_t padEnd, int64_t dilation,
                                      bool ceilMode) {
  if (in == kDyn)
    return kDyn;
  int64_t span = (kernel - 1) * dilation + 1;
  int64_t room = in + padBegin + padEnd - span;
  if (room < 0)
    return 0;
  int64_t out = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1;
  // In ceil mode the last window must start inside the input or left pad.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

static RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

/// Whether `t` is an 8-bit integer type (i8 or ui8): a quantized operand.
static bool isInt8(Type t) { return t.isInteger(8); }

/// The element type of a contraction's result over operands of `lhs` and
/// `rhs` elements: i32 for 8-bit integers (either signedness on each side),
/// else their common type; null when they do not combine.
static Type contractionResultType(Type lhs, Type rhs) {
  if (isInt8(lhs) && isInt8(rhs))
    return IntegerType::get(lhs.getContext(), 32);
  return lhs == rhs ? lhs : Type();
}

/// A contraction's result element type from its operands' `et`: `et`, or
/// with `accumulate` (mixed precision) f32 for f16 or bf16 operands.
static FailureOr<Type> accumulatorType(Type et, std::optional<Type> accumulate,
                                       std::optional<Location> loc) {
  if (!accumulate)
    return et;
  if (!accumulate->isF32() || !(et.isF16() || et.isBF16()))
    return emitOptionalError(loc, "accumulate = ", *accumulate,
                             " needs f16 or bf16 operands and f32 (got ", et, ")");
  return *accumulate;
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (d == kDyn)
      os << "?";
    else
      os << d;
  });
  os << "]";
  return s;
}

/// `shape` without the dimensions in `axes`, or with them as 1 (keepdims).
static SmallVector<int64_t> reducedShape(ArrayRef<int64_t> shape,
                                         ArrayRef<int64_t> axes, bool keepdims) {
  SmallVector<int64_t> out;
  for (auto [d, extent] : llvm::enumerate(shape)) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(d)))
      out.push_back(extent);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

/// Checks that `values` has one entry per spatial dimension.
static LogicalResult checkSize(std::optional<Location> loc, StringRef name,
                               ArrayRef<int64_t> values, size_t expected) {
  if (values.size() != expected)
    return emitOptionalError(loc, "'", name, "' has ", values.size(),
                             " entries, expected ", expected);
  return success();
}

/// Reads an inherent attribute from the adaptor's properties or, while the
/// op is being parsed (properties are filled after type inference), from its
/// attribute dictionary.
template <typename AttrT, typename AdaptorT>
static AttrT attrOf(AdaptorT &adaptor, AttrT fromProperties, StringRef name) {
  if (fromProperties)
    return fromProperties;
  DictionaryAttr dict = adaptor.getAttributes();
  return dict ? dict.getAs<AttrT>(name) : AttrT();
}

/// A required dense i64 array attribute, or an error.
template <typename AdaptorT>
static FailureOr<ArrayRef<int64_t>>
arrayAttr(AdaptorT &adaptor, DenseI64ArrayAttr fromProperties, StringRef name,
          std::optional<Location> loc) {
  DenseI64ArrayAttr a = attrOf(adaptor, fromProperties, name);
  if (!a)
    return emitOptionalError(loc, "missing attribute '", name, "'");
  return a.asArrayRef();
}

/// A boolean attribute with a default.
template <typename AdaptorT>
static bool boolAttr(AdaptorT &adaptor, BoolAttr fromProperties, StringRef name,
                     bool dflt) {
  BoolAttr a = attrOf(adaptor, fromProperties, name);
  return a ? a.getValue() : dflt;
}

/// A required integer attribute, or an error.
template <typename AdaptorT>
static FailureOr<int64_t> intAttr(AdaptorT &adaptor, IntegerAttr fromProperties,
                                  StringRef name, std::optional<Location> loc) {
  IntegerAttr a = attrOf(adaptor, fromProperties, name);
  if (!a)
    return emitOptionalError(loc, "missing attribute '", name, "'");
  return a.getInt();
}

/// A contraction's `accumulate` type (mixed precision), if any.
template <typename AdaptorT>
static std::optional<Type> accumulateOf(AdaptorT &adaptor) {
  TypeAttr a = attrOf(adaptor, adaptor.getAccumulateAttr(), "accumulate");
  return a ? std::optional<Type>(a.getValue()) : std::nullopt;
}

/// The required `axis` attribute, checked to lie in [0, rank).
template <typename AdaptorT>
static FailureOr<int64_t> axisAttr(AdaptorT &adaptor, int64_t rank,
                                   std::optional<Location> loc) {
  FailureOr<int64_t> axis = intAttr(adaptor, adaptor.getAxisAttr(), "axis", loc);
  if (failed(axis))
    return failure();
  if (*axis < 0 || *axis >= rank)
    return emitOptionalError(loc, "axis ", *axis, " out of range");
  return axis;
}

/// Strides, dilations and pads of a sliding-window op over `n` spatial dims.
struct WindowAttrs {
  ArrayRef<int64_t> strides, dilations, pads;
};

/// Reads and checks the window attributes shared by conv and pool: one
/// positive stride and dilation per spatial dim, non-negative begin and end
/// pads.
template <typename AdaptorT>
static FailureOr<WindowAttrs> windowAttrs(AdaptorT &adaptor, size_t n,
                                          std::optional<Location> loc) {
  auto strides = arrayAttr(adaptor, adaptor.getStridesAttr(), "strides", loc);
  auto dilations = arrayAttr(adaptor, adaptor.getDilationsAttr(), "dilations", loc);
  auto pads = arrayAttr(adaptor, adaptor.getPadsAttr(), "pads", loc);
  if (failed(strides) || failed(dilations) || failed(pads) ||
      failed(checkSize(loc, "strides", *strides, n)) ||
      failed(checkSize(loc, "dilations", *dilations, n)) ||
      failed(checkSize(loc, "pads", *pads, 2 * n)))
    return failure();
  for (size_t i = 0; i < n; ++i)
    if ((*strides)[i] < 1 || (*dilations)[i] < 1)
      return emitOptionalError(loc, "strides and dilations must be positive");
  if (llvm::any_of(*pads, [](int64_t p) { return p < 0; }))
    return emitOptionalError(loc, "pads must be non-negative");
  return WindowAttrs{*strides, *dilations, *pads};
}

//===----------------------------------------------------------------------===//
// Elementwise broadcasting operations
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(std::optional<Location> loc,
                                    ValueRange operands, Type elementType,
                                    SmallVectorImpl<Type> &types) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : operands)
    shapes.push_back(cast<RankedTensorType>(v.getType()).getShape());
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(shapes);
  if (failed(shape)) {
    std::string all;
    for (ArrayRef<int64_t> s : shapes)
      all += (all.empty() ? "" : " and ") + shapeStr(s);
    return emitOptionalError(loc, "operand shapes ", all,
                             " are not broadcast-compatible");
  }
  types.push_back(tensorOf(*shape, elementType));
  return success();
}

/// Binary operations require operands of one element type; comparisons
/// return i1.
static LogicalResult inferBinary(MLIRContext *ctx, std::optional<Location> loc,
                                 Value lhs, Value rhs, bool isComparison,
                                 SmallVectorImpl<Type> &types) {
  Type lt = getElementTypeOrSelf(lhs.getType());
  Type rt = getElementTypeOrSelf(rhs.getType());
  if (lt != rt)
    return emitOptionalError(loc, "operand element types differ: ", lt,
                             " vs ", rt);
  return inferBroadcast(loc, ValueRange{lhs, rhs},
                        isComparison ? IntegerType::get(ctx, 1) : lt, types);
}

#define AIOPT_BINARY_INFER(OP, IS_COMPARISON)                                  \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx,                         \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    return inferBinary(ctx, loc, adaptor.getLhs(), adaptor.getRhs(),           \
                       IS_COMPARISON, types);                                  \
  }
AIOPT_BINARY_INFER(AddOp, false)
AIOPT_BINARY_INFER(SubOp, false)
AIOPT_BINARY_INFER(MulOp, false)
AIOPT_BINARY_INFER(DivOp, false)
AIOPT_BINARY_INFER(PowOp, false)
AIOPT_BINARY_INFER(MaxOp, false)
AIOPT_BINARY_INFER(MinOp, false)
AIOPT_BINARY_INFER(AndOp, false)
AIOPT_BINARY_INFER(OrOp, false)
AIOPT_BINARY_INFER(PReluOp, false)
AIOPT_BINARY_INFER(XorOp, false)
AIOPT_BINARY_INFER(ModOp, false)
AIOPT_BINARY_INFER(BitShiftOp, false)
AIOPT_BINARY_INFER(EqualOp, true)
AIOPT_BINARY_INFER(LessOp, true)
AIOPT_BINARY_INFER(LessEqualOp, true)
AIOPT_BINARY_INFER(GreaterOp, true)
AIOPT_BINARY_INFER(GreaterEqualOp, true)
#undef AIOPT_BINARY_INFER

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  Type lt = getElementTypeOrSelf(adaptor.getLhs().getType());
  if (lt != getElementTypeOrSelf(adaptor.getRhs().getType()))
    return emitOptionalError(loc, "value operands have different element types");
  return inferBroadcast(loc, adaptor.getOperands(), lt, types);
}

/// Storage bits of an element type: booleans are bytes.
static unsigned storageBits(Type t) {
  return t.isInteger(1) ? 8 : t.getIntOrFloatBitWidth();
}

LogicalResult BitcastOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getType());
  if (in.getShape() != out.getShape())
    return emitOpError("changes the shape");
  if (storageBits(in.getElementType()) != storageBits(out.getElementType()))
    return emitOpError("element types ") << in.getElementType() << " and "
                                         << out.getElementType() << " differ in width";
  return success();
}

LogicalResult ClipOp::verify() {
  if (getMin() && getMax() && getMin()->convertToDouble() > getMax()->convertToDouble())
    return emitOpError("min ") << getMin()->convertToDouble()
                               << " exceeds max " << getMax()->convertToDouble();
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

/// Checks the epilogue activation of a matmul, gemm or conv: float results
/// only, and the parameters it takes (clip: min <= max; leaky_relu: alpha).
static LogicalResult verifyEpilogue(Operation *op, std::optional<Activation> activation,
                                    std::optional<ArrayRef<double>> params) {
  if (!activation) {
    if (params)
      return op->emitOpError("has activation parameters but no activation");
    return success();
  }
  if (!isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType())))
    return op->emitOpError("activation needs a float result");
  size_t want = *activation == Activation::clip ? 2 : *activation == Activation::leaky_relu ? 1 : 0;
  size_t have = params ? params->size() : 0;
  if (have != want)
    return op->emitOpError("activation ") << stringifyActivation(*activation) << " takes "
                                          << want << " parameters, not " << have;
  if (*activation == Activation::clip && (*params)[0] > (*params)[1])
    return op->emitOpError("clip minimum exceeds its maximum");
  return success();
}

Value mlir::aiopt::applyActivation(OpBuilder &b, Location loc,
                                   std::optional<Activation> activation,
                                   std::optional<ArrayRef<double>> params, Value x) {
  if (!activation)
    return x;
  Type t = x.getType();
  ArrayRef<double> p = params.value_or(ArrayRef<double>());
  switch (*activation) {
  case Activation::relu:
    return ReluOp::create(b, loc, t, x);
  case Activation::clip:
    return ClipOp::create(b, loc, t, x, b.getF64FloatAttr(p[0]), b.getF64FloatAttr(p[1]));
  case Activation::sigmoid:
    return SigmoidOp::create(b, loc, t, x);
  case Activation::silu:
    return SiluOp::create(b, loc, t, x);
  case Activation::gelu:
  case Activation::gelu_tanh:
    return GeluOp::create(b, loc, t, x,
                          b.getBoolAttr(*activation == Activation::gelu_tanh));
  case Activation::hard_swish:
    return HardSwishOp::create(b, loc, t, x);
  case Activation::leaky_relu:
    return LeakyReluOp::create(b, loc, t, x, b.getF32FloatAttr(p[0]));
  case Activation::tanh:
    return TanhOp::create(b, loc, t, x);
  }
  llvm_unreachable("unknown activation");
}

void mlir::aiopt::padConvInput(OpBuilder &b, ConvOp conv, double value) {
  ArrayRef<int64_t> pads = conv.getPads();
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(conv);
  auto xt = cast<RankedTensorType>(conv.getInput().getType());
  size_t n = pads.size() / 2;
  SmallVector<int64_t> full = {0, 0}, shape(xt.getShape());
  llvm::append_range(full, pads.take_front(n));
  full.append({0, 0});
  llvm::append_range(full, pads.drop_front(n));
  for (size_t i = 0; i < n; ++i)
    if (!ShapedType::isDynamic(shape[2 + i]))
      shape[2 + i] += pads[i] + pads[n + i];
  Value padded = PadOp::create(b, conv.getLoc(), xt.clone(shape), conv.getInput(),
                               b.getDenseI64ArrayAttr(full), b.getF64FloatAttr(value),
                               PadModeAttr::get(b.getContext(), PadMode::constant));
  conv.getInputMutable().assign(padded);
  conv.setPadsAttr(b.getDenseI64ArrayAttr(SmallVector<int64_t>(pads.size(), 0)));
}

LogicalResult MatMulOp::verify() {
  if (Value bias = getBias()) {
    auto type = cast<RankedTensorType>(getType());
    ArrayRef<int64_t> bs = cast<RankedTensorType>(bias.getType()).getShape();
    FailureOr<SmallVector<int64_t>> b = broadcastShapes({type.getShape(), bs});
    if (failed(b) || ArrayRef<int64_t>(*b) != type.getShape())
      return emitOpError("bias of shape ") << shapeStr(bs) << " does not broadcast to the result";
    if (getElementTypeOrSelf(bias) != type.getElementType())
      return emitOpError("bias element type ")
             << getElementTypeOrSelf(bias) << " is not the result's, " << type.getElementType();
  }
  return verifyEpilogue(*this, getActivation(), getActivationParams());
}

LogicalResult GemmOp::verify() {
  if (Value c = getC(); c && getElementTypeOrSelf(c) != getType().getElementType())
    return emitOpError("C element type ")
           << getElementTypeOrSelf(c) << " is not the result's, " << getType().getElementType();
  return verifyEpilogue(*this, getActivation(), getActivationParams());
}

LogicalResult ConvOp::verify() {
  return verifyEpilogue(*this, getActivation(), getActivationParams());
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto lt = cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rt = cast<RankedTensorType>(adaptor.getRhs().getType());
  Type et = contractionResultType(lt.getElementType(), rt.getElementType());
  if (!et)
    return emitOptionalError(loc, "operand element types differ");
  FailureOr<Type> resultType = accumulatorType(et, accumulateOf(adaptor), loc);
  if (failed(resultType))
    return failure();
  if (lt.getRank() < 2 || rt.getRank() < 2)
    return emitOptionalError(loc, "operands must have rank >= 2 (got ",
                             lt.getRank(), " and ", rt.getRank(), ")");
  ArrayRef<int64_t> l = lt.getShape(), r = rt.getShape();
  int64_t k1 = l.back(), k2 = r[r.size() - 2];
  if (k1 != kDyn && k2 != kDyn && k1 != k2)
    return emitOptionalError(loc, "contracting dimensions differ: ", k1, " vs ", k2);
  FailureOr<SmallVector<int64_t>> batch =
      broadcastShapes({l.drop_back(2), r.drop_back(2)});
  if (failed(batch))
    return emitOptionalError(loc, "batch dimensions are not broadcast-compatible");
  SmallVector<int64_t> shape = *batch;
  shape.push_back(l[l.size() - 2]);
  shape.push_back(r.back());
  types.push_back(tensorOf(shape, *resultType));
  return success();
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto at = cast<RankedTensorType>(adaptor.getA().getType());
  auto bt = cast<RankedTensorType>(adaptor.getB().getType());
  if (at.getRank() != 2 || bt.getRank() != 2)
    return emitOptionalError(loc, "A and B must be 2-D");
  bool ta = boolAttr(adaptor, adaptor.getTransAAttr(), "transA", false);
  bool tb = boolAttr(adaptor, adaptor.getTransBAttr(), "transB", false);
  int64_t m = at.getDimSize(ta ? 1 : 0), k1 = at.getDimSize(ta ? 0 : 1);
  int64_t k2 = bt.getDimSize(tb ? 1 : 0), n = bt.getDimSize(tb ? 0 : 1);
  if (k1 != kDyn && k2 != kDyn && k1 != k2)
    return emitOptionalError(loc, "contracting dimensions differ: ", k1, " vs ", k2);
  SmallVector<int64_t> shape = {m, n};
  if (Value c = adaptor.getC()) {
    ArrayRef<int64_t> cs = cast<RankedTensorType>(c.getType()).getShape();
    FailureOr<SmallVector<int64_t>> b = broadcastShapes({shape, cs});
    if (cs.size() > 2 || failed(b))
      return emitOptionalError(loc, "C of shape ", shapeStr(cs),
                               " does not broadcast to ", shapeStr(shape));
  }
  if (at.getElementType() != bt.getElementType())
    return emitOptionalError(loc, "A and B element types differ");
  FailureOr<Type> et = accumulatorType(at.getElementType(), accumulateOf(adaptor), loc);
  if (failed(et))
    return failure();
  types.push_back(tensorOf(shape, *et));
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  auto ft = cast<RankedTensorType>(adaptor.getFilter().getType());
  if (it.getRank() < 3 || it.getRank() != ft.getRank())
    return emitOptionalError(loc, "input and filter must have the same rank >= 3");
  if (!ft.hasStaticShape())
    return emitOptionalError(loc, "filter shape must be static");
  Type et = contractionResultType(it.getElementType(), ft.getElementType());
  if (!et || (et.isInteger() && !isInt8(it.getElementType()) && !et.isSignlessInteger(32)) ||
      (!et.isInteger() && !isa<FloatType>(et)))
    return emitOptionalError(loc, "input and filter must be of one float type, 8-bit "
                                  "integers or i32");
  FailureOr<Type> accumulated = accumulatorType(et, accumulateOf(adaptor), loc);
  if (failed(accumulated))
    return failure();
  et = *accumulated;
  size_t n = it.getRank() - 2;
  FailureOr<WindowAttrs> w = windowAttrs(adaptor, n, loc);
  auto groupAttr = intAttr(adaptor, adaptor.getGroupAttr(), "group", loc);
  if (failed(w) || failed(groupAttr))
    return failure();
  int64_t group = *groupAttr;
  int64_t c = it.getDimSize(1), m = ft.getDimSize(0);
  if (group < 1 || m % group != 0)
    return emitOptionalError(loc, "group ", group,
                             " does not divide the output channels ", m);
  if (c != kDyn && c != ft.getDimSize(1) * group)
    return emitOptionalError(loc, "input channels ", c, " != filter channels ",
                             ft.getDimSize(1), " x group ", group);
  if (Value b = adaptor.getBias()) {
    auto bt = cast<RankedTensorType>(b.getType());
    if (bt.getRank() != 1 || bt.getDimSize(0) != m || bt.getElementType() != et)
      return emitOptionalError(loc, "bias must be 1-D of size ", m, " and of the result type");
  }
  SmallVector<int64_t> shape = {it.getDimSize(0), m};
  for (size_t i = 0; i < n; ++i) {
    shape.push_back(windowOutputSize(it.getDimSize(i + 2), ft.getDimSize(i + 2),
                                     w->strides[i], w->pads[i], w->pads[i + n],
                                     w->dilations[i], /*ceilMode=*/false));
  }
  types.push_back(tensorOf(shape, et));
  return success();
}

//===----------------------------------------------------------------------===//
// aiopt.winograd_input / aiopt.winograd_output
//===----------------------------------------------------------------------===//

/// Checks the tile and kernel sizes of a winograd op.
static LogicalResult checkTileAndKernel(std::optional<Location> loc, int64_t m, int64_t r) {
  if (!winogradMatrices(m, r))
    return emitOptionalError(loc, "tile ", m, " and kernel ", r,
                             " have no Winograd transform (tile >= 1, kernel >= 2, "
                             "tile + kernel - 2 <= ",
                             kWinogradMaxPoints, ")");
  return success();
}

static RankedTensorType staticTensor(Type t) {
  auto rt = dyn_cast<RankedTensorType>(t);
  return rt && rt.hasStaticShape() ? rt : RankedTensorType();
}

LogicalResult WinogradInputOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  RankedTensorType it = staticTensor(adaptor.getInput().getType());
  if (!it || it.getRank() != 4)
    return emitOptionalError(loc, "input must be a static N x C x H x W tensor");
  FailureOr<int64_t> m = intAttr(adaptor, adaptor.getTileAttr(), "tile", loc);
  FailureOr<int64_t> r = intAttr(adaptor, adaptor.getKernelAttr(), "kernel", loc);
  FailureOr<ArrayRef<int64_t>> padsAttr = arrayAttr(adaptor, adaptor.getPadsAttr(), "pads", loc);
  if (failed(m) || failed(r) || failed(padsAttr) || failed(checkTileAndKernel(loc, *m, *r)))
    return failure();
  ArrayRef<int64_t> pads = *padsAttr;
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return emitOptionalError(loc, "pads must be 4 non-negative values (top, left, bottom, right)");
  int64_t oh = it.getDimSize(2) + pads[0] + pads[2] - *r + 1;
  int64_t ow = it.getDimSize(3) + pads[1] + pads[3] - *r + 1;
  if (oh < 1 || ow < 1)
    return emitOptionalError(loc, "the padded input is smaller than the kernel");
  int64_t alpha = *m + *r - 1;
  int64_t tiles = it.getDimSize(0) * winogradTiles(oh, *m) * winogradTiles(ow, *m);
  types.push_back(
      RankedTensorType::get({alpha * alpha, tiles, it.getDimSize(1)}, it.getElementType()));
  return success();
}

LogicalResult WinogradOutputOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  RankedTensorType pt = staticTensor(adaptor.getProducts().getType());
  if (!pt || pt.getRank() != 3)
    return emitOptionalError(loc, "products must be a static alpha^2 x tiles x F tensor");
  FailureOr<int64_t> m = intAttr(adaptor, adaptor.getTileAttr(), "tile", loc);
  FailureOr<int64_t> r = intAttr(adaptor, adaptor.getKernelAttr(), "kernel", loc);
  FailureOr<ArrayRef<int64_t>> sizeAttr =
      arrayAttr(adaptor, adaptor.getOutputSizeAttr(), "output_size", loc);
  if (failed(m) || failed(r) || failed(sizeAttr) || failed(checkTileAndKernel(loc, *m, *r)))
    return failure();
  int64_t alpha = *m + *r - 1;
  if (pt.getDimSize(0) != alpha * alpha)
    return emitOptionalError(loc, "products have ", pt.getDimSize(0),
                             " transformed positions, not alpha^2 = ", alpha * alpha);
  ArrayRef<int64_t> size = *sizeAttr;
  if (size.size() != 2 || size[0] < 1 || size[1] < 1)
    return emitOptionalError(loc, "output_size must be 2 positive values (height, width)");
  int64_t perImage = winogradTiles(size[0], *m) * winogradTiles(size[1], *m);
  if (pt.getDimSize(1) % perImage != 0)
    return emitOptionalError(loc, "products have ", pt.getDimSize(1),
                             " tiles, not a multiple of the ", perImage,
                             " tiles of one output image");
  int64_t f = pt.getDimSize(2);
  if (Value bias = adaptor.getBias()) {
    auto bt = cast<RankedTensorType>(bias.getType());
    if (bt.getRank() != 1 || bt.getDimSize(0) != f || bt.getElementType() != pt.getElementType())
      return emitOptionalError(loc, "bias must be 1-D of size ", f, " and of the products' type");
  }
  types.push_back(RankedTensorType::get({pt.getDimSize(1) / perImage, f, size[0], size[1]},
                                        pt.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization, pooling, reductions
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::verify() {
  int64_t c = getInput().getType().getDimSize(1);
  for (Value v : {getScale(), getBias(), getMean(), getVariance()}) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != 1 || (c != kDyn && t.getDimSize(0) != c))
      return emitOpError("parameters must be 1-D with one entry per channel (")
             << c << ")";
  }
  return success();
}

LogicalResult PoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  if (it.getRank() < 3)
    return emitOptionalError(loc, "input must have rank >= 3");
  size_t n = it.getRank() - 2;
  auto kernel = arrayAttr(adaptor, adaptor.getKernelShapeAttr(), "kernel_shape", loc);
  FailureOr<WindowAttrs> w = windowAttrs(adaptor, n, loc);
  if (failed(kernel) || failed(w) ||
      failed(checkSize(loc, "kernel_shape", *kernel, n)))
    return failure();
  bool ceilMode = boolAttr(adaptor, adaptor.getCeilModeAttr(), "ceil_mode", false);
  SmallVector<int64_t> shape(it.getShape().take_front(2));
  for (size_t i = 0; i < n; ++i) {
    int64_t k = (*kernel)[i];
    if (k < 1)
      return emitOptionalError(loc, "kernel_shape must be positive");
    if (w->pads[i] >= k || w->pads[i + n] >= k)
      return emitOptionalError(loc, "pads must be smaller than the kernel");
    shape.push_back(windowOutputSize(it.getDimSize(i + 2), k, w->strides[i],
                                     w->pads[i], w->pads[i + n], w->dilations[i],
                                     ceilMode));
  }
  types.push_back(tensorOf(shape, it.getElementType()));
  return success();
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  auto axesAttr = arrayAttr(adaptor, adaptor.getAxesAttr(), "axes", loc);
  if (failed(axesAttr))
    return failure();
  ArrayRef<int64_t> axes = *axesAttr;
  bool keepdims = boolAttr(adaptor, adaptor.getKeepdimsAttr(), "keepdims", true);
  for (auto [i, a] : llvm::enumerate(axes))
    if (a < 0 || a >= it.getRank() || (i > 0 && axes[i - 1] >= a))
      return emitOptionalError(loc, "axes must be sorted, unique and in [0, ",
                               it.getRank(), ")");
  types.push_back(tensorOf(reducedShape(it.getShape(), axes, keepdims),
                           it.getElementType()));
  return success();
}

/// Reductions whose result goes through sqrt, log or exp.
static bool needsFloat(ReduceKind kind) {
  return kind == ReduceKind::l2 || kind == ReduceKind::log_sum ||
         kind == ReduceKind::log_sum_exp;
}

LogicalResult ReduceOp::verify() {
  if (needsFloat(getKind()) && !isa<FloatType>(getInput().getType().getElementType()))
    return emitOpError("reduction '") << stringifyReduceKind(getKind())
                                      << "' needs a float element type";
  return success();
}

LogicalResult ArgReduceOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  FailureOr<int64_t> axis = axisAttr(adaptor, it.getRank(), loc);
  if (failed(axis))
    return failure();
  bool keepdims = boolAttr(adaptor, adaptor.getKeepdimsAttr(), "keepdims", true);
  types.push_back(tensorOf(reducedShape(it.getShape(), {*axis}, keepdims),
                           IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult ArgReduceOp::verify() {
  if (getKind() != ReduceKind::max && getKind() != ReduceKind::min)
    return emitOpError("kind must be max or min");
  return success();
}

LogicalResult GatherNDOp::verify() {
  auto dt = cast<RankedTensorType>(getData().getType());
  auto it = cast<RankedTensorType>(getIndices().getType());
  int64_t b = getBatchDims();
  if (it.getRank() < 1 || it.isDynamicDim(it.getRank() - 1))
    return emitOpError("indices need a static last dimension");
  int64_t k = it.getDimSize(it.getRank() - 1);
  if (b < 0 || b >= it.getRank() || b + k > dt.getRank())
    return emitOpError("batch_dims ") << b << " and tuples of " << k
                                      << " do not fit data of rank " << dt.getRank();
  SmallVector<int64_t> expected(it.getShape().drop_back());
  llvm::append_range(expected, dt.getShape().drop_front(b + k));
  if (cast<RankedTensorType>(getType()).getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result must have shape indices.shape[:-1] ++ data.shape[batch_dims + k:]");
  return success();
}

LogicalResult CheckIndicesOp::verify() {
  auto dt = cast<RankedTensorType>(getData().getType());
  auto it = cast<RankedTensorType>(getIndices().getType());
  int64_t axis = getAxis();
  if (!getTuple()) {
    if (axis < 0 || axis >= dt.getRank())
      return emitOpError("axis ") << axis << " is out of range for data of rank " << dt.getRank();
    return success();
  }
  if (it.getRank() < 1 || it.isDynamicDim(it.getRank() - 1))
    return emitOpError("index tuples need a static last dimension");
  int64_t k = it.getDimSize(it.getRank() - 1);
  if (axis < 0 || axis + k > dt.getRank())
    return emitOpError("tuples of ") << k << " from axis " << axis
                                     << " do not fit data of rank " << dt.getRank();
  return success();
}

LogicalResult EinsumOp::verify() {
  StringRef eq = getEquation();
  auto [lhs, out] = eq.split("->");
  if (lhs.size() == eq.size())
    return emitOpError("equation must be explicit ('->')");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != getInputs().size())
    return emitOpError("equation has ") << terms.size() << " terms for "
                                        << getInputs().size() << " operands";
  llvm::StringMap<int64_t> extent;
  auto check = [&](StringRef term, RankedTensorType t, bool isOutput) -> LogicalResult {
    if (static_cast<int64_t>(term.size()) != t.getRank())
      return emitOpError("term '") << term << "' does not match rank " << t.getRank();
    for (auto [c, d] : llvm::zip(term, t.getShape())) {
      if (!llvm::isAlpha(c))
        return emitOpError("equation letters must be ASCII letters");
      if (isOutput && !extent.count(StringRef(&c, 1)))
        return emitOpError("output letter '") << c << "' is in no operand";
      int64_t &e = extent[StringRef(&c, 1)];
      if (ShapedType::isDynamic(d))
        return emitOpError("needs static shapes");
      if (e > 1 && d > 1 && e != d)
        return emitOpError("letter '") << c << "' has extents " << e << " and " << d;
      e = std::max(e, d);
    }
    return success();
  };
  for (auto [term, v] : llvm::zip(terms, getInputs()))
    if (failed(check(term, cast<RankedTensorType>(v.getType()), false)))
      return failure();
  return check(out, getType(), true);
}

LogicalResult ScatterElementsOp::verify() {
  auto dt = getData().getType(), it = getIndices().getType(), ut = getUpdates().getType();
  if (it.getShape() != ut.getShape())
    return emitOpError("indices and updates must have one shape");
  if (it.getRank() != dt.getRank())
    return emitOpError("indices must have the rank of data");
  if (getAxis() < 0 || getAxis() >= dt.getRank())
    return emitOpError("axis ") << getAxis() << " is out of range";
  if (ut.getElementType() != dt.getElementType())
    return emitOpError("updates must have the element type of data");
  return success();
}

LogicalResult ScatterNDOp::verify() {
  auto dt = getData().getType(), it = getIndices().getType(), ut = getUpdates().getType();
  if (it.getRank() < 1 || it.isDynamicDim(it.getRank() - 1))
    return emitOpError("indices need a static last dimension");
  int64_t k = it.getDimSize(it.getRank() - 1);
  if (k > dt.getRank())
    return emitOpError("index tuples of ") << k << " exceed the rank of data";
  SmallVector<int64_t> expected(it.getShape().drop_back());
  llvm::append_range(expected, dt.getShape().drop_front(k));
  if (ut.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("updates must have shape indices.shape[:-1] ++ data.shape[k:]");
  if (ut.getElementType() != dt.getElementType())
    return emitOpError("updates must have the element type of data");
  return success();
}

LogicalResult ResizeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getType());
  int64_t rank = in.getRank();
  if (out.getRank() != rank || out.getElementType() != in.getElementType())
    return emitOpError("result must have the input's rank and element type");
  if (static_cast<int64_t>(getCoordScale().size()) != rank ||
      static_cast<int64_t>(getCoordOffset().size()) != rank)
    return emitOpError("needs one coordinate scale and offset per dimension");
  if (!in.hasStaticShape() || !out.hasStaticShape())
    return emitOpError("needs static shapes");
  if (auto aa = getAntialiasScale()) {
    if (static_cast<int64_t>(aa->size()) != rank)
      return emitOpError("needs one antialias scale per dimension");
    if (llvm::any_of(*aa, [](double f) { return !(f > 0 && f <= 1); }))
      return emitOpError("antialias scales must be in (0, 1]");
  }
  return success();
}

LogicalResult GridSampleOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto grid = cast<RankedTensorType>(getGrid().getType());
  auto out = cast<RankedTensorType>(getType());
  int64_t k = in.getRank() - 2;
  if (k < 1 || grid.getRank() != k + 2 || grid.getDimSize(k + 1) != k)
    return emitOpError("needs an input [N, C, D1..Dk] and a grid [N, O1..Ok, k]");
  if (!in.hasStaticShape() || !grid.hasStaticShape())
    return emitOpError("needs static shapes");
  SmallVector<int64_t> shape = {grid.getDimSize(0), in.getDimSize(1)};
  llvm::append_range(shape, grid.getShape().slice(1, k));
  if (in.getDimSize(0) != grid.getDimSize(0) || out.getShape() != ArrayRef<int64_t>(shape) ||
      out.getElementType() != in.getElementType())
    return emitOpError("result must be [N, C, O1..Ok] of the input's element type");
  return success();
}

LogicalResult NonZeroOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getType());
  if (in.getRank() < 1)
    return emitOpError("needs an input of rank 1 or more");
  if (out.getRank() != 2 || out.getDimSize(0) != in.getRank() || !out.isDynamicDim(1))
    return emitOpError("result must be [rank, ?]");
  return success();
}

LogicalResult CompressOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto cond = cast<RankedTensorType>(getCondition().getType());
  auto out = cast<RankedTensorType>(getType());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ") << axis << " is out of range";
  if (cond.getRank() != 1)
    return emitOpError("condition must be 1-D");
  SmallVector<int64_t> shape(in.getShape());
  shape[axis] = ShapedType::kDynamic;
  if (out.getShape() != ArrayRef<int64_t>(shape) || out.getElementType() != in.getElementType())
    return emitOpError("result must be the input with a dynamic extent along the axis");
  return success();
}

LogicalResult PoolOp::verify() {
  if (getKind() != PoolKind::max &&
      !isa<FloatType>(cast<RankedTensorType>(getInput().getType()).getElementType()))
    return emitOpError("average pooling needs a float element type");
  return success();
}

LogicalResult TopKOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ") << axis << " is out of range";
  if (getK() < 0 || (!in.isDynamicDim(axis) && getK() > in.getDimSize(axis)))
    return emitOpError("k = ") << getK() << " exceeds the extent along the axis";
  SmallVector<int64_t> shape(in.getShape());
  shape[axis] = getK();
  for (Type t : {getValues().getType(), getIndices().getType()})
    if (cast<RankedTensorType>(t).getShape() != ArrayRef<int64_t>(shape))
      return emitOpError("results must have the input's shape with k along the axis");
  if (cast<RankedTensorType>(getValues().getType()).getElementType() != in.getElementType())
    return emitOpError("values must have the input's element type");
  return success();
}

LogicalResult CumulativeOp::verify() {
  if (getKind() != ReduceKind::sum && getKind() != ReduceKind::prod)
    return emitOpError("kind must be sum or prod");
  int64_t rank = getInput().getType().getRank();
  if (getAxis() < 0 || getAxis() >= rank)
    return emitOpError("axis ") << getAxis() << " is out of range for rank " << rank;
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  FailureOr<int64_t> axis = axisAttr(adaptor, it.getRank(), loc);
  if (failed(axis))
    return failure();
  for (Value p : {adaptor.getScale(), adaptor.getBias()}) {
    if (!p)
      continue;
    ArrayRef<int64_t> ps = cast<RankedTensorType>(p.getType()).getShape();
    FailureOr<SmallVector<int64_t>> b = broadcastShapes({it.getShape(), ps});
    if (failed(b) || ArrayRef<int64_t>(*b) != it.getShape())
      return emitOptionalError(loc, "scale and bias must broadcast to the input ",
                               shapeStr(it.getShape()), ", got ", shapeStr(ps));
  }
  SmallVector<int64_t> stats(it.getShape().take_front(*axis));
  stats.append(it.getRank() - *axis, 1);
  types.push_back(it);
  types.push_back(tensorOf(stats, it.getElementType()));
  types.push_back(tensorOf(stats, it.getElementType()));
  return success();
}

LogicalResult SoftmaxOp::verify() {
  int64_t axis = getAxis();
  if (axis < 0 || axis >= getInput().getType().getRank())
    return emitOpError("axis ") << getAxis() << " out of range";
  return success();
}

LogicalResult AttentionOp::verify() {
  RankedTensorType q = getQuery().getType(), kt = getKeyTransposed().getType(),
                   v = getValue().getType(), out = getOutput().getType();
  int64_t rank = q.getRank();
  if (rank < 2 || kt.getRank() != rank || v.getRank() != rank || out.getRank() != rank)
    return emitOpError("query, key_transposed, value and result must have the same rank >= 2");
  Type et = q.getElementType();
  if (kt.getElementType() != et || v.getElementType() != et || out.getElementType() != et)
    return emitOpError("element types differ");
  // Equal sizes where both are static.
  auto agree = [](int64_t a, int64_t b) {
    return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
  };
  for (int64_t d = 0; d < rank - 2; ++d)
    if (!agree(q.getDimSize(d), kt.getDimSize(d)) || !agree(q.getDimSize(d), v.getDimSize(d)) ||
        !agree(q.getDimSize(d), out.getDimSize(d)))
      return emitOpError("batch dimension ") << d << " differs between operands";
  if (!agree(q.getDimSize(rank - 1), kt.getDimSize(rank - 2)))
    return emitOpError("query depth ") << q.getDimSize(rank - 1) << " differs from key depth "
                                        << kt.getDimSize(rank - 2);
  if (!agree(kt.getDimSize(rank - 1), v.getDimSize(rank - 2)))
    return emitOpError("key length ") << kt.getDimSize(rank - 1) << " differs from value length "
                                       << v.getDimSize(rank - 2);
  if (!agree(out.getDimSize(rank - 2), q.getDimSize(rank - 2)) ||
      !agree(out.getDimSize(rank - 1), v.getDimSize(rank - 1)))
    return emitOpError("result must be [batch..., Lq, Dv]");
  if (Value mask = getMask()) {
    auto mt = cast<RankedTensorType>(mask.getType());
    SmallVector<int64_t> scores(q.getShape().drop_back());
    scores.push_back(kt.getDimSize(rank - 1));
    if (mt.getRank() > rank || mt.getElementType() != et)
      return emitOpError("mask must have rank <= ") << rank << " and the operands' element type";
    for (int64_t d = 0; d < mt.getRank(); ++d) {
      int64_t m = mt.getDimSize(d), s = scores[rank - mt.getRank() + d];
      if (m != 1 && !agree(m, s))
        return emitOpError("mask of shape ") << shapeStr(mt.getShape())
                                             << " does not broadcast to the scores "
                                             << shapeStr(scores);
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ShapeOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  types.push_back(tensorOf({it.getRank()}, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType in = getInput().getType(), out = getOutput().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("element types differ");
  if (llvm::count(out.getShape(), kDyn) > 1)
    return emitOpError("at most one result dimension may be dynamic");
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError("element count changes from ")
           << in.getNumElements() << " to " << out.getNumElements();
  return success();
}

LogicalResult TriluOp::verify() {
  if (getInput().getType().getRank() < 2)
    return emitOpError("input must have rank >= 2");
  return success();
}

LogicalResult ExpandOp::verify() {
  RankedTensorType in = getInput().getType(), out = getOutput().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("element types differ");
  FailureOr<SmallVector<int64_t>> b = broadcastShapes({in.getShape(), out.getShape()});
  if (failed(b) || ArrayRef<int64_t>(*b) != out.getShape())
    return emitOpError("cannot broadcast ") << shapeStr(in.getShape()) << " to "
                                            << shapeStr(out.getShape());
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  auto permAttr = arrayAttr(adaptor, adaptor.getPermAttr(), "perm", loc);
  if (failed(permAttr))
    return failure();
  ArrayRef<int64_t> perm = *permAttr;
  SmallVector<bool> seen(it.getRank(), false);
  if (perm.size() != static_cast<size_t>(it.getRank()))
    return emitOptionalError(loc, "perm must have one entry per dimension");
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= it.getRank() || seen[p])
      return emitOptionalError(loc, "perm is not a permutation");
    seen[p] = true;
    shape.push_back(it.getDimSize(p));
  }
  types.push_back(tensorOf(shape, it.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "needs at least one operand");
  auto first = cast<RankedTensorType>(adaptor.getInputs()[0].getType());
  FailureOr<int64_t> axisOr = axisAttr(adaptor, first.getRank(), loc);
  if (failed(axisOr))
    return failure();
  int64_t axis = *axisOr;
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != first.getRank() ||
        t.getElementType() != first.getElementType())
      return emitOptionalError(loc, "operands differ in rank or element type");
    for (int64_t d = 0; d < t.getRank(); ++d) {
      int64_t s = t.getDimSize(d);
      if (d == axis) {
        shape[d] = (shape[d] == kDyn || s == kDyn) ? kDyn : shape[d] + s;
      } else if (s != kDyn && shape[d] != kDyn && s != shape[d]) {
        return emitOptionalError(loc, "operands differ in dimension ", d);
      } else if (shape[d] == kDyn) {
        shape[d] = s;
      }
    }
  }
  types.push_back(tensorOf(shape, first.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  auto startsAttr = arrayAttr(adaptor, adaptor.getStartsAttr(), "starts", loc);
  auto endsAttr = arrayAttr(adaptor, adaptor.getEndsAttr(), "ends", loc);
  auto stepsAttr = arrayAttr(adaptor, adaptor.getStepsAttr(), "steps", loc);
  if (failed(startsAttr) || failed(endsAttr) || failed(stepsAttr))
    return failure();
  ArrayRef<int64_t> starts = *startsAttr, ends = *endsAttr, steps = *stepsAttr;
  size_t r = it.getRank();
  if (starts.size() != r || ends.size() != r || steps.size() != r)
    return emitOptionalError(loc, "starts, ends and steps need one entry per dimension");
  SmallVector<int64_t> shape;
  for (size_t d = 0; d < r; ++d) {
    int64_t dim = it.getDimSize(d), s = starts[d], e = ends[d], st = steps[d];
    if (st == 0)
      return emitOptionalError(loc, "steps must be non-zero");
    if (dim == kDyn) {
      if (s != 0 || e != kDyn || st != 1)
        return emitOptionalError(loc, "dynamic dimension ", d,
                                 " can only be kept whole");
      shape.push_back(kDyn);
      continue;
    }
    bool inRange = st > 0 ? (s >= 0 && s <= dim && e >= 0 && e <= dim)
                          : (s >= -1 && s < dim && e >= -1 && e < dim);
    if (!inRange)
      return emitOptionalError(loc, "bounds of dimension ", d,
                               " are not normalized to its extent ", dim);
    int64_t n = st > 0 ? (e - s + st - 1) / st : (s - e - st - 1) / -st;
    shape.push_back(std::max<int64_t>(n, 0));
  }
  types.push_back(tensorOf(shape, it.getElementType()));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto dt = cast<RankedTensorType>(adaptor.getData().getType());
  auto it = cast<RankedTensorType>(adaptor.getIndices().getType());
  FailureOr<int64_t> axisOr = axisAttr(adaptor, dt.getRank(), loc);
  if (failed(axisOr))
    return failure();
  int64_t axis = *axisOr;
  SmallVector<int64_t> shape(dt.getShape().take_front(axis));
  llvm::append_range(shape, it.getShape());
  llvm::append_range(shape, dt.getShape().drop_front(axis + 1));
  types.push_back(tensorOf(shape, dt.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  auto dt = cast<RankedTensorType>(adaptor.getData().getType());
  auto it = cast<RankedTensorType>(adaptor.getIndices().getType());
  if (dt.getRank() != it.getRank())
    return emitOptionalError(loc, "indices have rank ", it.getRank(),
                             ", data has rank ", dt.getRank());
  FailureOr<int64_t> axis = axisAttr(adaptor, dt.getRank(), loc);
  if (failed(axis))
    return failure();
  for (int64_t d = 0; d < dt.getRank(); ++d)
    if (d != *axis && !dt.isDynamicDim(d) && !it.isDynamicDim(d) &&
        it.getDimSize(d) > dt.getDimSize(d))
      return emitOptionalError(loc, "indices extent ", it.getDimSize(d),
                               " exceeds data extent ", dt.getDimSize(d),
                               " in dimension ", d);
  types.push_back(tensorOf(it.getShape(), dt.getElementType()));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  auto it = cast<RankedTensorType>(adaptor.getInput().getType());
  auto padsAttr = arrayAttr(adaptor, adaptor.getPadsAttr(), "pads", loc);
  if (failed(padsAttr) || failed(checkSize(loc, "pads", *padsAttr, 2 * it.getRank())))
    return failure();
  ArrayRef<int64_t> pads = *padsAttr;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < it.getRank(); ++d) {
    if (pads[d] < 0 || pads[d + it.getRank()] < 0)
      return emitOptionalError(loc, "negative pads are not supported");
    int64_t s = it.getDimSize(d);
    shape.push_back(s == kDyn ? kDyn : s + pads[d] + pads[d + it.getRank()]);
  }
  types.push_back(tensorOf(shape, it.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Code generation
//===----------------------------------------------------------------------===//

LogicalResult DotBytesOp::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  if (lanes != 8 && lanes != 16)
    return emitOpError("has ") << lanes << " lanes; vpdpbusd has 8 or 16";
  if (getLhs().getType().getNumElements() != 4 * lanes)
    return emitOpError("takes four bytes per lane: ")
           << 4 * lanes << ", not " << getLhs().getType().getNumElements();
  return success();
}

LogicalResult DotPairsOp::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  if (lanes != 4 && lanes != 8 && lanes != 16)
    return emitOpError("has ") << lanes << " lanes; vpmaddwd has 4, 8 or 16";
  if (getLhs().getType().getNumElements() != 2 * lanes)
    return emitOpError("takes two elements per lane: ")
           << 2 * lanes << ", not " << getLhs().getType().getNumElements();
  return success();
}

#define GET_OP_CLASSES
#include "aiopt/Dialect/AIOpt/IR/AIOptOps.cpp.inc"
