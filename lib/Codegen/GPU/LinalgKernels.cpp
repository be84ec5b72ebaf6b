//===- LinalgKernels.cpp - building GPU kernels for linalg ops ------------===//
//
// Helpers shared by the passes that write a linalg op's kernel by hand (see
// LinalgKernels.h).
//
//===----------------------------------------------------------------------===//

#include "LinalgKernels.h"

#include "aiopt/Codegen/BufferViews.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

/// The memory space of workgroup buffers allocated inside kernels (SPIR-V's
/// Workgroup storage class, as the SPIR-V conversion maps 3).
static constexpr int64_t kWorkgroupSpace = 3;

gpu::LaunchOp mlir::aiopt::createKernelLaunch(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> grid,
                                              int64_t threads, ArrayRef<MemRefType> buffers,
                                              bool allocBuffers,
                                              SmallVectorImpl<Value> &workgroupBuffers) {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  Attribute space = allocBuffers
                        ? Attribute(b.getI64IntegerAttr(kWorkgroupSpace))
                        : gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  SmallVector<Type> types;
  for (MemRefType t : buffers)
    types.push_back(MemRefType::get(t.getShape(), t.getElementType(), MemRefLayoutAttrInterface(),
                                    space));
  Value one = cst(1);
  auto extent = [&](size_t i) {
    return i < grid.size() ? getValueOrCreateConstantIndexOp(b, loc, grid[i]) : one;
  };
  auto launch = gpu::LaunchOp::create(
      b, loc, extent(0), extent(1), extent(2),
      cst(threads), one, one, /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, allocBuffers ? TypeRange{} : TypeRange(types));
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  if (body.empty() || !isa<gpu::TerminatorOp>(body.back()))
    gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(&body.back());
  workgroupBuffers.clear();
  for (auto [i, t] : llvm::enumerate(types))
    workgroupBuffers.push_back(allocBuffers
                                   ? Value(memref::AllocOp::create(b, loc, cast<MemRefType>(t)))
                                   : Value(launch.getWorkgroupAttributions()[i]));
  return launch;
}

bool mlir::aiopt::viewsWhole(Value v, Value root) {
  auto t = cast<MemRefType>(v.getType()), r = cast<MemRefType>(root.getType());
  return t.hasStaticShape() && r.hasStaticShape() && t.getLayout().isIdentity() &&
         r.getLayout().isIdentity() && t.getNumElements() == r.getNumElements();
}

std::optional<SmallVector<int64_t>> mlir::aiopt::kernelLoopRanges(linalg::LinalgOp op,
                                                                  bool inPlace, bool allowDynamic) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op->getNumRegions() != 1)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!allowDynamic && llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isIntOrFloat())
      return std::nullopt;
  }
  for (Operation &inner : op.getBlock()->without_terminator())
    if (isa<linalg::IndexOp>(inner) || !isMemoryEffectFree(&inner) || inner.getNumRegions())
      return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!out.isProjectedPermutation() || out.getNumResults() != op.getNumParallelLoops())
    return std::nullopt;
  // The kernels read inputs while other workgroups store outputs: the
  // output must be certainly apart from every input.
  OpOperand *init = op.getDpsInitOperand(0);
  Value outBuffer = viewedBuffer(init->get());
  auto sameElement = [&](OpOperand *input) {
    return inPlace && out.isIdentity() && op.getMatchingIndexingMap(input).isIdentity() &&
           viewsWhole(input->get(), outBuffer) && viewsWhole(init->get(), outBuffer);
  };
  for (OpOperand *input : op.getDpsInputOperands())
    if (!buffersApart(viewedBuffer(input->get()), outBuffer) && !sameElement(input))
      return std::nullopt;
  return ranges;
}

FailureOr<bool> mlir::aiopt::allocWorkgroupBuffers(Operation *op, StringRef tileMemory) {
  if (tileMemory == "alloc" || tileMemory == "attribution")
    return tileMemory == "alloc";
  op->emitError("tile-memory must be 'alloc' or 'attribution', not '") << tileMemory << "'";
  return failure();
}

