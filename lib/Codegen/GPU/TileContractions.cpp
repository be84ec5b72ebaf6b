//===- TileContractions.cpp - contractions as shared-memory tiled kernels -===//
//
// Rewrites linalg contractions on buffers into gpu.launch ops that stage
// operand tiles in workgroup memory and keep a block of accumulators per
// invocation in registers (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "LinalgKernels.h"
#include "PaddedOperands.h"
#include "WarpFragments.h"

#include "aiopt/Codegen/BufferViews.h"
#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUTILECONTRACTIONSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// A group of loop dimensions flattened into one index (the last one
/// fastest), and its extent. The outermost dimension of a parallel group
/// may be dynamic (a batch of any size): `size` is then the product of
/// the others, and the kernel takes the extent from the host.
struct DimGroup {
  SmallVector<unsigned> dims;
  int64_t size = 1;
  bool dynamic = false;
};

/// How a contraction's loops map onto the tiled product.
struct Contraction {
  linalg::LinalgOp op;
  SmallVector<int64_t> ranges;
  DimGroup m, n, k, batch;
  /// The input indexed by M (the other by N).
  unsigned mInput = 0;
  /// Whether the payload is `out + f(ins)` (f32 or integer addition), so
  /// that partial sums over parts of K add up to the result.
  bool additive = false;
  /// The constant the output holds before the op, when an op just before
  /// it filled it (or copied a filled buffer into it) and can go: the
  /// kernel starts from that value instead of loading it.
  TypedAttr initValue;
  /// Or the op that just broadcast a smaller buffer into the output (a
  /// bias): the kernel starts from that buffer's element instead.
  linalg::GenericOp initBroadcast;
  Operation *initWriter = nullptr;
  /// Parts of K that add to the output atomically: the output is zeroed
  /// instead (a fill that a kernel before makes), and the first part adds
  /// the initial value above to its sums.
  bool firstPartAddsInit = false;
  /// The elementwise op that reads the result next, computed at the
  /// kernel's stores (and erased), with its loop ranges; whether the raw
  /// result is still stored (something else reads it later).
  linalg::GenericOp epilogue;
  SmallVector<int64_t> epilogueRanges;
  bool storeResult = true;
  /// The allocations, views and pure ops between the contraction and its
  /// epilogue, which move before the kernel.
  SmallVector<Operation *> hoisted;
  /// Per input, the padded buffer it views, read around (the padding's
  /// fill and copy then need no kernel when nothing else reads them).
  SmallVector<std::optional<aiopt::PaddedBuffer>, 2> padded;
};

/// Workgroup and invocation tile sizes, and the parts K is split into
/// (each adding its partial sums to the output atomically).
struct Tiles {
  int64_t m, n, k, thread;
  int64_t splits = 1, kPerSplit = 0;
  /// With split K: the parts store their sums in a workspace that a second
  /// kernel adds up (with the output's initial value and the epilogue),
  /// rather than adding them to the output atomically.
  bool sumKernel = false;
  /// Tensor-core kernels: four warps in a 2 x 2 grid, each owning a
  /// quarter of the tile in fragments of this kind.
  std::optional<aiopt::FragmentKind> fragments = std::nullopt;
  /// Scalar kernels: above 1, each invocation's rows and columns are
  /// consecutive and read from the workgroup tiles in vectors of this many
  /// elements; with 1, every (tile / thread)-th.
  int64_t tileLanes = 1;
  /// f32 products under `tf32`: operands are rounded to TF32 as they are
  /// staged.
  bool tf32 = false;
  int64_t threads() const { return fragments ? 4 * kWarp : (m / thread) * (n / thread); }
  static constexpr int64_t kWarp = 32;
};

/// How operand tiles are read (the pass's `vector-loads`): an element per
/// load; four 32-bit elements, from buffers the runtime binds at 16-byte
/// boundaries (SPIR-V); or 16 bytes (as few as 4 where an invocation
/// stages fewer), where the address is found aligned at run time (NVVM).
enum class VectorLoads { None, SPIRV, NVVM };

/// How one operand's tile is staged: elements per load, and (NVVM) the
/// condition under which its vector loads are aligned (null: always).
struct Staging {
  int64_t lanes = 1;
  Value aligned;
};
} // namespace

/// The elements of `type` one 16-byte vector load reads under `loads`
/// (SPIR-V: 32-bit elements only, which its narrow-type emulation leaves
/// alone); 1 where loads stay scalar.
static int64_t vectorLanes(VectorLoads loads, Type type) {
  if (loads == VectorLoads::None || !type.isIntOrFloat())
    return 1;
  unsigned bits = type.getIntOrFloatBitWidth();
  if (loads == VectorLoads::SPIRV ? bits != 32 : (bits != 8 && bits != 16 && bits != 32))
    return 1;
  return 128 / bits;
}

/// Whether the payload of `op` yields `out + x` with `x` not depending on
/// `out`, in f32 or a 32-bit integer (atomic additions exist for those).
static bool isAdditive(linalg::LinalgOp op) {
  Operation *comb = aiopt::combiningOp(op);
  Type t = op.getBlock()->getArguments().back().getType();
  return comb && isa<arith::AddFOp, arith::AddIOp>(comb) && (t.isF32() || t.isInteger(32));
}

/// Whether the payload of `op` is `out + x * y` (in either order), `x`
/// and `y` being `a` and `b` (the payload's inputs) through `operand`.
static bool isProductPayload(linalg::LinalgOp op, function_ref<bool(Value, Value)> operand) {
  Block *body = op.getBlock();
  auto add = body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value out = body->getArgument(2);
  Value term = add.getLhs() == out ? add.getRhs() : add.getRhs() == out ? add.getLhs() : Value();
  auto mul = term ? term.getDefiningOp<arith::MulFOp>() : arith::MulFOp();
  Value a = body->getArgument(0), b = body->getArgument(1);
  return mul && ((operand(mul.getLhs(), a) && operand(mul.getRhs(), b)) ||
                 (operand(mul.getLhs(), b) && operand(mul.getRhs(), a)));
}

/// The number of ops of `op`'s payload, terminator aside.
static int64_t payloadOps(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  return std::distance(body->without_terminator().begin(), body->without_terminator().end());
}

/// Whether `op` computes `out + a * b` with `a`, `b` and `out` all f32:
/// what `tf32` rounds and may multiply on tensor cores.
static bool isF32Product(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  return llvm::all_of(body->getArgumentTypes(), [](Type t) { return t.isF32(); }) &&
         payloadOps(op) == 2 && isProductPayload(op, [](Value v, Value arg) { return v == arg; });
}

/// The 16-bit operand type (f16 or bf16) when `op` computes
/// `out + extf(a) * extf(b)` of two such operands into f32 (what the tensor
/// cores compute, but for the order of the additions); null otherwise.
static Type halfProductType(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  Type t = body->getArgument(0).getType();
  if (!(t.isF16() || t.isBF16()) || body->getArgument(1).getType() != t ||
      !body->getArgument(2).getType().isF32() || payloadOps(op) != 4)
    return {};
  auto extended = [](Value v, Value arg) {
    auto ext = v.getDefiningOp<arith::ExtFOp>();
    return ext && ext.getIn() == arg;
  };
  return isProductPayload(op, extended) ? t : Type();
}

/// The fragments that compute `op` with `tensorCores` ('nvvm' or
/// 'emulate'; none with 'none'): f16 products by WMMA (or its emulation),
/// bf16 ones and, with `tf32`, f32 ones by mma.sync (or its emulation);
/// none for other ops.
static std::optional<aiopt::FragmentKind> fragmentsFor(linalg::LinalgOp op, StringRef tensorCores,
                                                       bool tf32) {
  if (tensorCores == "none")
    return std::nullopt;
  Type half = halfProductType(op);
  if (!half && !(tf32 && isF32Product(op)))
    return std::nullopt;
  bool emulate = tensorCores == "emulate";
  if (half && half.isF16())
    return emulate ? aiopt::FragmentKind::Emulated : aiopt::FragmentKind::WMMA;
  return emulate ? aiopt::FragmentKind::EmulatedMMASync : aiopt::FragmentKind::MMASync;
}

/// Whether `op` copies its one input into `out` through an identity output
/// map and a projected input map (a broadcast, or a plain copy), with a
/// static input buffer the kernel can read.
static bool broadcastsInto(linalg::GenericOp op, Value out) {
  if (!op || op.getNumDpsInputs() != 1 || op.getDpsInitOperand(0)->get() != out ||
      op.getNumParallelLoops() != op.getNumLoops() || !aiopt::kernelLoopRanges(op))
    return false;
  auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
  return yield.getOperand(0) == op.getBlock()->getArgument(0) &&
         op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() &&
         op.getMatchingIndexingMap(op.getDpsInputOperand(0)).isProjectedPermutation();
}

