//===- WarpFragments.cpp - a warp's 16x16 product fragments ---------------===//
//
// WMMA fragments through the gpu dialect's subgroup MMA ops, or their
// per-lane emulation (see WarpFragments.h).
//
//===----------------------------------------------------------------------===//

#include "WarpFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::aiopt;

static constexpr int64_t kSide = 16;

Value WarpFragments::cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

std::pair<Value, Value> WarpFragments::element(int64_t v) {
  // Lane l owns elements l + 32 v in row-major order: rows l / 16 + 2 v,
  // column l % 16.
  Value row = arith::AddIOp::create(b, loc, arith::DivUIOp::create(b, loc, lane, cst(kSide)),
                                    cst(2 * v));
  return {row, arith::RemUIOp::create(b, loc, lane, cst(kSide))};
}

/// The row-major leading dimension of a workgroup tile.
static IntegerAttr leadDimension(OpBuilder &b, Value tile) {
  return b.getIndexAttr(cast<MemRefType>(tile.getType()).getShape()[1]);
}

SmallVector<Value> WarpFragments::zeros() {
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  if (emulated)
    return SmallVector<Value>(rows * cols * 8, zero);
  auto type = gpu::MMAMatrixType::get({kSide, kSide}, b.getF32Type(), "COp");
  return SmallVector<Value>(rows * cols,
                            gpu::SubgroupMmaConstantMatrixOp::create(b, loc, type, zero));
}

SmallVector<Value> WarpFragments::multiplyAdd(ValueRange accs, Value aTile, Value aRow,
                                              Value bTile, Value bCol, Value k) {
  auto offset = [&](Value base, int64_t i) {
    return arith::AddIOp::create(b, loc, base, cst(i * kSide)).getResult();
  };
  if (!emulated) {
    Type f16 = b.getF16Type();
    auto aType = gpu::MMAMatrixType::get({kSide, kSide}, f16, "AOp");
    auto bType = gpu::MMAMatrixType::get({kSide, kSide}, f16, "BOp");
    SmallVector<Value> as, bs, next;
    for (int64_t i = 0; i < rows; ++i)
      as.push_back(gpu::SubgroupMmaLoadMatrixOp::create(b, loc, aType, aTile,
                                                        ValueRange{offset(aRow, i), k},
                                                        leadDimension(b, aTile), UnitAttr()));
    for (int64_t j = 0; j < cols; ++j)
      bs.push_back(gpu::SubgroupMmaLoadMatrixOp::create(b, loc, bType, bTile,
                                                        ValueRange{k, offset(bCol, j)},
                                                        leadDimension(b, bTile), UnitAttr()));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        next.push_back(gpu::SubgroupMmaComputeOp::create(b, loc, as[i], bs[j], accs[i * cols + j],
                                                         UnitAttr(), UnitAttr()));
    return next;
  }
  // Emulated: the 16 steps of K as a loop; each lane adds to its elements
  // the products of their row of A and column of B.
  auto loop = scf::ForOp::create(b, loc, cst(0), cst(kSide), cst(1), accs);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value kk = arith::AddIOp::create(b, loc, k, loop.getInductionVar());
  auto loadF32 = [&](Value tile, ArrayRef<Value> indices) -> Value {
    Value v = memref::LoadOp::create(b, loc, tile, indices);
    return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
  };
  auto contract = arith::FastMathFlags::contract;
  SmallVector<std::pair<Value, Value>> elements;
  for (int64_t v = 0; v < 8; ++v)
    elements.push_back(element(v));
  SmallVector<Value> bs;
  for (int64_t j = 0; j < cols; ++j) {
    Value col = arith::AddIOp::create(b, loc, offset(bCol, j), elements[0].second);
    bs.push_back(loadF32(bTile, {kk, col}));
  }
  SmallVector<Value> next(loop.getRegionIterArgs());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t v = 0; v < 8; ++v) {
      Value row = arith::AddIOp::create(b, loc, offset(aRow, i), elements[v].first);
      Value a = loadF32(aTile, {row, kk});
      for (int64_t j = 0; j < cols; ++j) {
        Value &acc = next[(i * cols + j) * 8 + v];
        Value product = arith::MulFOp::create(b, loc, a, bs[j], contract);
        acc = arith::AddFOp::create(b, loc, acc, product, contract);
      }
    }
  scf::YieldOp::create(b, loc, next);
  return SmallVector<Value>(loop.getResults());
}

void WarpFragments::store(ValueRange accs, Value cTile, Value row, Value col) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      Value r = arith::AddIOp::create(b, loc, row, cst(i * kSide));
      Value c = arith::AddIOp::create(b, loc, col, cst(j * kSide));
      if (!emulated) {
        gpu::SubgroupMmaStoreMatrixOp::create(b, loc, accs[i * cols + j], cTile, ValueRange{r, c},
                                              leadDimension(b, cTile), UnitAttr());
        continue;
      }
      for (int64_t v = 0; v < 8; ++v) {
        auto [er, ec] = element(v);
        memref::StoreOp::create(b, loc, accs[(i * cols + j) * 8 + v], cTile,
                                ValueRange{arith::AddIOp::create(b, loc, r, er),
                                           arith::AddIOp::create(b, loc, c, ec)});
      }
    }
}
