//===- TensorOps.cpp - ONNX shape and data-movement operators -------------===//
//
// Handlers for Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat,
// Slice, Gather, Pad, Shape, Constant and ConstantOfShape. Shape-like
// operands must be constants at import (after folding).
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

#include <limits>

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult bind(NodeBinder &b, FailureOr<Value> v) {
  return failed(v) ? failure() : b.setResults(*v);
}

LogicalResult reshape(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<SmallVector<int64_t>> shape = b.constInts(1, "shape");
  if (failed(x) || failed(shape))
    return failure();
  RankedTensorType xt = tensorType(*x);
  bool allowZero = b.attrInt("allowzero", 0) != 0;
  SmallVector<int64_t> out;
  int64_t inferAt = -1;
  for (auto [i, s] : llvm::enumerate(*shape)) {
    if (s == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= xt.getRank())
        return b.error() << "shape entry " << i << " copies a missing input dimension";
      out.push_back(xt.getDimSize(i));
    } else if (s == -1) {
      if (inferAt >= 0)
        return b.error() << "shape has more than one -1";
      inferAt = i;
      out.push_back(kDyn);
    } else if (s < 0) {
      return b.error() << "shape has invalid entry " << s;
    } else {
      out.push_back(s);
    }
  }
  if (inferAt >= 0) {
    // Dimensions copied with 0 are the same on both sides and cancel out,
    // so -1 is often static even when the copied dimension is dynamic.
    int64_t total = 1, known = 1;
    for (int64_t d = 0; d < xt.getRank(); ++d) {
      bool copied = d < static_cast<int64_t>(shape->size()) && (*shape)[d] == 0 && !allowZero;
      if (!copied)
        total = (total == kDyn || xt.isDynamicDim(d)) ? kDyn : total * xt.getDimSize(d);
    }
    for (auto [i, s] : llvm::enumerate(*shape)) {
      bool copied = s == 0 && !allowZero;
      if (static_cast<int64_t>(i) != inferAt && !copied)
        known *= s;
    }
    if (total != kDyn) {
      if (known == 0 || total % known != 0)
        return b.error() << "cannot reshape " << total << " elements to the requested shape";
      out[inferAt] = total / known;
    }
  }
  return bind(b, b.reshape(*x, out));
}

LogicalResult flatten(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType xt = tensorType(*x);
  int64_t axis = b.attrInt("axis", 1);
  if (axis < -xt.getRank() || axis > xt.getRank())
    return b.error() << "axis " << axis << " is out of range";
  if (axis < 0)
    axis += xt.getRank();
  return bind(b, b.reshape(*x,
                           {shapeProduct(xt.getShape().take_front(axis)),
                            shapeProduct(xt.getShape().drop_front(axis))}));
}

/// Axes from the `axes` attribute (old opsets) or the constant input #1.
FailureOr<SmallVector<int64_t>> axesOf(NodeBinder &b, int64_t sinceInput,
                                       bool required) {
  if (b.opset < sinceInput)
    return b.attrInts("axes");
  if (!b.hasInput(1)) {
    if (required)
      return b.error() << "missing axes";
    return SmallVector<int64_t>();
  }
  return b.constInts(1, "axes");
}

LogicalResult squeeze(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<SmallVector<int64_t>> axes = axesOf(b, 13, false);
  if (failed(x) || failed(axes))
    return failure();
  RankedTensorType xt = tensorType(*x);
  SmallVector<bool> drop(xt.getRank(), false);
  for (int64_t a : *axes) {
    FailureOr<int64_t> n = b.normalizeAxis(a, xt.getRank());
    if (failed(n))
      return failure();
    if (xt.getDimSize(*n) != 1 && xt.getDimSize(*n) != kDyn)
      return b.error() << "cannot squeeze dimension " << *n << " of extent "
                       << xt.getDimSize(*n);
    drop[*n] = true;
  }
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < xt.getRank(); ++d) {
    bool squeezed = axes->empty() ? xt.getDimSize(d) == 1 : drop[d];
    if (!squeezed)
      out.push_back(xt.getDimSize(d));
  }
  return bind(b, b.reshape(*x, out));
}

