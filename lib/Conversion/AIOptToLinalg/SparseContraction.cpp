//===- SparseContraction.cpp - sparse-weight matmul and gemm to linalg ----===//
//
// A matmul or gemm marked aiopt.sparse_weight computes with its constant
// weights compressed: W^T (N x K) in CSR with 32-bit positions and
// coordinates, assembled from three constant arrays, multiplied by a
// linalg.generic whose sparse operand the sparsifier (run by
// aiopt-cpu-bufferize) turns into loops over the nonzeros only. The
// activation is transposed to K x M so that the innermost loop runs over
// its rows, contiguous in memory and vectorized; for a single row W itself
// is compressed and each nonzero w[k, n] adds x[k] * w[k, n] to y[n].
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "aiopt/Dialect/AIOpt/Transforms/SparseWeights.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cstring>

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// A K x N weight in CSR, stored by output column (W^T, N x K: row n
/// holds the nonzeros of output n) or by input row (W itself, K x N).
struct CompressedWeights {
  int64_t rows, cols;
  std::vector<int32_t> positions, coordinates;
  std::vector<float> values;
};

/// Compresses the logical K x N weight `w` (stored N x K when
/// `transposed`), each value times `scale`, as W^T (`byOutput`) or W.
CompressedWeights compress(ArrayRef<double> w, int64_t k, int64_t n, bool transposed,
                           double scale, bool byOutput) {
  auto at = [&](int64_t i, int64_t j) { return transposed ? w[j * k + i] : w[i * n + j]; };
  CompressedWeights c{byOutput ? n : k, byOutput ? k : n, {0}, {}, {}};
  for (int64_t r = 0; r < c.rows; ++r) {
    for (int64_t col = 0; col < c.cols; ++col) {
      double x = byOutput ? at(col, r) : at(r, col);
      if (x == 0)
        continue;
      c.coordinates.push_back(static_cast<int32_t>(col));
      c.values.push_back(static_cast<float>(x * scale));
    }
    c.positions.push_back(static_cast<int32_t>(c.values.size()));
  }
  return c;
}

template <typename T>
Value arrayConstant(OpBuilder &b, Location loc, Type elementType, const std::vector<T> &data) {
  auto type = RankedTensorType::get({static_cast<int64_t>(data.size())}, elementType);
  ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()), data.size() * sizeof(T));
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(rawElements(type, bytes)));
}

/// The CSR tensor of `w`, from its three arrays.
Value assemble(OpBuilder &b, Location loc, const CompressedWeights &w) {
  MLIRContext *ctx = b.getContext();
  Attribute csr = parseAttribute("#sparse_tensor.encoding<{map = (d0, d1) -> (d0 : dense, d1 : "
                                 "compressed), posWidth = 32, crdWidth = 32}>",
                                 ctx);
  auto type = RankedTensorType::get({w.rows, w.cols}, b.getF32Type(), csr);
  Value positions = arrayConstant(b, loc, b.getI32Type(), w.positions);
  Value coordinates = arrayConstant(b, loc, b.getI32Type(), w.coordinates);
  Value values = arrayConstant(b, loc, b.getF32Type(), w.values);
  return sparse_tensor::AssembleOp::create(b, loc, type, ValueRange{positions, coordinates},
                                           values);
}

/// The transpose of matrix `v`, as a generic: elementwise fusion then
/// merges it with the activation's producer and the result's epilogue.
Value transposed(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto type = RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)}, t.getElementType());
  MLIRContext *ctx = b.getContext();
  AffineMap swap = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx)}, ctx);
  return buildElementwise(b, loc, type, ValueRange{v}, ArrayRef<AffineMap>{swap}, {}, passThrough);
}

