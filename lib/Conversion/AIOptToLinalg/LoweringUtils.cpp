//===- LoweringUtils.cpp - builders shared by the lowerings ---------------===//
//
// Implements the private helpers declared in LoweringUtils.h.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace mlir::aiopt;

Type mlir::aiopt::signless(Type type) {
  if (auto it = dyn_cast<IntegerType>(type); it && !it.isSignless())
    return IntegerType::get(type.getContext(), it.getWidth());
  if (auto tt = dyn_cast<RankedTensorType>(type))
    return tt.clone(signless(tt.getElementType()));
  return type;
}

RankedTensorType mlir::aiopt::signless(RankedTensorType type) {
  return cast<RankedTensorType>(signless(Type(type)));
}

bool mlir::aiopt::isUnsigned(Value v) {
  return getElementTypeOrSelf(v.getType()).isUnsignedInteger();
}

Value mlir::aiopt::dimValue(OpBuilder &b, Location loc, Value v, int64_t dim) {
  return tensor::DimOp::create(b, loc, v, dim);
}

Value mlir::aiopt::emptyTensor(OpBuilder &b, Location loc,
                               RankedTensorType type, ArrayRef<Value> sizes) {
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dyn.push_back(sizes[d]);
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 signless(type.getElementType()), dyn);
}

SmallVector<utils::IteratorType> mlir::aiopt::iterators(unsigned numParallel,
                                                       unsigned numReduction) {
  SmallVector<utils::IteratorType> its(numParallel,
                                       utils::IteratorType::parallel);
  its.append(numReduction, utils::IteratorType::reduction);
  return its;
}

Value mlir::aiopt::buildElementwise(OpBuilder &b, Location loc,
                                    RankedTensorType type, ValueRange inputs,
                                    ArrayRef<AffineMap> inputMaps,
                                    ArrayRef<Value> sizes, ScalarFn fn) {
  type = signless(type);
  Value init = emptyTensor(b, loc, type, sizes);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
      iterators(type.getRank(), 0),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value v = fn(nb, nl, args.drop_back());
        linalg::YieldOp::create(nb, nl, v);
      });
  return generic.getResult(0);
}

Value mlir::aiopt::passThrough(OpBuilder &, Location, ValueRange args) {
  return args[0];
}

Value mlir::aiopt::scalarConstant(OpBuilder &b, Location loc, Type type,
                                  double v) {
  type = signless(type);
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, v));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(v)));
}

Value mlir::aiopt::filledTensor(OpBuilder &b, Location loc,
                                RankedTensorType type, ArrayRef<Value> sizes,
                                Value value) {
  Value empty = emptyTensor(b, loc, type, sizes);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

/// The product of the static extents of `shape`.
static int64_t staticCount(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= ShapedType::isDynamic(d) ? 1 : d;
  return n;
}

Value mlir::aiopt::reshapeTensor(OpBuilder &b, Location loc, Value src,
                                 RankedTensorType dst) {
  dst = signless(dst);
  auto srcType = cast<RankedTensorType>(src.getType());
  // A static destination from a source with one dynamic extent (a batch of
  // any size reshaped to constant extents): that extent must be what the
  // destination's element count makes it (checked at run time).
  if (dst.hasStaticShape() && srcType.getNumDynamicDims() == 1) {
    int64_t known = staticCount(srcType.getShape());
    if (known > 0 && dst.getNumElements() % known == 0) {
      SmallVector<int64_t> shape(srcType.getShape());
      for (auto [axis, d] : llvm::enumerate(shape)) {
        if (!ShapedType::isDynamic(d))
          continue;
        d = dst.getNumElements() / known;
        src = requireExtents(b, loc, src, 0,
                             {{axis, arith::ConstantIndexOp::create(b, loc, d).getResult()}});
      }
      srcType = RankedTensorType::get(shape, srcType.getElementType());
      src = tensor::CastOp::create(b, loc, srcType, src);
    }
  }
  if (srcType == dst)
    return src;
  if (srcType.getRank() > dst.getRank())
    if (auto re = getReassociationIndicesForCollapse(srcType.getShape(),
                                                     dst.getShape()))
      return tensor::CollapseShapeOp::create(b, loc, dst, src, *re);
  if (srcType.getRank() < dst.getRank())
    if (auto re = getReassociationIndicesForCollapse(dst.getShape(),
                                                     srcType.getShape()))
      return tensor::ExpandShapeOp::create(b, loc, dst, src, *re);
  // General case: flatten, then expand to the destination shape. The one
  // dynamic destination extent is the element count over the static ones.
  int64_t staticSrc = staticCount(srcType.getShape()), staticDst = staticCount(dst.getShape());
  bool srcStatic = srcType.hasStaticShape();
  auto flatType = RankedTensorType::get(
      {srcStatic ? staticSrc : ShapedType::kDynamic}, srcType.getElementType());
  ReassociationIndices all;
  for (int64_t d = 0; d < srcType.getRank(); ++d)
    all.push_back(d);
  Value flat = srcType.getRank() == 1
                   ? src
                   : tensor::CollapseShapeOp::create(
                         b, loc, flatType, src,
                         ArrayRef<ReassociationIndices>{all})
                         .getResult();
  // A static destination from a source with several dynamic extents: the
  // flat tensor must have the destination's count (checked at run time).
  if (dst.hasStaticShape() && !srcStatic) {
    flat = requireExtents(b, loc, flat, 0,
                          {{0, arith::ConstantIndexOp::create(b, loc, staticDst).getResult()}});
    flat = tensor::CastOp::create(
        b, loc, RankedTensorType::get({staticDst}, srcType.getElementType()), flat);
  }
  if (dst.getRank() == 1)
    return flat;
  SmallVector<OpFoldResult> outShape;
  for (int64_t d : dst.getShape()) {
    if (d != ShapedType::kDynamic) {
      outShape.push_back(b.getIndexAttr(d));
      continue;
    }
    Value n = dimValue(b, loc, flat, 0);
    Value s = arith::ConstantIndexOp::create(b, loc, staticDst);
    outShape.push_back(arith::DivUIOp::create(b, loc, n, s).getResult());
  }
  ReassociationIndices allDst;
  for (int64_t d = 0; d < dst.getRank(); ++d)
    allDst.push_back(d);
  return tensor::ExpandShapeOp::create(b, loc, dst, flat,
                                       ArrayRef<ReassociationIndices>{allDst},
                                       outShape);
}

Value mlir::aiopt::padConstant(OpBuilder &b, Location loc,
                               RankedTensorType type, Value src,
                               ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                               Value padValue) {
  MLIRContext *ctx = b.getContext();
  return tensor::PadOp::create(b, loc, signless(type), src,
                               getAsIndexOpFoldResult(ctx, low),
                               getAsIndexOpFoldResult(ctx, high), padValue);
}

Value mlir::aiopt::wrapIndex(OpBuilder &b, Location l, Value raw, Value extent) {
  Value idx = arith::IndexCastOp::create(b, l, b.getIndexType(), raw);
  Value zero = arith::ConstantIndexOp::create(b, l, 0);
  Value one = arith::ConstantIndexOp::create(b, l, 1);
  Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
  idx = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, idx, extent), idx);
  idx = arith::MaxSIOp::create(b, l, idx, zero);
  return arith::MinSIOp::create(b, l, idx, arith::SubIOp::create(b, l, extent, one));
}