LogicalResult unsqueeze(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<SmallVector<int64_t>> axes = axesOf(b, 13, true);
  if (failed(x) || failed(axes))
    return failure();
  RankedTensorType xt = tensorType(*x);
  int64_t rank = xt.getRank() + axes->size();
  SmallVector<bool> unit(rank, false);
  for (int64_t a : *axes) {
    FailureOr<int64_t> n = b.normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    if (unit[*n])
      return b.error() << "axis " << a << " is repeated";
    unit[*n] = true;
  }
  SmallVector<int64_t> out;
  int64_t next = 0;
  for (int64_t d = 0; d < rank; ++d)
    out.push_back(unit[d] ? 1 : xt.getDimSize(next++));
  return bind(b, b.reshape(*x, out));
}

LogicalResult transpose(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  int64_t rank = tensorType(*x).getRank();
  SmallVector<int64_t> reversed;
  for (int64_t d = rank - 1; d >= 0; --d)
    reversed.push_back(d);
  return bind(b, b.make<TransposeOp>(*x, b.builder.getDenseI64ArrayAttr(
                                             b.attrInts("perm", reversed))));
}

LogicalResult concat(NodeBinder &b) {
  FailureOr<SmallVector<Value>> operands = b.allInputs();
  if (failed(operands))
    return failure();
  SmallVector<Value> inputs = *operands;
  if (inputs.empty())
    return b.error() << "needs at least one input";
  FailureOr<int64_t> axis =
      b.normalizeAxis(b.attrInt("axis", 0), tensorType(inputs[0]).getRank());
  if (failed(axis))
    return failure();
  return bind(b, b.make<ConcatOp>(ValueRange(inputs),
                                  b.builder.getI64IntegerAttr(*axis)));
}

