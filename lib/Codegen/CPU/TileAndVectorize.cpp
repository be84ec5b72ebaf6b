//===- TileAndVectorize.cpp - the aiopt-cpu-tile-and-vectorize pass -------===//
//
// Contractions become cache-tiled loops around register tiles; the register
// tiles with static sizes become vector.contract, lowered to outer products
// (broadcast a left-operand element, FMA with a vector of right-operand
// columns into an accumulator row).
//
//===----------------------------------------------------------------------===//

#include "CodegenUtils.h"
#include "Int8Dot.h"
#include "aiopt/Codegen/CPU/Passes.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cstring>
#include <numeric>

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUTILEANDVECTORIZEPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

constexpr StringLiteral kRegisterTile = "aiopt.register_tile";
/// Register tiles of packed 8-bit contractions, lowered to dot products.
constexpr StringLiteral kDotTile = "aiopt.dot_tile";
/// An accumulator initializer or elementwise epilogue fused into a register
/// tile, vectorized in the register tile's shape so that its values meet
/// the accumulators in registers.
constexpr StringLiteral kRegisterEpilogue = "aiopt.register_epilogue";

/// The loops a contraction is tiled along: the m and n loops the result is
/// innermost in, and the innermost reduction.
struct ContractionLoops {
  unsigned m, n, k;
};

/// The contraction loops of `op` when it is a candidate: a multiply-add
/// contraction on static f32 tensors (or 8-bit integers accumulating in
/// i32) whose result's innermost dimension is
/// an n loop (the right operand's columns), so register tiles are
/// contiguous vectors.
std::optional<ContractionLoops> contractionLoops(linalg::LinalgOp op) {
  // Sparse kernels are the sparsifier's (aiopt-cpu-bufferize).
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op) ||
      sparse_tensor::hasAnySparseOperandOrResult(op))
    return std::nullopt;
  // f32, or quantized: 8-bit operands accumulating in i32, sign-extended
  // (the named ops the tiles become extend with signs; unsigned operands
  // keep the generic loops).
  if (!op->getRegion(0).getOps<arith::ExtUIOp>().empty())
    return std::nullopt;
  Type acc = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  for (Value v : op.getDpsInputs()) {
    Type t = getElementTypeOrSelf(v.getType());
    if (!(acc.isF32() && (t.isF32() || t.isF16() || t.isBF16())) &&
        !(acc.isInteger(32) && t.isInteger(8)))
      return std::nullopt;
  }
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->k.empty())
    return std::nullopt;
  // A contraction into a scalar (a 0-d result) has no m or n loop to tile.
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() == 0)
    return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(out.getResults().back());
  if (!last || !llvm::is_contained(dims->n, last.getPosition()))
    return std::nullopt;
  // The m loop: the one appearing last in the result.
  std::optional<unsigned> m;
  for (AffineExpr e : out.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e); d && llvm::is_contained(dims->m, d.getPosition()))
      m = d.getPosition();
  if (!m)
    return std::nullopt;
  return ContractionLoops{*m, last.getPosition(), dims->k.back()};
}

/// A convolution that reads shifted windows of its input in place: an f32
/// multiply-add generic W(m, c, taps...) * X(..., c, ..., s.q + a . taps)
/// into C(..., m, q), its filter's window offsets (`taps`) moving the read
/// along the input. Two forms are lowered so (convert-aiopt-to-linalg):
/// unit-stride convolutions read the flattened input at q + a . taps, and
/// direct convolutions read X(n, c, s.o_1 + d.k_1, ..., s.q + d.k_n), their
/// rows o_i outer parallel loops (and q's factor s, the stride, a strided
/// read). Fixing the taps leaves a matmul over (m, q, c) whose right
/// operand is a slice of the input: no gathered copy. Loops of one
/// iteration are ignored (dropped before tiling).
struct ShiftedWindow {
  ContractionLoops loops;
  SmallVector<unsigned> taps;
  /// The input is the first operand, the filter the second.
  bool inputFirst = false;
};

std::optional<ShiftedWindow> shiftedWindowLoops(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp>(op.getOperation()) || !op.hasPureTensorSemantics() ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32() ||
      llvm::any_of(op.getDpsInputs(), [](Value v) {
        Type t = getElementTypeOrSelf(v.getType());
        // f16 or bf16 weights (mixed precision) widen in the body.
        return !(t.isF32() || t.isF16() || t.isBF16());
      }) ||
      !linalg::detail::isContractionBody(*op.getBlock(), [](Operation *mul, Operation *add) {
        return isa<arith::MulFOp>(mul) && isa<arith::AddFOp>(add);
      }))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  ShiftedWindow window;
  window.inputFirst = !maps[0].isProjectedPermutation();
  AffineMap w = maps[window.inputFirst ? 1 : 0], x = maps[window.inputFirst ? 0 : 1],
            out = maps[2];
  if (!w.isProjectedPermutation() || !out.isProjectedPermutation() || out.getNumResults() == 0 ||
      x.getNumResults() < 2)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned q = out.getDimPosition(out.getNumResults() - 1);
  // Taps: loops of the filter but not of the result, added to the read.
  auto addTaps = [&](ArrayRef<std::pair<unsigned, int64_t>> terms) {
    for (auto [loop, factor] : terms) {
      if (!w.isFunctionOfDim(loop) || out.isFunctionOfDim(loop) ||
          llvm::is_contained(window.taps, loop))
        return false;
      window.taps.push_back(loop);
    }
    return true;
  };
  SmallVector<std::pair<unsigned, int64_t>> terms;
  if (!aiopt::linearTerms(x.getResults().back(), terms) || terms.size() < 2)
    return std::nullopt;
  // q itself, at any factor (the stride), is one of the terms, in any
  // order.
  auto position = llvm::find_if(terms, [&](auto term) { return term.first == q; });
  if (position == terms.end())
    return std::nullopt;
  terms.erase(position);
  if (!addTaps(terms))
    return std::nullopt;
  // Other sums in the read: an outer row of the result plus taps.
  SmallVector<unsigned> rows;
  for (AffineExpr e : x.getResults().drop_back()) {
    if (isa<AffineDimExpr>(e))
      continue;
    SmallVector<std::pair<unsigned, int64_t>> sum;
    if (!aiopt::linearTerms(e, sum))
      return std::nullopt;
    auto row = llvm::find_if(sum, [&](auto term) {
      return out.isFunctionOfDim(term.first) && !w.isFunctionOfDim(term.first);
    });
    if (row == sum.end() || llvm::is_contained(rows, row->first))
      return std::nullopt;
    rows.push_back(row->first);
    sum.erase(row);
    if (!addTaps(sum))
      return std::nullopt;
  }
  // The channel loop: read as such by both operands; every other
  // reduction loop is a tap.
  std::optional<unsigned> c, m;
  for (unsigned i = 0; i < op.getNumLoops(); ++i) {
    if (llvm::is_contained(window.taps, i) || llvm::is_contained(rows, i) || i == q ||
        ranges[i] == 1)
      continue;
    bool inW = w.isFunctionOfDim(i), inOut = out.isFunctionOfDim(i);
    bool inX = llvm::any_of(x.getResults().drop_back(), [&](AffineExpr e) {
      return e == getAffineDimExpr(i, op.getContext());
    });
    if (inW && inX && !inOut && !c)
      c = i;
    else if (inW && inOut && !x.isFunctionOfDim(i))
      m = i;
    else if (!(inX && inOut && !inW) || x.getResults().back().isFunctionOfDim(i))
      return std::nullopt;
  }
  if (!c || !m)
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (unsigned i = 0; i < op.getNumLoops(); ++i)
    if (ranges[i] != 1 && (iters[i] == utils::IteratorType::reduction) !=
                              (i == *c || llvm::is_contained(window.taps, i)))
      return std::nullopt;
  window.loops = {*m, q, *c};
  return window;
}

/// A loop order with `inner` last (in that order) and the other loops
/// before them in their original order.
SmallVector<int64_t> orderEndingWith(unsigned numLoops, ArrayRef<unsigned> inner) {
  SmallVector<int64_t> order;
  for (unsigned i = 0; i < numLoops; ++i)
    if (!llvm::is_contained(inner, i))
      order.push_back(i);
  llvm::append_range(order, inner);
  return order;
}

/// A cache tile size for a loop of `extent`: the whole loop if it fits,
/// else a size in [max/2, max] that divides it (a multiple of `multiple`
/// preferred), so every tile has the same static size; else `max` (the
/// last tile is then partial, with dynamic sizes).
int64_t cacheTile(int64_t extent, int64_t max, int64_t multiple) {
  if (extent <= max)
    return extent;
  for (int64_t step : {multiple, int64_t(1)})
    for (int64_t t = max - max % step; t >= max / 2 && t > 0; t -= step)
      if (extent % t == 0)
        return t;
  return max;
}

/// The block size along a contraction's columns for `extent` columns,
/// register tiles `nr` wide and vectors of `lanes`: cacheTile's, unless a
/// divisor of `extent` of up to twice `max` leaves fewer partial register
/// tiles in all (each costs a register tile's row of vector FMAs for a few
/// columns): 784 columns (28x28) make two blocks of 392 (12 tiles and 8
/// columns each) rather than four of 196 (6 tiles and 4 columns).
int64_t columnTile(int64_t extent, int64_t max, int64_t nr, int64_t lanes) {
  int64_t best = cacheTile(extent, max, nr);
  if (lanes <= 0 || best >= extent || extent % best)
    return best;
  auto partial = [&](int64_t t) { return extent / t * llvm::divideCeil(t % nr, lanes); };
  for (int64_t t = max / 2; t <= 2 * max && t < extent; ++t)
    if (extent % t == 0 && partial(t) < partial(best))
      best = t;
  return best;
}

/// Multiply-adds a block of a contraction keeps at least when blocks are
/// made smaller for threads (a few microseconds of work).
constexpr int64_t kMinBlockWork = int64_t(1) << 19;