/// x (M x K, f32, static) times the weights `w` (K x N) compressed: M x N.
Value sparseProduct(OpBuilder &b, Location loc, Value x, ArrayRef<double> w, int64_t k,
                    int64_t n, bool transposedB, double alpha) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  int64_t m = cast<RankedTensorType>(x.getType()).getDimSize(0);
  auto multiplyAdd = [](OpBuilder &nb, Location nl, ValueRange args) {
    Value product = arith::MulFOp::create(nb, nl, args[0], args[1]);
    linalg::YieldOp::create(nb, nl, ValueRange{arith::AddFOp::create(nb, nl, args[2], product)});
  };
  AffineExpr dn = getAffineDimExpr(0, ctx), dk = getAffineDimExpr(1, ctx),
             dm = getAffineDimExpr(2, ctx);
  auto zero = scalarConstant(b, loc, f32, 0.0);
  if (m == 1) {
    // One row: W itself, by input row. Loops k, then the nonzeros n of row
    // k: y[n] += w[k, n] * x[k]. Each nonzero updates its own output, so
    // no chain of dependent additions (which a sum over a row of W^T
    // would be: the sparsifier drops fast-math flags, so LLVM could not
    // reassociate it).
    Value weights = assemble(b, loc, compress(w, k, n, transposedB, alpha, false));
    Value row = reshapeTensor(b, loc, x, RankedTensorType::get({k}, f32));
    Value init = filledTensor(b, loc, RankedTensorType::get({n}, f32), {}, zero);
    SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {dn, dk}, ctx),
                                   AffineMap::get(2, 0, {dn}, ctx),
                                   AffineMap::get(2, 0, {dk}, ctx)};
    Value y = linalg::GenericOp::create(
                  b, loc, init.getType(), ValueRange{weights, row}, ValueRange{init}, maps,
                  {utils::IteratorType::reduction, utils::IteratorType::parallel}, multiplyAdd)
                  .getResult(0);
    return reshapeTensor(b, loc, y, RankedTensorType::get({1, n}, f32));
  }
  Value weights = assemble(b, loc, compress(w, k, n, transposedB, alpha, true));
  // yT[n, m] += w[n, k] * xT[k, m]: loops n, then the nonzeros k of row n,
  // then m innermost over contiguous rows of xT and yT.
  Value xT = transposed(b, loc, x);
  Value init = filledTensor(b, loc, RankedTensorType::get({n, m}, f32), {}, zero);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {dn, dk}, ctx),
                                 AffineMap::get(3, 0, {dk, dm}, ctx),
                                 AffineMap::get(3, 0, {dn, dm}, ctx)};
  Value yT = linalg::GenericOp::create(b, loc, init.getType(), ValueRange{weights, xT},
                                       ValueRange{init}, maps,
                                       {utils::IteratorType::parallel,
                                        utils::IteratorType::reduction,
                                        utils::IteratorType::parallel},
                                       multiplyAdd)
                 .getResult(0);
  return transposed(b, loc, yT);
}

/// The rows of `x` ([..., M, K]) collapsed into one M x K matrix.
Value asMatrix(OpBuilder &b, Location loc, Value x) {
  auto t = cast<RankedTensorType>(x.getType());
  int64_t rows = t.getNumElements() / t.getShape().back();
  return reshapeTensor(b, loc, x,
                       RankedTensorType::get({rows, t.getShape().back()}, t.getElementType()));
}

/// Both patterns: the weights of `op`'s operand 1 (K x N, or N x K when
/// `transposedB`), scaled by `alpha`; the product reshaped to `op`'s
/// result; then `addend` (bias or C) and the activation.
LogicalResult lowerSparse(ConversionPatternRewriter &rewriter, Operation *op, Value lhs,
                          Value weight, Value addend, bool transposedB, double alpha,
                          std::optional<Activation> activation,
                          std::optional<ArrayRef<double>> params) {
  if (!op->hasAttr(kSparseWeightAttr))
    return failure();
  FailureOr<SmallVector<double>> w = constantFloats(weight);
  auto wt = cast<RankedTensorType>(weight.getType());
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (failed(w) || !lt.hasStaticShape() || !lt.getElementType().isF32() || !type.getElementType().isF32() ||
      !type.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "sparse weights need static f32 operands");
  int64_t k = wt.getDimSize(transposedB ? 1 : 0), n = wt.getDimSize(transposedB ? 0 : 1);
  Location loc = op->getLoc();
  Value y = reshapeTensor(rewriter, loc,
                          sparseProduct(rewriter, loc, asMatrix(rewriter, loc, lhs), *w, k, n,
                                        transposedB, alpha),
                          type);
  if (addend)
    y = AddOp::create(rewriter, loc, type, y, addend);
  rewriter.replaceOp(op, applyActivation(rewriter, loc, activation, params, y));
  return success();
}

struct SparseMatMulLowering : OpConversionPattern<MatMulOp> {
  SparseMatMulLowering(MLIRContext *ctx) : OpConversionPattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    return lowerSparse(rewriter, op, adaptor.getLhs(), adaptor.getRhs(), adaptor.getBias(), false,
                       1.0,
                       op.getActivation(), op.getActivationParams());
  }
};

struct SparseGemmLowering : OpConversionPattern<GemmOp> {
  SparseGemmLowering(MLIRContext *ctx) : OpConversionPattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getTransA() || (adaptor.getC() && op.getBeta().convertToDouble() != 1.0))
      return rewriter.notifyMatchFailure(op, "sparse gemm needs A untransposed and beta 1");
    return lowerSparse(rewriter, op, adaptor.getA(), adaptor.getB(), adaptor.getC(),
                       op.getTransB(),
                       op.getAlpha().convertToDouble(), op.getActivation(),
                       op.getActivationParams());
  }
};

} // namespace

void mlir::aiopt::populateSparseContractionPatterns(RewritePatternSet &patterns) {
  patterns.add<SparseMatMulLowering, SparseGemmLowering>(patterns.getContext());
}