/// Slice: ONNX starts/ends/axes/steps normalized to one clamped entry per
/// dimension.
LogicalResult slice(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType xt = tensorType(*x);
  int64_t rank = xt.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (b.opset < 10) {
    starts = b.attrInts("starts");
    ends = b.attrInts("ends");
    axes = b.attrInts("axes");
  } else {
    FailureOr<SmallVector<int64_t>> s = b.constInts(1, "starts"),
                                    e = b.constInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (b.hasInput(3)) {
      FailureOr<SmallVector<int64_t>> a = b.constInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (b.hasInput(4)) {
      FailureOr<SmallVector<int64_t>> st = b.constInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return b.error() << "starts, ends, axes and steps differ in length";

  SmallVector<int64_t> outStarts(rank, 0), outEnds(rank), outSteps(rank, 1);
  for (int64_t d = 0; d < rank; ++d)
    outEnds[d] = xt.isDynamicDim(d) ? kDyn : xt.getDimSize(d);
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    FailureOr<int64_t> axis = b.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return b.error() << "axis " << *axis << " is sliced twice";
    seen[*axis] = true;
    int64_t step = steps[i], dim = xt.getDimSize(*axis);
    if (step == 0)
      return b.error() << "step must not be 0";
    if (dim == kDyn) {
      // Only a whole dynamic dimension can be kept.
      if (starts[i] == 0 && step == 1 && ends[i] >= std::numeric_limits<int32_t>::max())
        continue;
      return b.error(ErrorCode::UnsupportedFeature) << "slicing dynamic dimension " << *axis << " is not supported";
    }
    auto clampIdx = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v += dim;
      return std::min(std::max(v, lo), hi);
    };
    if (step > 0) {
      outStarts[*axis] = clampIdx(starts[i], 0, dim);
      outEnds[*axis] = clampIdx(ends[i], 0, dim);
    } else {
      outStarts[*axis] = clampIdx(starts[i], 0, dim - 1);
      outEnds[*axis] = ends[i] < -dim ? -1 : clampIdx(ends[i], -1, dim - 1);
    }
    outSteps[*axis] = step;
  }
  OpBuilder &ob = b.builder;
  return bind(b, b.make<SliceOp>(*x, ob.getDenseI64ArrayAttr(outStarts),
                                 ob.getDenseI64ArrayAttr(outEnds),
                                 ob.getDenseI64ArrayAttr(outSteps)));
}

/// Split into the node's outputs along `axis`: sizes from the `split`
/// attribute (before 13) or input, else equal parts (the last one smaller
/// with `num_outputs`, opset 18).
LogicalResult split(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType xt = tensorType(*x);
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", 0), xt.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = xt.getDimSize(*axis), n = b.node.output_size();
  if (dim == kDyn)
    return b.error(ErrorCode::UnsupportedFeature) << "splitting a dynamic dimension is not supported";
  SmallVector<int64_t> sizes;
  if (b.opset < 13) {
    sizes = b.attrInts("split");
  } else if (b.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> s = b.constInts(1, "split");
    if (failed(s))
      return failure();
    sizes = *s;
  }
  if (sizes.empty()) {
    int64_t part = (dim + n - 1) / n;
    if (!b.hasAttr("num_outputs") && dim % n != 0)
      return b.error() << "dimension " << dim << " does not split into " << n
                       << " equal parts";
    for (int64_t i = 0, left = dim; i < n; ++i, left -= part)
      sizes.push_back(std::max<int64_t>(0, std::min(part, left)));
  }
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  if (static_cast<int64_t>(sizes.size()) != n || total != dim ||
      llvm::any_of(sizes, [](int64_t s) { return s < 0; }))
    return b.error() << "split sizes do not partition dimension " << *axis
                     << " (extent " << dim << ") into " << n << " outputs";
  SmallVector<Value> parts;
  int64_t start = 0;
  for (int64_t s : sizes) {
    FailureOr<Value> part = b.sliceAlong(*x, *axis, start, start + s);
    if (failed(part))
      return failure();
    parts.push_back(*part);
    start += s;
  }
  return b.setResults(parts);
}

/// Tile: along each dimension, `repeats` copies concatenated.
LogicalResult tile(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<SmallVector<int64_t>> repeats = b.constInts(1, "repeats");
  if (failed(x) || failed(repeats))
    return failure();
  if (static_cast<int64_t>(repeats->size()) != tensorType(*x).getRank())
    return b.error() << "repeats needs one entry per dimension";
  Value v = *x;
  for (auto [d, r] : llvm::enumerate(*repeats)) {
    if (r < 1)
      return b.error() << "repeats must be positive, got " << r;
    if (r == 1)
      continue;
    SmallVector<Value> copies(r, v);
    FailureOr<Value> c = b.make<ConcatOp>(ValueRange(copies),
                                          b.builder.getI64IntegerAttr(d));
    if (failed(c))
      return failure();
    v = *c;
  }
  return b.setResults(v);
}

/// Reshape, transpose, reshape: the shared shape of DepthToSpace and
/// SpaceToDepth.
LogicalResult rearrange(NodeBinder &b, Value x, ArrayRef<int64_t> split,
                        ArrayRef<int64_t> perm, ArrayRef<int64_t> result) {
  FailureOr<Value> v = b.reshape(x, split);
  if (failed(v))
    return failure();
  v = b.make<TransposeOp>(*v, b.builder.getDenseI64ArrayAttr(perm));
  if (failed(v))
    return failure();
  return bind(b, b.reshape(*v, result));
}

/// The NCHW input and blocksize of DepthToSpace/SpaceToDepth, with C, H and
/// W static.
struct BlockInput {
  Value x;
  int64_t n, c, h, w, bs;
};

FailureOr<BlockInput> blockInput(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType xt = tensorType(*x);
  int64_t bs = b.attrInt("blocksize", 0);
  if (xt.getRank() != 4 || bs < 1)
    return b.error() << "needs a 4-D input and a positive blocksize";
  BlockInput in{*x, xt.getDimSize(0), xt.getDimSize(1), xt.getDimSize(2),
                xt.getDimSize(3), bs};
  if (in.c == kDyn || in.h == kDyn || in.w == kDyn)
    return b.error() << "channels and spatial extents must be static";
  return in;
}

LogicalResult depthToSpace(NodeBinder &b) {
  FailureOr<BlockInput> in = blockInput(b);
  if (failed(in))
    return failure();
  auto [x, n, c, h, w, bs] = *in;
  if (c % (bs * bs) != 0)
    return b.error() << "channels must be divisible by blocksize^2";
  int64_t oc = c / (bs * bs);
  std::string mode = b.attrString("mode", "DCR");
  if (mode == "DCR")
    return rearrange(b, x, {n, bs, bs, oc, h, w}, {0, 3, 4, 1, 5, 2},
                     {n, oc, h * bs, w * bs});
  if (mode == "CRD")
    return rearrange(b, x, {n, oc, bs, bs, h, w}, {0, 1, 4, 2, 5, 3},
                     {n, oc, h * bs, w * bs});
  return b.error() << "unknown mode '" << mode << "'";
}

LogicalResult spaceToDepth(NodeBinder &b) {
  FailureOr<BlockInput> in = blockInput(b);
  if (failed(in))
    return failure();
  auto [x, n, c, h, w, bs] = *in;
  if (h % bs != 0 || w % bs != 0)
    return b.error() << "spatial extents must be divisible by blocksize";
  // DCR puts the block offsets before the channel (the inverse of
  // DepthToSpace DCR), CRD (opset 28) after it.
  std::string mode = b.attrString("mode", "DCR");
  SmallVector<int64_t> perm;
  if (mode == "DCR")
    perm = {0, 3, 5, 1, 2, 4};
  else if (mode == "CRD")
    perm = {0, 1, 3, 5, 2, 4};
  else
    return b.error() << "unknown mode '" << mode << "'";
  return rearrange(b, x, {n, c, h / bs, bs, w / bs, bs}, perm,
                   {n, c * bs * bs, h / bs, w / bs});
}

/// Expand: broadcast to the broadcast of the input shape and `shape`.
LogicalResult expand(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<SmallVector<int64_t>> shape = b.constInts(1, "shape");
  if (failed(x) || failed(shape))
    return failure();
  RankedTensorType xt = tensorType(*x);
  FailureOr<SmallVector<int64_t>> out = broadcastShapes({xt.getShape(), *shape});
  if (failed(out) || llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
    return b.error() << "cannot expand the input to the requested shape";
  auto type = RankedTensorType::get(*out, xt.getElementType());
  if (type == xt)
    return b.setResults(*x);
  return bind(b, b.makeTyped<ExpandOp>(type, *x));
}

/// Trilu: `k` (optional) may be a runtime scalar; a 1-element tensor of any
/// shape is reshaped to a scalar.
LogicalResult trilu(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  Value k = b.optionalInput(1);
  if (k) {
    RankedTensorType kt = tensorType(k);
    if (!kt.getElementType().isInteger(64) || shapeProduct(kt.getShape()) != 1)
      return b.error() << "k must be a single int64 value";
    FailureOr<Value> scalar = b.reshape(k, {});
    if (failed(scalar))
      return failure();
    k = *scalar;
  }
  return bind(b, b.makeTyped<TriluOp>(x->getType(), *x, k,
                                      b.builder.getBoolAttr(b.attrInt("upper", 1) != 0)));
}

/// Gather and GatherElements: data, indices and a normalized axis.
template <typename OpTy>
LogicalResult gather(NodeBinder &b) {
  FailureOr<Value> data = b.input(0), indices = b.input(1);
  if (failed(data) || failed(indices))
    return failure();
  FailureOr<int64_t> axis =
      b.normalizeAxis(b.attrInt("axis", 0), tensorType(*data).getRank());
  if (failed(axis))
    return failure();
  return bind(b, b.make<OpTy>(*data, *indices, b.builder.getI64IntegerAttr(*axis)));
}

/// Einsum: the equation made explicit and free of ellipsis (the ellipsis
/// dimensions get unused letters, right-aligned across operands; the
/// implicit output is the ellipsis, then the letters used once, sorted).
LogicalResult einsum(NodeBinder &b) {
  FailureOr<SmallVector<Value>> operands = b.allInputs();
  if (failed(operands))
    return failure();
  SmallVector<Value> inputs = *operands;
  std::string eq;
  for (char c : b.attrString("equation", ""))
    if (c != ' ')
      eq.push_back(c);
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::optional<std::string> rhs;
  if (arrow != std::string::npos)
    rhs = eq.substr(arrow + 2);
  SmallVector<StringRef> terms;
  StringRef(lhs).split(terms, ',');
  if (terms.size() != inputs.size())
    return b.error() << "equation '" << eq << "' has " << terms.size() << " terms for "
                     << inputs.size() << " inputs";
  std::string unused;
  for (char c = 'A'; c <= 'z'; ++c)
    if (llvm::isAlpha(c) && eq.find(c) == std::string::npos)
      unused.push_back(c);
  // Ellipsis dimensions of each operand.
  SmallVector<int64_t> ellipsis;
  int64_t maxEllipsis = 0;
  for (auto [term, v] : llvm::zip(terms, inputs)) {
    size_t dots = term.find("...");
    int64_t letters = term.size() - (dots == StringRef::npos ? 0 : 3);
    int64_t e = tensorType(v).getRank() - letters;
    if (e < 0 || (dots == StringRef::npos && e != 0))
      return b.error() << "term '" << term << "' does not match rank " << tensorType(v).getRank();
    ellipsis.push_back(e);
    maxEllipsis = std::max(maxEllipsis, e);
  }
  if (maxEllipsis > static_cast<int64_t>(unused.size()))
    return b.error() << "too many ellipsis dimensions";
  std::string all = unused.substr(0, maxEllipsis);
  auto expand = [&](StringRef term, int64_t e) {
    std::string t = term.str();
    if (size_t dots = t.find("..."); dots != std::string::npos)
      t.replace(dots, 3, all.substr(all.size() - e));
    return t;
  };
  std::string explicitLhs;
  for (auto [i, term] : llvm::enumerate(terms))
    explicitLhs += (i ? "," : "") + expand(term, ellipsis[i]);
  std::string out;
  if (rhs) {
    out = expand(*rhs, maxEllipsis);
  } else {
    out = all;
    std::string once;
    for (char c : lhs)
      if (llvm::isAlpha(c) && llvm::count(lhs, c) == 1)
        once.push_back(c);
    llvm::sort(once);
    out += once;
  }
  // Output extents: the largest extent of each letter.
  llvm::StringMap<int64_t> extent;
  SmallVector<StringRef> expanded;
  StringRef(explicitLhs).split(expanded, ',');
  for (auto [term, v] : llvm::zip(expanded, inputs))
    for (auto [c, d] : llvm::zip(term, tensorType(v).getShape())) {
      int64_t &e = extent[StringRef(&c, 1)];
      e = std::max(e, d);
    }
  SmallVector<int64_t> shape;
  for (char c : out) {
    auto it = extent.find(StringRef(&c, 1));
    if (it == extent.end())
      return b.error() << "output letter '" << c << "' is in no input";
    shape.push_back(it->second);
  }
  Type et = tensorType(inputs[0]).getElementType();
  return bind(b, b.makeTyped<EinsumOp>(RankedTensorType::get(shape, et), inputs,
                                       b.builder.getStringAttr(explicitLhs + "->" + out)));
}

/// CenterCropPad: per axis, a centered slice (the window starts rounded
/// down) or a zero padding split with the smaller half first.
LogicalResult centerCropPad(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  FailureOr<SmallVector<int64_t>> shape = b.constInts(1, "shape");
  if (failed(x) || failed(shape))
    return failure();
  int64_t rank = tensorType(*x).getRank();
  SmallVector<int64_t> axes = b.attrInts("axes");
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  if (axes.size() != shape->size())
    return b.error() << "shape must have one extent per axis";
  FailureOr<Value> v = *x;
  for (auto [a, target] : llvm::zip(axes, *shape)) {
    FailureOr<int64_t> axis = b.normalizeAxis(a, rank);
    if (failed(axis))
      return failure();
    int64_t extent = tensorType(*v).getDimSize(*axis);
    if (ShapedType::isDynamic(extent) || target < 0)
      return b.error() << "cropped or padded extents must be static";
    if (target < extent) {
      int64_t start = (extent - target) / 2;
      v = b.sliceAlong(*v, *axis, start, start + target);
    } else if (target > extent) {
      SmallVector<int64_t> pads(2 * rank, 0);
      pads[*axis] = (target - extent) / 2;
      pads[*axis + rank] = target - extent - pads[*axis];
      v = b.make<PadOp>(*v, b.builder.getDenseI64ArrayAttr(pads), b.builder.getF64FloatAttr(0));
    }
    if (failed(v))
      return failure();
  }
  return b.setResults(*v);
}

/// ReverseSequence: along time_axis, each batch entry's first
/// sequence_lens[b] elements reversed, the rest kept; a gather_elements
/// with index where(t < len, len - 1 - t, t).
LogicalResult reverseSequence(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), lens = b.input(1);
  if (failed(x) || failed(lens))
    return failure();
  RankedTensorType xt = tensorType(*x);
  int64_t timeAxis = b.attrInt("time_axis", 0), batchAxis = b.attrInt("batch_axis", 1);
  if (xt.getRank() < 2 || !xt.hasStaticShape() || timeAxis == batchAxis ||
      timeAxis < 0 || timeAxis > 1 || batchAxis < 0 || batchAxis > 1)
    return b.error() << "needs a static input of rank >= 2 with time and batch axes 0 and 1";
  Type i64 = b.builder.getI64Type();
  int64_t steps = xt.getDimSize(timeAxis), rank = xt.getRank();
  // Time positions and lengths laid out along their axes.
  SmallVector<int64_t> tShape(rank, 1), lShape(rank, 1);
  tShape[timeAxis] = steps;
  lShape[batchAxis] = xt.getDimSize(batchAxis);
  SmallVector<int64_t> positions(steps);
  for (int64_t t = 0; t < steps; ++t)
    positions[t] = t;
  Value t = b.constant(
      DenseElementsAttr::get(RankedTensorType::get(tShape, i64), ArrayRef<int64_t>(positions)));
  FailureOr<Value> len = b.castTo(*lens, i64);
  if (succeeded(len))
    len = b.reshape(*len, lShape);
  if (failed(len))
    return failure();
  FailureOr<Value> inside = b.make<LessOp>(t, *len);
  FailureOr<Value> last = b.make<SubOp>(*len, b.scalarConstant(i64, 1));
  FailureOr<Value> mirrored = failed(last) ? last : b.make<SubOp>(*last, t);
  if (failed(inside) || failed(mirrored))
    return failure();
  FailureOr<Value> idx = b.make<WhereOp>(*inside, *mirrored, t);
  if (succeeded(idx))
    idx = b.makeTyped<ExpandOp>(xt.clone(i64), *idx);
  if (failed(idx))
    return failure();
  return bind(b, b.make<GatherElementsOp>(*x, *idx, b.builder.getI64IntegerAttr(timeAxis)));
}

LogicalResult gatherND(NodeBinder &b) {
  FailureOr<Value> data = b.input(0), indices = b.input(1);
  if (failed(data) || failed(indices))
    return failure();
  RankedTensorType dt = tensorType(*data), it = tensorType(*indices);
  int64_t batch = b.attrInt("batch_dims", 0);
  if (it.getRank() < 1 || it.isDynamicDim(it.getRank() - 1))
    return b.error() << "indices need a static last dimension";
  int64_t k = it.getDimSize(it.getRank() - 1);
  if (batch < 0 || batch >= it.getRank() || batch + k > dt.getRank())
    return b.error() << "batch_dims " << batch << " and index tuples of " << k
                     << " do not fit data of rank " << dt.getRank();
  SmallVector<int64_t> shape(it.getShape().drop_back());
  llvm::append_range(shape, dt.getShape().drop_front(batch + k));
  return bind(b, b.makeTyped<GatherNDOp>(dt.clone(shape), *data, *indices,
                                         b.builder.getI64IntegerAttr(batch)));
}

FailureOr<ScatterReduction> scatterReduction(NodeBinder &b) {
  std::string r = b.attrString("reduction", "none");
  std::optional<ScatterReduction> kind = symbolizeScatterReduction(r);
  if (!kind)
    return b.error() << "unknown reduction '" << r << "'";
  return *kind;
}

/// ScatterElements (and the deprecated Scatter): updates written along a
/// normalized axis.
LogicalResult scatterElements(NodeBinder &b) {
  FailureOr<Value> data = b.input(0), indices = b.input(1), updates = b.input(2);
  FailureOr<ScatterReduction> reduction = scatterReduction(b);
  if (failed(data) || failed(indices) || failed(updates) || failed(reduction))
    return failure();
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", 0), tensorType(*data).getRank());
  if (failed(axis))
    return failure();
  OpBuilder &ob = b.builder;
  return bind(b, b.makeTyped<ScatterElementsOp>(
                     data->getType(), *data, *indices, *updates, ob.getI64IntegerAttr(*axis),
                     ScatterReductionAttr::get(ob.getContext(), *reduction)));
}

LogicalResult scatterND(NodeBinder &b) {
  FailureOr<Value> data = b.input(0), indices = b.input(1), updates = b.input(2);
  FailureOr<ScatterReduction> reduction = scatterReduction(b);
  if (failed(data) || failed(indices) || failed(updates) || failed(reduction))
    return failure();
  return bind(b, b.makeTyped<ScatterNDOp>(
                     data->getType(), *data, *indices, *updates,
                     ScatterReductionAttr::get(b.builder.getContext(), *reduction)));
}

LogicalResult pad(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  int64_t rank = tensorType(*x).getRank();
  std::string modeName = b.attrString("mode", "constant");
  std::optional<PadMode> mode = symbolizePadMode(modeName);
  if (!mode)
    return b.error() << "unknown pad mode '" << modeName << "'";
  SmallVector<int64_t> pads;
  double value = 0;
  if (b.opset < 11) {
    pads = b.attrInts("pads");
    value = b.attrFloat("value", 0);
  } else {
    FailureOr<SmallVector<int64_t>> p = b.constInts(1, "pads");
    FailureOr<std::optional<double>> v = b.constScalar(2, "constant_value");
    if (failed(p) || failed(v))
      return failure();
    pads = *p;
    value = v->value_or(0.0);
    if (b.hasInput(3)) {
      FailureOr<SmallVector<int64_t>> axes = b.constInts(3, "axes");
      if (failed(axes))
        return failure();
      SmallVector<int64_t> full(2 * rank, 0);
      if (pads.size() != 2 * axes->size())
        return b.error() << "pads must have two entries per axis";
      for (auto [i, a] : llvm::enumerate(*axes)) {
        FailureOr<int64_t> n = b.normalizeAxis(a, rank);
        if (failed(n))
          return failure();
        full[*n] = pads[i];
        full[*n + rank] = pads[i + axes->size()];
      }
      pads = full;
    }
  }
  OpBuilder &ob = b.builder;
  if (*mode == PadMode::reflect)
    for (int64_t d = 0; d < rank && d < static_cast<int64_t>(pads.size()) / 2; ++d)
      if (std::max(pads[d], pads[d + rank]) >= tensorType(*x).getDimSize(d))
        return b.error() << "reflect pads must be smaller than the extent they mirror";
  return bind(b, b.make<PadOp>(*x, ob.getDenseI64ArrayAttr(pads), ob.getF64FloatAttr(value),
                               PadModeAttr::get(ob.getContext(), *mode)));
}

LogicalResult shape(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  FailureOr<Value> s = b.make<ShapeOp>(*x);
  if (failed(s))
    return failure();
  int64_t rank = tensorType(*x).getRank();
  int64_t start = b.attrInt("start", 0), end = b.attrInt("end", rank);
  auto clampIdx = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::min(std::max<int64_t>(v, 0), rank);
  };
  start = clampIdx(start);
  end = std::max(start, clampIdx(end));
  if (start == 0 && end == rank)
    return b.setResults(*s);
  OpBuilder &ob = b.builder;
  return bind(b, b.make<SliceOp>(*s, ob.getDenseI64ArrayAttr({start}),
                                 ob.getDenseI64ArrayAttr({end}),
                                 ob.getDenseI64ArrayAttr({1})));
}

