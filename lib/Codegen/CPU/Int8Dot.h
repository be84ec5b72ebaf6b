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

/// Consecutive reduction elements one 32-bit lane of vpdpbusd sums.
constexpr int64_t kDotGroup = 4;

/// `v` (i8) with its top bit flipped: v + 128, read as unsigned.
Value flipSign(OpBuilder &b, Location loc, Value v);

/// The signed 8-bit left operand `a` [m, k] of C += A B grouped for
/// vpdpbusd: k padded with zeros to `paddedK` (a multiple of kDotGroup),
/// viewed as [m, paddedK / 4, 4]; with `flip`, every byte's sign flipped
/// (flipSign: the unsigned operand). A constant operand is converted now.
Value groupedLeftOperand(OpBuilder &b, Location loc, Value a, int64_t paddedK, bool flip);

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
/// (m, n1, n0, k, j) over A [m, 1, 4], B [1, 1, nr, 4] and C [m, 1, nr],
/// one operand zero-extended in its body: the unsigned one) to vpdpbusd on
/// vectors of `lanes` i32 (8: AVX-VNNI / AVX512-VL, 16: AVX512-VNNI): per
/// row, the row's four bytes broadcast to every lane, one instruction per
/// `lanes` columns. Tiles of other shapes keep their loops.
void lowerDotTiles(Operation *root, StringRef marker, int64_t lanes);

} // namespace mlir::aiopt

#endif
