//===- FillsIntoKernels.cpp - fills made by an earlier kernel -------------===//
//
// A linalg.fill that would be a kernel of its own (a split product's zeros)
// becomes a loop at the start of the nearest kernel before it that can
// make it, past kernels that leave its buffer alone (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "LinalgKernels.h"

#include "aiopt/Codegen/BufferViews.h"
#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Dominance.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUFILLSINTOKERNELSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

/// The invocations of `launch` when its grid and workgroups are constants.
static std::optional<int64_t> invocations(gpu::LaunchOp launch) {
  int64_t n = 1;
  for (Value v : {launch.getGridSizeX(), launch.getGridSizeY(), launch.getGridSizeZ(),
                  launch.getBlockSizeX(), launch.getBlockSizeY(), launch.getBlockSizeZ()}) {
    std::optional<int64_t> c = getConstantIntValue(v);
    if (!c)
      return std::nullopt;
    n *= *c;
  }
  return n;
}

/// The kernel before `fill` that can make it: the nearest gpu.launch above
/// it in its block with at least one invocation per `maxPerInvocation`
/// elements and `fill`'s value defined above it (or constant), past ops
/// that leave the fill's buffer alone (kernels too small for it among
/// them; and past the buffer's allocation, which then moves above the
/// kernel; past no op with regions but linalg ops' payloads). Null if
/// none.
static gpu::LaunchOp kernelFor(linalg::FillOp fill, int64_t maxPerInvocation,
                               DominanceInfo &dominance) {
  Value buffer = fill.getOutputs()[0];
  auto type = dyn_cast<MemRefType>(buffer.getType());
  Operation *def = buffer.getDefiningOp();
  if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
      (def && (!isa<memref::AllocOp>(def) || def->getNumOperands())))
    return {};
  Value value = fill.getInputs()[0];
  Operation *valueDef = value.getDefiningOp();
  bool constant = valueDef && valueDef->hasTrait<OpTrait::ConstantLike>();
  for (Operation *op = fill->getPrevNode(); op; op = op->getPrevNode()) {
    if (op == def)
      continue;
    if (auto launch = dyn_cast<gpu::LaunchOp>(op)) {
      if (aiopt::touchesBuffer(launch, buffer, /*writesOnly=*/false))
        return {};
      std::optional<int64_t> n = invocations(launch);
      if (n && *n * maxPerInvocation >= type.getNumElements() &&
          (constant || dominance.properlyDominates(value, launch)))
        return launch;
      continue;
    }
    if ((op->getNumRegions() && !isa<linalg::LinalgOp>(op)) ||
        aiopt::touchesBuffer(op, buffer, /*writesOnly=*/false))
      return {};
  }
  return {};
}

/// Makes `fill` at the start of `launch`: every invocation stores the value
/// at its flat index, then every `invocations`-th element after it.
static void moveInto(RewriterBase &b, linalg::FillOp fill, gpu::LaunchOp launch) {
  Value buffer = fill.getOutputs()[0];
  // An allocation between the kernel and the fill moves above the kernel.
  if (Operation *def = buffer.getDefiningOp();
      def && def->getBlock() == launch->getBlock() && launch->isBeforeInBlock(def))
    def->moveBefore(launch);
  auto type = cast<MemRefType>(buffer.getType());
  Location loc = fill.getLoc();
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto mul = [&](Value x, Value y) { return arith::MulIOp::create(b, loc, x, y).getResult(); };
  auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc, x, y).getResult(); };
  // The flat index of the invocation: its workgroup's (x fastest), then
  // its own in the workgroup; axes of extent 1 add nothing.
  gpu::KernelDim3 block = launch.getBlockIds(), thread = launch.getThreadIds();
  SmallVector<std::pair<Value, Value>> axes = {
      {block.z, launch.getGridSizeZ()},  {block.y, launch.getGridSizeY()},
      {block.x, launch.getGridSizeX()},  {thread.z, launch.getBlockSizeZ()},
      {thread.y, launch.getBlockSizeY()}, {thread.x, launch.getBlockSizeX()}};
  Value first;
  int64_t step = 1;
  for (auto [id, extent] : axes) {
    int64_t n = *getConstantIntValue(extent);
    if (n == 1)
      continue;
    first = first ? add(mul(first, cst(n)), id) : id;
    step *= n;
  }
  if (!first)
    first = cst(0);
  // The value: a constant made again inside, or a value from above.
  Value value = fill.getInputs()[0];
  if (Operation *c = value.getDefiningOp(); c && c->hasTrait<OpTrait::ConstantLike>())
    value = b.clone(*c)->getResult(0);
  auto loop = scf::ForOp::create(b, loc, first, cst(type.getNumElements()), cst(step));
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<unsigned> dims = llvm::to_vector(llvm::seq<unsigned>(0, type.getRank()));
  SmallVector<Value> indices(type.getRank(), Value());
  aiopt::delinearizeDims(b, loc, dims, type.getShape(), loop.getInductionVar(), indices);
  memref::StoreOp::create(b, loc, value, buffer, indices);
  b.eraseOp(fill);
}

namespace {
struct GPUFillsIntoKernelsPass
    : aiopt::impl::GPUFillsIntoKernelsPassBase<GPUFillsIntoKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxPerInvocation < 1) {
      getOperation().emitError("max-per-invocation must be at least 1, not ")
          << static_cast<int64_t>(maxPerInvocation);
      return signalPassFailure();
    }
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (!fill->getParentOfType<gpu::LaunchOp>() && fill.hasPureBufferSemantics())
        fills.push_back(fill);
    });
    IRRewriter rewriter(&getContext());
    DominanceInfo dominance(getOperation());
    for (linalg::FillOp fill : fills)
      if (gpu::LaunchOp launch = kernelFor(fill, maxPerInvocation, dominance))
        moveInto(rewriter, fill, launch);
  }
};
} // namespace