/// Size: the element count as an i64 scalar, constant when the shape is
/// static, else the product of the runtime shape.
LogicalResult size(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  OpBuilder &ob = b.builder;
  auto scalarType = RankedTensorType::get({}, ob.getI64Type());
  int64_t n = shapeProduct(tensorType(*x).getShape());
  if (n != kDyn)
    return b.setResults(ConstantOp::create(ob, b.loc, DenseElementsAttr::get(
                                                          scalarType, n))
                            .getResult());
  FailureOr<Value> s = b.make<ShapeOp>(*x);
  if (failed(s))
    return failure();
  return bind(b, b.make<ReduceOp>(ReduceKindAttr::get(ob.getContext(), ReduceKind::prod),
                                  *s, ob.getDenseI64ArrayAttr({0}), ob.getBoolAttr(false)));
}

LogicalResult constant(NodeBinder &b) {
  OpBuilder &ob = b.builder;
  TypedAttr value;
  if (b.hasAttr("value")) {
    FailureOr<ElementsAttr> t = b.attrTensor("value");
    if (failed(t))
      return failure();
    value = cast<TypedAttr>(*t);
  } else if (b.hasAttr("value_float")) {
    value = DenseElementsAttr::get(RankedTensorType::get({}, ob.getF32Type()),
                                   b.attrFloat("value_float", 0));
  } else if (b.hasAttr("value_int")) {
    value = DenseElementsAttr::get(RankedTensorType::get({}, ob.getI64Type()),
                                   b.attrInt("value_int", 0));
  } else if (const onnx::AttributeProto *a = b.attr("value_floats")) {
    SmallVector<float> v(a->floats().begin(), a->floats().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(v.size())}, ob.getF32Type()),
        ArrayRef<float>(v));
  } else if (b.hasAttr("value_ints")) {
    SmallVector<int64_t> v = b.attrInts("value_ints");
    value = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(v.size())}, ob.getI64Type()),
        ArrayRef<int64_t>(v));
  } else {
    return b.error() << "only tensor, float and int constants are supported";
  }
  return b.setResults(ConstantOp::create(ob, b.loc, value).getResult());
}