/// Whether `value` is a zero constant (which adds nothing to a sum).
static bool isZero(TypedAttr value) {
  return value && (matchPattern(value, m_AnyZeroFloat()) || matchPattern(value, m_Zero()));
}

/// Finds what the output of `c.op` holds when it was just written (nothing
/// read it since): a constant (a fill of the output, or a copy into it of
/// a buffer whose last writer was a fill), or a broadcast of another buffer.
static void findConstantInit(Contraction &c) {
  Value out = c.op.getDpsInitOperand(0)->get();
  Operation *writer = aiopt::lastToucher(c.op, aiopt::viewedBuffer(out), /*writesOnly=*/false);
  if (TypedAttr v = aiopt::filledWith(writer, out)) {
    c.initValue = v;
    c.initWriter = writer;
    return;
  }
  auto broadcast = dyn_cast_or_null<linalg::GenericOp>(writer);
  if (broadcastsInto(broadcast, out)) {
    c.initBroadcast = broadcast;
    c.initWriter = writer;
    return;
  }
  auto copy = dyn_cast_or_null<linalg::CopyOp>(writer);
  if (!copy || copy.getOutputs()[0] != out)
    return;
  Value source = copy.getInputs()[0];
  Operation *sourceWriter =
      aiopt::lastToucher(copy, aiopt::viewedBuffer(source), /*writesOnly=*/true);
  if (TypedAttr v = aiopt::filledWith(sourceWriter, source)) {
    c.initValue = v;
    c.initWriter = copy;
    return;
  }
  // A copy of a broadcast (one broadcast that several products copy): the
  // kernel reads the broadcast's input, which nothing may write between.
  auto sourceBroadcast = dyn_cast_or_null<linalg::GenericOp>(sourceWriter);
  if (!broadcastsInto(sourceBroadcast, source) ||
      source.getType() != out.getType())
    return;
  Value input = aiopt::viewedBuffer(sourceBroadcast.getDpsInputOperand(0)->get());
  for (Operation *op = sourceBroadcast->getNextNode(); op && op != c.op.getOperation();
       op = op->getNextNode())
    if (aiopt::touchesBuffer(op, input, /*writesOnly=*/true))
      return;
  c.initBroadcast = sourceBroadcast;
  c.initWriter = copy;
}

/// Whether an op after `from` in its block (other than deallocs) reads or
/// writes the buffer rooted at `root`, or takes it (or a view of it) as an
/// operand otherwise (a return, a call).
static bool usedAfter(Operation *from, Value root) {
  for (Operation *op = from->getNextNode(); op; op = op->getNextNode()) {
    if (isa<memref::DeallocOp, ViewLikeOpInterface>(op))
      continue;
    if (aiopt::touchesBuffer(op, root, /*writesOnly=*/false) ||
        llvm::any_of(op->getOperands(), [&](Value v) {
          return isa<MemRefType>(v.getType()) && aiopt::viewedBuffer(v) == root;
        }))
      return true;
  }
  return false;
}

/// Finds the elementwise op that can run in `c`'s kernel: the next
/// linalg.generic after it that reads its result, all parallel, reading the
/// whole result through one view and one map, the identity or (writing
/// elsewhere) a permutation such as a transpose's, not reading
/// its own output argument, and writing a buffer apart from the
/// contraction's operands (the kernel stores it while other workgroups
/// still read them). Allocations, views and pure ops in between move
/// before the kernel; a few other ops may come between when they keep
/// away from the contraction's buffers, write nothing the epilogue reads
/// and do not touch what it writes (the epilogue then runs before them).
static void findEpilogue(Contraction &c) {
  Value out = c.op.getDpsInitOperand(0)->get(), root = aiopt::viewedBuffer(out);
  if (!aiopt::viewsWhole(out, root))
    return;
  // What the kernel reads: its operands, or the sources of padded inputs.
  SmallVector<Value> operandRoots;
  for (OpOperand &operand : c.op->getOpOperands())
    operandRoots.push_back(aiopt::viewedBuffer(operand.get()));
  for (const std::optional<aiopt::PaddedBuffer> &padded : c.padded)
    if (padded)
      operandRoots.push_back(aiopt::viewedBuffer(padded->source));
  SmallVector<Operation *> hoisted, passed;
  linalg::GenericOp generic;
  for (Operation *next = c.op->getNextNode(); next && !generic; next = next->getNextNode()) {
    if (isa<memref::AllocOp, ViewLikeOpInterface>(next) || isMemoryEffectFree(next)) {
      hoisted.push_back(next);
      continue;
    }
    auto candidate = dyn_cast<linalg::GenericOp>(next);
    if (candidate && aiopt::touchesBuffer(next, root, /*writesOnly=*/false)) {
      generic = candidate;
      break;
    }
    if (passed.size() == 4 || (next->getNumRegions() && !isa<linalg::LinalgOp>(next)) ||
        llvm::any_of(operandRoots,
                     [&](Value r) { return aiopt::touchesBuffer(next, r, /*writesOnly=*/false); }))
      return;
    passed.push_back(next);
  }
  if (!generic || generic.getNumParallelLoops() != generic.getNumLoops())
    return;
  std::optional<SmallVector<int64_t>> ranges = aiopt::kernelLoopRanges(generic, /*inPlace=*/true);
  if (!ranges || !generic.getBlock()->getArguments().back().use_empty())
    return;
  Value written = aiopt::viewedBuffer(generic.getDpsInitOperand(0)->get());
  bool inPlace = written == root;
  // Its inputs: the result, whole, through one view and one permutation
  // of the loops (the identity, or a transpose's where the epilogue
  // writes elsewhere), or buffers certainly apart from it (a function
  // argument that may be the result would be read before the product
  // wrote it).
  OpOperand *resultRead = nullptr;
  for (OpOperand *in : generic.getDpsInputOperands()) {
    Value r = aiopt::viewedBuffer(in->get());
    AffineMap map = generic.getMatchingIndexingMap(in);
    if (r == root) {
      if (!aiopt::viewsWhole(in->get(), root) || !map.isPermutation() ||
          (inPlace && !map.isIdentity()) ||
          (resultRead && (in->get() != resultRead->get() ||
                          map != generic.getMatchingIndexingMap(resultRead))))
        return;
      resultRead = in;
    } else if (!aiopt::buffersApart(r, root)) {
      return;
    }
    if (llvm::any_of(passed, [&](Operation *op) { return aiopt::touchesBuffer(op, r, true); }))
      return;
  }
  if (!resultRead)
    return;
  // An epilogue in place overwrites the result element by element
  // (kernelLoopRanges checked the views); any other output must be apart
  // from the contraction's operands.
  if (llvm::any_of(operandRoots,
                   [&](Value r) { return !(inPlace && r == root) && !aiopt::buffersApart(written, r); }) ||
      llvm::any_of(passed, [&](Operation *op) { return aiopt::touchesBuffer(op, written, false); }))
    return;
  // What moves before the kernel, and the epilogue itself, may use nothing
  // the ops it passes define.
  auto definedByPassed = [&](Operation *op) {
    return llvm::any_of(op->getOperands(), [&](Value v) {
      return llvm::is_contained(passed, v.getDefiningOp());
    });
  };
  if (definedByPassed(generic) || llvm::any_of(hoisted, definedByPassed))
    return;
  c.epilogue = generic;
  c.epilogueRanges = *ranges;
  c.hoisted = std::move(hoisted);
  // In place, later readers read the epilogue's values.
  // (Uses outside this block are not looked for: a result defined
  // elsewhere is always stored.)
  c.storeResult = !inPlace && (root.getParentBlock() != c.op->getBlock() || usedAfter(generic, root));
}

/// The contraction's dimension groups, or nothing when `op` is not one the
/// tiled kernel computes.
static std::optional<Contraction> analyze(linalg::LinalgOp op) {
  std::optional<SmallVector<int64_t>> ranges =
      aiopt::kernelLoopRanges(op, /*inPlace=*/false, /*allowDynamic=*/true);
  if (!ranges || op.getNumDpsInputs() != 2)
    return std::nullopt;
  Contraction c;
  c.op = op;
  c.ranges = *ranges;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));

  AffineMap in0 = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  AffineMap in1 = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  // Which input holds the output's innermost dimension: that side is N.
  unsigned innermost = cast<AffineDimExpr>(out.getResults().back()).getPosition();
  bool innerIn0 = in0.isFunctionOfDim(innermost), innerIn1 = in1.isFunctionOfDim(innermost);
  if (innerIn0 == innerIn1)
    return std::nullopt;
  c.mInput = innerIn0 ? 1 : 0;
  AffineMap mMap = c.mInput == 0 ? in0 : in1, nMap = c.mInput == 0 ? in1 : in0;
  // A dynamic dimension must come first in its group (it is never
  // divided by) and not be a reduction.
  bool dynamicInside = false;
  auto add = [&](DimGroup &g, unsigned d) {
    if (ShapedType::isDynamic(c.ranges[d])) {
      dynamicInside |= !g.dims.empty() || g.dynamic;
      g.dynamic = true;
    } else {
      g.size *= c.ranges[d];
    }
    g.dims.push_back(d);
  };
  // Parallel dimensions in the output's order, so that each group's
  // flattened index follows the output's layout.
  for (AffineExpr e : out.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    bool inM = mMap.isFunctionOfDim(d), inN = nMap.isFunctionOfDim(d);
    add(inM && !inN ? c.m : inN && !inM ? c.n : c.batch, d);
  }
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (iterators[d] == utils::IteratorType::reduction)
      add(c.k, d);
  if (dynamicInside || c.k.dynamic || (!c.m.dynamic && c.m.size < 16) ||
      (!c.n.dynamic && c.n.size < 16) || c.k.dims.empty() || c.k.size < 8)
    return std::nullopt;
  c.additive = isAdditive(op);
  return c;
}

