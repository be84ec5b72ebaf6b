//===- Winograd.h - Winograd minimal filtering F(m, r) ----------*- C++ -*-===//
//
// The transforms of Winograd's minimal filtering algorithm F(m, r), which
// computes m outputs of an r-tap correlation from alpha = m + r - 1 inputs
// with alpha multiplications:
//
//   y = A^T [(G g) . (B^T d)]
//
// and in two dimensions Y = A^T [(G g G^T) . (B^T d B)] A. The matrices are
// built from alpha - 1 interpolation points and the point at infinity
// (Toom-Cook, transposed), so that any supported (m, r) has them; rows of
// B^T are scaled to small integers where the points allow, the scale moving
// into G (whose product is computed once, at compile time, on constant
// weights).
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_IR_WINOGRAD_H
#define AIOPT_DIALECT_AIOPT_IR_WINOGRAD_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir::aiopt {

struct WinogradMatrices {
  int64_t m = 0, r = 0, alpha = 0;
  /// Row-major: A^T is m x alpha, G alpha x r, B^T alpha x alpha.
  SmallVector<double> at, g, bt;

  double atAt(int64_t i, int64_t j) const { return at[i * alpha + j]; }
  double gAt(int64_t i, int64_t j) const { return g[i * r + j]; }
  double btAt(int64_t i, int64_t j) const { return bt[i * alpha + j]; }
};

/// The largest alpha - 1 (finite interpolation points) supported.
constexpr int64_t kWinogradMaxPoints = 7;

/// The matrices of F(m, r); none unless m >= 1, r >= 2 and
/// m + r - 2 <= kWinogradMaxPoints.
std::optional<WinogradMatrices> winogradMatrices(int64_t m, int64_t r);

/// Tiles of `m` outputs needed to cover `outputs` outputs.
inline int64_t winogradTiles(int64_t outputs, int64_t m) { return (outputs + m - 1) / m; }

} // namespace mlir::aiopt

#endif