Value mlir::aiopt::combineReduction(OpBuilder &b, Location l, ReduceKind kind, Value acc, Value x, bool uns) {
  bool f = isa<FloatType>(x.getType());
  switch (kind) {
  case ReduceKind::prod:
    return f ? arith::MulFOp::create(b, l, acc, x).getResult()
             : arith::MulIOp::create(b, l, acc, x).getResult();
  case ReduceKind::max:
    return f     ? arith::MaximumFOp::create(b, l, acc, x).getResult()
           : uns ? arith::MaxUIOp::create(b, l, acc, x).getResult()
                 : arith::MaxSIOp::create(b, l, acc, x).getResult();
  case ReduceKind::min:
    return f     ? arith::MinimumFOp::create(b, l, acc, x).getResult()
           : uns ? arith::MinUIOp::create(b, l, acc, x).getResult()
                 : arith::MinSIOp::create(b, l, acc, x).getResult();
  default: // sum and mean accumulate sums
    return f ? arith::AddFOp::create(b, l, acc, x).getResult()
             : arith::AddIOp::create(b, l, acc, x).getResult();
  }
}


Value mlir::aiopt::multiplyAccumulate(OpBuilder &b, Location loc, Value acc, Value x, Value y,
                                      Value scale, bool xUnsigned, bool yUnsigned) {
  Type t = acc.getType();
  bool isFloat = isa<FloatType>(t);
  auto widen = [&](Value v, bool isUnsigned) -> Value {
    if (v.getType() == t)
      return v;
    if (isFloat)
      return arith::ExtFOp::create(b, loc, t, v).getResult();
    return isUnsigned ? arith::ExtUIOp::create(b, loc, t, v).getResult()
                      : arith::ExtSIOp::create(b, loc, t, v).getResult();
  };
  auto mul = [&](Value p, Value q) -> Value {
    return isFloat ? arith::MulFOp::create(b, loc, p, q).getResult()
                   : arith::MulIOp::create(b, loc, p, q).getResult();
  };
  Value p = mul(widen(x, xUnsigned), widen(y, yUnsigned));
  if (scale)
    p = mul(p, scale);
  return isFloat ? arith::AddFOp::create(b, loc, acc, p).getResult()
                 : arith::AddIOp::create(b, loc, acc, p).getResult();
}

Value mlir::aiopt::buildContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                                    Value init, ArrayRef<AffineMap> maps, Value scale,
                                    bool lhsUnsigned, bool rhsUnsigned) {
  auto type = cast<RankedTensorType>(init.getType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{lhs, rhs}, ValueRange{init}, maps,
      iterators(type.getRank(), maps.front().getNumDims() - type.getRank()), [&](OpBuilder &nb, Location nl, ValueRange a) {
        linalg::YieldOp::create(
            nb, nl, multiplyAccumulate(nb, nl, a[2], a[0], a[1], scale, lhsUnsigned, rhsUnsigned));
      });
  return generic.getResult(0);
}