/// Shrinks the block sizes `sizes` (0: a loop not split into blocks) of a
/// loop nest of `bounds` until it has `minBlocks` blocks, halving the
/// columns first (`cols`, in multiples of `colMultiple` units of
/// `colUnit` columns, whole image rows for a row epilogue: each block then
/// reads or packs columns of its own), then the rows (`rows`, multiples of
/// `rowMultiple`), as long as each block keeps kMinBlockWork
/// multiply-adds. Sizes stay divisors of their loops where cacheTile finds
/// one.
void shrinkBlocks(MutableArrayRef<int64_t> sizes, ArrayRef<int64_t> bounds, int64_t minBlocks,
                  unsigned cols, int64_t colMultiple, unsigned rows, int64_t rowMultiple,
                  int64_t colUnit = 1) {
  int64_t work = 1;
  for (int64_t b : bounds)
    work *= b;
  auto blocks = [&] {
    int64_t n = 1;
    for (auto [size, bound] : llvm::zip(sizes, bounds))
      n *= size ? llvm::divideCeil(bound, size) : 1;
    return n;
  };
  auto halve = [&](unsigned loop, int64_t multiple, int64_t unit) {
    int64_t size = sizes[loop] / unit, max = size / 2;
    if (max < multiple || size % multiple)
      return false;
    sizes[loop] = unit * cacheTile(bounds[loop] / unit, max - max % multiple, multiple);
    return true;
  };
  while (blocks() < minBlocks && work / (2 * blocks()) >= kMinBlockWork)
    if (!halve(cols, colMultiple, colUnit) && !halve(rows, rowMultiple, 1))
      return;
  // An odd count of three or more leaves all threads of an even team but
  // one idle for a block's time (five blocks on two threads: three and
  // two); halving the columns or else the rows once more doubles it when
  // each block keeps half of kMinBlockWork. Kept only when the count
  // comes out even (blocks that cannot divide their loop evenly would
  // add partial ones).
  int64_t count = blocks();
  if (minBlocks < 2 || count < 3 || count % 2 == 0 || work / (2 * count) < kMinBlockWork / 2)
    return;
  SmallVector<int64_t> kept(sizes);
  for (auto [loop, multiple, unit] : {std::tuple(cols, colMultiple, colUnit),
                                      std::tuple(rows, rowMultiple, int64_t(1))}) {
    if (halve(loop, multiple, unit) && blocks() % 2 == 0)
      return;
    llvm::copy(kept, sizes.begin());
  }
}

/// Drops the unit loops of `op` other than its m, n and k loops (the loops
/// tiled by one) and turns the result into linalg.matmul where it is one,
/// for which the vectorizer emits a single vector.contract. `reshape`: the
/// operands of a whole op are reshaped rather than sliced (see
/// dropUnitLoops). Returns the new op and its contraction loops (`op` and
/// `loops` when nothing drops).
std::pair<linalg::LinalgOp, ContractionLoops>
reduceToContraction(RewriterBase &rewriter, linalg::LinalgOp op, ContractionLoops loops,
                    bool reshape = false) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic)
    return {op, loops};
  linalg::LinalgOp result =
      aiopt::dropUnitLoops(rewriter, generic, {loops.m, loops.n, loops.k}, reshape);
  if (result == op)
    return {op, loops};
  if (auto reducedGeneric = dyn_cast<linalg::GenericOp>(result.getOperation())) {
    rewriter.setInsertionPoint(reducedGeneric);
    if (FailureOr<linalg::LinalgOp> named = linalg::specializeGenericOp(rewriter, reducedGeneric);
        succeeded(named))
      result = *named;
  }
  std::optional<ContractionLoops> newLoops = contractionLoops(result);
  return {result, newLoops ? *newLoops : loops};
}

/// B[k, n] (or, `transposed`, B[n, k]) copied into `packedType`: B'[n/nr,
/// k, nr] for a `group` of 1, else B'[n/nr, k/group, nr, group] (k padded
/// to a multiple of `group`, static shapes); with `flip`, the 8-bit
/// elements' signs flipped on the way (Int8Dot.h). A view of B split into
/// panels (and groups), transposed by linalg.transpose (or a generic that
/// also flips), whose loop nest copies runs of contiguous elements (LLVM
/// vectorizes them).
Value packAtRunTime(OpBuilder &b, Location loc, Value source, RankedTensorType packedType,
                    int64_t nr, int64_t group, bool transposed, bool flip) {
  auto st = cast<RankedTensorType>(source.getType());
  int64_t panels = packedType.getDimSize(0), k = packedType.getDimSize(1);
  Type et = st.getElementType();
  SmallVector<int64_t> viewShape, perm;
  SmallVector<ReassociationIndices> groups;
  if (group == 1) {
    // B[k, n] -> [k, n/nr, nr] -> [n/nr, k, nr]; B[n, k] -> [n/nr, nr, k] -> [n/nr, k, nr].
    viewShape = transposed ? SmallVector<int64_t>{panels, nr, k} : SmallVector<int64_t>{k, panels, nr};
    groups = transposed ? SmallVector<ReassociationIndices>{{0, 1}, {2}}
                        : SmallVector<ReassociationIndices>{{0}, {1, 2}};
    perm = transposed ? SmallVector<int64_t>{0, 2, 1} : SmallVector<int64_t>{1, 0, 2};
  } else {
    // B[k', n] -> [k'/g, g, n/nr, nr]; B[n, k'] -> [n/nr, nr, k'/g, g];
    // both -> [n/nr, k'/g, nr, g].
    int64_t kDim = transposed ? 1 : 0, paddedK = k * group;
    if (st.getDimSize(kDim) != paddedK) {
      SmallVector<int64_t> paddedShape(st.getShape());
      paddedShape[kDim] = paddedK;
      source = tensor::createPadHighOp(RankedTensorType::get(paddedShape, et), source,
                                       arith::ConstantOp::create(b, loc, b.getZeroAttr(et)),
                                       /*nofold=*/false, loc, b);
    }
    viewShape = transposed ? SmallVector<int64_t>{panels, nr, k, group}
                           : SmallVector<int64_t>{k, group, panels, nr};
    groups = {{0, 1}, {2, 3}};
    perm = transposed ? SmallVector<int64_t>{0, 2, 1, 3} : SmallVector<int64_t>{2, 0, 3, 1};
  }
  SmallVector<OpFoldResult> outputShape;
  for (int64_t d : viewShape)
    outputShape.push_back(b.getIndexAttr(d));
  SmallVector<Value> dynK;
  if (ShapedType::isDynamic(k)) {
    Value kValue = tensor::DimOp::create(b, loc, source, transposed ? 1 : 0);
    dynK.push_back(kValue);
    outputShape[transposed ? 2 : 0] = kValue;
  }
  Value view = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(viewShape, et), source,
                                             groups, outputShape);
  Value empty = tensor::EmptyOp::create(b, loc, packedType, dynK);
  if (!flip)
    return linalg::TransposeOp::create(b, loc, view, empty, perm).getResult()[0];
  // Loops over B': the view's dimension d is loop i where perm[i] == d.
  return aiopt::flippedCopy(
      b, loc, view, empty,
      inversePermutation(AffineMap::getPermutationMap(perm, b.getContext())));
}

/// The constant right operand `raw` (B[k, n], or B[n, k] when `transposed`,
/// elements of `bytes` bytes) as panels B'[n/nr, ceil(k/group), nr, group]:
/// each register tile's columns for all k, contiguous, in groups of `group`
/// consecutive k per column (zeros past k).
SmallVector<char> packConstantPanels(aiopt::RawConstant raw, int64_t k, int64_t n, int64_t nr,
                                     int64_t group, int64_t bytes, bool transposed) {
  if (raw.splat && k % group == 0)
    return SmallVector<char>(raw.data.begin(), raw.data.end());
  int64_t groups = llvm::divideCeil(k, group), panels = llvm::divideCeil(n, nr);
  // Columns past n (a last panel filled up) are zeros.
  SmallVector<char> data(panels * nr * groups * group * bytes, 0);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < nr && p * nr + j < n; ++j) {
        int64_t column = p * nr + j;
        int64_t from = raw.splat ? 0 : (transposed ? column * k + kk : kk * n + column);
        int64_t to = ((p * groups + kk / group) * nr + j) * group + kk % group;
        std::memcpy(data.data() + to * bytes, raw.data.data() + from * bytes, bytes);
      }
  return data;
}

/// The body of a packed contraction: acc + lhs * rhs, 8-bit operands
/// extended to the accumulator's type (operand `unsignedOperand`, if any,
/// without its sign).
void multiplyAdd(OpBuilder &b, Location loc, ValueRange args,
                 std::optional<unsigned> unsignedOperand) {
  Value acc = args[2];
  if (isa<FloatType>(acc.getType())) {
    linalg::YieldOp::create(
        b, loc,
        arith::AddFOp::create(b, loc, acc, arith::MulFOp::create(b, loc, args[0], args[1]))
            .getResult());
    return;
  }
  Type t = acc.getType();
  SmallVector<Value, 2> factors;
  for (unsigned i : {0u, 1u})
    factors.push_back(unsignedOperand == i
                          ? arith::ExtUIOp::create(b, loc, t, args[i]).getResult()
                          : arith::ExtSIOp::create(b, loc, t, args[i]).getResult());
  Value sum = arith::AddIOp::create(b, loc, acc,
                                    arith::MulIOp::create(b, loc, factors[0], factors[1]));
  linalg::YieldOp::create(b, loc, sum);
}

/// Whether the f32 matmul `op` (loops (m, n, k), C[m, n] += A[m, k] B[k, n])
/// reads its right operand, computed at run time, in place rather than
/// packed: each register tile's k step then reads a row of B's contiguous
/// columns, as packed panels would, and the packing copy (a pass over B
/// per contraction, or per block) is saved. Not when B's rows are a
/// multiple of 512 bytes apart: they would then share a few cache sets
/// (fewer than 16 of the 64 of a 4 KB way) and evict each other. Never
/// unless `enabled` (the pass's read-in-place).
bool readsRightOperandInPlace(linalg::LinalgOp op, bool enabled) {
  MLIRContext *ctx = op.getContext();
  if (!enabled || op.getNumLoops() != 3 || op.getNumDpsInputs() != 2 || !op.hasPureTensorSemantics())
    return false;
  AffineExpr dn = getAffineDimExpr(1, ctx), dk = getAffineDimExpr(2, ctx);
  Value b = op.getDpsInputs()[1];
  auto bt = dyn_cast<RankedTensorType>(b.getType());
  if (!bt || !bt.hasStaticShape() || !bt.getElementType().isF32() ||
      op.getIndexingMapsArray()[1] != AffineMap::get(3, 0, {dk, dn}, ctx) ||
      succeeded(aiopt::constantBytes(b)))
    return false;
  return std::gcd<int64_t>(bt.getDimSize(1) * 4, 4096) <= 256;
}