/// Tiles for `c`: the largest workgroup tile (halving the larger side, not
/// below 32) whose grid still has `target` workgroups. With `fit`, a side
/// whose extent fits in half its tile first takes the smallest tile that
/// holds it, and the other side grows by as much where its extent asks.
static Tiles chooseTiles(const Contraction &c, int64_t maxM, int64_t maxN, int64_t k,
                         int64_t thread, int64_t target, bool splitK, int64_t splitTarget,
                         bool fit) {
  Tiles t{maxM, maxN, k, thread};
  t.kPerSplit = c.k.size;
  // A dynamic extent may be large: full tiles, K whole.
  if (c.m.dynamic || c.n.dynamic || c.batch.dynamic)
    return t;
  // A projection's 16 output channels would leave three quarters of a
  // 64-row tile's invocations computing rows past the end; a 16-row tile
  // and a 4x wider one keep them all on real outputs. (A side keeps at
  // least one invocation's block.)
  auto fitSide = [&](int64_t &side, int64_t extent, int64_t &other, int64_t otherExtent) {
    while (side / 2 >= std::max(extent, thread)) {
      side /= 2;
      if (other < otherExtent)
        other *= 2;
    }
  };
  if (fit) {
    fitSide(t.m, c.m.size, t.n, c.n.size);
    fitSide(t.n, c.n.size, t.m, c.m.size);
  }
  auto workgroups = [&](const Tiles &s) {
    return static_cast<int64_t>(llvm::divideCeil(c.m.size, s.m) * llvm::divideCeil(c.n.size, s.n)) *
           c.batch.size;
  };
  // Not below 32, nor below 8 invocations along a side.
  int64_t floor = std::max<int64_t>(32, 8 * thread);
  while (workgroups(t) < target && std::max(t.m, t.n) > floor) {
    if (t.m >= t.n)
      t.m /= 2;
    else
      t.n /= 2;
  }
  // Still too few workgroups to hide latency (small ones: a few warps per
  // multiprocessor): split K into parts of whole steps, each at least four
  // steps long, towards `splitTarget` workgroups.
  int64_t grid = workgroups(t), steps = llvm::divideCeil(c.k.size, t.k);
  if (splitK && c.additive && grid < splitTarget && steps >= 8) {
    int64_t parts = std::min<int64_t>(llvm::divideCeil(splitTarget, grid), steps / 4);
    t.kPerSplit = static_cast<int64_t>(llvm::divideCeil(steps, parts)) * t.k;
    t.splits = llvm::divideCeil(c.k.size, t.kPerSplit);
  }
  return t;
}

/// The workgroup buffers of `c`'s kernel in tiles `t`. Scalar tiles are
/// [tile-k][rows + 1]: one padding element per row keeps the staging stores
/// of a warp (which walk K across rows) off a single bank; read as vectors,
/// rows are padded by a vector instead, which keeps them aligned. Fragment tiles
/// are row-major, their rows padded by 16 bytes (`p` elements: 8 of 16
/// bits, 4 of TF32's f32): M's [tile-m][tile-k + p] and N's [tile-k][tile-n
/// + p] (or [tile-n][tile-k + p] where the fragments take B along K), and
/// the sums' [tile-m][tile-n + 4] in f32.
static SmallVector<MemRefType> workgroupTiles(const Contraction &c, const Tiles &t) {
  linalg::LinalgOp op = c.op;
  auto elementType = [&](unsigned input) {
    return cast<MemRefType>(op.getDpsInputOperand(input)->get().getType()).getElementType();
  };
  Type mType = elementType(c.mInput), nType = elementType(1 - c.mInput);
  if (!t.fragments)
    return {MemRefType::get({t.k, t.m + t.tileLanes}, mType),
            MemRefType::get({t.k, t.n + t.tileLanes}, nType)};
  // Rows padded by 16 bytes: eight 16-bit or four 32-bit elements.
  int64_t mPad = 128 / mType.getIntOrFloatBitWidth(), nPad = 128 / nType.getIntOrFloatBitWidth();
  return {MemRefType::get({t.m, t.k + mPad}, mType),
          aiopt::WarpFragments::bRowsAlongK(*t.fragments)
              ? MemRefType::get({t.n, t.k + nPad}, nType)
              : MemRefType::get({t.k, t.n + nPad}, nType),
          MemRefType::get({t.m, t.n + 4}, Float32Type::get(op.getContext()))};
}

/// The bytes of workgroup memory `types` take.
static int64_t workgroupBytes(ArrayRef<MemRefType> types) {
  int64_t bytes = 0;
  for (MemRefType type : types)
    bytes += type.getNumElements() * type.getElementTypeBitWidth() / 8;
  return bytes;
}

namespace {
/// Emits the tiled kernel of one contraction.
class KernelBuilder {
public:
  KernelBuilder(RewriterBase &b, const Contraction &c, const Tiles &t, bool allocTiles,
                VectorLoads vectorLoads)
      : b(b), c(c), t(t), allocTiles(allocTiles), vectorLoads(vectorLoads), op(c.op),
        loc(op.getLoc()) {}
  void build();

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value zero(Type t) { return arith::ConstantOp::create(b, loc, b.getZeroAttr(t)); }
  /// `x + y`, floats or integers.
  Value sum(Value x, Value y) {
    if (isa<FloatType>(x.getType()))
      return arith::AddFOp::create(b, loc, x, y);
    return arith::AddIOp::create(b, loc, x, y);
  }
  /// Sets batchIdx to `index`, the flattened batch entry, and batchDims to
  /// its dimensions' values.
  void setBatch(Value index);
  /// The extent of `g`: a constant, or the host value of a dynamic group.
  Value extent(const DimGroup &g) { return g.dynamic ? extents.lookup(&g) : cst(g.size); }
  /// Whether indices of `g` in tiles of `tile` may pass its end.
  bool ragged(const DimGroup &g, int64_t tile) { return g.dynamic || g.size % tile; }
  /// The dimension values of `g` at flattened index `flat`, into `dims`.
  void delinearize(const DimGroup &g, Value flat, SmallVectorImpl<Value> &dims) {
    aiopt::delinearizeDims(b, loc, g.dims, c.ranges, flat, dims);
  }
  /// The conjunction of `bounds`; null when there are none.
  Value allOf(ArrayRef<Value> bounds);
  /// `in` when all of `bounds` hold, else `orElse` (scf.if only when some
  /// bound is not known to hold).
  Value guarded(ArrayRef<Value> bounds, function_ref<Value()> in, Value orElse);
  /// `operand`'s indexing map with the loop dimensions of extent 1 as 0
  /// (a 1x1 convolution reads its input at (n, c, oh, ow), not at
  /// (n, c, oh + kh, ow + kw)).
  AffineMap accessMap(OpOperand *operand);
  /// Whether the innermost dimension of `operand`'s buffer moves with K.
  bool contiguousAlongK(OpOperand *operand);
  /// How `operand`'s tiles of `tileRows` rows of `rows` are read (emits
  /// the alignment test, once, where NVVM needs one).
  Staging planStaging(OpOperand *operand, const DimGroup &rows, int64_t tileRows);
  /// Copies one operand's tile at reduction offset `k0` into `tile`:
  /// [tile-k][rows + padding], or with `rowsOuter` [rows][tile-k + padding].
  void stageTile(OpOperand *operand, const DimGroup &rows, int64_t tileRows, Value rowBase,
                 Value k0, Value tile, const Staging &staging, bool rowsOuter = false);
  /// stageTile's copy with `lanes` consecutive elements per load.
  void stageElements(OpOperand *operand, const DimGroup &rows, int64_t tileRows, Value rowBase,
                     Value k0, Value tile, int64_t lanes, bool rowsOuter);
  /// The offset in the workgroup's tile of this invocation's `i`-th row
  /// (or column), `position` being its place among the `invocations`
  /// along that side.
  Value blockOffset(Value position, int64_t i, int64_t invocations);
  /// The thread-tile values of `tile` at step `kk` this invocation reads
  /// (in vectors of tileLanes).
  SmallVector<Value> tileValues(Value tile, Value kk, Value position, int64_t invocations);
  /// The accumulators after one payload application per output.
  SmallVector<Value> accumulate(ValueRange accs, Value kk, Value aTile, Value bTile);
  /// Computes and stores the epilogue's element for the result `acc` at
  /// `indices` of the contraction's output.
  void storeEpilogue(Value acc, ArrayRef<Value> indices);

