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
        if (failed(checkKernelArguments(kernel, "Vulkan")))
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