/// Packs the right operand of a plain matmul (the whole op, or one
/// reduction step of a block; the right operand may be transposed), C[m, n] +=
/// A[m, k] B[k, n] with n a static multiple of `nr`, into B'[n/nr, k, nr]
/// (each register tile's columns for all k, contiguous) and returns the
/// contraction over loops (m, n1, n0, k) that reads it, writing C viewed as
/// [m, n/nr, nr]: in the register loops each k step then reads nr
/// consecutive floats instead of a row nr wide at a stride of the whole
/// row of B (which thrashes cache sets when rows are a power of two apart).
/// A constant right operand (weights) is packed at compile time.
///
/// With `dot` (signed 8-bit operands, a static shape; for vpdpbusd, one of
/// them constant), the packing is for the 8-bit dot products instead:
/// B'[n/nr, k/g, nr, g] (g the instruction's group, k padded to a multiple
/// of it), A viewed [m, k/g, g], for vpdpbusd the operand computed at run
/// time made unsigned and C's initializer corrected for it (Int8Dot.h),
/// and the contraction's loops are (m, n1, n0, k, j) with j the k of a
/// group.
///
/// With `batched`, a batched f32 product with constant B (loops (b..., m,
/// n, k), every operand indexed by the batch loops first: Winograd's
/// products, one per transformed tile element) is packed too, each batch's
/// B[k, n] into its panels, B'[b..., n/nr, k, nr], and the contraction's
/// loops are (b..., m, n1, n0, k).
std::optional<linalg::LinalgOp>
packRightOperand(RewriterBase &rewriter, linalg::LinalgOp op, int64_t nr,
                 std::optional<aiopt::DotInstruction> dot = std::nullopt, bool batched = false) {
  // Loops (b..., m, n, k): A(b..., m, k), B(b..., k, n) or, transposed,
  // B(b..., n, k), C(b..., m, n).
  MLIRContext *ctx = rewriter.getContext();
  if (!op.hasPureTensorSemantics() || op.getNumLoops() < 3 || op.getNumDpsInputs() != 2 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  unsigned batchDims = op.getNumLoops() - 3;
  if (batchDims && (!batched || dot))
    return std::nullopt;
  // The batch loops' expressions followed by `exprs`.
  auto batchMap = [&](unsigned numDims, ArrayRef<AffineExpr> exprs) {
    SmallVector<AffineExpr> all;
    for (unsigned i = 0; i < batchDims; ++i)
      all.push_back(getAffineDimExpr(i, ctx));
    llvm::append_range(all, exprs);
    return AffineMap::get(numDims, 0, all, ctx);
  };
  AffineExpr dm = getAffineDimExpr(batchDims, ctx), dn = getAffineDimExpr(batchDims + 1, ctx),
             dk = getAffineDimExpr(batchDims + 2, ctx);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != batchMap(batchDims + 3, {dm, dk}) || maps[2] != batchMap(batchDims + 3, {dm, dn}))
    return std::nullopt;
  bool transposed = maps[1] == batchMap(batchDims + 3, {dn, dk});
  if (!transposed && maps[1] != batchMap(batchDims + 3, {dk, dn}))
    return std::nullopt;
  Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1], c = op.getDpsInits()[0];
  auto bt = cast<RankedTensorType>(b.getType());
  auto ct = cast<RankedTensorType>(c.getType());
  int64_t n = bt.getDimSize(batchDims + (transposed ? 0 : 1)),
          kExtent = bt.getDimSize(batchDims + (transposed ? 1 : 0));
  Type et = bt.getElementType();
  FailureOr<aiopt::RawConstant> rawB = aiopt::constantBytes(b);
  bool constantB = succeeded(rawB) && bt.hasStaticShape();
  // Batches: constant f32 weights in whole panels, their result static.
  if (batchDims && (!constantB || !et.isF32() || ShapedType::isDynamic(n) || n % nr != 0 ||
             !ct.hasStaticShape()))
    return std::nullopt;
  // Constant f32 weights whose columns are not a whole number of panels
  // (a 1000-class Gemm) get a last panel filled up with zero columns; the
  // contraction then computes into an accumulator padded as much, whose
  // extra columns are dropped. Otherwise, remainder columns would read B
  // in place, which for B[n, k] is a strided gather per vector.
  int64_t paddedN = ShapedType::isDynamic(n) ? n : llvm::alignTo(n, nr);
  bool fillUp = paddedN != n && constantB && !dot && n > nr && ct.hasStaticShape();
  // One panel is packed only for dot products (which need the groups).
  if (ShapedType::isDynamic(n) || (n % nr != 0 && !fillUp) || (n == nr && !dot) ||
      ct.isDynamicDim(batchDims + 1))
    return std::nullopt;
  // vpdpbusd: the sign is flipped on the operand computed at run time, so
  // the correction is a constant: the right one when A is constant.
  FailureOr<aiopt::RawConstant> rawA = failure();
  if (dot) {
    if (!et.isInteger(8) || op.hasDynamicShape())
      return std::nullopt;
    if (dot->bytes && !constantB && failed(rawA = aiopt::constantBytes(a)))
      return std::nullopt;
  }
  bool flipRight = dot && dot->bytes && !constantB;
  int64_t group = dot ? dot->group() : 1;
  int64_t groups = dot ? llvm::divideCeil(kExtent, group) : kExtent;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  int64_t bytes = et.getIntOrFloatBitWidth() / 8;
  SmallVector<int64_t> packedShape(bt.getShape().take_front(batchDims));
  if (dot)
    llvm::append_range(packedShape, ArrayRef<int64_t>{n / nr, groups, nr, group});
  else
    llvm::append_range(packedShape, ArrayRef<int64_t>{paddedN / nr, kExtent, nr});
  auto packedType = RankedTensorType::get(packedShape, et);
  Value packed;
  if (constantB) {
    // Weights: packed now, into the object's constant data, batch after
    // batch (a splat stays one element).
    int64_t batches = ShapedType::getNumElements(bt.getShape().take_front(batchDims));
    int64_t batchBytes = kExtent * n * bytes;
    SmallVector<char> data;
    for (int64_t i = 0; i < (rawB->splat ? 1 : batches); ++i) {
      aiopt::RawConstant batch = *rawB;
      if (!rawB->splat)
        batch.data = rawB->data.slice(i * batchBytes, batchBytes);
      llvm::append_range(data, packConstantPanels(batch, kExtent, n, nr, group, bytes, transposed));
    }
    packed = arith::ConstantOp::create(rewriter, loc, aiopt::rawElements(packedType, data));
  } else {
    packed = packAtRunTime(rewriter, loc, b, packedType, nr, group, transposed, flipRight);
  }
  if (dot && dot->bytes) {
    int64_t m = ct.getDimSize(batchDims);
    Value sums = flipRight ? aiopt::sumsOverK(rewriter, loc, *rawA, kExtent, m, /*transposed=*/true)
                           : aiopt::sumsOverK(rewriter, loc, *rawB, kExtent, n, transposed);
    c = aiopt::correctedAccumulator(rewriter, loc, c, sums, /*dim=*/flipRight ? 0 : 1);
  }
  if (dot)
    a = aiopt::groupedLeftOperand(rewriter, loc, a, groups * group, group,
                                  /*flip=*/dot->bytes && !flipRight);

  Type accType = ct.getElementType();
  SmallVector<int64_t> paddedShape(ct.getShape());
  paddedShape.back() = paddedN;
  auto paddedType = RankedTensorType::get(paddedShape, accType);
  if (fillUp)
    c = tensor::createPadHighOp(paddedType, c,
                                arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(accType)),
                                /*nofold=*/false, loc, rewriter);
  SmallVector<int64_t> expandedShape(ct.getShape().drop_back());
  llvm::append_range(expandedShape, ArrayRef<int64_t>{paddedN / nr, nr});
  auto expandedType = RankedTensorType::get(expandedShape, accType);
  SmallVector<ReassociationIndices> groupsOfC;
  for (unsigned i = 0; i <= batchDims; ++i)
    groupsOfC.push_back({int64_t(i)});
  groupsOfC.push_back({int64_t(batchDims) + 1, int64_t(batchDims) + 2});
  Value cView = tensor::ExpandShapeOp::create(rewriter, loc, expandedType, c, groupsOfC);
  // Loops (b..., m, n1, n0, k) and, for dot products, j.
  unsigned numLoops = batchDims + (dot ? 5 : 4);
  AffineExpr m = getAffineDimExpr(batchDims, ctx), pn1 = getAffineDimExpr(batchDims + 1, ctx),
             pn0 = getAffineDimExpr(batchDims + 2, ctx), pk = getAffineDimExpr(batchDims + 3, ctx);
  SmallVector<AffineMap> packedMaps = {batchMap(numLoops, {m, pk}),
                                       batchMap(numLoops, {pn1, pk, pn0}),
                                       batchMap(numLoops, {m, pn1, pn0})};
  if (dot) {
    AffineExpr j = getAffineDimExpr(4, ctx);
    packedMaps[0] = AffineMap::get(numLoops, 0, {m, pk, j}, ctx);
    packedMaps[1] = AffineMap::get(numLoops, 0, {pn1, pk, pn0, j}, ctx);
  }
  SmallVector<utils::IteratorType> iters(batchDims + 3, utils::IteratorType::parallel);
  iters.append(numLoops - batchDims - 3, utils::IteratorType::reduction);
  auto contraction = linalg::GenericOp::create(
      rewriter, loc, TypeRange{expandedType}, ValueRange{a, packed}, ValueRange{cView},
      packedMaps, iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
        multiplyAdd(nb, nl, args,
                    dot && dot->bytes ? std::optional<unsigned>(flipRight ? 1 : 0)
                                      : std::nullopt);
      });
  Value result = tensor::CollapseShapeOp::create(rewriter, loc, paddedType,
                                                 contraction.getResult(0), groupsOfC);
  if (fillUp)
    result = tensor::ExtractSliceOp::create(
        rewriter, loc, ct, result, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)},
        getAsIndexOpFoldResult(rewriter.getContext(), ct.getShape()),
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1)});
  rewriter.replaceOp(op, result);
  return cast<linalg::LinalgOp>(contraction.getOperation());
}

/// Whether `op` is an elementwise generic on tensors (all loops parallel,
/// one result): the shape of a bias/activation/residual epilogue.
bool isElementwiseGeneric(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic && generic.hasPureTensorSemantics() && generic->getNumResults() == 1 &&
         generic.getNumLoops() == generic.getNumParallelLoops();
}

