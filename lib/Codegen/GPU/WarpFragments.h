//===- WarpFragments.h - a warp's 16x16 product fragments -------*- C++ -*-===//
//
// Private to the GPU code generator: the warp-level products of the
// tensor-core contraction kernels (aiopt-gpu-tile-contractions with
// `tensor-cores`). A warp owns a block of 16x16 f32 accumulator fragments
// and adds to them the products of 16x16 blocks of f16 operands staged in
// workgroup memory: on tensor cores through the gpu dialect's subgroup MMA
// ops (WMMA on NVVM), or emulated, each lane computing the eight elements
// it owns with scalar arithmetic, which any device runs (it checks the
// kernels around the fragments where no tensor cores are).
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CODEGEN_GPU_WARPFRAGMENTS_H
#define AIOPT_LIB_CODEGEN_GPU_WARPFRAGMENTS_H

#include "mlir/IR/Builders.h"

namespace mlir::aiopt {

/// A warp's `rows` x `cols` accumulator fragments of 16x16 f32 elements.
/// Operand tiles are row-major f16 buffers in workgroup memory (A: rows of
/// M along K; B: rows of K along N), the result tile a row-major f32
/// buffer; each block's first element must sit 32 bytes apart from the
/// buffer's start times a whole number, and rows be a multiple of 16
/// bytes (WMMA's alignment).
class WarpFragments {
public:
  /// `lane` is the invocation's index within its warp of 32.
  WarpFragments(OpBuilder &b, Location loc, bool emulated, int64_t rows, int64_t cols, Value lane)
      : b(b), loc(loc), emulated(emulated), rows(rows), cols(cols), lane(lane) {}

  /// The values a loop carries per fragment (a whole fragment, or a lane's
  /// eight elements of it).
  int64_t valuesPerFragment() const { return emulated ? 8 : 1; }

  /// Fragments of zeros, row by row.
  SmallVector<Value> zeros();

  /// `accs` plus the products of the 16-deep slices at column `k` of A's
  /// rows from `aRow` (16 per fragment row) and at row `k` of B's columns
  /// from `bCol` (16 per fragment column).
  SmallVector<Value> multiplyAdd(ValueRange accs, Value aTile, Value aRow, Value bTile,
                                 Value bCol, Value k);

  /// Stores the fragments at (`row`, `col`) of `cTile`, 16 elements apart.
  void store(ValueRange accs, Value cTile, Value row, Value col);

private:
  Value cst(int64_t v);
  /// The row and column within a fragment of the lane's `v`-th element
  /// (emulated fragments).
  std::pair<Value, Value> element(int64_t v);

  OpBuilder &b;
  Location loc;
  bool emulated;
  int64_t rows, cols;
  Value lane;
};

} // namespace mlir::aiopt

#endif // AIOPT_LIB_CODEGEN_GPU_WARPFRAGMENTS_H
