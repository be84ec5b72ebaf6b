//===- ConvertToSPIRV.cpp - kernel modules to SPIR-V, float atomics too ---===//
//
// What upstream's convert-gpu-to-spirv does for Vulkan (each gpu.module
// cloned into a spirv.module next to it, memory spaces mapped to storage
// classes, then the GPU, SCF, arith, memref, func and vector patterns), plus f32
// atomic additions and a guard for loops that may run zero times (see
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Conversion/ArithToSPIRV/ArithToSPIRV.h"
#include "mlir/Conversion/FuncToSPIRV/FuncToSPIRV.h"
#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRV.h"
#include "mlir/Conversion/MemRefToSPIRV/MemRefToSPIRV.h"
#include "mlir/Conversion/SCFToSPIRV/SCFToSPIRV.h"
#include "mlir/Conversion/VectorToSPIRV/VectorToSPIRV.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/SPIRV/Transforms/SPIRVConversion.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUCONVERTTOSPIRVPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// memref.atomic_rmw addf on f32 in a storage buffer: OpAtomicFAddEXT
/// (SPV_EXT_shader_atomic_float_add, the AtomicFloat32AddEXT capability:
/// VK_EXT_shader_atomic_float's shaderBufferFloat32AtomicAdd), at device
/// scope with acquire-release semantics, as upstream converts integer
/// additions. Other kinds and types are left to
/// upstream's patterns.
struct FloatAtomicAdd final : OpConversionPattern<memref::AtomicRMWOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(memref::AtomicRMWOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getKind() != arith::AtomicRMWKind::addf || !op.getType().isF32())
      return rewriter.notifyMatchFailure(op, "not an f32 addition");
    auto &converter = *getTypeConverter<SPIRVTypeConverter>();
    Value pointer = spirv::getElementPtr(converter, op.getMemRefType(), adaptor.getMemref(),
                                         adaptor.getIndices(), op.getLoc(), rewriter);
    if (!pointer)
      return rewriter.notifyMatchFailure(op, "no element pointer for this layout");
    rewriter.replaceOpWithNewOp<spirv::EXTAtomicFAddOp>(
        op, op.getType(), pointer, spirv::Scope::Device, spirv::MemorySemantics::AcquireRelease,
        adaptor.getValue());
    return success();
  }
};

/// Wraps each scf.for under `root` that has results and may run zero
/// times in an scf.if that yields its initial values when it does not run.
/// MLIR 22's SCF-to-SPIR-V conversion reads a loop's results from
/// variables that only its body stores, so a loop that runs zero times
/// gave undefined results (0 on lavapipe): a row kernel's invocation past a
/// short row started its reduction from 0 instead of the identity. Fixed
/// upstream after LLVM 22 (llvm-project pull request 206280).
static void guardZeroTripLoops(Operation *root) {
  SmallVector<scf::ForOp> loops;
  root->walk([&](scf::ForOp loop) {
    std::optional<APInt> trips = loop.getStaticTripCount();
    if (loop.getNumResults() && !(trips && !trips->isZero()))
      loops.push_back(loop);
  });
  for (scf::ForOp loop : loops) {
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    Value runs = arith::CmpIOp::create(
        b, loc, loop.getUnsignedCmp() ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt,
        loop.getLowerBound(), loop.getUpperBound());
    auto guard = scf::IfOp::create(b, loc, loop.getResultTypes(), runs, /*withElseRegion=*/true);
    loop->replaceAllUsesWith(guard.getResults());
    b.setInsertionPointToStart(guard.thenBlock());
    loop->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
    scf::YieldOp::create(b, loc, loop.getResults());
    b.setInsertionPointToStart(guard.elseBlock());
    scf::YieldOp::create(b, loc, loop.getInitArgs());
  }
}

struct GPUConvertToSPIRVPass
    : aiopt::impl::GPUConvertToSPIRVPassBase<GPUConvertToSPIRVPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // The launches keep referring to the gpu.module, so each is converted
    // as a copy placed after it.
    SmallVector<Operation *> copies;
    getOperation().walk([&](gpu::GPUModuleOp module) {
      OpBuilder builder(module);
      builder.setInsertionPointAfter(module);
      copies.push_back(builder.clone(*module));
    });
    for (Operation *copy : copies) {
      guardZeroTripLoops(copy);
      spirv::MemorySpaceToStorageClassConverter storage(
          spirv::mapMemorySpaceToVulkanStorageClass);
      spirv::convertMemRefTypesAndAttrs(copy, storage);

      spirv::TargetEnvAttr env = spirv::lookupTargetEnvOrDefault(copy);
      std::unique_ptr<ConversionTarget> target = SPIRVConversionTarget::get(env);
      SPIRVTypeConverter converter(env, SPIRVConversionOptions());
      populateMMAToSPIRVCoopMatrixTypeConversion(converter);
      RewritePatternSet patterns(context);
      populateGPUToSPIRVPatterns(converter, patterns);
      populateGpuWMMAToSPIRVCoopMatrixKHRConversionPatterns(converter, patterns);
      ScfToSPIRVContext scf;
      populateSCFToSPIRVPatterns(converter, scf, patterns);
      arith::populateArithToSPIRVPatterns(converter, patterns);
      populateMemRefToSPIRVPatterns(converter, patterns);
      populateFuncToSPIRVPatterns(converter, patterns);
      populateVectorToSPIRVPatterns(converter, patterns);
      // Before upstream's atomic pattern, which fails on floats.
      patterns.add<FloatAtomicAdd>(converter, context, /*benefit=*/2);
      if (failed(applyFullConversion(copy, *target, std::move(patterns))))
        return signalPassFailure();
    }
  }
};
} // namespace