/// When `op`'s accumulator is a fill or an elementwise initializer (a bias
/// broadcast) seen through a reshape (unit batch dimensions dropped, column
/// panels), makes the initializer produce the reshaped tensor itself
/// (unit loops dropped from it; else upstream's fill and reshape-by-
/// expansion folding patterns, applied to that reshape only), so that
/// blocks can fuse it.
void reshapeInitializer(RewriterBase &rewriter, linalg::LinalgOp op) {
  Operation *reshape = op.getDpsInits()[0].getDefiningOp();
  if (!reshape || !isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(reshape))
    return;
  Operation *initializer = reshape->getOperand(0).getDefiningOp();
  if (!initializer || !(isa<linalg::FillOp>(initializer) || isElementwiseGeneric(initializer)))
    return;
  if (!reshape->getOperand(0).hasOneUse()) {
    // A fill that other ops start from too (Winograd's products share one
    // of zeros) is repeated for this one, which costs nothing once fused.
    if (!isa<linalg::FillOp>(initializer))
      return;
    rewriter.setInsertionPoint(reshape);
    Operation *copy = rewriter.clone(*initializer);
    rewriter.modifyOpInPlace(reshape, [&] { reshape->setOperand(0, copy->getResult(0)); });
    initializer = copy;
  }
  if (auto generic = dyn_cast<linalg::GenericOp>(initializer);
      generic && isa<tensor::CollapseShapeOp>(reshape)) {
    // Unit dimensions collapsed away: the initializer drops them too (its
    // result expanded back), and the two reshapes cancel.
    aiopt::dropUnitLoops(rewriter, generic, {}, /*reshape=*/true);
    OpOperand &init = *op.getDpsInitOperand(0);
    auto collapse = init.get().getDefiningOp<tensor::CollapseShapeOp>();
    auto expand = collapse.getSrc().getDefiningOp<tensor::ExpandShapeOp>();
    if (expand && expand.getSrc().getType() == collapse.getType() &&
        expand.getReassociationIndices() == collapse.getReassociationIndices()) {
      rewriter.modifyOpInPlace(op, [&] { init.set(expand.getSrc()); });
      rewriter.eraseOp(collapse);
      rewriter.eraseOp(expand);
    }
    return;
  }
  MLIRContext *ctx = op.getContext();
  RewritePatternSet patterns(ctx);
  linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, [](OpOperand *) { return true; });
  linalg::FillOp::getCanonicalizationPatterns(patterns, ctx);
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingOps);
  (void)applyOpPatternsGreedily(ArrayRef<Operation *>{reshape}, std::move(patterns), config);
}

/// A contraction ready for tiling: unit loops dropped and, for a plain
/// matmul, its right operand packed into column panels (the `panels` loop);
/// for 8-bit dot products, the loop over each group of four k (`dotGroup`,
/// never tiled).
struct Prepared {
  linalg::LinalgOp op;
  ContractionLoops loops;
  std::optional<unsigned> panels;
  std::optional<unsigned> dotGroup;
  /// The register tile's rows and columns.
  int64_t mr, nr;
  /// A shifted-window convolution's filter offsets, tiled by one.
  SmallVector<unsigned> taps = {};
};

/// The raw elements of a constant of `shape` (row-major, `bytes` each)
/// with its dimensions permuted: dimension i of the result is dimension
/// perm[i] of the source.
SmallVector<char> permutedBytes(aiopt::RawConstant raw, ArrayRef<int64_t> shape,
                                ArrayRef<int64_t> perm, int64_t bytes) {
  if (raw.splat)
    return SmallVector<char>(raw.data.begin(), raw.data.end());
  int64_t rank = shape.size(), total = 1;
  SmallVector<int64_t> strides(rank, 1), index(rank, 0);
  for (int64_t i = rank - 1; i >= 0; --i) {
    strides[i] = total;
    total *= shape[i];
  }
  SmallVector<char> data(total * bytes);
  for (int64_t to = 0; to < total; ++to) {
    int64_t from = 0;
    for (int64_t i = 0; i < rank; ++i)
      from += index[i] * strides[perm[i]];
    std::memcpy(data.data() + to * bytes, raw.data.data() + from * bytes, bytes);
    for (int64_t i = rank - 1; i >= 0 && ++index[i] == shape[perm[i]]; --i)
      index[i] = 0;
  }
  return data;
}

/// Drops the unit batch loop of a shifted-window convolution and, when its
/// filter is a constant, lays the filter out as [taps..., m, c] at compile
/// time, so that each tap's matmul reads consecutive rows of it.
std::optional<Prepared> prepareShiftedWindow(RewriterBase &rewriter, linalg::LinalgOp op,
                                             ShiftedWindow window, ArrayRef<int64_t> reg) {
  // The filter first, as the left operand of every tile's matmul (the
  // body is a multiply-add, shiftedWindowLoops checked).
  if (window.inputFirst) {
    auto generic = cast<linalg::GenericOp>(op.getOperation());
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    std::swap(maps[0], maps[1]);
    rewriter.setInsertionPoint(generic);
    auto swapped = linalg::GenericOp::create(
        rewriter, generic.getLoc(), generic.getResultTypes(),
        ValueRange{generic.getDpsInputs()[1], generic.getDpsInputs()[0]}, generic.getDpsInits(),
        maps, generic.getIteratorTypesArray(), [](OpBuilder &nb, Location nl, ValueRange args) {
          multiplyAdd(nb, nl, args, std::nullopt);
        });
    rewriter.replaceOp(generic, swapped.getResults());
    op = cast<linalg::LinalgOp>(swapped.getOperation());
    window.inputFirst = false;
  }
  SmallVector<unsigned> keep = {window.loops.m, window.loops.n, window.loops.k};
  llvm::append_range(keep, window.taps);
  op = aiopt::dropUnitLoops(rewriter, cast<linalg::GenericOp>(op.getOperation()), keep,
                            /*reshape=*/true);
  std::optional<ShiftedWindow> reduced = shiftedWindowLoops(op);
  if (!reduced)
    return std::nullopt;
  window = *reduced;
  SmallVector<unsigned> order(window.taps);
  order.append({window.loops.m, window.loops.k});
  Value w = op.getDpsInputs()[0];
  auto wt = cast<RankedTensorType>(w.getType());
  AffineMap wMap = op.getIndexingMapsArray()[0];
  FailureOr<aiopt::RawConstant> raw = aiopt::constantBytes(w);
  if (succeeded(raw) && wt.hasStaticShape() && wMap.getNumResults() == order.size()) {
    SmallVector<int64_t> perm, shape;
    for (unsigned loop : order) {
      perm.push_back(*wMap.getResultPosition(getAffineDimExpr(loop, op.getContext())));
      shape.push_back(wt.getDimSize(perm.back()));
    }
    if (!llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()))) {
      rewriter.setInsertionPoint(op);
      auto type = RankedTensorType::get(shape, wt.getElementType());
      Value relaid = arith::ConstantOp::create(
          rewriter, op.getLoc(),
          aiopt::rawElements(type, permutedBytes(*raw, wt.getShape(), perm,
                                                 wt.getElementTypeBitWidth() / 8)));
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      SmallVector<AffineExpr> results;
      for (unsigned loop : order)
        results.push_back(getAffineDimExpr(loop, op.getContext()));
      maps[0] = AffineMap::get(op.getNumLoops(), 0, results, op.getContext());
      auto generic = cast<linalg::GenericOp>(op.getOperation());
      rewriter.modifyOpInPlace(generic, [&] {
        generic->setOperand(0, relaid);
        generic.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
      });
    }
  }
  return Prepared{op, window.loops, std::nullopt, std::nullopt, reg[0], reg[1], window.taps};
}

/// A copy of the 2-D tensor `v` transposed.
Value transposedCopy(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  Value empty = tensor::EmptyOp::create(b, loc, {type.getDimSize(1), type.getDimSize(0)},
                                        type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, empty, ArrayRef<int64_t>{1, 0}).getResult()[0];
}

/// The 2-D accumulator initializer `c` transposed: a fill or an
/// elementwise generic (a bias broadcast) used only there computes the
/// transposed tensor itself; anything else is copied.
Value transposedInitializer(RewriterBase &rewriter, Location loc, Value c) {
  auto ct = cast<RankedTensorType>(c.getType());
  auto type = RankedTensorType::get({ct.getDimSize(1), ct.getDimSize(0)}, ct.getElementType());
  Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
  Operation *def = c.getDefiningOp();
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(def); fill && c.hasOneUse())
    return linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty).getResult(0);
  if (def && c.hasOneUse() && isElementwiseGeneric(def) &&
      cast<linalg::GenericOp>(def).getNumLoops() == 2 &&
      cast<linalg::GenericOp>(def).getIndexingMapsArray().back().isIdentity()) {
    auto generic = cast<linalg::GenericOp>(def);
    // The same element at (j, i): every map reads with its loops swapped.
    AffineMap swap = AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, rewriter.getContext());
    SmallVector<AffineMap> maps;
    for (OpOperand *in : generic.getDpsInputOperands())
      maps.push_back(generic.getMatchingIndexingMap(in).compose(swap));
    maps.push_back(rewriter.getMultiDimIdentityMap(2));
    auto transposed = linalg::GenericOp::create(rewriter, loc, TypeRange{type},
                                                generic.getDpsInputs(), ValueRange{empty}, maps,
                                                generic.getIteratorTypesArray());
    IRMapping mapping;
    generic.getRegion().cloneInto(&transposed.getRegion(), mapping);
    return transposed.getResult(0);
  }
  return transposedCopy(rewriter, loc, c);
}

