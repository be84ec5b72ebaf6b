//===- SPIRVKernelABI.cpp - target environment and entry ABI of kernels ---===//
//
// Prepares outlined GPU kernels for convert-gpu-to-spirv (see Passes.td).
//
//===----------------------------------------------------------------------===//

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

/// Whether a kernel argument of type `t` has a Vulkan storage-buffer form
/// that aiopt's runtime can fill: memrefs of integers or floats with the
/// identity layout, and index, integer or float scalars.
static bool isBufferArgument(Type t) {
  if (auto memref = dyn_cast<MemRefType>(t))
    return memref.getLayout().isIdentity() && memref.getElementType().isIntOrFloat();
  return t.isIntOrIndexOrFloat() && !t.isInteger(1);
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
        for (auto [i, type] : llvm::enumerate(kernel.getArgumentTypes())) {
          if (isBufferArgument(type))
            continue;
          kernel.emitError() << errorTag(ErrorCode::CannotLower) << "kernel '"
                             << kernel.getName() << "' argument " << i << " of type " << type
                             << " cannot be passed to a Vulkan kernel";
          return WalkResult::interrupt();
        }
        kernel->setAttr(spirv::getEntryPointABIAttrName(),
                        spirv::getEntryPointABIAttr(ctx, *block));
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
