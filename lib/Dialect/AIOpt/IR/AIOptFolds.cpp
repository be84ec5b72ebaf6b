//===- AIOptFolds.cpp - aiopt folders --------------------------------------===//
//
// Folders of aiopt operations. Besides identities, they evaluate the small
// integer "shape subgraphs" exporters emit (Shape -> Gather -> Concat ->
// Reshape), so that shapes become constants at import. Folding of large
// float tensors is the job of the constant-folding pass, not of folders.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::aiopt;

/// Folders only materialize tensors up to this many elements.
static constexpr int64_t kMaxFoldElements = 4096;

/// Returns `attr` as small dense elements, or null.
static DenseElementsAttr smallDense(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || dense.getNumElements() > kMaxFoldElements)
    return {};
  return dense;
}

static DenseIntElementsAttr smallDenseInt(Attribute attr) {
  return dyn_cast_or_null<DenseIntElementsAttr>(smallDense(attr));
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  RankedTensorType in = getInput().getType();
  if (!in.hasStaticShape())
    return {};
  return DenseIntElementsAttr::get(getType(), in.getShape());
}

/// Converts small float constants to another float type (round to nearest
/// even), and small signless integer constants (not booleans) to floats,
/// as the shape arithmetic of exporters (CastLike, Range bounds) needs.
static OpFoldResult foldFloatCast(Attribute input, RankedTensorType type) {
  auto outElem = dyn_cast<FloatType>(type.getElementType());
  if (!outElem)
    return {};
  if (auto ints = dyn_cast_or_null<DenseIntElementsAttr>(smallDense(input));
      ints && ints.getElementType().isSignlessInteger() && !ints.getElementType().isInteger(1)) {
    SmallVector<APFloat> values;
    for (const APInt &v : ints.getValues<APInt>()) {
      APFloat f(outElem.getFloatSemantics());
      f.convertFromAPInt(v, /*IsSigned=*/true, APFloat::rmNearestTiesToEven);
      values.push_back(f);
    }
    return DenseFPElementsAttr::get(type, values);
  }
  auto in = dyn_cast_or_null<DenseFPElementsAttr>(smallDense(input));
  if (!in)
    return {};
  SmallVector<APFloat> values;
  for (APFloat v : in.getValues<APFloat>()) {
    bool lost;
    v.convert(outElem.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v);
  }
  return DenseFPElementsAttr::get(type, values);
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (OpFoldResult f = foldFloatCast(adaptor.getInput(), getType()))
    return f;
  DenseIntElementsAttr in = smallDenseInt(adaptor.getInput());
  auto outElem = dyn_cast<IntegerType>(getType().getElementType());
  if (!in || !outElem)
    return {};
  // Booleans convert as 0/1, and to booleans as "not zero".
  Type inElem = getInput().getType().getElementType();
  bool isSigned = !inElem.isUnsignedInteger() && !inElem.isInteger(1);
  SmallVector<APInt> values;
  for (const APInt &v : in.getValues<APInt>()) {
    if (outElem.getWidth() == 1)
      values.push_back(APInt(1, v.isZero() ? 0 : 1));
    else
      values.push_back(isSigned ? v.sextOrTrunc(outElem.getWidth())
                                : v.zextOrTrunc(outElem.getWidth()));
  }
  return DenseIntElementsAttr::get(getType(), values);
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  DenseIntElementsAttr in = smallDenseInt(adaptor.getInput());
  if (!in)
    return {};
  SmallVector<APInt> values;
  for (const APInt &v : in.getValues<APInt>())
    values.push_back(-v);
  return DenseIntElementsAttr::get(getType(), values);
}

/// Folds a binary op on integer constants of equal shape (or a splat).
template <typename Fn>
static OpFoldResult foldIntBinary(Attribute lhs, Attribute rhs, Type resultType,
                                  Fn fn) {
  DenseIntElementsAttr l = smallDenseInt(lhs), r = smallDenseInt(rhs);
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!l || !r || !type || !type.hasStaticShape())
    return {};
  // The folds compute signed; unsigned data is not a shape computation.
  if (l.getElementType().isUnsignedInteger())
    return {};
  if ((!l.isSplat() && l.getType() != type) || (!r.isSplat() && r.getType() != type))
    return {};
  SmallVector<APInt> out;
  auto lv = l.getValues<APInt>(), rv = r.getValues<APInt>();
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    std::optional<APInt> v = fn(l.isSplat() ? lv[0] : lv[i], r.isSplat() ? rv[0] : rv[i]);
    if (!v)
      return {};
    out.push_back(*v);
  }
  return DenseIntElementsAttr::get(type, out);
}