  /// An output element: its loop dimensions, and the bounds that must hold
  /// for it to exist (none when the tiles divide the product).
  struct Output {
    SmallVector<Value> dims, bounds;
    Value mBound, nBound; ///< those of `bounds` that M's and N's tiles need
    Value m, n;           ///< the row and column of the flattened product
  };
  /// The output at row `m` and column `n` of the (flattened) product.
  Output outputAt(Value m, Value n);
  SmallVector<Value> outIndices(const Output &o);
  /// What the output holds before the product at `o` (a constant, a
  /// broadcast element, or the output's element), unguarded.
  Value initialValue(const Output &o);
  /// The side along which a broadcast initial value varies: 'm' when it
  /// reads none of N's dimensions (a bias per output channel), 'n' when
  /// it reads none of M's, 0 otherwise or without a broadcast.
  char initSide();
  /// Stores the sum `acc` at `o` (under its bounds): the result and the
  /// epilogue's, or with split K an atomic addition to the output or the
  /// part's element of the workspace.
  void storeOutput(Value acc, const Output &o);
  /// After the product's kernel: the kernel that adds up the workspace's
  /// parts of each output (sumKernel), then stores as an unsplit product.
  void buildSumKernel();
  /// The kernel's body from K's loop on: registers blocks of scalar
  /// accumulators, or warps of fragments whose sums meet in `cTile`.
  void buildScalar(Value aTile, Value bTile, Value kBegin, Value kEnd);
  void buildFragments(Value aTile, Value bTile, Value cTile, Value kBegin, Value kEnd);

  RewriterBase &b;
  const Contraction &c;
  const Tiles &t;
  bool allocTiles;
  VectorLoads vectorLoads;
  linalg::LinalgOp op;
  Location loc;
  Value tid, batchIdx, tm, tn, m0, n0;
  /// sumKernel: the parts' sums, [splits][batch][M][N], and this
  /// workgroup's part; whether the kernel being built is the one that adds
  /// them up.
  Value workspace, part;
  bool summing = false;
  SmallVector<Value> batchDims;
  /// The dynamic groups' extents, computed on the host.
  DenseMap<const DimGroup *, Value> extents;
};
} // namespace

Value KernelBuilder::allOf(ArrayRef<Value> bounds) {
  Value cond;
  for (Value bound : bounds)
    cond = cond ? arith::AndIOp::create(b, loc, cond, bound).getResult() : bound;
  return cond;
}

Value KernelBuilder::guarded(ArrayRef<Value> bounds, function_ref<Value()> in, Value orElse) {
  Value cond = allOf(bounds);
  if (!cond)
    return in();
  auto ifOp = scf::IfOp::create(b, loc, orElse.getType(), cond, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, in());
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, orElse);
  return ifOp.getResult(0);
}

AffineMap KernelBuilder::accessMap(OpOperand *operand) {
  AffineMap map = op.getMatchingIndexingMap(operand);
  SmallVector<AffineExpr> dims;
  for (unsigned d = 0; d < map.getNumDims(); ++d)
    dims.push_back(c.ranges[d] == 1 ? getAffineConstantExpr(0, op.getContext())
                                    : getAffineDimExpr(d, op.getContext()));
  return simplifyAffineMap(map.replaceDimsAndSymbols(dims, {}, map.getNumDims(), 0));
}

bool KernelBuilder::contiguousAlongK(OpOperand *operand) {
  AffineMap map = accessMap(operand);
  if (map.getNumResults() == 0)
    return false;
  AffineExpr inner = map.getResults().back();
  return llvm::any_of(c.k.dims, [&](unsigned d) { return inner.isFunctionOfDim(d); });
}

Staging KernelBuilder::planStaging(OpOperand *operand, const DimGroup &rows, int64_t tileRows) {
  auto type = cast<MemRefType>(operand->get().getType());
  int64_t lanes = vectorLanes(vectorLoads, type.getElementType());
  if (lanes == 1 || c.padded[operand->getOperandNumber()] || !type.getLayout().isIdentity() ||
      type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1))
    return {};
  // The buffer's contiguous index must be the fastest dimension of the
  // tile's contiguous side, alone, and vectors must not cross its rows,
  // the dimension's extent or the tile's; each invocation takes whole
  // vectors.
  AffineMap map = accessMap(operand);
  auto inner = dyn_cast<AffineDimExpr>(map.getResults().back());
  bool alongK = contiguousAlongK(operand);
  const DimGroup &fast = alongK ? c.k : rows;
  if (!inner || fast.dims.back() != inner.getPosition() ||
      llvm::any_of(map.getResults().drop_back(),
                   [&](AffineExpr e) { return e.isFunctionOfDim(inner.getPosition()); }))
    return {};
  int64_t extent = c.ranges[inner.getPosition()];
  if (ShapedType::isDynamic(extent))
    return {};
  auto fits = [&](int64_t n) {
    return extent % n == 0 && type.getShape().back() % n == 0 &&
           (alongK ? t.k : tileRows) % n == 0 && (tileRows * t.k) % (t.threads() * n) == 0;
  };
  // NVVM takes narrower vectors (of at least 4 bytes) where each
  // invocation stages fewer elements than 16 bytes hold: CUDA's 64x64
  // tiles over 256 invocations stage 4 elements each, 4 bytes of i8 or 8
  // of f16. (SPIR-V's vector views are of four 32-bit elements.)
  int64_t bits = type.getElementTypeBitWidth();
  while (lanes > 1 && !fits(lanes) && vectorLoads == VectorLoads::NVVM && lanes * bits > 32)
    lanes /= 2;
  if (lanes == 1 || !fits(lanes))
    return {};
  Staging staging{lanes, Value()};
  if (vectorLoads == VectorLoads::NVVM) {
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, operand->get());
    staging.aligned = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq,
        arith::RemUIOp::create(b, loc, address, cst(lanes * bits / 8)), cst(0));
  }
  return staging;
}

/// `x` (f32, or a vector of f32) rounded to TF32's 10 fraction bits,
/// to nearest with ties away from zero (PTX's cvt.rna.tf32.f32), in
/// integer arithmetic that every target has: finite values add half of
/// the dropped bits' unit to their bits (a carry into the exponent is
/// the next binade or infinity) and clear the dropped bits; NaNs stay
/// quiet NaNs, infinities infinities.
static Value roundToTF32(OpBuilder &b, Location loc, Value x) {
  Type i32 = b.getI32Type();
  auto vector = dyn_cast<VectorType>(x.getType());
  Type intType = vector ? Type(vector.clone(i32)) : i32;
  auto cst = [&](int64_t v) -> Value {
    TypedAttr attr = b.getI32IntegerAttr(v);
    if (vector)
      attr = DenseElementsAttr::get(cast<ShapedType>(intType), attr);
    return arith::ConstantOp::create(b, loc, intType, attr);
  };
  Value bits = arith::BitcastOp::create(b, loc, intType, x);
  Value exponent = arith::AndIOp::create(b, loc, bits, cst(0x7F800000));
  Value finite = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, exponent,
                                       cst(0x7F800000));
  Value dropped = cst(~0x1FFF);
  Value rounded = arith::AndIOp::create(
      b, loc, arith::AddIOp::create(b, loc, bits, cst(0x1000)), dropped);
  // Not finite: an infinity keeps its bits; a NaN sets the quiet bit, so
  // that clearing its low bits keeps it a NaN.
  Value quieted = arith::AndIOp::create(
      b, loc, arith::OrIOp::create(b, loc, bits, cst(0x00400000)), dropped);
  Value magnitude = arith::AndIOp::create(b, loc, bits, cst(0x7FFFFFFF));
  Value nan = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, magnitude,
                                    cst(0x7F800000));
  Value special = arith::SelectOp::create(b, loc, nan, quieted, bits);
  Value result = arith::SelectOp::create(b, loc, finite, rounded, special);
  return arith::BitcastOp::create(b, loc, x.getType(), result);
}

