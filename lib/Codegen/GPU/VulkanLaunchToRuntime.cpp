//===- VulkanLaunchToRuntime.cpp - kernel launches as Vulkan runtime calls ===//
//
// Serializes the SPIR-V kernels into the object and turns each
// gpu.launch_func into a call to aiopt_vk_dispatch (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "KernelABI.h"

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Target/SPIRV/Serialization.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_VULKANLAUNCHTORUNTIMEPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

/// The SPIR-V words of the kernel module `name` in a constant global
/// `aiopt_spirv_<name>`, also written to `<dumpDir>/<name>.spv` with a dump
/// folder.
static FailureOr<LLVM::GlobalOp> embedSPIRV(ModuleOp module, StringRef name, StringRef dumpDir,
                                            Location loc) {
  std::string symbol = ("aiopt_spirv_" + name).str();
  if (auto global = module.lookupSymbol<LLVM::GlobalOp>(symbol))
    return global;
  spirv::ModuleOp spv;
  for (auto candidate : module.getOps<spirv::ModuleOp>())
    if (candidate.getName() == ("__spv__" + name).str())
      spv = candidate;
  if (!spv)
    return emitError(loc) << errorTag(ErrorCode::CannotLower) << "no SPIR-V module for kernel module '"
                          << name << "' (run convert-gpu-to-spirv first)";
  SmallVector<uint32_t> words;
  if (failed(spirv::serialize(spv, words)))
    return emitError(loc) << errorTag(ErrorCode::CannotLower)
                          << "cannot serialize the SPIR-V of kernel module '" << name << "'";
  if (!dumpDir.empty()) {
    SmallString<128> path(dumpDir);
    llvm::sys::path::append(path, name + ".spv");
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      return emitError(loc) << errorTag(ErrorCode::OutputUnwritable) << "cannot write '" << path
                            << "': " << ec.message();
    os.write(reinterpret_cast<const char *>(words.data()), words.size() * sizeof(uint32_t));
  }
  OpBuilder b(module.getContext());
  b.setInsertionPointToStart(module.getBody());
  Type i32 = b.getI32Type();
  auto data = DenseElementsAttr::get(RankedTensorType::get({int64_t(words.size())}, i32),
                                     ArrayRef<uint32_t>(words));
  return LLVM::GlobalOp::create(b, loc, LLVM::LLVMArrayType::get(i32, words.size()),
                                /*isConstant=*/true, LLVM::Linkage::Internal, symbol, data,
                                /*alignment=*/4);
}

namespace {
struct VulkanLaunchToRuntimePass
    : aiopt::impl::VulkanLaunchToRuntimePassBase<VulkanLaunchToRuntimePass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    RuntimeDispatch dispatch;
    dispatch.function = "aiopt_vk_dispatch";
    // Indices are 32-bit in the kernels (convert-gpu-to-spirv's default).
    dispatch.indexBits = 32;
    dispatch.image = [&](StringRef name, Location loc) {
      return embedSPIRV(module, name, dumpDir, loc);
    };
    if (failed(lowerLaunchesToRuntimeCalls(module, dispatch)))
      signalPassFailure();
  }
};
} // namespace
