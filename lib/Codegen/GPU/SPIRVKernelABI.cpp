//===- SPIRVKernelABI.cpp - target environment and entry ABI of kernels ---===//
//
// Prepares outlined GPU kernels for convert-gpu-to-spirv (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "KernelABI.h"

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUSPIRVKERNELABIPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

/// Fails with an error on `kernel` when one of its buffers holds elements
/// whose SPIR-V form has another size: bf16 (widened to f32), 4-bit floats
/// and integers narrower than a byte (widened to 32 bits), which the kernel
/// would read at the wrong stride. (f8 types become i8 and keep theirs;
/// booleans are stored as bytes.)
static LogicalResult checkStoredElements(gpu::GPUFuncOp kernel) {
  for (auto [i, type] : llvm::enumerate(kernel.getArgumentTypes())) {
    auto memref = dyn_cast<MemRefType>(type);
    if (!memref)
      continue;
    Type element = memref.getElementType();
    if (!element.isIntOrFloat())
      continue;
    unsigned width = element.getIntOrFloatBitWidth();
    bool resized = element.isBF16() || (isa<FloatType>(element) && width < 8) ||
                   (element.isInteger() && width > 1 && width < 8);
    if (resized)
      return kernel.emitError() << errorTag(ErrorCode::CannotLower) << "kernel '"
                                << kernel.getName() << "' argument " << i << " of type " << type
                                << ": Vulkan kernels have no " << element
                                << " buffers (compile this model for the CPU or CUDA)";
  }
  return success();
}

namespace {
struct GPUSPIRVKernelABIPass
    : aiopt::impl::GPUSPIRVKernelABIPassBase<GPUSPIRVKernelABIPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    auto env = dyn_cast_or_null<spirv::TargetEnvAttr>(parseAttribute(targetEnv, ctx));
    if (!env) {
      emitError(UnknownLoc::get(ctx)) << errorTag(ErrorCode::InvalidOption)
                                      << "target-env is not a #spirv.target_env: " << targetEnv;
      return signalPassFailure();
    }
    StringRef envName = spirv::getTargetEnvAttrName();
    WalkResult result = getOperation().walk([&](gpu::GPUModuleOp module) {
      if (!module->hasAttr(envName))
        module->setAttr(envName, env);
      for (auto kernel : module.getOps<gpu::GPUFuncOp>()) {
        if (!kernel.isKernel())
          continue;
        std::optional<ArrayRef<int32_t>> block = kernel.getKnownBlockSize();
        if (!block) {
          kernel.emitError() << errorTag(ErrorCode::CannotLower) << "kernel '"
                             << kernel.getName() << "' has no static workgroup size";
          return WalkResult::interrupt();
        }
        if (failed(checkKernelArguments(kernel, "Vulkan")) || failed(checkStoredElements(kernel)))
          return WalkResult::interrupt();
        kernel->setAttr(spirv::getEntryPointABIAttrName(),
                        spirv::getEntryPointABIAttr(ctx, *block));
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    recordWrittenArguments(getOperation());
  }
};
} // namespace