void KernelBuilder::stageTile(OpOperand *operand, const DimGroup &rows, int64_t tileRows,
                              Value rowBase, Value k0, Value tile, const Staging &staging,
                              bool rowsOuter) {
  auto stage = [&](int64_t lanes) {
    stageElements(operand, rows, tileRows, rowBase, k0, tile, lanes, rowsOuter);
  };
  if (!staging.aligned)
    return stage(staging.lanes);
  auto ifOp = scf::IfOp::create(b, loc, staging.aligned, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  stage(staging.lanes);
  b.setInsertionPointToStart(ifOp.elseBlock());
  stage(1);
}

/// The most staging loads per invocation and step that are unrolled.
static constexpr int64_t kUnrolledRounds = 16;

void KernelBuilder::stageElements(OpOperand *operand, const DimGroup &rows, int64_t tileRows,
                                  Value rowBase, Value k0, Value tile, int64_t lanes,
                                  bool rowsOuter) {
  int64_t elements = tileRows * t.k, threads = t.threads();
  bool alongK = contiguousAlongK(operand);
  Type elementType = cast<MemRefType>(operand->get().getType()).getElementType();
  auto vectorType = VectorType::get({lanes}, elementType);
  Value fill = lanes == 1 ? zero(elementType) : zero(vectorType);
  // Consecutive invocations take consecutive elements (or vectors) of the
  // operand's contiguous dimension; the `first`-th (a multiple of the
  // invocations) is the first of this round's.
  auto stageRound = [&](Value first) {
    // A vector's elements share their row (or step of K) and its bounds:
    // the extents are whole vectors.
    Value e = arith::MulIOp::create(b, loc, arith::AddIOp::create(b, loc, tid, first),
                                    cst(lanes));
    int64_t fast = alongK ? t.k : tileRows;
    Value lo = arith::RemUIOp::create(b, loc, e, cst(fast));
    Value hi = arith::DivUIOp::create(b, loc, e, cst(fast));
    Value row = alongK ? hi : lo, kk = alongK ? lo : hi;
    Value gRow = arith::AddIOp::create(b, loc, rowBase, row);
    Value gK = arith::AddIOp::create(b, loc, k0, kk);
    SmallVector<Value> bounds;
    if (ragged(rows, tileRows))
      bounds.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, gRow, extent(rows)));
    if (c.k.size % t.k)
      bounds.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, gK, cst(c.k.size)));
    Value v = guarded(bounds, [&]() -> Value {
      SmallVector<Value> dims(c.ranges.size(), cst(0));
      for (auto [d, value] : llvm::zip(c.batch.dims, batchDims))
        dims[d] = value;
      delinearize(rows, gRow, dims);
      delinearize(c.k, gK, dims);
      if (const std::optional<aiopt::PaddedBuffer> &padded = c.padded[operand->getOperandNumber()])
        return aiopt::loadPadded(b, loc, *padded,
                                 aiopt::indicesAtDims(b, loc, op.getMatchingIndexingMap(operand), dims));
      if (lanes == 1)
        return aiopt::loadAtDims(b, loc, op, operand, dims);
      return vector::LoadOp::create(
          b, loc, vectorType, operand->get(),
          aiopt::indicesAtDims(b, loc, op.getMatchingIndexingMap(operand), dims),
          /*nontemporal=*/false,
          llvm::MaybeAlign(lanes * elementType.getIntOrFloatBitWidth() / 8));
    }, fill);
    if (t.tf32)
      v = roundToTF32(b, loc, v);
    for (int64_t j = 0; j < lanes; ++j) {
      Value element = lanes == 1 ? v : vector::ExtractOp::create(b, loc, v, j).getResult();
      Value r = row, q = kk;
      if (j)
        (alongK ? q : r) = arith::AddIOp::create(b, loc, alongK ? kk : row, cst(j));
      memref::StoreOp::create(b, loc, element, tile, rowsOuter ? ValueRange{r, q} : ValueRange{q, r});
    }
  };
  // Up to kUnrolledRounds rounds are unrolled; more (a wide tile over a
  // narrow workgroup: 64 scalar elements each where a 16-row tile is
  // 64 x 64 wide) loop, which keeps the kernel's code from growing with
  // them.
  int64_t rounds = elements / (threads * lanes);
  if (rounds <= kUnrolledRounds) {
    for (int64_t l = 0; l < rounds; ++l)
      stageRound(cst(l * threads));
    return;
  }
  auto loop = scf::ForOp::create(b, loc, cst(0), cst(rounds * threads), cst(threads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  stageRound(loop.getInductionVar());
}

Value KernelBuilder::blockOffset(Value position, int64_t i, int64_t invocations) {
  if (t.tileLanes > 1)
    return arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, position, cst(t.thread)),
                                 cst(i));
  return arith::AddIOp::create(b, loc, position, cst(i * invocations));
}

SmallVector<Value> KernelBuilder::tileValues(Value tile, Value kk, Value position,
                                             int64_t invocations) {
  SmallVector<Value> values;
  if (t.tileLanes == 1) {
    for (int64_t i = 0; i < t.thread; ++i)
      values.push_back(memref::LoadOp::create(
          b, loc, tile, ValueRange{kk, blockOffset(position, i, invocations)}));
    return values;
  }
  auto type = cast<MemRefType>(tile.getType());
  auto vectorType = VectorType::get({t.tileLanes}, type.getElementType());
  int64_t bytes = t.tileLanes * type.getElementTypeBitWidth() / 8;
  for (int64_t first = 0; first < t.thread; first += t.tileLanes) {
    Value v = vector::LoadOp::create(b, loc, vectorType, tile,
                                     ValueRange{kk, blockOffset(position, first, invocations)},
                                     /*nontemporal=*/false, llvm::MaybeAlign(bytes));
    for (int64_t i = 0; i < t.tileLanes; ++i)
      values.push_back(vector::ExtractOp::create(b, loc, v, i));
  }
  return values;
}

SmallVector<Value> KernelBuilder::accumulate(ValueRange accs, Value kk, Value aTile, Value bTile) {
  SmallVector<Value> as = tileValues(aTile, kk, tm, t.m / t.thread);
  SmallVector<Value> bs = tileValues(bTile, kk, tn, t.n / t.thread);
  Block *payload = op.getBlock();
  unsigned nArg = 1 - c.mInput;
  SmallVector<Value> next;
  for (int64_t i = 0; i < t.thread; ++i)
    for (int64_t j = 0; j < t.thread; ++j) {
      IRMapping map;
      map.map(payload->getArgument(c.mInput), as[i]);
      map.map(payload->getArgument(nArg), bs[j]);
      map.map(payload->getArgument(2), accs[i * t.thread + j]);
      // Products and sums may contract into fused multiply-adds (one
      // rounding instead of two, as GPU libraries compute them).
      for (Operation &inner : payload->without_terminator()) {
        Operation *copy = b.clone(inner, map);
        auto fm = dyn_cast<arith::ArithFastMathInterface>(copy);
        // (arith.extf of mixed-precision operands has the attribute
        // optional, and none.)
        if (!fm || isa<arith::ExtFOp>(copy))
          continue;
        arith::FastMathFlagsAttr flags = fm.getFastMathFlagsAttr();
        copy->setAttr(fm.getFastMathAttrName(),
                      arith::FastMathFlagsAttr::get(
                          b.getContext(), (flags ? flags.getValue() : arith::FastMathFlags::none) |
                                              arith::FastMathFlags::contract));
      }
      next.push_back(map.lookupOrDefault(payload->getTerminator()->getOperand(0)));
    }
  return next;
}

void KernelBuilder::storeEpilogue(Value acc, ArrayRef<Value> indices) {
  linalg::GenericOp epilogue = c.epilogue;
  Value result = op.getDpsInitOperand(0)->get(), root = aiopt::viewedBuffer(result);
  // The element's linear index in the result is its index in the
  // epilogue's view of the whole buffer, whose dimensions are the
  // epilogue's loops in the order of its read map (a permutation; every
  // read of the result has the same, findEpilogue checked).
  OpOperand *read = *llvm::find_if(epilogue.getDpsInputOperands(), [&](OpOperand *in) {
    return aiopt::viewedBuffer(in->get()) == root;
  });
  ArrayRef<int64_t> readShape = cast<MemRefType>(read->get().getType()).getShape();
  AffineMap readMap = epilogue.getMatchingIndexingMap(read);
  ArrayRef<int64_t> shape = cast<MemRefType>(result.getType()).getShape();
  Value linear = cst(0);
  for (auto [index, extent] : llvm::zip(indices, shape))
    linear = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, linear, cst(extent)), index);
  SmallVector<Value> viewIndices(readShape.size());
  aiopt::delinearizeDims(b, loc, llvm::to_vector(llvm::seq<unsigned>(0, viewIndices.size())),
                         readShape, linear, viewIndices);
  SmallVector<Value> dims(c.epilogueRanges.size());
  for (auto [j, index] : llvm::enumerate(viewIndices))
    dims[readMap.getDimPosition(j)] = index;
  Block *payload = epilogue.getBlock();
  IRMapping map;
  for (OpOperand *in : epilogue.getDpsInputOperands())
    map.map(payload->getArgument(in->getOperandNumber()),
            aiopt::viewedBuffer(in->get()) == root
                ? acc
                : aiopt::loadAtDims(b, loc, epilogue, in, dims));
  for (Operation &inner : payload->without_terminator())
    b.clone(inner, map);
  OpOperand *output = epilogue.getDpsInitOperand(0);
  SmallVector<Value> outIndices;
  for (AffineExpr e : epilogue.getMatchingIndexingMap(output).getResults())
    outIndices.push_back(dims[cast<AffineDimExpr>(e).getPosition()]);
  memref::StoreOp::create(b, loc, map.lookupOrDefault(payload->getTerminator()->getOperand(0)),
                          output->get(), outIndices);
}

