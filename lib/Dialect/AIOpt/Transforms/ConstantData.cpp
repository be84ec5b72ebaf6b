//===- ConstantData.cpp - read and build float constants ------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "mlir/IR/Matchers.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::aiopt;

FailureOr<SmallVector<double>> mlir::aiopt::constantFloats(Value v) {
  ElementsAttr value;
  if (!matchPattern(v, m_Constant(&value)))
    return failure();
  auto type = dyn_cast<RankedTensorType>(value.getType());
  auto ft = type ? dyn_cast<FloatType>(type.getElementType()) : FloatType();
  if (!ft)
    return failure();
  SmallVector<double> out;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(value)) {
    out.reserve(type.getNumElements());
    for (const APFloat &x : dense.getValues<APFloat>())
      out.push_back(x.convertToDouble());
    if (dense.isSplat())
      out.resize(type.getNumElements(), out.empty() ? 0.0 : out[0]);
    return out;
  }
  // Weights stored as resource blobs: raw little-endian elements.
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  AsmResourceBlob *blob = resource ? resource.getRawHandle().getBlob() : nullptr;
  unsigned bytes = ft.getWidth() / 8;
  if (!blob || ft.getWidth() % 8 != 0 ||
      blob->getData().size() != static_cast<size_t>(type.getNumElements()) * bytes)
    return failure();
  ArrayRef<char> data = blob->getData();
  out.reserve(type.getNumElements());
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, data.data() + i * bytes, bytes);
    out.push_back(APFloat(ft.getFloatSemantics(), APInt(ft.getWidth(), bits)).convertToDouble());
  }
  return out;
}

AxisLayout mlir::aiopt::axisLayout(ArrayRef<int64_t> shape, int64_t axis) {
  AxisLayout l;
  l.extent = shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    l.outer *= shape[d];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    l.inner *= shape[d];
  return l;
}

FailureOr<SmallVector<double>> mlir::aiopt::channelConstant(Value k, int64_t rank,
                                                            int64_t axis, int64_t channels) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(k.getType()).getShape();
  int64_t offset = rank - static_cast<int64_t>(shape.size());
  if (offset < 0)
    return failure();
  for (auto [i, d] : llvm::enumerate(shape))
    if (d != 1 && !(static_cast<int64_t>(i) + offset == axis && d == channels))
      return failure();
  FailureOr<SmallVector<double>> values = constantFloats(k);
  if (failed(values))
    return failure();
  if (values->size() == 1)
    values->assign(channels, (*values)[0]);
  return values;
}

bool mlir::aiopt::isFloatConstant(Value v, double x) {
  // Only a splat or one element can equal x everywhere; weights are not
  // decoded to find that out.
  auto c = v.getDefiningOp<ConstantOp>();
  auto dense = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : DenseElementsAttr();
  if (!dense || (!dense.isSplat() && dense.getNumElements() != 1))
    return false;
  FailureOr<SmallVector<double>> values = constantFloats(v);
  if (failed(values) || values->empty())
    return false;
  return llvm::all_of(*values, [&](double y) {
    return std::abs(y - x) <= 1e-4 * std::max(1.0, std::abs(x));
  });
}

Value mlir::aiopt::createFloatConstant(PatternRewriter &rewriter, Location loc,
                                       RankedTensorType type, ArrayRef<double> values) {
  auto ft = cast<FloatType>(type.getElementType());
  unsigned bytes = ft.getWidth() / 8;
  std::vector<char> raw(values.size() * bytes);
  for (auto [i, x] : llvm::enumerate(values)) {
    APFloat f(x);
    bool lost;
    f.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    uint64_t bits = f.bitcastToAPInt().getZExtValue();
    std::memcpy(raw.data() + i * bytes, &bits, bytes);
  }
  return createRawConstant(rewriter, loc, type, raw);
}

FailureOr<RawConstant> mlir::aiopt::constantBytes(Value v) {
  // Reshapes keep the row-major order of the bytes.
  while (isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(v.getDefiningOp()))
    v = v.getDefiningOp()->getOperand(0);
  ElementsAttr value;
  if (!matchPattern(v, m_Constant(&value)))
    return failure();
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getElementType().isInteger(1) || !type.getElementType().isIntOrFloat())
    return failure();
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return RawConstant{dense.getRawData(), dense.isSplat()};
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  AsmResourceBlob *blob = resource ? resource.getRawHandle().getBlob() : nullptr;
  if (!blob)
    return failure();
  return RawConstant{blob->getData(), false};
}

ElementsAttr mlir::aiopt::rawElements(RankedTensorType type, ArrayRef<char> data) {
  // Like the importer: small constants inline (foldable, readable), weights
  // in resource blobs, which the LLVM translation copies as raw bytes.
  constexpr int64_t kMaxInline = 1024;
  if (type.getNumElements() <= kMaxInline || data.size() * 8 !=
      static_cast<size_t>(type.getNumElements()) * type.getElementTypeBitWidth())
    return DenseElementsAttr::getFromRawBuffer(type, data);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(data, /*align=*/64);
  return DenseResourceElementsAttr::get(type, "folded", std::move(blob));
}

Value mlir::aiopt::createRawConstant(PatternRewriter &rewriter, Location loc,
                                     RankedTensorType type, ArrayRef<char> data) {
  return ConstantOp::create(rewriter, loc, rawElements(type, data));
}
