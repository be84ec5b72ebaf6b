//===- KernelABI.cpp - kernel arguments and launches as runtime calls -----===//
//
// The part of the Vulkan and CUDA back ends that does not depend on the
// device API: which arguments kernels may take, and how a gpu.launch_func
// becomes a call into aiopt's runtime with one buffer or scalar per
// argument (see KernelABI.h).
//
//===----------------------------------------------------------------------===//

#include "KernelABI.h"

#include "aiopt/Codegen/BufferViews.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlir::aiopt;

static bool isRuntimeArgument(Type t) {
  if (auto memref = dyn_cast<MemRefType>(t))
    return memref.getLayout().isIdentity() && memref.getElementType().isIntOrFloat();
  return t.isIntOrIndexOrFloat() && !t.isInteger(1);
}

LogicalResult mlir::aiopt::checkKernelArguments(gpu::GPUFuncOp kernel, StringRef api) {
  for (auto [i, type] : llvm::enumerate(kernel.getArgumentTypes()))
    if (!isRuntimeArgument(type))
      return kernel.emitError() << errorTag(ErrorCode::CannotLower) << "kernel '"
                                << kernel.getName() << "' argument " << i << " of type " << type
                                << " cannot be passed to a " << api << " kernel";
  return success();
}

/// Whether `kernel` may write through its memref argument `i`: a use with a
/// write (or unknown) effect on it, or a view of it (followed no further).
static bool mayWrite(gpu::GPUFuncOp kernel, unsigned i) {
  Value arg = kernel.getArgument(i);
  return llvm::any_of(arg.getUsers(), [&](Operation *user) {
    return isa<ViewLikeOpInterface>(user) || mightHaveEffect<MemoryEffects::Write>(user, arg);
  });
}

static constexpr StringLiteral kWrittenAttr = "aiopt.written_arguments";

void mlir::aiopt::recordWrittenArguments(ModuleOp module) {
  module.walk([&](gpu::LaunchFuncOp launch) {
    auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(launch, launch.getKernel());
    if (!kernel)
      return;
    SmallVector<bool> written;
    for (unsigned i = 0; i < kernel.getNumArguments(); ++i)
      written.push_back(isa<MemRefType>(kernel.getArgument(i).getType()) && mayWrite(kernel, i));
    launch->setAttr(kWrittenAttr, DenseBoolArrayAttr::get(launch.getContext(), written));
  });
}

/// Whether the launch's kernel may write its buffer argument `i`, as
/// recorded by recordWrittenArguments (unrecorded: yes).
static bool writesArgument(gpu::LaunchFuncOp launch, unsigned i) {
  auto written = launch->getAttrOfType<DenseBoolArrayAttr>(kWrittenAttr);
  return !written || i >= written.size() || written[i];
}

int64_t mlir::aiopt::kernelElementBytes(Type t) {
  return std::max<int64_t>(1, llvm::divideCeil(t.getIntOrFloatBitWidth(), 8));
}

namespace {
/// Rewrites the launches of one module.
class LaunchLowering {
public:
  LaunchLowering(ModuleOp module, const RuntimeDispatch &dispatch)
      : module(module), b(module.getContext()), dispatch(dispatch) {}

  LogicalResult lower(gpu::LaunchFuncOp launch);

private:
  Value constant(Type t, int64_t v, Location loc) {
    return LLVM::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
  }
  Value asI64(Value index, Location loc) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  }
  /// A stack array of `n` elements of `t` at the start of the function
  /// around `at`.
  Value entryAlloca(Operation *at, Type t, int64_t n, Location loc);
  /// Stores `v` into element `i` of the array `base` of `t`.
  void storeAt(Value base, Type t, int64_t i, Value v, Location loc) {
    Value slot = LLVM::GEPOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()), t, base,
                                     ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    LLVM::StoreOp::create(b, loc, v, slot);
  }
  /// The kernel's name as a NUL-terminated global string.
  Value entryName(gpu::LaunchFuncOp launch, Location loc);

  ModuleOp module;
  OpBuilder b;
  const RuntimeDispatch &dispatch;
  SymbolTableCollection symbols;
};
} // namespace