/// Folds a binary op on small float constants of equal shape (or a
/// splat), in the element type's precision.
template <typename Fn>
static OpFoldResult foldFloatBinary(Attribute lhs, Attribute rhs, Type resultType, Fn fn) {
  auto l = dyn_cast_or_null<DenseFPElementsAttr>(smallDense(lhs));
  auto r = dyn_cast_or_null<DenseFPElementsAttr>(smallDense(rhs));
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!l || !r || !type || !type.hasStaticShape())
    return {};
  if ((!l.isSplat() && l.getType() != type) || (!r.isSplat() && r.getType() != type))
    return {};
  SmallVector<APFloat> out;
  auto lv = l.getValues<APFloat>(), rv = r.getValues<APFloat>();
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
    out.push_back(fn(l.isSplat() ? lv[0] : lv[i], r.isSplat() ? rv[0] : rv[i]));
  return DenseFPElementsAttr::get(type, out);
}

/// An integer fold, else a float fold.
template <typename IntFnT, typename FloatFnT>
static OpFoldResult foldArith(Attribute lhs, Attribute rhs, Type type, IntFnT intFn,
                              FloatFnT floatFn) {
  if (OpFoldResult r = foldIntBinary(lhs, rhs, type, intFn))
    return r;
  return foldFloatBinary(lhs, rhs, type, floatFn);
}

