//===- Int8Dot.h - 8-bit dot-product register tiles -------------*- C++ -*-===//
//
// Private to lib/Codegen/CPU. The pieces of aiopt-cpu-tile-and-vectorize
// that put signed 8-bit contractions on x86's VNNI instruction vpdpbusd,
// which sums four unsigned x signed byte products into each 32-bit lane:
// one operand made unsigned (the one computed at run time), the
// accumulator corrected for it, and the register tiles lowered to the
// instruction.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CODEGEN_CPU_INT8DOT_H
#define AIOPT_LIB_CODEGEN_CPU_INT8DOT_H

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aiopt {

/// The target's instruction for 8-bit dot products into 32-bit lanes.
struct DotInstruction {
  /// vpdpbusd (VNNI): four unsigned x signed byte products per lane, so
  /// one operand's sign is flipped and the accumulator corrected. Else
  /// vpmaddwd: two signed 16-bit products per lane, on sign-extended bytes.
  bool bytes;
  /// i32 lanes per instruction.
  int64_t lanes;
  /// Consecutive reduction elements one lane sums.
  int64_t group() const { return bytes ? 4 : 2; }
};

/// A copy of the i8 tensor `source` into `init`, read through `read` (a
/// permutation of the result's loops), every byte's top bit flipped:
/// v + 128, read as unsigned.
Value flippedCopy(OpBuilder &b, Location loc, Value source, Value init, AffineMap read);

/// The signed 8-bit left operand `a` [m, k] of C += A B grouped for dot
/// products: k padded with zeros to `paddedK` (a multiple of `group`),
/// viewed as [m, paddedK / group, group]; with `flip`, every byte's sign
/// flipped (flipSign: vpdpbusd's unsigned operand). A constant operand is
/// converted now.
Value groupedLeftOperand(OpBuilder &b, Location loc, Value a, int64_t paddedK, int64_t group,
                         bool flip);

/// The accumulator `c` [m, n] (i32) of C += A B minus 128 times `sums`
/// (i32, [m] for `dim` 0, [n] for 1): the sums over k of the operand
/// whose partner's sign is flipped, i.e. what the 128 added to each of the
/// partner's elements contributes, taken off before the products are
/// summed into it. A fill or an elementwise initializer stays one
/// elementwise op, which the contraction's blocks fuse.
Value correctedAccumulator(OpBuilder &b, Location loc, Value c, Value sums, unsigned dim);

/// The sums over k (an i32 constant [n]) of the constant signed 8-bit
/// matrix `raw`, [k, n] or, when `transposed`, [n, k].
Value sumsOverK(OpBuilder &b, Location loc, RawConstant raw, int64_t k, int64_t n,
                bool transposed);

/// Lowers every linalg.generic under `root` that carries the unit attribute
/// `marker` (a register tile of the packed 8-bit contraction, loops
/// (m, n1, n0, k, j) over A [m, 1, g], B [1, 1, nr, g] and C [m, 1, nr]
/// with g the group of one of `dots`; for vpdpbusd, one operand
/// zero-extended in its body: the unsigned one) to that instruction: per
/// row, the row's g elements broadcast to every lane, one instruction per
/// lane count of columns (aiopt.dot_bytes, or aiopt.dot_pairs on bytes
/// sign-extended to 16 bits). Tiles of other shapes keep their loops.
void lowerDotTiles(Operation *root, StringRef marker, ArrayRef<DotInstruction> dots);

} // namespace mlir::aiopt

#endif
