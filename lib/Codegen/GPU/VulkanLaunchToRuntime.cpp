//===- VulkanLaunchToRuntime.cpp - kernel launches as Vulkan runtime calls ===//
//
// Serializes the SPIR-V kernels into the object and turns each
// gpu.launch_func into a call to aiopt_vk_dispatch (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
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

static constexpr StringLiteral kDispatchFn = "aiopt_vk_dispatch";

static LLVM::LLVMFuncOp declareDispatch(OpBuilder &b, ModuleOp module) {
  if (auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(kDispatchFn))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  MLIRContext *ctx = module.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = b.getI64Type(), i32 = b.getI32Type();
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                          {ptr, i64, ptr, i64, i64, i64, i32, ptr, ptr, ptr});
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), kDispatchFn, type);
}

/// Whether `kernel` may write through its memref argument `i`: a use with a
/// write (or unknown) effect on it, or a view of it (followed no further).
static bool mayWrite(gpu::GPUFuncOp kernel, unsigned i) {
  Value arg = kernel.getArgument(i);
  return llvm::any_of(arg.getUsers(), [&](Operation *user) {
    return isa<ViewLikeOpInterface>(user) || mightHaveEffect<MemoryEffects::Write>(user, arg);
  });
}

/// The size in bytes of an element of a kernel buffer: i1 is stored in a
/// byte on both sides.
static int64_t elementBytes(Type t) {
  return std::max<int64_t>(1, llvm::divideCeil(t.getIntOrFloatBitWidth(), 8));
}

namespace {
/// Rewrites the launches of one host function.
class LaunchLowering {
public:
  LaunchLowering(ModuleOp module, StringRef dumpDir)
      : module(module), b(module.getContext()), dumpDir(dumpDir) {}

  LogicalResult lower(gpu::LaunchFuncOp launch);

private:
  /// The embedded SPIR-V words of the kernel module `name`.
  FailureOr<LLVM::GlobalOp> binaryOf(StringRef name, Location loc);
  Value constant(Type t, int64_t v, Location loc) {
    return LLVM::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
  }
  Value asI64(Value index, Location loc) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  }
  /// A stack array of `n` elements of `t` at the start of `func`.
  Value entryAlloca(Operation *at, Type t, int64_t n, Location loc);
  /// Stores `v` into element `i` of the array `base` of `t`.
  void storeAt(Value base, Type t, int64_t i, Value v, Location loc) {
    Value slot = LLVM::GEPOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()), t, base,
                                     ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    LLVM::StoreOp::create(b, loc, v, slot);
  }

  ModuleOp module;
  OpBuilder b;
  std::string dumpDir;
  llvm::StringMap<LLVM::GlobalOp> binaries;
};
} // namespace

FailureOr<LLVM::GlobalOp> LaunchLowering::binaryOf(StringRef name, Location loc) {
  auto it = binaries.find(name);
  if (it != binaries.end())
    return it->second;
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
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  Type i32 = b.getI32Type();
  auto data = DenseElementsAttr::get(RankedTensorType::get({int64_t(words.size())}, i32),
                                     ArrayRef<uint32_t>(words));
  auto global = LLVM::GlobalOp::create(
      b, loc, LLVM::LLVMArrayType::get(i32, words.size()), /*isConstant=*/true,
      LLVM::Linkage::Internal, ("aiopt_spirv_" + name).str(), data, /*alignment=*/4);
  binaries[name] = global;
  return global;
}

Value LaunchLowering::entryAlloca(Operation *at, Type t, int64_t n, Location loc) {
  OpBuilder::InsertionGuard guard(b);
  Block &entry = at->getParentOfType<FunctionOpInterface>().getFunctionBody().front();
  b.setInsertionPointToStart(&entry);
  return LLVM::AllocaOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()), t,
                                constant(b.getI64Type(), n, loc));
}

