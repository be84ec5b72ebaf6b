//===- WarpFragments.cpp - a warp's product fragments ---------------------===//
//
// WMMA fragments through the gpu dialect's subgroup MMA ops, mma.sync
// fragments through NVVM's op, or their per-lane emulation (see
// WarpFragments.h).
//
//===----------------------------------------------------------------------===//

#include "WarpFragments.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/Utils/MMAUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::aiopt;

/// Fragments are 16 deep and 16 rows high; WMMA's 16 and mma.sync's 8
/// columns wide. TF32's mma.sync is 8 deep: two per fragment step.
static constexpr int64_t kSide = 16, kSyncCols = 8, kTF32Depth = 8;

WarpFragments::WarpFragments(OpBuilder &b, Location loc, FragmentKind kind, int64_t warpRows,
                             int64_t warpCols, Value lane)
    : b(b), loc(loc), kind(kind), rows(warpRows / kSide),
      fragmentCols(bRowsAlongK(kind) ? kSyncCols : kSide), lane(lane) {
  cols = warpCols / fragmentCols;
}

Value WarpFragments::cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

Value WarpFragments::add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }

int64_t WarpFragments::valuesPerFragment() const {
  switch (kind) {
  case FragmentKind::WMMA:
    return 1;
  case FragmentKind::MMASync:
  case FragmentKind::EmulatedMMASync:
    return 4;
  case FragmentKind::Emulated:
    return 8;
  }
  llvm_unreachable("fragment kind");
}

std::pair<Value, Value> WarpFragments::element(int64_t v, int role, Type operand) {
  if (kind == FragmentKind::Emulated) {
    // Lane l owns elements l + 32 v in row-major order: rows l / 16 + 2 v,
    // column l % 16.
    Value row = add(arith::DivUIOp::create(b, loc, lane, cst(kSide)), cst(2 * v));
    return {row, arith::RemUIOp::create(b, loc, lane, cst(kSide))};
  }
  // mma.sync m16n8k16 (16-bit operands) or m16n8k8 (TF32, f32 operands):
  // the PTX layout of A (16 rows by K, row-major), B (8 by K: N by K) and
  // the sums (16x8) as MLIR's nvgpu lowering knows it. It is given for f16
  // operands; bf16's is the same.
  MLIRContext *ctx = b.getContext();
  Type f32 = Float32Type::get(ctx);
  bool tf32 = operand && operand.isF32();
  Type element = tf32 ? f32 : Float16Type::get(ctx);
  int64_t depth = tf32 ? kTF32Depth : kSide;
  nvgpu::WarpMatrixInfo info[] = {
      {VectorType::get({kSide, depth}, element), nvgpu::MatMulOperandRole::A},
      {VectorType::get({kSyncCols, depth}, element), nvgpu::MatMulOperandRole::B},
      {VectorType::get({kSide, kSyncCols}, f32), nvgpu::MatMulOperandRole::C}};
  FailureOr<AffineMap> map = nvgpu::getLaneIdAndValueIdToOperandCoord(b, loc, info[role]);
  assert(succeeded(map) && "mma.sync m16n8k16 and m16n8k8 have layouts");
  auto at = [&](unsigned result) -> Value {
    return affine::makeComposedAffineApply(b, loc, map->getSubMap({result}),
                                           ArrayRef<OpFoldResult>{lane, b.getIndexAttr(v)})
        .getResult();
  };
  return {at(0), at(1)};
}

/// The row-major leading dimension of a workgroup tile.
static IntegerAttr leadDimension(OpBuilder &b, Value tile) {
  return b.getIndexAttr(cast<MemRefType>(tile.getType()).getShape()[1]);
}

SmallVector<Value> WarpFragments::zeros() {
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  if (kind != FragmentKind::WMMA)
    return SmallVector<Value>(rows * cols * valuesPerFragment(), zero);
  auto type = gpu::MMAMatrixType::get({kSide, kSide}, b.getF32Type(), "COp");
  return SmallVector<Value>(rows * cols,
                            gpu::SubgroupMmaConstantMatrixOp::create(b, loc, type, zero));
}

