//===- Int8Dot.cpp - 8-bit dot-product register tiles ---------------------===//
//
// vpdpbusd multiplies unsigned bytes of its first source by signed bytes of
// its second and adds each group of four products to a 32-bit lane. aiopt's
// 8-bit contractions are signed x signed, so one operand is offset by 128
// (its top bit flipped) and the accumulator starts 128 x (the other
// operand's sums over k) lower:  sum_k (a + 128) b - 128 sum_k b =
// sum_k a b, exactly (every product fits 16 bits, every sum 32). The
// offset operand is the one computed at run time (activations), so the
// correction is a constant: the left operand with constant weights on the
// right (matmuls, Gemm), the right one with constant weights on the left
// (NCHW im2col convolutions).
//
//===----------------------------------------------------------------------===//

#include "Int8Dot.h"

#include "aiopt/Codegen/CPU/Passes.h"
#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPULOWERDOTBYTESPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using mlir::aiopt::DotInstruction;

namespace {
constexpr int64_t kSignOffset = 128;

utils::IteratorType parallel() { return utils::IteratorType::parallel; }
} // namespace

Value mlir::aiopt::flippedCopy(OpBuilder &b, Location loc, Value source, Value init,
                               AffineMap read) {
  unsigned rank = read.getNumDims();
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{source}, ValueRange{init},
             SmallVector<AffineMap>{read, b.getMultiDimIdentityMap(rank)},
             SmallVector<utils::IteratorType>(rank, parallel()),
             [](OpBuilder &nb, Location nl, ValueRange args) {
               Value top = arith::ConstantIntOp::create(nb, nl, args[0].getType(), -kSignOffset);
               linalg::YieldOp::create(nb, nl,
                                       arith::XOrIOp::create(nb, nl, args[0], top).getResult());
             })
      .getResult(0);
}

Value mlir::aiopt::groupedLeftOperand(OpBuilder &b, Location loc, Value a, int64_t paddedK,
                                      int64_t group, bool flip) {
  auto type = cast<RankedTensorType>(a.getType());
  int64_t m = type.getDimSize(0), k = type.getDimSize(1);
  Type i8 = type.getElementType();
  auto paddedType = RankedTensorType::get({m, paddedK}, i8);
  Value grouped = a;
  if (FailureOr<RawConstant> raw = constantBytes(a); succeeded(raw)) {
    SmallVector<char> data(m * paddedK, 0);
    char offset = flip ? char(0x80) : char(0);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < k; ++j)
        data[i * paddedK + j] = char(raw->data[raw->splat ? 0 : i * k + j] ^ offset);
    grouped = arith::ConstantOp::create(b, loc, rawElements(paddedType, data));
  } else {
    if (flip)
      grouped = flippedCopy(b, loc, a, tensor::EmptyOp::create(b, loc, type.getShape(), i8),
                            b.getMultiDimIdentityMap(2));
    // The padding multiplies zero rows of the packed right operand.
    if (paddedK != k)
      grouped = tensor::createPadHighOp(paddedType, grouped,
                                        arith::ConstantIntOp::create(b, loc, i8, 0),
                                        /*nofold=*/false, loc, b);
  }
  auto groupedType = RankedTensorType::get({m, paddedK / group, group}, i8);
  return tensor::ExpandShapeOp::create(b, loc, groupedType, grouped,
                                       SmallVector<ReassociationIndices>{{0}, {1, 2}});
}

Value mlir::aiopt::sumsOverK(OpBuilder &b, Location loc, RawConstant raw, int64_t k, int64_t n,
                             bool transposed) {
  SmallVector<int32_t> sums(n, 0);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t j = 0; j < n; ++j)
      sums[j] += static_cast<int8_t>(
          raw.data[raw.splat ? 0 : (transposed ? j * k + kk : kk * n + j)]);
  auto type = RankedTensorType::get({n}, b.getI32Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, ArrayRef(sums)));
}