SmallVector<linalg::LinalgOp> mlir::aiopt::linalgOpsOutsideKernels(Operation *root) {
  SmallVector<linalg::LinalgOp> ops;
  root->walk([&](linalg::LinalgOp op) {
    if (!op->getParentOfType<gpu::LaunchOp>())
      ops.push_back(op);
  });
  return ops;
}

void mlir::aiopt::delinearizeDims(OpBuilder &b, Location loc, ArrayRef<unsigned> group,
                                  ArrayRef<int64_t> ranges, Value flat,
                                  SmallVectorImpl<Value> &dims) {
  for (unsigned d : llvm::reverse(group)) {
    if (d == group.front()) {
      dims[d] = flat;
      break;
    }
    Value size = arith::ConstantIndexOp::create(b, loc, ranges[d]);
    dims[d] = arith::RemUIOp::create(b, loc, flat, size);
    flat = arith::DivUIOp::create(b, loc, flat, size);
  }
}

SmallVector<Value> mlir::aiopt::indicesAtDims(OpBuilder &b, Location loc, AffineMap map,
                                              ArrayRef<Value> dims) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(e)) {
      indices.push_back(dims[dim.getPosition()]);
      continue;
    }
    AffineMap one = AffineMap::get(map.getNumDims(), 0, e);
    indices.push_back(affine::AffineApplyOp::create(b, loc, one, dims));
  }
  return indices;
}

Value mlir::aiopt::loadAtDims(OpBuilder &b, Location loc, linalg::LinalgOp op, OpOperand *operand,
                              ArrayRef<Value> dims) {
  return memref::LoadOp::create(b, loc, operand->get(),
                                indicesAtDims(b, loc, op.getMatchingIndexingMap(operand), dims));
}

/// Whether `type` is a kernel's own memory (a workgroup's or an
/// invocation's: attributions, or createKernelLaunch's allocations in
/// space kWorkgroupSpace), apart from every buffer outside kernels.
static bool inKernelMemory(MemRefType type) {
  Attribute space = type.getMemorySpace();
  if (auto gpuSpace = dyn_cast_or_null<gpu::AddressSpaceAttr>(space))
    return gpuSpace.getValue() != gpu::AddressSpace::Global;
  auto number = dyn_cast_or_null<IntegerAttr>(space);
  return number && number.getInt() == kWorkgroupSpace;
}

bool mlir::aiopt::touchesBuffer(Operation *op, Value root, bool writesOnly) {
  WalkResult r = op->walk([&](Operation *nested) {
    // Barriers order a workgroup's accesses and make none.
    if (isa<gpu::BarrierOp>(nested))
      return WalkResult::advance();
    // Ops with effects of their own (linalg ops) say them; others with
    // recursive effects have them in their regions, walked next.
    bool apart = ownEffectsAll(nested, [&](const MemoryEffects::EffectInstance &e) {
      if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(e.getEffect()) ||
          (writesOnly && isa<MemoryEffects::Read>(e.getEffect())))
        return true;
      Value v = e.getValue();
      return v && (!isa<MemRefType>(v.getType()) || inKernelMemory(cast<MemRefType>(v.getType())) ||
                   buffersApart(viewedBuffer(v), root));
    });
    return apart ? WalkResult::advance() : WalkResult::interrupt();
  });
  return r.wasInterrupted();
}

Operation *mlir::aiopt::combiningOp(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1)
    return nullptr;
  Block *body = op.getBlock();
  Value out = body->getArguments().back();
  Operation *comb = body->getTerminator()->getOperand(0).getDefiningOp();
  if (!comb || comb->getBlock() != body || !out.hasOneUse() || comb->getNumOperands() != 2 ||
      !isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
           arith::MinNumFOp, arith::AddIOp, arith::MulIOp, arith::MaxSIOp, arith::MinSIOp,
           arith::MaxUIOp, arith::MinUIOp, arith::AndIOp, arith::OrIOp, arith::XOrIOp>(comb))
    return nullptr;
  return comb->getOperand(0) == out || comb->getOperand(1) == out ? comb : nullptr;
}

TypedAttr mlir::aiopt::filledWith(Operation *op, Value buffer) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op);
  if (!fill || fill.getOutputs()[0] != buffer)
    return {};
  Attribute value;
  if (!matchPattern(fill.getInputs()[0], m_Constant(&value)))
    return {};
  return dyn_cast<TypedAttr>(value);
}
