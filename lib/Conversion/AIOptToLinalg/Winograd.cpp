//===- Winograd.cpp - winograd_input and winograd_output to linalg --------===//
//
// The transforms work on channels-last copies, so that every operand of
// their arithmetic is a contiguous run of channels: the input is transposed
// to N x H x W x C (padded). Each row of tiles is one elementwise generic
// over (n, tx, c) that reads the alpha x alpha patch entries at shifted
// offsets of the padded copy and yields all alpha^2 transformed values
// (B^T d B, computed separably, zero coefficients skipped, +-1 as
// additions). The output transform does the same from the products into
// N x TH x m x TW x m x F, which is transposed back to N x F x OH x OW.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/IR/Winograd.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// `sum_k coefficients[k] * xs[k]`, skipping zero coefficients; those of
/// +-1 add or subtract.
Value linearCombination(OpBuilder &b, Location loc, ArrayRef<double> coefficients,
                        ArrayRef<Value> xs) {
  Value acc;
  for (auto [c, x] : llvm::zip_equal(coefficients, xs)) {
    if (c == 0)
      continue;
    Type type = x.getType();
    if (!acc) {
      acc = c == 1    ? x
            : c == -1 ? arith::NegFOp::create(b, loc, x).getResult()
                      : arith::MulFOp::create(b, loc, x, scalarConstant(b, loc, type, c))
                            .getResult();
    } else if (c == 1) {
      acc = arith::AddFOp::create(b, loc, acc, x);
    } else if (c == -1) {
      acc = arith::SubFOp::create(b, loc, acc, x);
    } else {
      acc = math::FmaOp::create(b, loc, x, scalarConstant(b, loc, type, c), acc);
    }
  }
  return acc ? acc : scalarConstant(b, loc, xs.front().getType(), 0);
}

/// X d X^T for the q x q matrix `d` (row-major values) and the p x q
/// matrix X (row-major `x`), computed separably: first X d, then (X d) X^T.
/// Returns the p x p result, row-major.
SmallVector<Value> transform2D(OpBuilder &b, Location loc, ArrayRef<double> x, int64_t p,
                               int64_t q, ArrayRef<Value> d) {
  SmallVector<Value> rows; // X d: p x q
  for (int64_t a = 0; a < p; ++a)
    for (int64_t j = 0; j < q; ++j) {
      SmallVector<Value> column;
      for (int64_t i = 0; i < q; ++i)
        column.push_back(d[i * q + j]);
      rows.push_back(linearCombination(b, loc, x.slice(a * q, q), column));
    }
  SmallVector<Value> result;
  for (int64_t a = 0; a < p; ++a)
    for (int64_t c = 0; c < p; ++c)
      result.push_back(
          linearCombination(b, loc, x.slice(c * q, q), ArrayRef(rows).slice(a * q, q)));
  return result;
}

/// How a transform reads its operands for one row of tiles `ty`: the
/// values (slices at that row) and their maps from the loops (n, tx,
/// channel).
using RowInputs = function_ref<void(OpBuilder &, Location, Value ty, SmallVectorImpl<Value> &,
                                    SmallVectorImpl<AffineMap> &)>;
using RowCompute = function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;

