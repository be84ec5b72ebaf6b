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

/// How a warp's fragments are computed.
enum class FragmentKind {
  /// 16x16 fragments of the gpu dialect's subgroup MMA ops (f16 operands;
  /// NVVM's WMMA), whose lanes' elements are the hardware's business.
  WMMA,
  /// 16x8 fragments of NVVM's mma.sync: m16n8k16 for f16 or bf16
  /// operands, two m16n8k8 for TF32 ones (f32 tiles whose elements staging
  /// rounded), each lane loading and storing the elements the PTX layout
  /// gives it (from MLIR's nvgpu layout maps).
  MMASync,
  /// 16x16 fragments of which each lane computes eight elements with
  /// scalar arithmetic: any device.
  Emulated,
  /// mma.sync's fragments, lanes' elements and [N][K] B tiles, computed
  /// with scalar arithmetic: checks the kernels of bf16 and TF32 products
  /// on any device.
  EmulatedMMASync,
};

/// A warp's accumulator fragments of f32 covering a `warpRows` x
/// `warpCols` block. Operand tiles are f16 or bf16 buffers in workgroup
/// memory (f32 ones holding TF32 values for mma.sync's kinds) with rows along K: A's rows are M; B's rows are K, or N where
/// `bRowsAlongK(kind)`. The sums' tile is a row-major f32 buffer. Each
/// fragment's first element must lie a multiple of 32 bytes from the
/// buffer's start, and rows be a multiple of 16 bytes long (WMMA's
/// alignment; mma.sync loads pairs of elements).
class WarpFragments {
public:
  /// `lane` is the invocation's index within its warp of 32.
  WarpFragments(OpBuilder &b, Location loc, FragmentKind kind, int64_t warpRows,
                int64_t warpCols, Value lane);

  /// Whether fragments of `kind` take B's tile staged [N][K] (mma.sync's
  /// column-major B) rather than [K][N].
  static bool bRowsAlongK(FragmentKind kind) {
    return kind == FragmentKind::MMASync || kind == FragmentKind::EmulatedMMASync;
  }

  /// The values a loop carries for all fragments.
  SmallVector<Value> zeros();

  /// `accs` plus the products of the 16-deep slices at K offset `k` of A's
  /// rows from `aRow` and of B's columns from `bCol`.
  SmallVector<Value> multiplyAdd(ValueRange accs, Value aTile, Value aRow, Value bTile,
                                 Value bCol, Value k);

  /// Stores the fragments' sums at (`row`, `col`) of `cTile`.
  void store(ValueRange accs, Value cTile, Value row, Value col);

private:
  Value cst(int64_t v);
  Value add(Value x, Value y);
  /// The values per fragment that a loop carries (a whole fragment, or a
  /// lane's elements of it).
  int64_t valuesPerFragment() const;
  /// The coordinates within a fragment of the lane's `v`-th element, for
  /// an operand of `role` (mma.sync's layouts; A and B of `operand` type,
  /// f32 meaning TF32) or the 16x16 emulated fragments' element.
  std::pair<Value, Value> element(int64_t v, int role = 2, Type operand = {});
  SmallVector<Value> multiplyAddEmulated(ValueRange accs, Value aTile, Value aRow, Value bTile,
                                         Value bCol, Value k);
  SmallVector<Value> multiplyAddMMASync(ValueRange accs, Value aTile, Value aRow, Value bTile,
                                        Value bCol, Value k);

  OpBuilder &b;
  Location loc;
  FragmentKind kind;
  /// Fragments per warp along M and N, and a fragment's columns.
  int64_t rows, cols, fragmentCols;
  Value lane;
};

} // namespace mlir::aiopt

#endif // AIOPT_LIB_CODEGEN_GPU_WARPFRAGMENTS_H