SmallVector<Value> WarpFragments::multiplyAdd(ValueRange accs, Value aTile, Value aRow,
                                              Value bTile, Value bCol, Value k) {
  if (kind == FragmentKind::Emulated || kind == FragmentKind::EmulatedMMASync)
    return multiplyAddEmulated(accs, aTile, aRow, bTile, bCol, k);
  if (kind == FragmentKind::MMASync)
    return multiplyAddMMASync(accs, aTile, aRow, bTile, bCol, k);
  Type f16 = b.getF16Type();
  auto aType = gpu::MMAMatrixType::get({kSide, kSide}, f16, "AOp");
  auto bType = gpu::MMAMatrixType::get({kSide, kSide}, f16, "BOp");
  SmallVector<Value> as, bs, next;
  for (int64_t i = 0; i < rows; ++i)
    as.push_back(gpu::SubgroupMmaLoadMatrixOp::create(b, loc, aType, aTile,
                                                      ValueRange{add(aRow, cst(i * kSide)), k},
                                                      leadDimension(b, aTile), UnitAttr()));
  for (int64_t j = 0; j < cols; ++j)
    bs.push_back(gpu::SubgroupMmaLoadMatrixOp::create(b, loc, bType, bTile,
                                                      ValueRange{k, add(bCol, cst(j * kSide))},
                                                      leadDimension(b, bTile), UnitAttr()));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      next.push_back(gpu::SubgroupMmaComputeOp::create(b, loc, as[i], bs[j], accs[i * cols + j],
                                                       UnitAttr(), UnitAttr()));
  return next;
}

SmallVector<Value> WarpFragments::multiplyAddMMASync(ValueRange accs, Value aTile, Value aRow,
                                                     Value bTile, Value bCol, Value k) {
  Type elementType = cast<MemRefType>(aTile.getType()).getElementType();
  bool tf32 = elementType.isF32();
  Type i32 = b.getI32Type();
  // A register holds two 16-bit elements along K (the lower one in the
  // low half), which lie next to each other in both tiles, or one TF32
  // element (the f32's bits; staging rounded it).
  int64_t perRegister = tf32 ? 1 : 2;
  auto word = [&](Value tile, Value row, Value col) -> Value {
    if (tf32)
      return arith::BitcastOp::create(b, loc, i32,
                                      memref::LoadOp::create(b, loc, tile, ValueRange{row, col}));
    Value two = vector::LoadOp::create(b, loc, VectorType::get({2}, elementType), tile,
                                       ValueRange{row, col});
    Value bits = vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), two);
    return vector::ExtractOp::create(b, loc, bits, ArrayRef<int64_t>{0});
  };
  // One fragment's registers for an operand of `role`, at rows from `base`
  // and columns from `k`: A has eight elements per 16-deep slice, B four
  // (each mma.sync of TF32 takes half of them, 8 deep).
  auto registers = [&](Value tile, Value base, int role, int64_t elements, Value at) {
    SmallVector<Value, 4> regs;
    for (int64_t v = 0; v < elements; v += perRegister) {
      auto [r, c] = element(v, role, elementType);
      regs.push_back(word(tile, add(base, r), add(at, c)));
    }
    return regs;
  };
  int64_t depth = tf32 ? kTF32Depth : kSide;
  NVVM::MMATypes ptxType = tf32                   ? NVVM::MMATypes::tf32
                           : elementType.isBF16() ? NVVM::MMATypes::bf16
                                                  : NVVM::MMATypes::f16;
  Type f32 = b.getF32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  SmallVector<Value> sums(accs);
  for (int64_t step = 0; step < kSide; step += depth) {
    Value at = add(k, cst(step));
    SmallVector<SmallVector<Value, 4>> as, bs;
    for (int64_t i = 0; i < rows; ++i)
      as.push_back(registers(aTile, add(aRow, cst(i * kSide)), /*role=*/0, depth / 2, at));
    for (int64_t j = 0; j < cols; ++j)
      bs.push_back(registers(bTile, add(bCol, cst(j * kSyncCols)), /*role=*/1, depth / 4, at));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        MutableArrayRef<Value> c = MutableArrayRef<Value>(sums).slice((i * cols + j) * 4, 4);
        Value d = NVVM::MmaOp::create(
            b, loc, resultType, as[i], bs[j], SmallVector<Value, 4>(c),
            ArrayRef<int64_t>{kSide, kSyncCols, depth}, std::nullopt, std::nullopt,
            std::array<NVVM::MMATypes, 2>{ptxType, ptxType},
            std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
        for (int64_t v = 0; v < 4; ++v)
          c[v] = LLVM::ExtractValueOp::create(b, loc, d, ArrayRef<int64_t>{v});
      }
  }
  return sums;
}