/// C[m, n] = A[m, k] B[k, n] with constant A (weights) and a run-time B
/// of fewer than two register tiles of columns, not a whole number of
/// them, while A's rows are (an NCHW convolution over 7 x 7 positions: 49
/// columns, 32 + 16 + one scalar column per row of tiles, a third of the
/// FMAs for a fiftieth of the work), computed as its transpose
/// T[n, m] = B^T A^T: the weights become the right operand, packed at
/// compile time (B[n, k] form), the positions the rows, broadcast from a
/// transposed copy of B, and C = T^T. B^T, the accumulator's initial
/// value and the result are transposed copies, small next to the product
/// (a k x n copy for m x k x n multiply-adds).
std::optional<linalg::LinalgOp> transposedProduct(RewriterBase &rewriter, linalg::LinalgOp op,
                                                  int64_t nr) {
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr dm = getAffineDimExpr(0, ctx), dn = getAffineDimExpr(1, ctx),
             dk = getAffineDimExpr(2, ctx);
  if (op.getNumLoops() != 3 || op.getNumDpsInputs() != 2 || op.hasDynamicShape() ||
      op.getIndexingMapsArray() !=
          SmallVector<AffineMap>{AffineMap::get(3, 0, {dm, dk}, ctx),
                                 AffineMap::get(3, 0, {dk, dn}, ctx),
                                 AffineMap::get(3, 0, {dm, dn}, ctx)})
    return std::nullopt;
  Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1], c = op.getDpsInits()[0];
  auto ct = cast<RankedTensorType>(c.getType());
  int64_t m = ct.getDimSize(0), n = ct.getDimSize(1);
  if (!ct.getElementType().isF32() || n % nr == 0 || n >= 2 * nr || m % nr != 0 ||
      failed(aiopt::constantBytes(a)) || succeeded(aiopt::constantBytes(b)))
    return std::nullopt;
  Location loc = op.getLoc();
  // An initializer behind a reshape (a batch of one) drops its unit loops
  // first, so that it can be built transposed.
  reshapeInitializer(rewriter, op);
  rewriter.setInsertionPoint(op);
  Value init = transposedInitializer(rewriter, loc, op.getDpsInits()[0]);
  // Loops (n, m, k): B^T [n, k] (a copy, k contiguous for the register
  // tiles' broadcasts), A as B[n, k].
  auto product = linalg::GenericOp::create(
      rewriter, loc, TypeRange{init.getType()}, ValueRange{transposedCopy(rewriter, loc, b), a},
      ValueRange{init},
      ArrayRef<AffineMap>{AffineMap::get(3, 0, {dm, dk}, ctx), AffineMap::get(3, 0, {dn, dk}, ctx),
                          AffineMap::get(3, 0, {dm, dn}, ctx)},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel, utils::IteratorType::parallel,
                                    utils::IteratorType::reduction},
      [](OpBuilder &nb, Location nl, ValueRange args) {
        multiplyAdd(nb, nl, args, std::nullopt);
      });
  rewriter.replaceOp(op, transposedCopy(rewriter, loc, product.getResult(0)));
  return cast<linalg::LinalgOp>(product.getOperation());
}

/// Drops the unit batch loops of a whole contraction and packs its right
/// operand once, as a whole (at compile time for weights); its blocks then
/// span column panels. 8-bit contractions are packed for the first of the
/// target's dot-product instructions `dots` that takes them (vpdpbusd
/// needs a constant operand). Their register tiles keep the accumulator
/// count of `reg`: as many columns as divide n (narrower tiles take more
/// rows) and, when they have fewer rows than a register tile (a batch of
/// one), widened to as many columns as keep that count (independent dot
/// products hide the instruction's latency), at most a block's
/// `maxColumns`. With `packInBlocks`, an f32 right operand computed at run
/// time is left for each block to pack (its columns stay those of the
/// result, which a row epilogue's blocks need); with `readInPlace`, one
/// that readsRightOperandInPlace is not packed at all.
Prepared prepareContraction(RewriterBase &rewriter, linalg::LinalgOp op, ContractionLoops loops,
                            ArrayRef<int64_t> reg, int64_t maxColumns,
                            ArrayRef<aiopt::DotInstruction> dots, bool packInBlocks,
                            bool readInPlace) {
  std::tie(op, loops) = reduceToContraction(rewriter, op, loops, /*reshape=*/true);
  if (std::optional<linalg::LinalgOp> transposed = transposedProduct(rewriter, op, reg[1])) {
    op = *transposed;
    loops = ContractionLoops{0, 1, 2};
  }
  reshapeInitializer(rewriter, op);
  bool bytes = getElementTypeOrSelf(op.getDpsInputs()[0].getType()).isInteger(8);
  SmallVector<std::optional<aiopt::DotInstruction>> choices;
  for (aiopt::DotInstruction dot : dots)
    if (bytes && reg[1] % dot.lanes == 0)
      choices.push_back(dot);
  if ((!packInBlocks || succeeded(aiopt::constantBytes(op.getDpsInputs()[1]))) &&
      !readsRightOperandInPlace(op, readInPlace))
    choices.push_back(std::nullopt);
  for (std::optional<aiopt::DotInstruction> dot : choices) {
    int64_t mr = reg[0], nr = reg[1];
    if (dot) {
      SmallVector<int64_t> bounds = op.getStaticLoopRanges();
      int64_t n = bounds[loops.n], accumulators = reg[0] * reg[1];
      while (nr > dot->lanes && n % nr != 0)
        nr -= dot->lanes;
      mr = accumulators / nr;
      int64_t rows = std::min(mr, bounds[loops.m]);
      while (rows * nr * 2 <= accumulators && nr * 2 <= maxColumns && n % (nr * 2) == 0)
        nr *= 2;
    }
    if (std::optional<linalg::LinalgOp> packed =
            packRightOperand(rewriter, op, nr, dot, /*batched=*/true)) {
      reshapeInitializer(rewriter, *packed);
      // (b..., m, n1, n0, k) and, for dot products, j.
      unsigned batchDims = packed->getNumLoops() - (dot ? 5 : 4);
      return {*packed, ContractionLoops{batchDims, batchDims + 2, batchDims + 3}, batchDims + 1,
              dot ? std::optional<unsigned>(4) : std::nullopt, mr, nr};
    }
  }
  return {op, loops, std::nullopt, std::nullopt, reg[0], reg[1]};
}

//===----------------------------------------------------------------------===//
// Epilogues
//===----------------------------------------------------------------------===//

/// `v` (a static tensor) reshaped to `shape` (as many elements): collapsed
/// to one dimension and expanded again, which keeps the row-major order.
Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  auto allDims = [](int64_t rank) {
    return SmallVector<ReassociationIndices>{llvm::to_vector(llvm::seq<int64_t>(0, rank))};
  };
  Value flat = v;
  if (type.getRank() != 1)
    flat = tensor::CollapseShapeOp::create(b, loc, v, allDims(type.getRank()));
  if (shape.size() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), flat, allDims(shape.size()));
}

/// Whether `a` and `b` have the same sizes other than ones.
bool sameUpToUnitDims(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  auto notOne = [](int64_t d) { return d != 1; };
  return llvm::equal(llvm::make_filter_range(a, notOne), llvm::make_filter_range(b, notOne));
}

/// The elementwise consumer that `op`'s result reaches only through a
/// chain of single-use reshapes (`reshapes`, not empty), and the value it
/// reads; a null op when there is none.
std::pair<linalg::GenericOp, Value>
reshapedEpilogue(linalg::LinalgOp op, SmallVectorImpl<Operation *> *reshapes = nullptr) {
  Value result = op->getResult(0);
  Value reached = result;
  while (reached.hasOneUse() &&
         isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(*reached.getUsers().begin())) {
    Operation *reshape = *reached.getUsers().begin();
    if (reshapes)
      reshapes->push_back(reshape);
    reached = reshape->getResult(0);
  }
  if (reached == result || !reached.hasOneUse() || !isElementwiseGeneric(*reached.getUsers().begin()))
    return {};
  return {cast<linalg::GenericOp>(*reached.getUsers().begin()), reached};
}