Value mlir::aiopt::correctedAccumulator(OpBuilder &b, Location loc, Value c, Value sums,
                                        unsigned dim) {
  auto type = cast<RankedTensorType>(c.getType());
  MLIRContext *ctx = b.getContext();
  AffineMap id = b.getMultiDimIdentityMap(2);
  AffineMap along = AffineMap::get(2, 0, {getAffineDimExpr(dim, ctx)}, ctx);
  // A fill's value is read directly, so the result is one elementwise op.
  Value start;
  SmallVector<Value> inputs = {sums};
  SmallVector<AffineMap> maps = {along, id};
  if (auto fill = c.getDefiningOp<linalg::FillOp>()) {
    start = fill.getInputs()[0];
  } else {
    inputs.insert(inputs.begin(), c);
    maps.insert(maps.begin(), id);
  }
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(2, parallel()),
             [start](OpBuilder &nb, Location nl, ValueRange args) {
               Value acc = start ? start : args[0];
               Value sum = args[args.size() - 2];
               Value offset = arith::ConstantIntOp::create(nb, nl, sum.getType(), kSignOffset);
               Value correction = arith::MulIOp::create(nb, nl, sum, offset);
               linalg::YieldOp::create(
                   nb, nl, arith::SubIOp::create(nb, nl, acc, correction).getResult());
             })
      .getResult(0);
}