LogicalResult constantOfShape(NodeBinder &b) {
  FailureOr<SmallVector<int64_t>> shape = b.constInts(0, "shape");
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return b.error() << "shape has negative entry " << d;
  OpBuilder &ob = b.builder;
  Attribute element = ob.getF32FloatAttr(0);
  if (b.hasAttr("value")) {
    FailureOr<ElementsAttr> t = b.attrTensor("value");
    if (failed(t))
      return failure();
    auto dense = dyn_cast<DenseElementsAttr>(*t);
    if (!dense || dense.getNumElements() != 1)
      return b.error() << "'value' must hold one element";
    element = *dense.value_begin<Attribute>();
  }
  auto type = RankedTensorType::get(*shape, cast<TypedAttr>(element).getType());
  return b.setResults(
      ConstantOp::create(ob, b.loc, DenseElementsAttr::get(type, element)).getResult());
}

/// NonZero: a 0-d input counts as [1].
LogicalResult nonZero(NodeBinder &b) {
  FailureOr<Value> x = b.input(0);
  if (succeeded(x) && tensorType(*x).getRank() == 0)
    x = b.reshape(*x, {1});
  if (failed(x))
    return failure();
  auto type = RankedTensorType::get({tensorType(*x).getRank(), ShapedType::kDynamic},
                                    b.builder.getI64Type());
  FailureOr<Value> y = b.makeTyped<NonZeroOp>(type, *x);
  return failed(y) ? failure() : b.setResults(*y);
}