/// When `op`'s result reaches an elementwise consumer only through a chain
/// of single-use reshapes (packed panels collapsed back to columns, im2col
/// columns expanded to an image), rewrites the consumer to iterate over
/// the result's own shape (its other operands reshaped instead, the result
/// reshaped back after it), so the two can be tiled together. Needs a
/// consumer with identity maps and static shapes. When the reshapes only
/// add unit dimensions to a result that has none (a convolution's batch of
/// one), the consumer reads the result itself instead, its unit loops left
/// out of the read: it keeps its own loops and destination (the interior
/// of a padded tensor stays written in place).
void relinearizeEpilogue(RewriterBase &rewriter, linalg::LinalgOp op) {
  SmallVector<Operation *> reshapes;
  auto [epilogue, reached] = reshapedEpilogue(op, &reshapes);
  if (!epilogue || epilogue.hasDynamicShape() ||
      !llvm::all_of(epilogue.getIndexingMapsArray(), [](AffineMap m) { return m.isIdentity(); }))
    return;
  Value result = op->getResult(0);
  ArrayRef<int64_t> shape = cast<RankedTensorType>(result.getType()).getShape();
  ArrayRef<int64_t> reachedShape = cast<RankedTensorType>(reached.getType()).getShape();
  if (!llvm::is_contained(shape, 1) && sameUpToUnitDims(shape, reachedShape)) {
    SmallVector<AffineExpr> kept;
    for (auto [loop, size] : llvm::enumerate(reachedShape))
      if (size != 1)
        kept.push_back(rewriter.getAffineDimExpr(loop));
    OpOperand &use = *reached.getUses().begin();
    linalg::GenericOp consumer = epilogue;
    SmallVector<AffineMap> maps = consumer.getIndexingMapsArray();
    maps[use.getOperandNumber()] =
        AffineMap::get(reachedShape.size(), 0, kept, rewriter.getContext());
    rewriter.modifyOpInPlace(consumer, [&] {
      use.set(result);
      consumer.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
    for (Operation *reshape : llvm::reverse(reshapes))
      rewriter.eraseOp(reshape);
    return;
  }
  Location loc = epilogue.getLoc();
  rewriter.setInsertionPoint(epilogue);
  SmallVector<Value> inputs;
  for (Value in : epilogue.getDpsInputs())
    inputs.push_back(in == reached ? result : reshapeTo(rewriter, loc, in, shape));
  auto outType = RankedTensorType::get(
      shape, cast<RankedTensorType>(epilogue->getResult(0).getType()).getElementType());
  Value init = tensor::EmptyOp::create(rewriter, loc, outType.getShape(), outType.getElementType());
  auto identity = rewriter.getMultiDimIdentityMap(shape.size());
  auto relinearized = linalg::GenericOp::create(
      rewriter, loc, TypeRange{outType}, inputs, ValueRange{init},
      SmallVector<AffineMap>(inputs.size() + 1, identity),
      SmallVector<utils::IteratorType>(shape.size(), utils::IteratorType::parallel));
  rewriter.inlineRegionBefore(epilogue.getRegion(), relinearized.getRegion(),
                              relinearized.getRegion().end());
  auto resultType = cast<RankedTensorType>(epilogue->getResult(0).getType());
  rewriter.replaceOp(epilogue, reshapeTo(rewriter, loc, relinearized.getResult(0),
                                         resultType.getShape()));
  for (Operation *reshape : llvm::reverse(reshapes))
    rewriter.eraseOp(reshape);
}

/// An elementwise epilogue that reads a contraction's result through an
/// expansion of it (a 1x1 convolution's columns as an image's rows) and
/// writes into a tensor it does not own (the interior of a padded tensor,
/// aiopt-cpu-pad-in-place). Relinearized, it would write a tensor of its
/// own, copied into place after; instead each block of the contraction
/// goes through it in its own shape, as whole rows of `width` columns
/// (`width` 0: the columns are one dimension of the epilogue), and the
/// result lands in place.
struct RowEpilogue {
  linalg::GenericOp epilogue;
  /// The epilogue loops each result dimension of the contraction becomes.
  SmallVector<ReassociationIndices> groups;
  int64_t width = 0;
};

std::optional<RowEpilogue> rowEpilogue(linalg::LinalgOp op) {
  auto [epilogue, reached] = reshapedEpilogue(op);
  if (!epilogue || epilogue.hasDynamicShape() ||
      epilogue.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>() ||
      !epilogue.getMatchingIndexingMap(&*reached.getUses().begin()).isIdentity())
    return std::nullopt;
  ArrayRef<int64_t> shape = cast<RankedTensorType>(reached.getType()).getShape();
  std::optional<SmallVector<ReassociationIndices>> groups = getReassociationIndicesForCollapse(
      shape, cast<RankedTensorType>(op->getResult(0).getType()).getShape());
  if (!groups)
    return std::nullopt;
  // Each result dimension becomes one epilogue dimension of more than one
  // element (and unit ones); the columns may become two, rows and columns.
  RowEpilogue row{epilogue, *groups};
  for (auto [d, group] : llvm::enumerate(*groups)) {
    auto wide = llvm::to_vector(llvm::make_filter_range(group, [&](int64_t e) { return shape[e] != 1; }));
    if (wide.size() == 2 && d + 1 == groups->size() && wide.back() == group.back())
      row.width = shape[wide.back()];
    else if (wide.size() > 1)
      return std::nullopt;
  }
  return row;
}

/// Tiles `root` (`contraction` itself, or its epilogue) into blocks of
/// `sizes` in `order`, as an scf.forall unless `contraction` already is in
/// one (then the blocks run in order), and fuses into each block
/// `contraction` and the ops initializing its accumulator (fill, bias
/// broadcast): the block's accumulator is initialized while it is in
/// cache, and no parallel region runs for the initializer alone. Other
/// producers (im2col gathers, packing, residual inputs) are computed once,
/// outside. With `throughReshapes`, `root` reads the contraction through
/// reshapes, which each block's slices move above. Returns the block's
/// contraction.
FailureOr<linalg::LinalgOp> tileAndFuseIntoBlocks(RewriterBase &rewriter, linalg::LinalgOp root,
                                                  linalg::LinalgOp contraction,
                                                  ArrayRef<int64_t> sizes, ArrayRef<int64_t> order,
                                                  bool throughReshapes = false,
                                                  SmallVectorImpl<LoopLikeOpInterface> *loops = nullptr,
                                                  bool sequential = false) {
  if (llvm::is_contained(root.getStaticLoopRanges(), 0))
    return failure();
  scf::SCFTileAndFuseOptions options;
  if (throughReshapes) {
    RewritePatternSet bubbleUp(rewriter.getContext());
    tensor::populateBubbleUpExtractSliceOpPatterns(bubbleUp);
    options.cleanupPatterns = FrozenRewritePatternSet(std::move(bubbleUp));
  }
  options.tilingOptions.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  options.tilingOptions.setInterchange(order);
  if (!sequential && !contraction->getParentOfType<scf::ForallOp>())
    options.tilingOptions.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  Operation *contractionOp = contraction.getOperation();
  options.setFusionControlFn(
      [contractionOp](tensor::ExtractSliceOp slice, OpResult producer, bool)
          -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        Operation *owner = producer.getOwner();
        bool initializesAccumulator =
            (isa<linalg::FillOp>(owner) || isElementwiseGeneric(owner)) &&
            llvm::any_of(slice->getUses(), [](OpOperand &use) {
              auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
              return user && user.getNumReductionLoops() && user.isDpsInit(&use);
            });
        if (owner == contractionOp || initializesAccumulator)
          return scf::SCFTileAndFuseOptions::ControlFnResult{};
        return std::nullopt;
      });
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> fused = scf::tileConsumerAndFuseProducersUsingSCF(
      rewriter, cast<TilingInterface>(root.getOperation()), options);
  if (failed(fused))
    return failure();
  if (loops)
    llvm::append_range(*loops, fused->loops);
  linalg::LinalgOp block;
  for (Operation *tiled : fused->tiledAndFusedOps)
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(tiled); linalgOp && linalgOp.getNumReductionLoops())
      block = linalgOp;
  for (OpResult r : root->getResults())
    rewriter.replaceAllUsesWith(r, fused->replacements.lookup(r));
  rewriter.eraseOp(root);
  if (!block)
    return failure();
  return block;
}

/// The elementwise op that is the only user of `op`'s result, reading it
/// through a permutation of its loops other than unit ones.
linalg::GenericOp soleEpilogue(linalg::LinalgOp op) {
  Value result = op->getResult(0);
  if (!result.hasOneUse() || !isElementwiseGeneric(*result.getUsers().begin()))
    return nullptr;
  auto epilogue = cast<linalg::GenericOp>(*result.getUsers().begin());
  OpOperand &use = *result.getUses().begin();
  AffineMap read = epilogue.getMatchingIndexingMap(&use);
  SmallVector<int64_t> ranges = epilogue.getStaticLoopRanges();
  if (epilogue.isDpsInit(&use) || !read.isProjectedPermutation() ||
      llvm::any_of(llvm::seq<unsigned>(0, read.getNumDims()),
                   [&](unsigned loop) { return !read.isFunctionOfDim(loop) && ranges[loop] != 1; }))
    return nullptr;
  return epilogue;
}

/// The tile sizes and loop order of `epilogue`, which reads `op`'s result
/// through a permutation (unit loops aside), that match tiles of `op` of
/// `sizes` (per loop of `op`) in `order`.
std::pair<SmallVector<int64_t>, SmallVector<int64_t>>
epilogueTiling(linalg::LinalgOp op, linalg::GenericOp epilogue, ArrayRef<int64_t> sizes,
               ArrayRef<int64_t> order) {
  // Epilogue loop of each contraction loop, through the result's dims.
  AffineMap read = epilogue.getMatchingIndexingMap(&*op->getResult(0).getUses().begin());
  AffineMap write = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<int64_t> epilogueSizes(epilogue.getNumLoops(), 0);
  DenseMap<int64_t, int64_t> epilogueLoop;
  for (unsigned d = 0; d < write.getNumResults(); ++d) {
    epilogueLoop[write.getDimPosition(d)] = read.getDimPosition(d);
    epilogueSizes[read.getDimPosition(d)] = sizes[write.getDimPosition(d)];
  }
  // The epilogue's unit loops the result leaves out come first.
  SmallVector<int64_t> epilogueOrder;
  for (unsigned loop = 0; loop < epilogue.getNumLoops(); ++loop)
    if (!read.isFunctionOfDim(loop))
      epilogueOrder.push_back(loop);
  for (int64_t loop : order)
    if (epilogueLoop.contains(loop))
      epilogueOrder.push_back(epilogueLoop[loop]);
  return {epilogueSizes, epilogueOrder};
}

/// Tiles `epilogue` into the blocks `sizes` (per loop of `op`, in `order`)
/// describe, with `op` and its accumulator's initializers fused into each
/// block (tileAndFuseIntoBlocks): the block's contraction result goes
/// through the epilogue while it is in cache. Returns the block's
/// contraction.
FailureOr<linalg::LinalgOp> tileEpilogueAndFuse(RewriterBase &rewriter, linalg::LinalgOp op,
                                                linalg::GenericOp epilogue,
                                                ArrayRef<int64_t> sizes,
                                                ArrayRef<int64_t> order,
                                                SmallVectorImpl<LoopLikeOpInterface> *loops = nullptr) {
  auto [epilogueSizes, epilogueOrder] = epilogueTiling(op, epilogue, sizes, order);

  // The epilogue writes into a tensor of its own: sharing a (CSE'd)
  // tensor.empty with the accumulator would make the accumulator's
  // initializer write the loop's destination.
  for (OpOperand &init : epilogue.getDpsInitsMutable())
    if (auto empty = init.get().getDefiningOp<tensor::EmptyOp>(); empty && !empty->hasOneUse()) {
      rewriter.setInsertionPoint(epilogue);
      rewriter.modifyOpInPlace(epilogue, [&] { init.set(rewriter.clone(*empty)->getResult(0)); });
    }

  return tileAndFuseIntoBlocks(rewriter, epilogue, op, epilogueSizes, epilogueOrder,
                               /*throughReshapes=*/false, loops);
}

/// Tiles a row epilogue into the blocks `sizes` (per loop of `op`, in
/// `order`) describe, as whole rows where it has rows, with `op` and its
/// accumulator's initializers fused into each block through the reshapes.
/// Returns the block's contraction.
FailureOr<linalg::LinalgOp> tileRowEpilogueAndFuse(RewriterBase &rewriter, linalg::LinalgOp op,
                                                   const RowEpilogue &row,
                                                   ArrayRef<int64_t> sizes,
                                                   ArrayRef<int64_t> order) {
  AffineMap write = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  linalg::GenericOp epilogue = row.epilogue;
  SmallVector<int64_t> shape = epilogue.getStaticLoopRanges();
  SmallVector<int64_t> epilogueSizes(shape.size(), 0), epilogueOrder;
  for (auto [d, group] : llvm::enumerate(row.groups)) {
    int64_t size = sizes[write.getDimPosition(d)];
    for (int64_t e : group)
      if (shape[e] != 1)
        epilogueSizes[e] = size;
    if (d + 1 == row.groups.size() && row.width) {
      // The rows of the block, each whole.
      auto wide = llvm::make_filter_range(group, [&](int64_t e) { return shape[e] != 1; });
      epilogueSizes[*wide.begin()] = size / row.width;
      epilogueSizes[group.back()] = 0;
    }
  }
  for (int64_t loop : order)
    if (std::optional<unsigned> d =
            write.getResultPosition(getAffineDimExpr(loop, rewriter.getContext())))
      llvm::append_range(epilogueOrder, row.groups[*d]);
  return tileAndFuseIntoBlocks(rewriter, epilogue, op, epilogueSizes, epilogueOrder,
                               /*throughReshapes=*/true);
}