KernelBuilder::Output KernelBuilder::outputAt(Value m, Value n) {
  Output o;
  o.dims.assign(op.getNumLoops(), cst(0));
  for (auto [d, v] : llvm::zip(c.batch.dims, batchDims))
    o.dims[d] = v;
  if (ragged(c.m, t.m))
    o.bounds.push_back(o.mBound = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, m,
                                                        extent(c.m)));
  if (ragged(c.n, t.n))
    o.bounds.push_back(o.nBound = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n,
                                                        extent(c.n)));
  delinearize(c.m, m, o.dims);
  delinearize(c.n, n, o.dims);
  o.m = m;
  o.n = n;
  return o;
}

SmallVector<Value> KernelBuilder::outIndices(const Output &o) {
  SmallVector<Value> indices;
  for (AffineExpr e : op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getResults())
    indices.push_back(o.dims[cast<AffineDimExpr>(e).getPosition()]);
  return indices;
}

Value KernelBuilder::initialValue(const Output &o) {
  if (c.initValue)
    return arith::ConstantOp::create(b, loc, c.initValue);
  // A broadcast's loops are the output's dimensions.
  if (linalg::GenericOp broadcast = c.initBroadcast)
    return aiopt::loadAtDims(b, loc, broadcast, broadcast.getDpsInputOperand(0), outIndices(o));
  return memref::LoadOp::create(b, loc, op.getDpsInitOperand(0)->get(), outIndices(o));
}

char KernelBuilder::initSide() {
  linalg::GenericOp broadcast = c.initBroadcast;
  if (!broadcast)
    return 0;
  // The broadcast's loops are the output's dimensions.
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  AffineMap in = broadcast.getMatchingIndexingMap(broadcast.getDpsInputOperand(0));
  bool readsM = false, readsN = false;
  for (unsigned p = 0; p < in.getNumDims(); ++p) {
    if (!in.isFunctionOfDim(p))
      continue;
    unsigned d = cast<AffineDimExpr>(out.getResult(p)).getPosition();
    readsM |= llvm::is_contained(c.m.dims, d);
    readsN |= llvm::is_contained(c.n.dims, d);
  }
  return !readsN ? 'm' : !readsM ? 'n' : 0;
}

void KernelBuilder::storeOutput(Value acc, const Output &o) {
  Value cond = allOf(o.bounds);
  OpBuilder::InsertionGuard guard(b);
  if (cond) {
    auto ifOp = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
  }
  Value init = op.getDpsInitOperand(0)->get();
  if (t.sumKernel && !summing) {
    memref::StoreOp::create(b, loc, acc, workspace, ValueRange{part, batchIdx, o.m, o.n});
    return;
  }
  if (t.splits > 1 && !summing) {
    arith::AtomicRMWKind kind = isa<FloatType>(acc.getType()) ? arith::AtomicRMWKind::addf
                                                             : arith::AtomicRMWKind::addi;
    if (c.firstPartAddsInit) {
      Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, part, cst(0));
      acc = arith::SelectOp::create(b, loc, first, sum(initialValue(o), acc), acc);
    }
    memref::AtomicRMWOp::create(b, loc, kind, acc, init, outIndices(o));
    return;
  }
  // Fragments and the parts of K sum from zero: the output's initial value
  // comes last (a zero fill adds nothing).
  if ((t.fragments || summing) && !isZero(c.initValue))
    acc = sum(initialValue(o), acc);
  if (c.storeResult)
    memref::StoreOp::create(b, loc, acc, init, outIndices(o));
  if (c.epilogue)
    storeEpilogue(acc, outIndices(o));
}

void KernelBuilder::buildScalar(Value aTile, Value bTile, Value kBegin, Value kEnd) {
  OpOperand *mOperand = op.getDpsInputOperand(c.mInput);
  OpOperand *nOperand = op.getDpsInputOperand(1 - c.mInput);
  Type accType = cast<MemRefType>(op.getDpsInitOperand(0)->get().getType()).getElementType();
  int64_t colsPerStep = t.n / t.thread, rowsPerStep = t.m / t.thread;
  tn = arith::RemUIOp::create(b, loc, tid, cst(colsPerStep));
  tm = arith::DivUIOp::create(b, loc, tid, cst(colsPerStep));
  // This invocation's outputs: rows tm + i * rowsPerStep, columns
  // tn + j * colsPerStep of the workgroup's tile (with vectors from the
  // tiles, rows tm * thread-tile + i, columns tn * thread-tile + j).
  SmallVector<Output> outputs;
  for (int64_t i = 0; i < t.thread; ++i)
    for (int64_t j = 0; j < t.thread; ++j) {
      Value m = arith::AddIOp::create(b, loc, m0, blockOffset(tm, i, rowsPerStep));
      Value n = arith::AddIOp::create(b, loc, n0, blockOffset(tn, j, colsPerStep));
      outputs.push_back(outputAt(m, n));
    }
  // The accumulators start from the output's values; parts of a split K
  // start from zero and add to the output at the end.
  // A broadcast along one side (a bias per output channel) is loaded once
  // per row (or column) of the block, under that side's bound only: the
  // other side's outputs past the end are never stored.
  SmallVector<Value> accs;
  Value accZero = zero(accType);
  char side = t.splits > 1 || c.initValue ? 0 : initSide();
  for (size_t index = 0; index < outputs.size(); ++index) {
    const Output &o = outputs[index];
    int64_t i = index / t.thread, j = index % t.thread;
    if ((side == 'm' && j > 0) || (side == 'n' && i > 0)) {
      accs.push_back(accs[side == 'm' ? i * t.thread : j]);
      continue;
    }
    SmallVector<Value> bounds = o.bounds;
    if (side) {
      bounds.clear();
      if (Value bound = side == 'm' ? o.mBound : o.nBound)
        bounds.push_back(bound);
    }
    accs.push_back(t.splits > 1 ? accZero
                   : c.initValue ? initialValue(o)
                                 : guarded(bounds, [&] { return initialValue(o); }, accZero));
  }

  // K in steps of tile-k: stage both tiles, wait, accumulate, wait.
  Staging aStaging = planStaging(mOperand, c.m, t.m);
  Staging bStaging = planStaging(nOperand, c.n, t.n);
  auto kLoop = scf::ForOp::create(b, loc, kBegin, kEnd, cst(t.k), accs);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    stageTile(mOperand, c.m, t.m, m0, k0, aTile, aStaging);
    stageTile(nOperand, c.n, t.n, n0, k0, bTile, bStaging);
    gpu::BarrierOp::create(b, loc);
    Value steps = cst(t.k);
    if (c.k.size % t.k)
      steps = arith::MinUIOp::create(b, loc, steps, arith::SubIOp::create(b, loc, cst(c.k.size), k0));
    auto inner = scf::ForOp::create(b, loc, cst(0), steps, cst(1), kLoop.getRegionIterArgs());
    {
      OpBuilder::InsertionGuard innerGuard(b);
      b.setInsertionPointToStart(inner.getBody());
      scf::YieldOp::create(
          b, loc, accumulate(inner.getRegionIterArgs(), inner.getInductionVar(), aTile, bTile));
    }
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, inner.getResults());
    // A full step unrolls: the tiles' reads get constant offsets.
    if (c.k.size % t.k == 0)
      (void)loopUnrollFull(inner);
  }
  for (auto [o, acc] : llvm::zip(outputs, kLoop.getResults()))
    storeOutput(acc, o);
}