SmallVector<Value> WarpFragments::multiplyAddEmulated(ValueRange accs, Value aTile, Value aRow,
                                                      Value bTile, Value bCol, Value k) {
  // The 16 steps of K as a loop; each lane adds to its elements the
  // products of their row of A and column of B.
  auto loop = scf::ForOp::create(b, loc, cst(0), cst(kSide), cst(1), accs);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value kk = add(k, loop.getInductionVar());
  auto loadF32 = [&](Value tile, ArrayRef<Value> indices) -> Value {
    Value v = memref::LoadOp::create(b, loc, tile, indices);
    return v.getType().isF32() ? v : arith::ExtFOp::create(b, loc, b.getF32Type(), v);
  };
  auto contract = arith::FastMathFlags::contract;
  int64_t per = valuesPerFragment();
  SmallVector<std::pair<Value, Value>> elements;
  for (int64_t v = 0; v < per; ++v)
    elements.push_back(element(v));
  // B's elements for each fragment column and lane element; the 16x16
  // fragments' lanes keep one column for all eight.
  int64_t bPer = kind == FragmentKind::Emulated ? 1 : per;
  SmallVector<Value> bs;
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t v = 0; v < bPer; ++v) {
      Value col = add(add(bCol, cst(j * fragmentCols)), elements[v].second);
      bs.push_back(bRowsAlongK(kind) ? loadF32(bTile, {col, kk}) : loadF32(bTile, {kk, col}));
    }
  SmallVector<Value> next(loop.getRegionIterArgs());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t v = 0; v < per; ++v) {
      Value row = add(add(aRow, cst(i * kSide)), elements[v].first);
      Value a = loadF32(aTile, {row, kk});
      for (int64_t j = 0; j < cols; ++j) {
        Value &acc = next[(i * cols + j) * per + v];
        Value product = arith::MulFOp::create(b, loc, a, bs[j * bPer + v % bPer], contract);
        acc = arith::AddFOp::create(b, loc, acc, product, contract);
      }
    }
  scf::YieldOp::create(b, loc, next);
  return SmallVector<Value>(loop.getResults());
}

void WarpFragments::store(ValueRange accs, Value cTile, Value row, Value col) {
  int64_t per = valuesPerFragment();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      Value r = add(row, cst(i * kSide));
      Value c = add(col, cst(j * fragmentCols));
      if (kind == FragmentKind::WMMA) {
        gpu::SubgroupMmaStoreMatrixOp::create(b, loc, accs[i * cols + j], cTile, ValueRange{r, c},
                                              leadDimension(b, cTile), UnitAttr());
        continue;
      }
      for (int64_t v = 0; v < per; ++v) {
        auto [er, ec] = element(v);
        memref::StoreOp::create(b, loc, accs[(i * cols + j) * per + v], cTile,
                                ValueRange{add(r, er), add(c, ec)});
      }
    }
}