/// Writes a transform into `dest` (6-D) a row of tiles at a time: an
/// scf.forall over the rows of tiles (dimension `rowDim` of `dest`; OpenMP
/// threads share them with --parallel), each row one elementwise generic
/// over (n, tx, channel) whose `rows` x `rows` results (`compute` of
/// the inputs `inputsOf` gives) go to the slices of `dest` that fix
/// dimensions `fixedA` and `fixedB` (in that row). One-shot bufferization
/// does not prove such slices of one shared output disjoint: it writes
/// them through row-sized temporaries and copies, which
/// aiopt-cpu-forward-copies then removes.
Value transformRows(OpBuilder &b, Location loc, Value dest, unsigned rowDim, unsigned fixedA,
                    unsigned fixedB, int64_t rows, RowInputs inputsOf, RowCompute compute) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(dest.getType());
  SmallVector<int64_t> reduced;
  for (int64_t d = 0; d < 6; ++d)
    if (d != fixedA && d != fixedB && d != rowDim)
      reduced.push_back(type.getDimSize(d));
  auto sliceType = type.clone(reduced);
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(type.getDimSize(rowDim))}, ValueRange{dest},
      std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value ty = forall.getInductionVars().front();
  Value shared = forall.getRegionIterArgs().front();
  SmallVector<OpFoldResult> sizes, strides(6, b.getIndexAttr(1));
  for (int64_t d = 0; d < 6; ++d)
    sizes.push_back(b.getIndexAttr(d == fixedA || d == fixedB || d == rowDim ? 1
                                                                             : type.getDimSize(d)));
  auto offsetsOf = [&](int64_t a, int64_t c) {
    SmallVector<OpFoldResult> offsets(6, b.getIndexAttr(0));
    offsets[rowDim] = ty;
    offsets[fixedA] = b.getIndexAttr(a);
    offsets[fixedB] = b.getIndexAttr(c);
    return offsets;
  };
  SmallVector<Value> outs;
  for (int64_t a = 0; a < rows; ++a)
    for (int64_t c = 0; c < rows; ++c)
      outs.push_back(tensor::ExtractSliceOp::create(b, loc, sliceType, shared, offsetsOf(a, c),
                                                    sizes, strides));
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  inputsOf(b, loc, ty, inputs, maps);
  size_t numInputs = inputs.size();
  maps.append(outs.size(), AffineMap::getMultiDimIdentityMap(3, ctx));
  auto generic = linalg::GenericOp::create(
      b, loc, SmallVector<Type>(outs.size(), sliceType), inputs, outs, maps, iterators(3, 0),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, compute(nb, nl, args.take_front(numInputs)));
      });
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (int64_t a = 0; a < rows; ++a)
    for (int64_t c = 0; c < rows; ++c)
      tensor::ParallelInsertSliceOp::create(b, loc, generic.getResult(a * rows + c), shared,
                                            offsetsOf(a, c), sizes, strides);
  return forall.getResult(0);
}

/// The slice of `v` of static `sizes` that starts at `row` along dimension
/// `rowDim` and at 0 along the others.
Value rowSlice(OpBuilder &b, Location loc, Value v, unsigned rowDim, OpFoldResult row,
               ArrayRef<int64_t> sizes) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)),
      strides(type.getRank(), b.getIndexAttr(1));
  offsets[rowDim] = row;
  return tensor::ExtractSliceOp::create(b, loc, v, offsets,
                                        getAsIndexOpFoldResult(b.getContext(), sizes), strides);
}

struct WinogradInputLowering : OpConversionPattern<WinogradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WinogradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    WinogradMatrices w = *winogradMatrices(op.getTile(), op.getKernel());
    int64_t m = w.m, alpha = w.alpha;
    auto xt = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = xt.getElementType();
    int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), h = xt.getDimSize(2),
            wd = xt.getDimSize(3);
    ArrayRef<int64_t> pads = op.getPads();
    int64_t th = winogradTiles(h + pads[0] + pads[2] - w.r + 1, m);
    int64_t tw = winogradTiles(wd + pads[1] + pads[3] - w.r + 1, m);
    int64_t hp = th * m + w.r - 1, wp = tw * m + w.r - 1;

    // The input channels-last, padded with zeros to whole tiles.
    auto nhwc = RankedTensorType::get({n, h, wd, c}, et);
    Value transposed =
        linalg::TransposeOp::create(rewriter, loc, adaptor.getInput(),
                                    emptyTensor(rewriter, loc, nhwc, {}),
                                    ArrayRef<int64_t>{0, 2, 3, 1})
            .getResult()
            .front();
    Value padded = padConstant(rewriter, loc, RankedTensorType::get({n, hp, wp, c}, et),
                               transposed, {0, pads[0], pads[1], 0},
                               {0, hp - h - pads[0], wp - wd - pads[1], 0},
                               scalarConstant(rewriter, loc, et, 0));

    // V[xi][nu][n][ty][tx][c] = (B^T d B)[xi][nu], d the tile's patch.
    auto vType = RankedTensorType::get({alpha, alpha, n, th, tw, c}, et);
    AffineExpr dn = getAffineDimExpr(0, ctx), dtx = getAffineDimExpr(1, ctx),
               dc = getAffineDimExpr(2, ctx);
    Value v = transformRows(
        rewriter, loc, emptyTensor(rewriter, loc, vType, {}), /*rowDim=*/3, 0, 1, alpha,
        [&](OpBuilder &b, Location l, Value ty, SmallVectorImpl<Value> &inputs,
            SmallVectorImpl<AffineMap> &maps) {
          // The row's alpha input rows, from row ty * m of the padded copy.
          Value first = arith::MulIOp::create(b, l, ty, arith::ConstantIndexOp::create(b, l, m));
          Value rowsIn = rowSlice(b, l, padded, 1, first, {n, alpha, wp, c});
          for (int64_t i = 0; i < alpha; ++i)
            for (int64_t j = 0; j < alpha; ++j) {
              inputs.push_back(rowsIn);
              maps.push_back(AffineMap::get(3, 0, {dn, getAffineConstantExpr(i, ctx), dtx * m + j, dc}, ctx));
            }
        },
        [&](OpBuilder &b, Location l, ValueRange patch) {
          return transform2D(b, l, w.bt, alpha, alpha, SmallVector<Value>(patch));
        });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, v, op.getType()));
    return success();
  }
};