void KernelBuilder::buildFragments(Value aTile, Value bTile, Value cTile, Value kBegin,
                                   Value kEnd) {
  OpOperand *mOperand = op.getDpsInputOperand(c.mInput);
  OpOperand *nOperand = op.getDpsInputOperand(1 - c.mInput);
  // Warps in a 2 x 2 grid, each owning a quarter of the tile.
  Value warp = arith::DivUIOp::create(b, loc, tid, cst(Tiles::kWarp));
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(Tiles::kWarp));
  int64_t warpRows = t.m / 2, warpCols = t.n / 2;
  Value warpRow = arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, warp, cst(2)),
                                        cst(warpRows));
  Value warpCol = arith::MulIOp::create(b, loc, arith::RemUIOp::create(b, loc, warp, cst(2)),
                                        cst(warpCols));
  aiopt::WarpFragments frags(b, loc, *t.fragments, warpRows, warpCols, lane);

  // K in steps of tile-k: stage both tiles (past-the-end elements are
  // zeros, which add nothing), wait, multiply 16-deep slices, wait.
  Staging aStaging = planStaging(mOperand, c.m, t.m);
  Staging bStaging = planStaging(nOperand, c.n, t.n);
  auto kLoop = scf::ForOp::create(b, loc, kBegin, kEnd, cst(t.k), frags.zeros());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    stageTile(mOperand, c.m, t.m, m0, k0, aTile, aStaging, /*rowsOuter=*/true);
    stageTile(nOperand, c.n, t.n, n0, k0, bTile, bStaging,
              /*rowsOuter=*/aiopt::WarpFragments::bRowsAlongK(*t.fragments));
    gpu::BarrierOp::create(b, loc);
    SmallVector<Value> accs(kLoop.getRegionIterArgs());
    for (int64_t kk = 0; kk < t.k; kk += 16)
      accs = frags.multiplyAdd(accs, aTile, warpRow, bTile, warpCol, cst(kk));
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, accs);
  }
  // The sums meet in workgroup memory, from where the invocations store
  // consecutive elements (and the epilogue's).
  frags.store(kLoop.getResults(), cTile, warpRow, warpCol);
  gpu::BarrierOp::create(b, loc);
  int64_t threads = t.threads();
  auto elements = scf::ForOp::create(b, loc, cst(0), cst(t.m * t.n), cst(threads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(elements.getBody());
  Value e = arith::AddIOp::create(b, loc, elements.getInductionVar(), tid);
  Value row = arith::DivUIOp::create(b, loc, e, cst(t.n));
  Value col = arith::RemUIOp::create(b, loc, e, cst(t.n));
  Output o = outputAt(arith::AddIOp::create(b, loc, m0, row), arith::AddIOp::create(b, loc, n0, col));
  storeOutput(memref::LoadOp::create(b, loc, cTile, ValueRange{row, col}), o);
}

void KernelBuilder::setBatch(Value index) {
  batchIdx = index;
  SmallVector<Value> dims(op.getNumLoops(), Value());
  if (!c.batch.dims.empty())
    delinearize(c.batch, batchIdx, dims);
  batchDims.clear();
  for (unsigned d : c.batch.dims)
    batchDims.push_back(dims[d]);
}

void KernelBuilder::buildSumKernel() {
  // One invocation per output of the (static) flattened product, in
  // workgroups of kSumThreads along x, rows of at most a grid axis' worth.
  constexpr int64_t kSumThreads = 128;
  int64_t outputs = c.batch.size * c.m.size * c.n.size;
  int64_t workgroups = llvm::divideCeil(outputs, kSumThreads);
  int64_t gridX = std::min<int64_t>(workgroups, aiopt::kPortableGridAxis);
  SmallVector<OpFoldResult> grid = {b.getIndexAttr(gridX),
                                    b.getIndexAttr(llvm::divideCeil(workgroups, gridX)),
                                    b.getIndexAttr(1)};
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Value> none;
  auto launch = aiopt::createKernelLaunch(b, loc, grid, kSumThreads, {}, allocTiles, none);
  summing = true;
  Value workgroup = arith::AddIOp::create(
      b, loc, launch.getBlockIds().x,
      arith::MulIOp::create(b, loc, launch.getBlockIds().y, cst(gridX)));
  Value e = arith::AddIOp::create(b, loc, launch.getThreadIds().x,
                                  arith::MulIOp::create(b, loc, workgroup, cst(kSumThreads)));
  auto inRange = scf::IfOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, e, cst(outputs)),
      /*withElseRegion=*/false);
  b.setInsertionPointToStart(inRange.thenBlock());
  Value n = arith::RemUIOp::create(b, loc, e, cst(c.n.size));
  Value rows = arith::DivUIOp::create(b, loc, e, cst(c.n.size));
  Value m = arith::RemUIOp::create(b, loc, rows, cst(c.m.size));
  setBatch(arith::DivUIOp::create(b, loc, rows, cst(c.m.size)));
  // The parts in order: the same sums on every run.
  Value acc;
  for (int64_t s = 0; s < t.splits; ++s) {
    Value partSum = memref::LoadOp::create(b, loc, workspace, ValueRange{cst(s), batchIdx, m, n});
    acc = acc ? sum(acc, partSum) : partSum;
  }
  storeOutput(acc, outputAt(m, n));
}

void KernelBuilder::build() {
  SmallVector<MemRefType> tileTypes = workgroupTiles(c, t);
  // The views and allocations between the contraction and its epilogue
  // (the epilogue's output among them) come before the kernel.
  for (Operation *hoisted : c.hoisted)
    hoisted->moveBefore(op);
  b.setInsertionPoint(op);
  // Dynamic groups' extents: the outermost dimension's size from the
  // operands, times the others'.
  SmallVector<Range> loops = op.createLoopRanges(b, loc);
  for (const DimGroup *g : {&c.m, &c.n, &c.batch})
    if (g->dynamic)
      extents[g] = arith::MulIOp::create(
          b, loc, getValueOrCreateConstantIndexOp(b, loc, loops[g->dims.front()].size),
          cst(g->size));
  // The grid: N's tiles, M's tiles, batch entries times K's parts.
  auto tilesOf = [&](const DimGroup &g, int64_t tile) -> OpFoldResult {
    if (!g.dynamic)
      return b.getIndexAttr(llvm::divideCeil(g.size, tile));
    // (extent + tile - 1) / tile: kernels use it too, and SPIR-V has no
    // ceildivui.
    Value rounded = arith::AddIOp::create(b, loc, extent(g), cst(tile - 1));
    return arith::DivUIOp::create(b, loc, rounded, cst(tile)).getResult();
  };
  OpFoldResult gridZ = c.batch.dynamic ? OpFoldResult(extent(c.batch))
                                       : OpFoldResult(b.getIndexAttr(c.batch.size * t.splits));
  // A dynamic axis may have more tiles than a grid axis takes (65535, the
  // least Vulkan guarantees and CUDA's y and z): the grid stops there, and
  // each workgroup loops over the tiles its position strides through.
  // (Static products with that many tiles keep the loop path.)
  std::array<OpFoldResult, 3> tileCounts = {tilesOf(c.n, t.n), tilesOf(c.m, t.m), gridZ};
  std::array<bool, 3> dynamic = {c.n.dynamic, c.m.dynamic, c.batch.dynamic};
  SmallVector<OpFoldResult> grid;
  for (auto [count, isDynamic] : llvm::zip(tileCounts, dynamic))
    grid.push_back(isDynamic ? OpFoldResult(arith::MinUIOp::create(
                                   b, loc, getValueOrCreateConstantIndexOp(b, loc, count),
                                   cst(aiopt::kPortableGridAxis)))
                             : count);
  if (t.sumKernel) {
    Type accType = cast<MemRefType>(op.getDpsInitOperand(0)->get().getType()).getElementType();
    workspace = memref::AllocOp::create(
        b, loc, MemRefType::get({t.splits, c.batch.size, c.m.size, c.n.size}, accType));
  }
  SmallVector<Value> tiles;
  auto launch =
      aiopt::createKernelLaunch(b, loc, grid, t.threads(), tileTypes, allocTiles, tiles);
  gpu::KernelDim3 blockIds = launch.getBlockIds(), gridSize = launch.getGridSize();
  SmallVector<Value, 3> position = {blockIds.x, blockIds.y, blockIds.z};
  Value strides[3] = {gridSize.x, gridSize.y, gridSize.z};
  for (int axis = 2; axis >= 0; --axis) {
    if (!dynamic[axis])
      continue;
    auto loop = scf::ForOp::create(
        b, loc, position[axis], getValueOrCreateConstantIndexOp(b, loc, tileCounts[axis]),
        strides[axis]);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    position[axis] = loop.getInductionVar();
  }

  tid = launch.getThreadIds().x;
  n0 = arith::MulIOp::create(b, loc, position[0], cst(t.n));
  m0 = arith::MulIOp::create(b, loc, position[1], cst(t.m));
  // The grid's third axis: batch entries, each split in parts of K.
  batchIdx = position[2];
  Value kBegin = cst(0), kEnd = cst(c.k.size);
  if (t.splits > 1) {
    part = arith::RemUIOp::create(b, loc, batchIdx, cst(t.splits));
    batchIdx = arith::DivUIOp::create(b, loc, batchIdx, cst(t.splits));
    kBegin = arith::MulIOp::create(b, loc, part, cst(t.kPerSplit));
    kEnd = arith::MinUIOp::create(b, loc, kEnd,
                                  arith::AddIOp::create(b, loc, kBegin, cst(t.kPerSplit)));
  }
  setBatch(batchIdx);
  if (t.fragments)
    buildFragments(tiles[0], tiles[1], tiles[2], kBegin, kEnd);
  else
    buildScalar(tiles[0], tiles[1], kBegin, kEnd);
  if (t.sumKernel) {
    b.setInsertionPointAfter(launch);
    buildSumKernel();
    memref::DeallocOp::create(b, loc, workspace);
  }
  b.eraseOp(op);
  if (c.epilogue)
    b.eraseOp(c.epilogue);
}