OpFoldResult AddOp::fold(FoldAdaptor a) {
  return foldArith(
      a.getLhs(), a.getRhs(), getType(),
      [](const APInt &x, const APInt &y) -> std::optional<APInt> { return x + y; },
      [](const APFloat &x, const APFloat &y) { return x + y; });
}
OpFoldResult SubOp::fold(FoldAdaptor a) {
  return foldArith(
      a.getLhs(), a.getRhs(), getType(),
      [](const APInt &x, const APInt &y) -> std::optional<APInt> { return x - y; },
      [](const APFloat &x, const APFloat &y) { return x - y; });
}
OpFoldResult MulOp::fold(FoldAdaptor a) {
  return foldArith(
      a.getLhs(), a.getRhs(), getType(),
      [](const APInt &x, const APInt &y) -> std::optional<APInt> { return x * y; },
      [](const APFloat &x, const APFloat &y) { return x * y; });
}
OpFoldResult DivOp::fold(FoldAdaptor a) {
  return foldArith(
      a.getLhs(), a.getRhs(), getType(),
      [](const APInt &x, const APInt &y) -> std::optional<APInt> {
        if (y.isZero())
          return std::nullopt;
        return x.sdiv(y);
      },
      [](const APFloat &x, const APFloat &y) { return x / y; });
}
OpFoldResult MaxOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       [](const APInt &x, const APInt &y) -> std::optional<APInt> { return x.sge(y) ? x : y; });
}
OpFoldResult MinOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       [](const APInt &x, const APInt &y) -> std::optional<APInt> { return x.sle(y) ? x : y; });
}
/// Comparisons and logic on integer constants: shape subgraphs pick
/// extents with Equal/Where/Mod (e.g. grouped-query attention).
using IntFn = std::optional<APInt> (*)(const APInt &, const APInt &);
static std::optional<APInt> boolean(bool b) { return APInt(1, b ? 1 : 0); }
OpFoldResult ModOp::fold(FoldAdaptor a) {
  if (getFmod())
    return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                         IntFn([](const APInt &x, const APInt &y) -> std::optional<APInt> {
                           if (y.isZero())
                             return std::nullopt;
                           return x.srem(y);
                         }));
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) -> std::optional<APInt> {
                         if (y.isZero())
                           return std::nullopt;
                         APInt r = x.srem(y);
                         return (!r.isZero() && r.isNegative() != y.isNegative()) ? r + y : r;
                       }));
}
OpFoldResult AndOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) -> std::optional<APInt> { return x & y; }));
}
OpFoldResult OrOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) -> std::optional<APInt> { return x | y; }));
}
OpFoldResult XorOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) -> std::optional<APInt> { return x ^ y; }));
}
OpFoldResult EqualOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) { return boolean(x == y); }));
}
OpFoldResult LessOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) { return boolean(x.slt(y)); }));
}
OpFoldResult LessEqualOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) { return boolean(x.sle(y)); }));
}
OpFoldResult GreaterOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) { return boolean(x.sgt(y)); }));
}
OpFoldResult GreaterEqualOp::fold(FoldAdaptor a) {
  return foldIntBinary(a.getLhs(), a.getRhs(), getType(),
                       IntFn([](const APInt &x, const APInt &y) { return boolean(x.sge(y)); }));
}
OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  DenseIntElementsAttr in = smallDenseInt(adaptor.getInput());
  if (!in)
    return {};
  SmallVector<APInt> values;
  for (const APInt &v : in.getValues<APInt>())
    values.push_back(~v);
  return DenseIntElementsAttr::get(getType(), values);
}
OpFoldResult WhereOp::fold(FoldAdaptor a) {
  DenseIntElementsAttr c = smallDenseInt(a.getCondition());
  DenseIntElementsAttr x = smallDenseInt(a.getLhs()), y = smallDenseInt(a.getRhs());
  auto type = dyn_cast<RankedTensorType>(getType());
  if (!c || !x || !y || !type || !type.hasStaticShape())
    return {};
  for (DenseIntElementsAttr in : {c, x, y})
    if (!in.isSplat() && in.getType().getShape() != type.getShape())
      return {};
  auto cv = c.getValues<APInt>(), xv = x.getValues<APInt>(), yv = y.getValues<APInt>();
  auto at = [](auto &vals, DenseIntElementsAttr in, int64_t i) {
    return in.isSplat() ? vals[0] : vals[i];
  };
  SmallVector<APInt> out;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
    out.push_back(at(cv, c, i).isZero() ? at(yv, y, i) : at(xv, x, i));
  return DenseIntElementsAttr::get(type, out);
}
// Float folding belongs to the constant-folding pass.
OpFoldResult PowOp::fold(FoldAdaptor) { return {}; }
OpFoldResult PReluOp::fold(FoldAdaptor) { return {}; }

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (DenseElementsAttr in = smallDense(adaptor.getInput()))
    if (getType().hasStaticShape())
      return in.reshape(getType());
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPerm()))
    if (static_cast<int64_t>(i) != p)
      return {};
  return getInput();
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  // Concatenation of 1-D constants (shape vectors).
  if (getType().getRank() != 1 || !getType().hasStaticShape())
    return {};
  SmallVector<Attribute> values;
  for (Attribute a : adaptor.getInputs()) {
    DenseElementsAttr d = smallDense(a);
    if (!d)
      return {};
    llvm::append_range(values, d.getValues<Attribute>());
  }
  return DenseElementsAttr::get(getType(), values);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && llvm::all_of(getSteps(), [](int64_t s) { return s == 1; }))
    return getInput();
  DenseElementsAttr in = smallDense(adaptor.getInput());
  if (!in || getType().getRank() != 1)
    return {};
  auto values = in.getValues<Attribute>();
  SmallVector<Attribute> out;
  int64_t start = getStarts()[0], step = getSteps()[0];
  for (int64_t i = 0; i < getType().getDimSize(0); ++i)
    out.push_back(values[start + i * step]);
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  // Gathers from a constant 1-D tensor (a shape vector).
  DenseElementsAttr data = smallDense(adaptor.getData());
  DenseIntElementsAttr idx = smallDenseInt(adaptor.getIndices());
  if (!data || !idx || data.getType().getRank() != 1 || !getType().hasStaticShape())
    return {};
  int64_t n = data.getNumElements();
  auto values = data.getValues<Attribute>();
  SmallVector<Attribute> out;
  for (const APInt &i : idx.getValues<APInt>()) {
    int64_t k = i.getSExtValue();
    if (k < 0)
      k += n;
    if (k < 0 || k >= n)
      return {};
    out.push_back(values[k]);
  }
  return DenseElementsAttr::get(getType(), out);
}