namespace {

/// Whether `op` is a register tile of the packed 8-bit contraction for
/// `dot`: static A [m, 1, g] i8, B [1, 1, nr, g] i8 and C [m, 1, nr] i32
/// with g the instruction's group and nr a multiple of its lanes.
bool isDotTile(linalg::GenericOp op, DotInstruction dot) {
  if (op.hasDynamicShape() || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return false;
  auto a = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto b = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto c = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  int64_t g = dot.group();
  return a.getRank() == 3 && b.getRank() == 4 && c.getRank() == 3 &&
         a.getElementType().isInteger(8) && b.getElementType().isInteger(8) &&
         c.getElementType().isInteger(32) && a.getDimSize(1) == 1 && a.getDimSize(2) == g &&
         b.getDimSize(0) == 1 && b.getDimSize(1) == 1 && b.getDimSize(3) == g &&
         c.getDimSize(0) == a.getDimSize(0) && c.getDimSize(1) == 1 &&
         c.getDimSize(2) == b.getDimSize(2) && b.getDimSize(2) % dot.lanes == 0;
}

/// `v` read whole from the static tensor `source` and reshaped to `shape`.
Value readAs(OpBuilder &b, Location loc, Value source, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(source.getType());
  Type et = type.getElementType();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> indices(type.getRank(), zero);
  Value padding = arith::ConstantOp::create(b, loc, b.getZeroAttr(et));
  SmallVector<bool> inBounds(type.getRank(), true);
  Value read = vector::TransferReadOp::create(b, loc, VectorType::get(type.getShape(), et), source,
                                              indices, padding, inBounds);
  return vector::ShapeCastOp::create(b, loc, VectorType::get(shape, et), read);
}

/// Whether the tile's right operand is the unsigned one (zero-extended in
/// its body); else the left one is.
bool isUnsignedRight(linalg::GenericOp op) {
  Value right = op.getBody()->getArgument(1);
  return llvm::any_of(right.getUsers(), [](Operation *user) { return isa<arith::ExtUIOp>(user); });
}

void lowerDotTile(RewriterBase &rewriter, linalg::GenericOp op, DotInstruction dot) {
  Location loc = op.getLoc();
  bool unsignedRight = dot.bytes && isUnsignedRight(op);
  Value aTile = op.getDpsInputs()[0], bTile = op.getDpsInputs()[1], cTile = op.getDpsInits()[0];
  auto cType = cast<RankedTensorType>(cTile.getType());
  int64_t rows = cType.getDimSize(0), columns = cType.getDimSize(2), g = dot.group(),
          lanes = dot.lanes;
  Type i32 = rewriter.getI32Type();
  // vpmaddwd multiplies 16-bit elements: the bytes sign-extended.
  Type et = dot.bytes ? rewriter.getI8Type() : rewriter.getI16Type();
  auto widen = [&](Value v, ArrayRef<int64_t> shape) -> Value {
    if (dot.bytes)
      return v;
    return arith::ExtSIOp::create(rewriter, loc, VectorType::get(shape, et), v);
  };
  rewriter.setInsertionPoint(op);
  Value a = widen(readAs(rewriter, loc, aTile, {rows, g}), {rows, g});
  // The tile's columns are contiguous in the packed operand: one flat read
  // (a read of its [1, 1, nr, g] shape would be unrolled into nr loads).
  Value bFlat = tensor::CollapseShapeOp::create(rewriter, loc, bTile,
                                                SmallVector<ReassociationIndices>{{0, 1, 2, 3}});
  Value b = widen(readAs(rewriter, loc, bFlat, {columns * g}), {columns * g});
  Value c = readAs(rewriter, loc, cTile, {rows, columns});
  auto laneType = VectorType::get({lanes}, i32);
  auto groupsType = VectorType::get({lanes * g}, et);
  for (int64_t r = 0; r < rows; ++r) {
    // The row's group of elements as one 32-bit word in every lane.
    Value word = vector::BitCastOp::create(rewriter, loc, VectorType::get({1}, i32),
                                           vector::ExtractOp::create(rewriter, loc, a, r));
    Value splat = vector::BitCastOp::create(
        rewriter, loc, groupsType, vector::BroadcastOp::create(rewriter, loc, laneType, word));
    Value row = vector::ExtractOp::create(rewriter, loc, c, r);
    for (int64_t col = 0; col < columns; col += lanes) {
      Value acc = vector::ExtractStridedSliceOp::create(rewriter, loc, row, {col}, {lanes}, {1});
      Value panel = vector::ExtractStridedSliceOp::create(rewriter, loc, b, {col * g},
                                                          {lanes * g}, {1});
      Value sum;
      if (!dot.bytes)
        sum = aiopt::DotPairsOp::create(rewriter, loc, acc, splat, panel);
      else if (unsignedRight)
        sum = aiopt::DotBytesOp::create(rewriter, loc, acc, panel, splat);
      else
        sum = aiopt::DotBytesOp::create(rewriter, loc, acc, splat, panel);
      row = vector::InsertStridedSliceOp::create(rewriter, loc, sum, row, {col}, {1});
    }
    c = vector::InsertOp::create(rewriter, loc, row, c, r);
  }
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value written = vector::ShapeCastOp::create(
      rewriter, loc, VectorType::get(cType.getShape(), i32), c);
  rewriter.replaceOp(op, vector::TransferWriteOp::create(
                             rewriter, loc, written, cTile, SmallVector<Value>(3, zero),
                             SmallVector<bool>(3, true))
                             ->getResults());
}

} // namespace

void mlir::aiopt::lowerDotTiles(Operation *root, StringRef marker,
                                ArrayRef<DotInstruction> dots) {
  SmallVector<linalg::GenericOp> tiles;
  root->walk([&](linalg::GenericOp op) {
    if (op->hasAttr(marker))
      tiles.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (linalg::GenericOp op : tiles) {
    op->removeAttr(marker);
    // The instructions' groups differ: a tile's shape names its own.
    for (DotInstruction dot : dots)
      if (isDotTile(op, dot)) {
        lowerDotTile(rewriter, op, dot);
        break;
      }
  }
}

namespace {

/// aiopt.dot_bytes as LLVM's x86 intrinsic (vpdpbusd, 256 or 512 bits).
struct DotBytesToIntrinsic : OpRewritePattern<aiopt::DotBytesOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(aiopt::DotBytesOp op, PatternRewriter &rewriter) const override {
    int64_t bits = op.getAcc().getType().getNumElements() * 32;
    rewriter.replaceOp(op, LLVM::CallIntrinsicOp::create(
                               rewriter, op.getLoc(), op.getType(),
                               rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd." +
                                                      std::to_string(bits)),
                               ValueRange{op.getAcc(), op.getLhs(), op.getRhs()})
                               ->getResults());
    return success();
  }
};

/// aiopt.dot_pairs as LLVM's x86 intrinsic (vpmaddwd, 128, 256 or 512
/// bits) plus the accumulator.
struct DotPairsToIntrinsic : OpRewritePattern<aiopt::DotPairsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(aiopt::DotPairsOp op, PatternRewriter &rewriter) const override {
    int64_t bits = op.getAcc().getType().getNumElements() * 32;
    StringRef name = bits == 512   ? "llvm.x86.avx512.pmaddw.d.512"
                     : bits == 256 ? "llvm.x86.avx2.pmadd.wd"
                                   : "llvm.x86.sse2.pmadd.wd";
    Value products = LLVM::CallIntrinsicOp::create(rewriter, op.getLoc(), op.getType(),
                                                   rewriter.getStringAttr(name),
                                                   ValueRange{op.getLhs(), op.getRhs()})
                         ->getResult(0);
    rewriter.replaceOpWithNewOp<arith::AddIOp>(op, op.getAcc(), products);
    return success();
  }
};

struct CPULowerDotBytesPass : aiopt::impl::CPULowerDotBytesPassBase<CPULowerDotBytesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DotBytesToIntrinsic, DotPairsToIntrinsic>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
