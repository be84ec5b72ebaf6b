//===- PaddedOperands.h - kernels that read around a padding copy -*- C++ -*-===//
//
// Private to the GPU code generator. A convolution's padded input is a
// buffer made only to be read: filled with a constant, then the real input
// copied into a box of it. A kernel that reads such an operand can read
// the input itself, and the constant outside the box, so that neither the
// fill nor the copy needs a kernel of its own.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CODEGEN_GPU_PADDEDOPERANDS_H
#define AIOPT_LIB_CODEGEN_GPU_PADDEDOPERANDS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {

/// A padded buffer `root` seen through `operand` (the buffer itself or an
/// expand_shape of it): filled with `fill` by `fillOp`, then `copyOp`
/// copied `source` into the box at `offsets` of `sizes` (unit strides).
struct PaddedBuffer {
  Value root, operand, source;
  TypedAttr fill;
  SmallVector<int64_t> offsets, sizes;
  /// The operand's dimensions of each dimension of `root` (an
  /// expand_shape's reassociation), empty when the operand is `root`.
  SmallVector<ReassociationIndices> groups;
  /// Where the operand is a subview of `root` (of its rank): its static
  /// offsets and strides; empty otherwise.
  SmallVector<int64_t> viewOffsets, viewStrides;
  Operation *fillOp = nullptr, *copyOp = nullptr;
};

/// The last op before `op` in its block that writes (or, unless
/// `writesOnly`, reads) the buffer rooted at `root`.
Operation *lastToucher(Operation *op, Value root, bool writesOnly);

/// The padded buffer `operand` of `reader` views, when the last two writes
/// of its allocation (in `reader`'s block) before `reader` are a constant
/// fill of all of it and a copy into a box of it, and nothing writes the
/// copied source in between. The operand is the buffer or an expand_shape
/// of it, or with `subviews` also a subview of it with static offsets and
/// strides (a window's tap).
std::optional<PaddedBuffer> findPaddedBuffer(Operation *reader, Value operand,
                                             bool subviews = false);

/// Reads element `indices` of the padded operand without the padded buffer:
/// the source's element inside the box, the fill outside: under an scf.if,
/// or with `branchless` from a load at indices clamped into the box and a
/// select (no region, which passes that unroll bodies want).
Value loadPadded(OpBuilder &b, Location loc, const PaddedBuffer &padded,
                 ArrayRef<Value> indices, bool branchless = false);

/// Erases the fill, the copy and the views of a padded buffer that nothing
/// reads any more (kernels read its source instead).
void erasePaddingIfUnread(RewriterBase &rewriter, const PaddedBuffer &padded);

} // namespace mlir::aiopt

#endif // AIOPT_LIB_CODEGEN_GPU_PADDEDOPERANDS_H