Value LaunchLowering::entryAlloca(Operation *at, Type t, int64_t n, Location loc) {
  OpBuilder::InsertionGuard guard(b);
  Block &entry = at->getParentOfType<FunctionOpInterface>().getFunctionBody().front();
  b.setInsertionPointToStart(&entry);
  return LLVM::AllocaOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()), t,
                                constant(b.getI64Type(), n, loc));
}

Value LaunchLowering::entryName(gpu::LaunchFuncOp launch, Location loc) {
  Type ptr = LLVM::LLVMPointerType::get(b.getContext());
  std::string symbol = ("aiopt_kernel_name_" + launch.getKernelModuleName().getValue() + "_" +
                        launch.getKernelName().getValue())
                           .str();
  if (module.lookupSymbol(symbol))
    return LLVM::AddressOfOp::create(b, loc, ptr, symbol);
  // The kernel's name, then its module's (which tells the kernels of one
  // model apart in the runtimes' messages and profiles).
  std::string name = launch.getKernelName().getValue().str();
  name.push_back('\0');
  name += launch.getKernelModuleName().getValue().str();
  name.push_back('\0');
  return LLVM::createGlobalString(loc, b, symbol, name, LLVM::Linkage::Internal);
}

LogicalResult LaunchLowering::lower(gpu::LaunchFuncOp launch) {
  Location loc = launch.getLoc();
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
      launch.getClusterSizeX() || launch.getDynamicSharedMemorySize())
    return launch.emitError() << errorTag(ErrorCode::CannotLower)
                              << "asynchronous launches, clusters and dynamic shared memory "
                                 "are not supported by aiopt's GPU runtimes";
  FailureOr<LLVM::GlobalOp> image = dispatch.image(launch.getKernelModuleName().getValue(), loc);
  if (failed(image))
    return failure();

  MLIRContext *ctx = b.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = b.getI64Type(), i32 = b.getI32Type();
  // The runtime's arguments: one per operand, or a memref descriptor's
  // fields with expandDescriptors.
  struct Arg {
    Value data, bytes;
    KernelArgKind kind;
  };
  SmallVector<Arg> list;
  b.setInsertionPoint(launch);
  Type indexType = b.getIntegerType(dispatch.indexBits);
  auto scalar = [&](Value v) {
    // A scalar in its own stack slot; indices have the kernels' width.
    if (v.getType().isIndex())
      v = arith::IndexCastOp::create(b, loc, indexType, v);
    Value slot = entryAlloca(launch, v.getType(), 1, loc);
    LLVM::StoreOp::create(b, loc, v, slot);
    list.push_back({slot, constant(i64, kernelElementBytes(v.getType()), loc), KernelArgKind::Scalar});
  };
  SmallVector<Operation *> casts;
  for (auto [i, operand] : llvm::enumerate(launch.getKernelOperands())) {
    // A buffer whose kernel keeps its elements in other types
    // (aiopt-gpu-spirv-narrow-types) arrives through a cast: the host's
    // buffer is the same bytes.
    Value v = operand;
    if (auto cast = v.getDefiningOp<UnrealizedConversionCastOp>();
        cast && cast->getNumOperands() == 1 && isa<MemRefType>(cast.getOperand(0).getType())) {
      v = cast.getOperand(0);
      casts.push_back(cast);
    }
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type) {
      scalar(v);
      continue;
    }
    // Kernel buffers have the identity layout (checkKernelArguments): the
    // data starts at the aligned pointer, the strides are suffix products.
    Value aligned = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, v);
    Value data = LLVM::IntToPtrOp::create(b, loc, ptr, asI64(aligned, loc));
    SmallVector<Value> extents;
    for (int64_t d = 0; d < type.getRank(); ++d)
      extents.push_back(type.isDynamicDim(d)
                            ? memref::DimOp::create(b, loc, v, d).getResult()
                            : arith::ConstantIndexOp::create(b, loc, type.getDimSize(d)).getResult());
    SmallVector<Value> strides(type.getRank());
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      strides[d] = count;
      count = arith::MulIOp::create(b, loc, count, extents[d]);
    }
    Value bytes = arith::MulIOp::create(
        b, loc, count, arith::ConstantIndexOp::create(b, loc, kernelElementBytes(type.getElementType())));
    KernelArgKind kind = writesArgument(launch, i)      ? KernelArgKind::WrittenBuffer
                         : viewsConstant(v, symbols) ? KernelArgKind::ConstantBuffer
                                                     : KernelArgKind::ReadBuffer;
    // Buffers of resident launches stay on the device (constant ones are
    // kept there anyway).
    if (launch->hasAttr(kResidentAttr) && kind != KernelArgKind::ConstantBuffer)
      kind = static_cast<KernelArgKind>(static_cast<int32_t>(kind) |
                                        static_cast<int32_t>(KernelArgKind::ResidentFlag));
    list.push_back({data, asI64(bytes, loc), kind});
    if (!dispatch.expandDescriptors)
      continue;
    list.push_back({LLVM::ZeroOp::create(b, loc, ptr), constant(i64, 0, loc), KernelArgKind::Alias});
    scalar(arith::ConstantIndexOp::create(b, loc, 0));
    for (Value extent : extents)
      scalar(extent);
    for (Value stride : strides)
      scalar(stride);
  }
  int64_t n = list.size();
  Value args = entryAlloca(launch, ptr, std::max<int64_t>(n, 1), loc);
  Value bytes = entryAlloca(launch, i64, std::max<int64_t>(n, 1), loc);
  Value kinds = entryAlloca(launch, i32, std::max<int64_t>(n, 1), loc);
  for (auto [i, arg] : llvm::enumerate(list)) {
    storeAt(args, ptr, i, arg.data, loc);
    storeAt(bytes, i64, i, arg.bytes, loc);
    storeAt(kinds, i32, i, constant(i32, static_cast<int32_t>(arg.kind), loc), loc);
  }

  auto imageType = cast<LLVM::LLVMArrayType>(image->getGlobalType());
  int64_t imageBytes = imageType.getNumElements() *
                       kernelElementBytes(imageType.getElementType());
  FailureOr<LLVM::LLVMFuncOp> fn =
      LLVM::lookupOrCreateFn(b, module, dispatch.function,
                             {ptr, i64, ptr, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr},
                             LLVM::LLVMVoidType::get(ctx));
  if (failed(fn))
    return launch.emitError() << errorTag(ErrorCode::CannotLower) << "'" << dispatch.function
                              << "' is declared with another type";
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  Value imageAddress = LLVM::AddressOfOp::create(b, loc, *image);
  Value entry = entryName(launch, loc);
  LLVM::CallOp::create(b, loc, *fn,
                       ValueRange{imageAddress, constant(i64, imageBytes, loc), entry,
                                  asI64(grid.x, loc), asI64(grid.y, loc), asI64(grid.z, loc),
                                  asI64(block.x, loc), asI64(block.y, loc), asI64(block.z, loc),
                                  constant(i32, n, loc), args, bytes, kinds});
  launch.erase();
  for (Operation *cast : casts)
    if (cast->use_empty())
      cast->erase();
  return success();
}

LogicalResult mlir::aiopt::lowerLaunchesToRuntimeCalls(ModuleOp module,
                                                       const RuntimeDispatch &dispatch) {
  SmallVector<gpu::LaunchFuncOp> launches;
  module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
  LaunchLowering lowering(module, dispatch);
  for (gpu::LaunchFuncOp launch : launches)
    if (failed(lowering.lower(launch)))
      return failure();
  // What remains is host code.
  for (Operation &op : llvm::make_early_inc_range(*module.getBody())) {
    StringRef dialect = op.getName().getDialectNamespace();
    if (dialect == "gpu" || dialect == "spirv")
      op.erase();
  }
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  return success();
}