struct WinogradOutputLowering : OpConversionPattern<WinogradOutputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WinogradOutputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    WinogradMatrices w = *winogradMatrices(op.getTile(), op.getKernel());
    int64_t m = w.m, alpha = w.alpha;
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    int64_t n = type.getDimSize(0), f = type.getDimSize(1), oh = type.getDimSize(2),
            ow = type.getDimSize(3);
    int64_t th = winogradTiles(oh, m), tw = winogradTiles(ow, m);

    Value products = reshapeTensor(rewriter, loc, adaptor.getProducts(),
                                   RankedTensorType::get({alpha, alpha, n, th, tw, f}, et));
    // Y[n][ty][a][tx][b][f] = (A^T M A)[a][b] + bias[f].
    auto yType = RankedTensorType::get({n, th, m, tw, m, f}, et);
    AffineExpr dn = getAffineDimExpr(0, ctx), dtx = getAffineDimExpr(1, ctx),
               df = getAffineDimExpr(2, ctx);
    Value bias = adaptor.getBias();
    Value y = transformRows(
        rewriter, loc, emptyTensor(rewriter, loc, yType, {}), /*rowDim=*/1, 2, 4, m,
        [&](OpBuilder &b, Location l, Value ty, SmallVectorImpl<Value> &inputs,
            SmallVectorImpl<AffineMap> &maps) {
          Value row = rowSlice(b, l, products, 3, ty, {alpha, alpha, n, 1, tw, f});
          for (int64_t xi = 0; xi < alpha; ++xi)
            for (int64_t nu = 0; nu < alpha; ++nu) {
              inputs.push_back(row);
              maps.push_back(AffineMap::get(3, 0,
                                            {getAffineConstantExpr(xi, ctx),
                                             getAffineConstantExpr(nu, ctx), dn,
                                             getAffineConstantExpr(0, ctx), dtx, df},
                                            ctx));
            }
          if (bias) {
            inputs.push_back(bias);
            maps.push_back(AffineMap::get(3, 0, {df}, ctx));
          }
        },
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> out =
              transform2D(b, l, w.at, m, alpha, SmallVector<Value>(args.take_front(alpha * alpha)));
          if (bias)
            for (Value &o : out)
              o = arith::AddFOp::create(b, l, o, args.back());
          return out;
        });
    Value nhwc = reshapeTensor(rewriter, loc, y, RankedTensorType::get({n, th * m, tw * m, f}, et));
    if (th * m != oh || tw * m != ow) {
      SmallVector<OpFoldResult> zeros(4, rewriter.getIndexAttr(0)),
          ones(4, rewriter.getIndexAttr(1));
      nhwc = tensor::ExtractSliceOp::create(rewriter, loc, nhwc, zeros,
                                            getAsIndexOpFoldResult(ctx, {n, oh, ow, f}), ones);
    }
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, loc, nhwc,
                                                       emptyTensor(rewriter, loc, type, {}),
                                                       ArrayRef<int64_t>{0, 3, 1, 2})
                               .getResult()
                               .front());
    return success();
  }
};

} // namespace

void mlir::aiopt::populateWinogradPatterns(RewritePatternSet &patterns) {
  patterns.add<WinogradInputLowering, WinogradOutputLowering>(patterns.getContext());
}