/// Erases the fill or copy whose value a kernel now starts from, and the
/// fill of a copy's source when nothing else reads that buffer.
static void eraseInitWriter(RewriterBase &rewriter, Operation *writer) {
  auto copy = dyn_cast<linalg::CopyOp>(writer);
  Value source = copy ? copy.getInputs()[0] : Value();
  rewriter.eraseOp(writer);
  if (!source)
    return;
  // The copied buffer's fills and broadcasts go once nothing reads it.
  Value root = aiopt::viewedBuffer(source);
  SmallVector<Operation *> writers;
  for (Operation *user : root.getUsers()) {
    if (isa<memref::DeallocOp>(user))
      continue;
    auto fill = dyn_cast<linalg::FillOp>(user);
    auto broadcast = dyn_cast<linalg::GenericOp>(user);
    if (!(fill && fill.getOutputs()[0] == root) && !broadcastsInto(broadcast, root))
      return;
    writers.push_back(user);
  }
  for (Operation *writer : writers)
    rewriter.eraseOp(writer);
}

namespace {
struct GPUTileContractionsPass
    : aiopt::impl::GPUTileContractionsPassBase<GPUTileContractionsPass> {
  using Base::Base;
  void runOnOperation() override {
    auto pow2 = [](int64_t v) { return v >= 1 && llvm::isPowerOf2_64(v); };
    if (!pow2(tileM) || !pow2(tileN) || !pow2(tileK) || !pow2(threadTile) || tileM < 32 ||
        tileN < 32 || threadTile > 16) {
      getOperation().emitError("tile-m and tile-n must be powers of two of at least 32, tile-k "
                               "and thread-tile powers of two (thread-tile at most 16)");
      return signalPassFailure();
    }
    if (tensorCores != "none" && tensorCores != "nvvm" && tensorCores != "emulate") {
      getOperation().emitError("tensor-cores must be 'none', 'nvvm' or 'emulate', not '")
          << tensorCores << "'";
      return signalPassFailure();
    }
    if (splitKSums != "atomic" && splitKSums != "kernel") {
      getOperation().emitError("split-k-sums must be 'atomic' or 'kernel', not '")
          << splitKSums << "'";
      return signalPassFailure();
    }
    std::optional<VectorLoads> loads = llvm::StringSwitch<std::optional<VectorLoads>>(vectorLoads)
                                           .Case("none", VectorLoads::None)
                                           .Case("spirv", VectorLoads::SPIRV)
                                           .Case("nvvm", VectorLoads::NVVM)
                                           .Default(std::nullopt);
    if (!loads) {
      getOperation().emitError("vector-loads must be 'none', 'spirv' or 'nvvm', not '")
          << vectorLoads << "'";
      return signalPassFailure();
    }
    FailureOr<bool> allocTiles = aiopt::allocWorkgroupBuffers(getOperation(), tileMemory);
    if (failed(allocTiles))
      return signalPassFailure();
    std::vector<Contraction> found;
    for (linalg::LinalgOp op : aiopt::linalgOpsOutsideKernels(getOperation()))
      if (std::optional<Contraction> c = analyze(op))
        found.push_back(*c);
    IRRewriter rewriter(&getContext());
    std::vector<aiopt::PaddedBuffer> readAround;
    for (Contraction &c : found) {
      // Products on tensor cores step K by at least 32 (two 16-deep slices
      // per barrier): f16 by WMMA, bf16 and TF32 by mma.sync (MLIR's MMA
      // matrix type has neither), or emulated.
      std::optional<aiopt::FragmentKind> fragments = fragmentsFor(c.op, tensorCores, tf32);
      Tiles tiles = chooseTiles(c, tileM, tileN, fragments ? std::max<int64_t>(tileK, 32) : tileK,
                                threadTile, targetWorkgroups, splitK, splitKWorkgroups,
                                /*fit=*/fitTiles && !fragments);
      tiles.fragments = fragments;
      // The fragment kernel's tiles must fit in the 48 KiB of workgroup
      // memory a kernel may declare statically.
      if (fragments && workgroupBytes(workgroupTiles(c, tiles)) > 48 * 1024) {
        fragments.reset();
        tiles = chooseTiles(c, tileM, tileN, tileK, threadTile, targetWorkgroups, splitK,
                            splitKWorkgroups, /*fit=*/fitTiles);
      }
      tiles.fragments = fragments;
      tiles.tf32 = tf32 && isF32Product(c.op);
      // Scalar kernels read their thread-tile of each workgroup tile in
      // vectors of up to 16 bytes.
      auto inputType = [&](unsigned i) {
        return cast<MemRefType>(c.op.getDpsInputOperand(i)->get().getType()).getElementType();
      };
      int64_t lanes = std::min({tiles.thread, vectorLanes(*loads, inputType(0)),
                                vectorLanes(*loads, inputType(1))});
      if (!fragments && lanes > 1)
        tiles.tileLanes = lanes;
      // Every invocation stages whole elements of both tiles. (Dynamic
      // axes loop over tiles past the grid's limit.)
      if ((tiles.m * tiles.k) % tiles.threads() || (tiles.n * tiles.k) % tiles.threads() ||
          (!c.batch.dynamic && c.batch.size * tiles.splits > aiopt::kPortableGridAxis) ||
          (!c.m.dynamic && llvm::divideCeil(c.m.size, tiles.m) > aiopt::kPortableGridAxis) ||
          (!c.n.dynamic && llvm::divideCeil(c.n.size, tiles.n) > aiopt::kPortableGridAxis))
        continue;
      // Inputs padded just before are read around their padding, unless
      // the product may write the real input (other workgroups would read
      // it changed).
      Value result = aiopt::viewedBuffer(c.op.getDpsInitOperand(0)->get());
      for (OpOperand *input : c.op.getDpsInputOperands()) {
        std::optional<aiopt::PaddedBuffer> padded = aiopt::findPaddedBuffer(c.op, input->get());
        if (padded && !aiopt::buffersApart(aiopt::viewedBuffer(padded->source), result))
          padded.reset();
        c.padded.push_back(padded);
        if (padded)
          readAround.push_back(*padded);
      }
      // An output filled with a constant or a broadcast just before (and
      // read by nothing else since) starts from that value, and the fill,
      // copy or broadcast goes; the elementwise op after may run in the
      // kernel. Parts that add to memory atomically hold no whole sums for
      // an epilogue, and add to a zeroed output (below); parts summed by a
      // kernel of their own leave both to that kernel.
      tiles.sumKernel = tiles.splits > 1 && splitKSums == "kernel";
      findConstantInit(c);
      if (tiles.splits > 1 && !tiles.sumKernel && c.initWriter) {
        // Atomic parts: a zero output stays as it is; any other initial
        // value is added by the first part, to an output zeroed in place
        // of the writer (aiopt-gpu-fills-into-kernels then has an earlier
        // kernel zero it).
        if (isZero(c.initValue)) {
          c.initValue = {};
          c.initWriter = nullptr;
        } else {
          c.firstPartAddsInit = true;
          Value out = c.op.getDpsInitOperand(0)->get();
          Type type = cast<MemRefType>(out.getType()).getElementType();
          rewriter.setInsertionPoint(c.initWriter);
          linalg::FillOp::create(rewriter, c.initWriter->getLoc(),
                                 ValueRange{arith::ConstantOp::create(
                                     rewriter, c.initWriter->getLoc(), rewriter.getZeroAttr(type))},
                                 ValueRange{out});
        }
      }
      if ((tiles.splits == 1 || tiles.sumKernel) && fuseEpilogues)
        findEpilogue(c);
      KernelBuilder(rewriter, c, tiles, *allocTiles, *loads).build();
      if (c.initWriter)
        eraseInitWriter(rewriter, c.initWriter);
    }
    // Once every kernel reads around them, the paddings nothing else reads
    // go (each once).
    DenseSet<Value> erased;
    for (const aiopt::PaddedBuffer &padded : readAround)
      if (erased.insert(padded.root).second)
        aiopt::erasePaddingIfUnread(rewriter, padded);
  }
};
} // namespace