LogicalResult LaunchLowering::lower(gpu::LaunchFuncOp launch) {
  Location loc = launch.getLoc();
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
      launch.getClusterSizeX() || launch.getDynamicSharedMemorySize())
    return launch.emitError() << errorTag(ErrorCode::CannotLower)
                              << "asynchronous launches, clusters and dynamic shared memory "
                                 "are not supported by the Vulkan runtime";
  auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(launch, launch.getKernel());
  if (!kernel)
    return launch.emitError() << errorTag(ErrorCode::CannotLower) << "no kernel "
                              << launch.getKernel();
  FailureOr<LLVM::GlobalOp> binary = binaryOf(launch.getKernelModuleName().getValue(), loc);
  if (failed(binary))
    return failure();

  MLIRContext *ctx = b.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = b.getI64Type(), i32 = b.getI32Type();
  ValueRange operands = launch.getKernelOperands();
  int64_t n = operands.size();
  Value args = entryAlloca(launch, ptr, std::max<int64_t>(n, 1), loc);
  Value bytes = entryAlloca(launch, i64, std::max<int64_t>(n, 1), loc);
  Value written = entryAlloca(launch, i32, std::max<int64_t>(n, 1), loc);

  b.setInsertionPoint(launch);
  for (auto [i, v] : llvm::enumerate(operands)) {
    Value data, size;
    bool writes = false;
    if (auto type = dyn_cast<MemRefType>(v.getType())) {
      // Kernel buffers have the identity layout (aiopt-gpu-spirv-kernel-abi):
      // the data starts at the aligned pointer.
      Value aligned = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, v);
      data = LLVM::IntToPtrOp::create(b, loc, ptr, asI64(aligned, loc));
      Value count = arith::ConstantIndexOp::create(b, loc, elementBytes(type.getElementType()));
      for (int64_t d = 0; d < type.getRank(); ++d) {
        Value extent = type.isDynamicDim(d)
                           ? memref::DimOp::create(b, loc, v, d).getResult()
                           : arith::ConstantIndexOp::create(b, loc, type.getDimSize(d)).getResult();
        count = arith::MulIOp::create(b, loc, count, extent);
      }
      size = asI64(count, loc);
      writes = mayWrite(kernel, i);
    } else {
      // A scalar in its own stack slot; indices are 32-bit in the kernels.
      Value scalar = v;
      if (v.getType().isIndex())
        scalar = arith::IndexCastOp::create(b, loc, i32, v);
      data = entryAlloca(launch, scalar.getType(), 1, loc);
      LLVM::StoreOp::create(b, loc, scalar, data);
      size = constant(i64, elementBytes(scalar.getType()), loc);
    }
    storeAt(args, ptr, i, data, loc);
    storeAt(bytes, i64, i, size, loc);
    storeAt(written, i32, i, constant(i32, writes, loc), loc);
  }

  std::string entryName = kernel.getName().str();
  entryName.push_back('\0');
  std::string entrySymbol = ("aiopt_spirv_entry_" + launch.getKernelModuleName().getValue()).str();
  Value entry = module.lookupSymbol(entrySymbol)
                    ? LLVM::AddressOfOp::create(b, loc, ptr, entrySymbol).getResult()
                    : LLVM::createGlobalString(loc, b, entrySymbol, entryName,
                                               LLVM::Linkage::Internal);
  Value words = LLVM::AddressOfOp::create(b, loc, *binary);
  int64_t binaryBytes =
      4 * cast<LLVM::LLVMArrayType>(binary->getGlobalType()).getNumElements();
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  LLVM::CallOp::create(b, loc, declareDispatch(b, module),
                       ValueRange{words, constant(i64, binaryBytes, loc), entry,
                                  asI64(grid.x, loc), asI64(grid.y, loc), asI64(grid.z, loc),
                                  constant(i32, n, loc), args, bytes, written});
  launch.erase();
  return success();
}

namespace {
struct VulkanLaunchToRuntimePass
    : aiopt::impl::VulkanLaunchToRuntimePassBase<VulkanLaunchToRuntimePass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    LaunchLowering lowering(module, dumpDir);
    for (gpu::LaunchFuncOp launch : launches)
      if (failed(lowering.lower(launch)))
        return signalPassFailure();
    // What remains is host code.
    for (Operation &op : llvm::make_early_inc_range(*module.getBody()))
      if (isa<gpu::GPUModuleOp, spirv::ModuleOp>(op))
        op.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};
} // namespace
