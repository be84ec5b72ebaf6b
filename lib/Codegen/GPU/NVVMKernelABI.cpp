//===- NVVMKernelABI.cpp - NVVM target and argument checks of kernels -----===//
//
// Prepares outlined GPU kernels for convert-gpu-to-nvvm (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "KernelABI.h"

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUNVVMKERNELABIPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

ArrayRef<StringRef> mlir::aiopt::cudaArchitectures() {
  static const StringRef archs[] = {"sm_75",  "sm_80",  "sm_86",   "sm_87",  "sm_88",
                                    "sm_89",  "sm_90",  "sm_90a",  "sm_100", "sm_100a",
                                    "sm_103", "sm_103a", "sm_110", "sm_110a", "sm_120",
                                    "sm_120a", "sm_121", "sm_121a"};
  return archs;
}

/// Aligns `kernel`'s workgroup attributions to at least 32 bytes.
static void alignWorkgroupAttributions(gpu::GPUFuncOp kernel) {
  constexpr int64_t kAlignment = 32;
  StringRef name = LLVM::LLVMDialect::getAlignAttrName();
  Builder b(kernel.getContext());
  for (unsigned i = 0, e = kernel.getNumWorkgroupAttributions(); i < e; ++i) {
    auto align = dyn_cast_or_null<IntegerAttr>(kernel.getWorkgroupAttributionAttr(i, name));
    if (!align || align.getInt() < kAlignment)
      kernel.setWorkgroupAttributionAttr(i, name, b.getI64IntegerAttr(kAlignment));
  }
}

namespace {
struct GPUNVVMKernelABIPass
    : aiopt::impl::GPUNVVMKernelABIPassBase<GPUNVVMKernelABIPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ModuleOp module = getOperation();
    if (!llvm::is_contained(cudaArchitectures(), StringRef(chip))) {
      InFlightDiagnostic diag = module.emitError()
                                << errorTag(ErrorCode::InvalidOption) << "unknown GPU architecture '"
                                << chip << "'; known:";
      for (StringRef arch : cudaArchitectures())
        diag << " " << arch;
      return signalPassFailure();
    }
    if (optLevel > 3) {
      module.emitError() << errorTag(ErrorCode::InvalidOption) << "opt-level " << optLevel
                         << " is not a level (0..3)";
      return signalPassFailure();
    }
    auto target = NVVM::NVVMTargetAttr::get(ctx, optLevel, "nvptx64-nvidia-cuda", chip);
    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      gpuModule.setTargetsAttr(ArrayAttr::get(ctx, {target}));
      for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
        if (kernel.isKernel() && failed(checkKernelArguments(kernel, "CUDA")))
          return signalPassFailure();
        alignWorkgroupAttributions(kernel);
      }
    }
    recordWrittenArguments(module);
  }
};
} // namespace