/// Compress: without an axis, of the flattened input.
LogicalResult compress(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), cond = b.input(1);
  if (failed(x) || failed(cond))
    return failure();
  if (tensorType(*cond).getRank() != 1 || !tensorType(*cond).getElementType().isInteger(1))
    return b.error() << "the condition must be a 1-D bool tensor, not " << tensorType(*cond);
  int64_t axis = 0;
  if (b.hasAttr("axis")) {
    FailureOr<int64_t> a = b.normalizeAxis(b.attrInt("axis", 0), tensorType(*x).getRank());
    if (failed(a))
      return failure();
    axis = *a;
  } else {
    x = b.reshape(*x, {shapeProduct(tensorType(*x).getShape())});
    if (failed(x))
      return failure();
  }
  SmallVector<int64_t> shape(tensorType(*x).getShape());
  shape[axis] = ShapedType::kDynamic;
  FailureOr<Value> y =
      b.makeTyped<CompressOp>(RankedTensorType::get(shape, tensorType(*x).getElementType()), *x,
                              *cond, b.builder.getI64IntegerAttr(axis));
  return failed(y) ? failure() : b.setResults(*y);
}

} // namespace

void onnx_import::registerTensorOps(OpRegistry &r) {
  r.add("NonZero", 9, nonZero);
  r.add("Compress", 9, compress);
  r.add("Reshape", 5, reshape);
  r.add("Flatten", 1, flatten);
  r.add("Squeeze", 1, squeeze);
  r.add("Unsqueeze", 1, unsqueeze);
  r.add("Transpose", 1, transpose);
  r.add("Concat", 4, concat);
  r.add("Slice", 1, slice);
  r.add("Gather", 1, gather<GatherOp>);
  r.add("GatherElements", 11, gather<GatherElementsOp>);
  r.add("Scatter", 9, scatterElements);
  r.add("ScatterElements", 11, scatterElements);
  r.add("ScatterND", 11, scatterND);
  r.add("Einsum", 12, einsum);
  r.add("GatherND", 11, gatherND);
  r.add("CenterCropPad", 18, centerCropPad);
  r.add("ReverseSequence", 10, reverseSequence);
  r.add("Split", 2, split);
  r.add("Tile", 6, tile);
  r.add("DepthToSpace", 1, depthToSpace);
  r.add("SpaceToDepth", 1, spaceToDepth);
  r.add("Expand", 8, expand);
  r.add("Trilu", 14, trilu);
  r.add("Pad", 2, pad);
  r.add("Shape", 1, shape);
  r.add("Size", 1, size);
  r.add("Constant", 1, constant);
  r.add("ConstantOfShape", 9, constantOfShape);
}
