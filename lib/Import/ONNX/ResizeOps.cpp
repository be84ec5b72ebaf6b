//===- ResizeOps.cpp - ONNX Resize, Upsample and GridSample ---------------===//
//
// Resize (opset 10+) and Upsample become aiopt.resize: the output shape
// from constant scales or sizes (with axes and keep_aspect_ratio_policy),
// and each coordinate transformation mode folded into an affine map from
// output index to input coordinate per dimension. GridSample becomes
// aiopt.grid_sample, which reads its coordinates from the grid.
//
//===----------------------------------------------------------------------===//

#include "NodeBinder.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

namespace {

struct ResizeSpec {
  std::string mode, coordinateMode, nearestMode;
  SmallVector<double> scales; // empty when sizes are given
  SmallVector<int64_t> sizes;
  SmallVector<double> roi;
};

FailureOr<Interpolation> interpolationOf(NodeBinder &b, const ResizeSpec &spec) {
  if (spec.mode == "linear" || spec.mode == "bilinear")
    return Interpolation::linear;
  if (spec.mode == "cubic")
    return Interpolation::cubic;
  if (spec.mode != "nearest")
    return b.error() << "unknown mode '" << spec.mode << "'";
  if (spec.nearestMode == "round_prefer_floor")
    return Interpolation::nearest_round_prefer_floor;
  if (spec.nearestMode == "round_prefer_ceil")
    return Interpolation::nearest_round_prefer_ceil;
  if (spec.nearestMode == "floor")
    return Interpolation::nearest_floor;
  if (spec.nearestMode == "ceil")
    return Interpolation::nearest_ceil;
  return b.error() << "unknown nearest_mode '" << spec.nearestMode << "'";
}

LogicalResult buildResize(NodeBinder &b, const ResizeSpec &spec) {
  FailureOr<Value> x = b.input(0);
  if (failed(x))
    return failure();
  RankedTensorType type = tensorType(*x);
  int64_t rank = type.getRank();
  if (!type.hasStaticShape())
    return b.error() << "the input shape must be static";
  SmallVector<int64_t> axes = b.attrInts("axes");
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  if (failed(b.normalizeAxes(axes, rank)))
    return failure();
  size_t n = axes.size();
  if (!spec.scales.empty() ? spec.scales.size() != n : spec.sizes.size() != n)
    return b.error() << "scales or sizes must have one value per resized axis (" << n << ")";
  if (!spec.roi.empty() && spec.roi.size() != 2 * n)
    return b.error() << "roi must hold " << 2 * n << " values";

  // Per resized axis: the scale of the coordinate transform and the extent.
  SmallVector<double> scale(n);
  SmallVector<int64_t> outShape(type.getShape());
  if (!spec.scales.empty()) {
    for (size_t i = 0; i < n; ++i) {
      if (!(spec.scales[i] > 0))
        return b.error() << "scales must be positive";
      scale[i] = spec.scales[i];
      outShape[axes[i]] = static_cast<int64_t>(std::floor(type.getDimSize(axes[i]) * scale[i]));
    }
  } else {
    std::string policy = b.attrString("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
      return b.error() << "unknown keep_aspect_ratio_policy '" << policy << "'";
    double common = policy == "not_larger" ? INFINITY : 0;
    for (size_t i = 0; i < n; ++i) {
      if (spec.sizes[i] <= 0)
        return b.error() << "sizes must be positive";
      scale[i] = double(spec.sizes[i]) / double(type.getDimSize(axes[i]));
      common = policy == "not_larger" ? std::min(common, scale[i]) : std::max(common, scale[i]);
    }
    for (size_t i = 0; i < n; ++i) {
      if (policy != "stretch")
        scale[i] = common;
      outShape[axes[i]] =
          policy == "stretch"
              ? spec.sizes[i]
              : static_cast<int64_t>(std::nearbyint(scale[i] * type.getDimSize(axes[i])));
    }
  }

  SmallVector<double> a(rank, 1.0), off(rank, 0.0);
  const std::string &cm = spec.coordinateMode;
  for (size_t i = 0; i < n; ++i) {
    int64_t d = axes[i];
    // The transforms use the unrounded output extent scale * input extent.
    double s = scale[i], lin = double(type.getDimSize(d)), lout = s * lin;
    if (cm == "half_pixel" || (cm == "pytorch_half_pixel" && lout != 1)) {
      a[d] = 1 / s;
      off[d] = 0.5 / s - 0.5;
    } else if (cm == "pytorch_half_pixel") {
      a[d] = 0;
      off[d] = -0.5;
    } else if (cm == "half_pixel_symmetric") {
      double adjustment = double(outShape[d]) / lout;
      a[d] = 1 / s;
      off[d] = lin / 2 * (1 - adjustment) + 0.5 / s - 0.5;
    } else if (cm == "align_corners") {
      a[d] = lout == 1 ? 0 : (lin - 1) / (lout - 1);
      off[d] = 0;
    } else if (cm == "tf_half_pixel_for_nn") {
      a[d] = 1 / s;
      off[d] = 0.5 / s;
    } else if (cm == "asymmetric") {
      a[d] = 1 / s;
      off[d] = 0;
    } else if (cm == "tf_crop_and_resize") {
      double start = spec.roi.empty() ? 0 : spec.roi[i];
      double end = spec.roi.empty() ? 1 : spec.roi[n + i];
      a[d] = lout != 1 ? (end - start) * (lin - 1) / (lout - 1) : 0;
      off[d] = lout != 1 ? start * (lin - 1) : 0.5 * (start + end) * (lin - 1);
    } else {
      return b.error() << "unknown coordinate_transformation_mode '" << cm << "'";
    }
  }
  FailureOr<Interpolation> mode = interpolationOf(b, spec);
  if (failed(mode))
    return failure();
  OpBuilder &ob = b.builder;
  FloatAttr extrapolation;
  if (cm == "tf_crop_and_resize")
    extrapolation = ob.getF64FloatAttr(b.attrFloat("extrapolation_value", 0));
  // Antialiasing (linear and cubic) widens the kernel of downsampled axes.
  DenseF64ArrayAttr antialias;
  if (b.attrInt("antialias", 0) != 0 &&
      (*mode == Interpolation::linear || *mode == Interpolation::cubic)) {
    SmallVector<double> factor(rank, 1.0);
    for (size_t i = 0; i < n; ++i)
      factor[axes[i]] = std::min(scale[i], 1.0);
    antialias = ob.getDenseF64ArrayAttr(factor);
  }
  FailureOr<Value> v = b.makeTyped<ResizeOp>(
      type.clone(outShape), *x, InterpolationAttr::get(ob.getContext(), *mode),
      ob.getDenseF64ArrayAttr(a), ob.getDenseF64ArrayAttr(off),
      ob.getF64FloatAttr(b.attrFloat("cubic_coeff_a", -0.75f)),
      ob.getBoolAttr(b.attrInt("exclude_outside", 0) != 0), extrapolation, antialias);
  return failed(v) ? failure() : b.setResults(*v);
}

/// Resize from opset 11: X, roi, scales, sizes (one of the last two).
LogicalResult resize(NodeBinder &b) {
  ResizeSpec spec{b.attrString("mode", "nearest"),
                  b.attrString("coordinate_transformation_mode", "half_pixel"),
                  b.attrString("nearest_mode", "round_prefer_floor"), {}, {}, {}};
  auto nonEmpty = [&](int i) {
    Value v = b.optionalInput(i);
    return v && tensorType(v).getNumElements() != 0;
  };
  if (nonEmpty(3)) {
    FailureOr<SmallVector<int64_t>> sizes = b.constInts(3, "sizes");
    if (failed(sizes))
      return failure();
    spec.sizes = *sizes;
  } else if (nonEmpty(2)) {
    FailureOr<SmallVector<double>> scales = b.constFloats(2, "scales");
    if (failed(scales))
      return failure();
    spec.scales = *scales;
  } else {
    return b.error() << "one of scales and sizes is required";
  }
  if (spec.coordinateMode == "tf_crop_and_resize" && nonEmpty(1)) {
    FailureOr<SmallVector<double>> roi = b.constFloats(1, "roi");
    if (failed(roi))
      return failure();
    spec.roi = *roi;
  }
  return buildResize(b, spec);
}

/// Resize-10 and Upsample: scales (input #1, or an attribute before
/// Upsample-9), asymmetric coordinates, nearest rounding down.
LogicalResult upsample(NodeBinder &b) {
  ResizeSpec spec{b.attrString("mode", "nearest"), "asymmetric", "floor", {}, {}, {}};
  if (b.hasInput(1)) {
    FailureOr<SmallVector<double>> scales = b.constFloats(1, "scales");
    if (failed(scales))
      return failure();
    spec.scales = *scales;
  } else if (const onnx::AttributeProto *a = b.attr("scales")) {
    for (float s : a->floats())
      spec.scales.push_back(s);
  }
  return buildResize(b, spec);
}

/// GridSample (opset 16: bilinear/bicubic, 2-D; opset 20: N-D).
LogicalResult gridSample(NodeBinder &b) {
  FailureOr<Value> x = b.input(0), grid = b.input(1);
  if (failed(x) || failed(grid))
    return failure();
  std::string mode = b.attrString("mode", b.opset < 20 ? "bilinear" : "linear");
  Interpolation interp;
  if (mode == "linear" || mode == "bilinear")
    interp = Interpolation::linear;
  else if (mode == "cubic" || mode == "bicubic")
    interp = Interpolation::cubic;
  else if (mode == "nearest")
    interp = Interpolation::nearest_round_prefer_floor; // rounds half to even
  else
    return b.error() << "unknown mode '" << mode << "'";
  std::string pad = b.attrString("padding_mode", "zeros");
  std::optional<GridPadding> padding = symbolizeGridPadding(pad);
  if (!padding)
    return b.error() << "unknown padding_mode '" << pad << "'";
  RankedTensorType in = tensorType(*x), g = tensorType(*grid);
  int64_t k = in.getRank() - 2;
  if (k < 1 || g.getRank() != k + 2 || g.getDimSize(k + 1) != k)
    return b.error() << "needs X [N, C, D1..Dk] and grid [N, O1..Ok, k]; got " << in << " and "
                     << g;
  FailureOr<Value> grid2 = b.castTo(*grid, in.getElementType());
  if (failed(grid2))
    return failure();
  SmallVector<int64_t> shape = {g.getDimSize(0), in.getDimSize(1)};
  llvm::append_range(shape, g.getShape().slice(1, k));
  Builder &bld = b.builder;
  FailureOr<Value> y = b.makeTyped<GridSampleOp>(
      RankedTensorType::get(shape, in.getElementType()), *x, *grid2,
      InterpolationAttr::get(bld.getContext(), interp),
      GridPaddingAttr::get(bld.getContext(), *padding),
      bld.getBoolAttr(b.attrInt("align_corners", 0) != 0));
  return failed(y) ? failure() : b.setResults({*y});
}

} // namespace

void onnx_import::registerResizeOps(OpRegistry &r) {
  r.add("GridSample", 16, gridSample);
  r.add("Upsample", 7, upsample);
  r.add("Resize", 10, upsample);
  r.add("Resize", 11, resize);
}