//===----------------------------------------------------------------------===//
// Tiling
//===----------------------------------------------------------------------===//

/// The elementwise initializer (a fill, a bias broadcast) of `op`'s
/// accumulator, if any.
Operation *accumulatorInitializer(linalg::LinalgOp op) {
  Operation *init = op.getDpsInitOperand(0)->get().getDefiningOp();
  return init && (isa<linalg::FillOp>(init) || isElementwiseGeneric(init)) ? init : nullptr;
}

/// When `op`'s accumulator is a slice of a fill (a block of a batched
/// product, its unit batch dimension dropped), fills the slice instead,
/// so that the fill is the accumulator's initializer. The fill of the
/// whole stays for its other uses.
void sliceInitializer(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto slice = op.getDpsInits()[0].getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || !slice->hasOneUse())
    return;
  auto fill = slice.getSource().getDefiningOp<linalg::FillOp>();
  if (!fill)
    return;
  rewriter.setInsertionPoint(slice);
  Value dest = tensor::ExtractSliceOp::create(rewriter, slice.getLoc(), slice.getType(),
                                              fill.getOutputs()[0], slice.getMixedOffsets(),
                                              slice.getMixedSizes(), slice.getMixedStrides());
  rewriter.replaceOp(slice, linalg::FillOp::create(rewriter, fill.getLoc(), fill.getInputs()[0],
                                                   dest)
                                ->getResults());
}

/// Tiles a contraction `step` whose reduction is not split into steps
/// (loops in `loops`, register tile sizes `regSizes`, loop order ending
/// with `innermost`) into register tiles together with its elementwise
/// epilogue, if it has one and `withEpilogue`, and its accumulator's
/// initializer: each
/// register tile's accumulators start from the initializer's vectors, run
/// through the whole reduction, and go through the epilogue in registers,
/// so the result is stored once instead of being written by the
/// initializer, read and written by the contraction, and read again by
/// the epilogue. Marks the register tiles with kRegisterTile and the
/// initializer's and epilogue's tiles with kRegisterEpilogue; returns the
/// register loops (the parallel ones) to peel, or failure (nothing
/// changed) when there is nothing to fuse.
FailureOr<SmallVector<LoopLikeOpInterface>>
tileRegistersWithEpilogue(RewriterBase &rewriter, linalg::LinalgOp step, ContractionLoops loops,
                          ArrayRef<int64_t> regSizes, ArrayRef<unsigned> innermost,
                          bool withEpilogue) {
  linalg::GenericOp epilogue = withEpilogue ? soleEpilogue(step) : nullptr;
  sliceInitializer(rewriter, step);
  if (!epilogue && !accumulatorInitializer(step))
    return failure();
  unsigned numLoops = step.getNumLoops();
  SmallVector<int64_t> order = orderEndingWith(numLoops, innermost);
  // The parallel loops are tiled with the epilogue, the reduction loops
  // within each fused tile.
  SmallVector<int64_t> parallelSizes(regSizes), reductionSizes(numLoops, 0);
  for (unsigned loop = 0; loop < numLoops; ++loop)
    if (linalg::isReductionIterator(step.getIteratorTypesArray()[loop]))
      std::swap(parallelSizes[loop], reductionSizes[loop]);
  SmallVector<LoopLikeOpInterface> registerLoops;
  FailureOr<linalg::LinalgOp> tile = failure();
  if (epilogue) {
    auto [sizes, epilogueOrder] = epilogueTiling(step, epilogue, parallelSizes, order);
    tile = tileAndFuseIntoBlocks(rewriter, epilogue, step, sizes, epilogueOrder,
                                 /*throughReshapes=*/false, &registerLoops, /*sequential=*/true);
  } else {
    tile = tileAndFuseIntoBlocks(rewriter, step, step, parallelSizes, order,
                                 /*throughReshapes=*/false, &registerLoops, /*sequential=*/true);
  }
  // A failed fusion may have rewritten `step` already: it stays as it is
  // (its loops scalar), never tiled again.
  if (failed(tile))
    return registerLoops;
  if (Operation *init = accumulatorInitializer(*tile))
    init->setAttr(kRegisterEpilogue, rewriter.getUnitAttr());
  if (epilogue)
    for (Operation *user : (*tile)->getResult(0).getUsers())
      user->setAttr(kRegisterEpilogue, rewriter.getUnitAttr());

  SmallVector<unsigned> reductionLoops(
      llvm::make_filter_range(innermost, [&](unsigned loop) { return reductionSizes[loop] != 0; }));
  FailureOr<scf::SCFTilingResult> inner = aiopt::tileOp(
      rewriter, *tile, reductionSizes, orderEndingWith(numLoops, reductionLoops));
  if (failed(inner) || inner->tiledOps.size() != 1)
    return registerLoops;
  linalg::LinalgOp registerTile =
      reduceToContraction(rewriter, cast<linalg::LinalgOp>(inner->tiledOps.front()), loops).first;
  registerTile->setAttr(kRegisterTile, rewriter.getUnitAttr());
  return registerLoops;
}

/// Channels a whole-reduction register tile needs to loop over them
/// innermost (below, its filter offsets are the inner loops).
constexpr int64_t kMinInnerChannels = 16;

/// Tiles one prepared contraction into independent (m, n) blocks (an
/// scf.forall, which threads may share, unless the contraction already is
/// in one; with `fuseEpilogue`, the blocks of
/// its elementwise consumer, the contraction fused into each), the
/// reduction into cache-sized steps, and each block into register tiles;
/// peels the register loops so their tiles have static sizes; marks the
/// register tiles with kRegisterTile. Each reduction step's right operand
/// is packed unless `readInPlace` lets it be read in place.
void tileContraction(RewriterBase &rewriter, Prepared prepared, ArrayRef<int64_t> cache,
                     ArrayRef<int64_t> reg, bool fuseEpilogue, int64_t minBlocks,
                     bool readInPlace, int64_t lanes) {
  auto [op, loops, panels, dotGroup, mr, nr, taps] = prepared;
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  // An empty iteration space (a zero batch) computes nothing: no blocks.
  if (llvm::is_contained(bounds, 0))
    return;
  unsigned numLoops = op.getNumLoops();
  // Blocks: one along every loop but m, n and k, and as many column panels
  // as the n block size holds (the step of the left operand is reused
  // across them while it is in cache).
  SmallVector<int64_t> sizes(numLoops, 1);
  if (panels)
    sizes[*panels] = cacheTile(bounds[*panels], std::max<int64_t>(1, cache[2] / nr), 1);
  sizes[loops.m] = cacheTile(bounds[loops.m], cache[0], mr);
  sizes[loops.n] = columnTile(bounds[loops.n], cache[2], nr, lanes);
  sizes[loops.k] = 0;
  if (dotGroup)
    sizes[*dotGroup] = 0;
  for (unsigned tap : taps)
    sizes[tap] = 0;
  // A row epilogue's blocks are whole rows, as many as fill a cache tile
  // of columns, preferably a whole number of register tiles. Found again
  // here, not kept from preparation: an epilogue of two contractions is
  // gone once the first is tiled.
  std::optional<RowEpilogue> row =
      fuseEpilogue && !panels && taps.empty() ? rowEpilogue(op) : std::nullopt;
  int64_t width = row ? row->width : 0;
  if (width)
    sizes[loops.n] = width * cacheTile(bounds[loops.n] / width,
                                       std::max<int64_t>(1, cache[2] / width),
                                       nr / std::gcd(width, nr));
  if (panels)
    shrinkBlocks(sizes, bounds, minBlocks, *panels, 1, loops.m, mr);
  else if (width)
    shrinkBlocks(sizes, bounds, minBlocks, loops.n, 1, loops.m, mr, /*colUnit=*/width);
  else
    shrinkBlocks(sizes, bounds, minBlocks, loops.n, nr, loops.m, mr);
  SmallVector<int64_t> order = orderEndingWith(numLoops, {loops.m, loops.n, loops.k});
  linalg::LinalgOp block;
  if (row) {
    FailureOr<linalg::LinalgOp> fused = tileRowEpilogueAndFuse(rewriter, op, *row, sizes, order);
    if (failed(fused))
      return;
    block = *fused;
  } else if (linalg::GenericOp epilogue = fuseEpilogue ? soleEpilogue(op) : nullptr) {
    FailureOr<linalg::LinalgOp> fused = tileEpilogueAndFuse(rewriter, op, epilogue, sizes, order);
    if (failed(fused))
      return;
    block = *fused;
  } else {
    FailureOr<linalg::LinalgOp> tiled = tileAndFuseIntoBlocks(rewriter, op, op, sizes, order);
    if (failed(tiled))
      return;
    block = *tiled;
  }

  // A shifted-window convolution's register tiles run through its whole
  // reduction, filter offsets and channels, their accumulators in
  // registers throughout, when it has at most a step of channels (a
  // network's first layer; ResNet's 64- and 128-channel layers, where this
  // saves reloading each tile's accumulators once per filter offset); with
  // more channels, its steps are one filter offset and a step of channels
  // each, whose right operand is a slice of the input.
  bool wholeReduction = !taps.empty() && bounds[loops.k] <= cache[1];
  // A contraction whose reduction fits in a step is not split into steps:
  // its register tiles take in its epilogue (below).
  bool singleStep = wholeReduction || (taps.empty() && bounds[loops.k] <= cache[1]);
  linalg::LinalgOp step = block;
  if (!singleStep) {
    SmallVector<int64_t> kSizes(numLoops, 0);
    kSizes[loops.k] = std::min(cache[1], bounds[loops.k]);
    for (unsigned tap : taps)
      kSizes[tap] = 1;
    FailureOr<scf::SCFTilingResult> steps = aiopt::tileOp(rewriter, block, kSizes);
    if (failed(steps) || steps->tiledOps.size() != 1)
      return;
    step = cast<linalg::LinalgOp>(steps->tiledOps.front());
  }

  // A plain matmul per step, its right operand packed where it can be
  // (dot-product steps are packed already).
  ContractionLoops stepLoops = loops;
  bool packedInStep = false;
  int64_t mExtent = sizes[loops.m], nExtent = sizes[loops.n];
  if (!dotGroup && !wholeReduction) {
    std::tie(step, stepLoops) = reduceToContraction(rewriter, step, loops);
    // Shifted windows are read in place: packing each step's rows would
    // be the gathered copy over again.
    if (!taps.empty() && !contractionLoops(step))
      return;
    if (std::optional<linalg::LinalgOp> packed =
            taps.empty() && !readsRightOperandInPlace(step, readInPlace)
                ? packRightOperand(rewriter, step, reg[1])
                : std::nullopt) {
      step = *packed;
      packedInStep = true;
      stepLoops = ContractionLoops{0, 2, 3}; // (m, n1, n0, k)
      nExtent = reg[1];
    }
  }
  loops = stepLoops;
  numLoops = step.getNumLoops();

  // Register tiles; with a packed operand, the column panels (n1) are the
  // outer loop, so each panel stays in L1 across the rows.
  SmallVector<int64_t> regSizes(numLoops, 1);
  regSizes[loops.m] = std::min(mr, mExtent);
  regSizes[loops.n] = std::min(nr, nExtent);
  if (dotGroup)
    regSizes[*dotGroup] = 0;
  // A whole reduction runs its channels innermost, unless there are too few
  // to make a loop of (a first layer's colours): then its filter offsets.
  SmallVector<unsigned> innermost = {loops.n, loops.m};
  bool channelsInnermost = !wholeReduction || bounds[loops.k] >= kMinInnerChannels;
  if (!channelsInnermost)
    innermost.push_back(loops.k);
  if (wholeReduction)
    llvm::append_range(innermost, taps);
  if (channelsInnermost)
    innermost.push_back(loops.k);
  // A reduction in one step and accumulators initialized elementwise (and,
  // at -O2, an elementwise epilogue), in columns read in place: each
  // register tile starts from the initializer's values and goes through the
  // epilogue with its accumulators in registers.
  if (singleStep && !dotGroup && !packedInStep) {
    FailureOr<SmallVector<LoopLikeOpInterface>> fused =
        tileRegistersWithEpilogue(rewriter, step, loops, regSizes, innermost, fuseEpilogue);
    if (succeeded(fused)) {
      aiopt::peelLoops(rewriter, *fused, /*keepInnermost=*/0);
      return;
    }
  }
  FailureOr<scf::SCFTilingResult> inner =
      aiopt::tileOp(rewriter, step, regSizes, orderEndingWith(numLoops, innermost));
  if (failed(inner) || inner->tiledOps.size() != 1)
    return;
  if (dotGroup) {
    inner->tiledOps.front()->setAttr(kDotTile, rewriter.getUnitAttr());
  } else {
    linalg::LinalgOp registerTile =
        reduceToContraction(rewriter, cast<linalg::LinalgOp>(inner->tiledOps.front()), loops)
            .first;
    registerTile->setAttr(kRegisterTile, rewriter.getUnitAttr());
  }

  // Peel the register loops but the reduction: in blocks of static sizes
  // every register tile, remainders included, then has a static size.
  aiopt::peelLoops(rewriter, inner->loops,
                   /*keepInnermost=*/wholeReduction ? 1 + taps.size() : 1);
}

