//===- ConstantData.h - read and build float constants ----------*- C++ -*-===//
//
// Constants as data, for the graph passes and for codegen's weight packing:
// the float values of an aiopt.constant (dense or resource-blob weights
// alike), the raw bytes of any constant, and new constants built from them.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_TRANSFORMS_CONSTANTDATA_H
#define AIOPT_DIALECT_AIOPT_TRANSFORMS_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {

/// The values of `v` when it is a constant tensor (aiopt.constant, or
/// arith.constant after lowering) of a float type, widened to double;
/// failure otherwise.
FailureOr<SmallVector<double>> constantFloats(Value v);

/// The per-channel values of constant `k` that broadcasts into a result of
/// rank `rank` whose `channels` channels are dimension `axis`: `k` must be
/// a scalar or vary along that dimension only. One value per channel.
FailureOr<SmallVector<double>> channelConstant(Value k, int64_t rank, int64_t axis,
                                               int64_t channels);

/// A row-major shape seen around dimension `axis`: the elements before it
/// (`outer` of them), its `extent`, and the elements after it (`inner`).
struct AxisLayout {
  int64_t outer = 1, extent = 1, inner = 1;
  /// The position along the axis of flat element `i`.
  int64_t indexOf(int64_t i) const { return i / inner % extent; }
  /// The flat element at `index` along the axis, `o`-th outer and `i`-th
  /// inner.
  int64_t at(int64_t o, int64_t index, int64_t i) const {
    return (o * extent + index) * inner + i;
  }
};
AxisLayout axisLayout(ArrayRef<int64_t> shape, int64_t axis);

/// Whether `v` is a float constant whose every element equals `x` within a
/// relative 1e-4 (a splat or a one-element tensor).
bool isFloatConstant(Value v, double x);

/// An aiopt.constant of `type` (float elements) holding `values`, rounded
/// to the element type.
Value createFloatConstant(PatternRewriter &rewriter, Location loc, RankedTensorType type,
                          ArrayRef<double> values);

/// The raw little-endian bytes of constant `v` (any constant op: aiopt or
/// arith; dense or resource blob; seen through tensor reshapes, which keep
/// its bytes' order), one element when `splat`; failure for booleans
/// (bit-packed) and non-constants.
struct RawConstant {
  ArrayRef<char> data;
  bool splat;
};
FailureOr<RawConstant> constantBytes(Value v);

/// Elements of `type` from raw element bytes (one element: splat): inline
/// up to 1024 elements, a resource blob beyond.
ElementsAttr rawElements(RankedTensorType type, ArrayRef<char> data);

/// An aiopt.constant of `type` from raw element bytes (one element: splat).
Value createRawConstant(PatternRewriter &rewriter, Location loc, RankedTensorType type,
                        ArrayRef<char> data);

} // namespace mlir::aiopt

#endif