/// Splits every register tile (static after canonicalizing `root`) whose
/// columns are more than one vector of `lanes` but not a whole number of
/// them into tiles of one vector and a narrower last one: a remainder of
/// 17 columns becomes 16 + 1 rather than one 17-lane vector, which LLVM
/// legalizes lane by lane.
LogicalResult splitRemainderTiles(Operation *root, int64_t lanes) {
  MLIRContext *ctx = root->getContext();
  RewritePatternSet canonical(ctx);
  aiopt::populateCanonicalization(ctx, canonical);
  if (failed(applyPatternsGreedily(root, std::move(canonical))))
    return failure();
  SmallVector<linalg::LinalgOp> tiles;
  root->walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(kRegisterTile) && !op.hasDynamicShape())
      tiles.push_back(op);
  });
  IRRewriter rewriter(ctx);
  for (linalg::LinalgOp op : tiles) {
    std::optional<ContractionLoops> loops = contractionLoops(op);
    if (!loops)
      continue;
    int64_t columns = op.getStaticLoopRanges()[loops->n];
    if (columns <= lanes || columns % lanes == 0)
      continue;
    SmallVector<int64_t> sizes(op.getNumLoops(), 0);
    sizes[loops->n] = lanes;
    if (FailureOr<scf::SCFTilingResult> split = aiopt::tileOp(rewriter, op, sizes);
        succeeded(split))
      aiopt::peelLoops(rewriter, split->loops, /*keepInnermost=*/0);
  }
  return success();
}

struct TileAndVectorizePass
    : aiopt::impl::CPUTileAndVectorizePassBase<TileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    SmallVector<int64_t> cache(cacheTiles.begin(), cacheTiles.end());
    SmallVector<int64_t> reg(registerTile.begin(), registerTile.end());
    if (cache.empty())
      cache = {64, 256, 256};
    if (reg.empty())
      reg = {6, 16};
    if (vnniLanes != 0 && vnniLanes != 8 && vnniLanes != 16) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-tile-and-vectorize: vnni-lanes is 0, 8 or 16, not " << vnniLanes.getValue();
      return signalPassFailure();
    }
    if (pairLanes != 0 && pairLanes != 4 && pairLanes != 8 && pairLanes != 16) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-tile-and-vectorize: pair-lanes is 0, 4, 8 or 16, not "
          << pairLanes.getValue();
      return signalPassFailure();
    }
    if (vectorSize < 0) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-tile-and-vectorize: vector-size must not be negative, not "
          << vectorSize.getValue();
      return signalPassFailure();
    }
    // VNNI's four products per lane first, then vpmaddwd's two.
    SmallVector<aiopt::DotInstruction> dots;
    if (vnniLanes)
      dots.push_back({/*bytes=*/true, vnniLanes});
    if (pairLanes)
      dots.push_back({/*bytes=*/false, pairLanes});
    if (minBlocks < 1) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-tile-and-vectorize: min-blocks must be at least 1, not "
          << minBlocks.getValue();
      return signalPassFailure();
    }
    if (cache.size() != 3 || reg.size() != 2 ||
        llvm::any_of(cache, [](int64_t s) { return s <= 0; }) ||
        llvm::any_of(reg, [](int64_t s) { return s <= 0; })) {
      emitError(getOperation()->getLoc())
          << "aiopt-cpu-tile-and-vectorize: cache-tiles takes three positive sizes "
             "(m, k, n) and register-tile two (m, n)";
      return signalPassFailure();
    }

    SmallVector<std::pair<linalg::LinalgOp, ContractionLoops>> targets;
    SmallVector<std::pair<linalg::LinalgOp, ShiftedWindow>> windows;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasDynamicShape())
        return;
      if (std::optional<ContractionLoops> loops = contractionLoops(op))
        targets.push_back({op, *loops});
      else if (std::optional<ShiftedWindow> window = shiftedWindowLoops(op))
        windows.push_back({op, *window});
    });
    IRRewriter rewriter(ctx);
    SmallVector<Prepared> prepared;
    for (auto [op, window] : windows)
      if (std::optional<Prepared> p = prepareShiftedWindow(rewriter, op, window, reg)) {
        reshapeInitializer(rewriter, p->op);
        if (fuseEpilogues)
          relinearizeEpilogue(rewriter, p->op);
        prepared.push_back(*p);
      }
    for (auto [op, loops] : targets) {
      // A row epilogue needs the result's own columns in its blocks.
      bool rows = fuseEpilogues && rowEpilogue(op);
      prepared.push_back(prepareContraction(rewriter, op, loops, reg, cache[2], dots,
                                            /*packInBlocks=*/rows, readInPlace));
      if (fuseEpilogues && (prepared.back().panels || !rowEpilogue(prepared.back().op)))
        relinearizeEpilogue(rewriter, prepared.back().op);
    }
    for (const Prepared &p : prepared)
      tileContraction(rewriter, p, cache, reg, fuseEpilogues, minBlocks, readInPlace, vectorSize);

    if (vectorSize && failed(splitRemainderTiles(getOperation(), vectorSize)))
      return signalPassFailure();
    // Static sizes reach the full register tiles, which become
    // vector.contract.
    // Tiles of strided convolutions read strided slices, which makes them
    // matmuls.
    if (failed(aiopt::vectorizeMarked(
            getOperation(), kRegisterTile,
            [](RewriterBase &rewriter, linalg::LinalgOp op) -> linalg::LinalgOp {
              auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
              if (!generic || !aiopt::sliceStridedReads(rewriter, generic))
                return op;
              rewriter.setInsertionPoint(generic);
              FailureOr<linalg::LinalgOp> named = linalg::specializeGenericOp(rewriter, generic);
              return succeeded(named) ? *named : op;
            },
            /*namedContraction=*/true)))
      return signalPassFailure();
    // The initializers and epilogues fused into register tiles, in the
    // tiles' own vector shape, so that their vectors and the accumulators
    // fold into each other (loop-invariant-subset-hoisting and
    // canonicalization, after this pass).
    // Their unit loops are dropped as the register tiles' are (a tile of
    // column panels is 8 x 1 x 32 around an 8 x 32 register tile).
    if (failed(aiopt::vectorizeMarked(
            getOperation(), kRegisterEpilogue,
            [](RewriterBase &rewriter, linalg::LinalgOp op) -> linalg::LinalgOp {
              linalg::LinalgOp generic = op;
              if (!isa<linalg::GenericOp>(op.getOperation())) {
                FailureOr<linalg::GenericOp> general = linalg::generalizeNamedOp(rewriter, op);
                if (failed(general))
                  return op;
                generic = *general;
              }
              return aiopt::dropUnitLoops(rewriter, cast<linalg::GenericOp>(generic.getOperation()),
                                          /*keep=*/{});
            },
            /*namedContraction=*/false)))
      return signalPassFailure();
    aiopt::lowerDotTiles(getOperation(), kDotTile, dots);

    RewritePatternSet lowering(ctx);
    vector::populateVectorContractLoweringPatterns(lowering,
                                                   vector::VectorContractLowering::OuterProduct,
                                                   /*benefit=*/1, /*disableOuterProductLowering=*/true);
    vector::populateVectorTransferPermutationMapLoweringPatterns(lowering);
    aiopt::populateCanonicalization(ctx, lowering);
    if (failed(applyPatternsGreedily(getOperation(), std::move(lowering))))
      return signalPassFailure();
  }
};

} // namespace
