//===- KernelABI.h - what aiopt's GPU runtimes can pass to kernels -*- C++ -*-===//
//
// Shared by the Vulkan and CUDA back ends: the kernel arguments both
// runtimes can fill, and the lowering of gpu.launch_func into a call of a
// runtime's dispatch function.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CODEGEN_GPU_KERNELABI_H
#define AIOPT_LIB_CODEGEN_GPU_KERNELABI_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include <functional>

namespace mlir::aiopt {

/// Checks that every argument of `kernel` is a buffer or a scalar the GPU
/// runtimes can pass: a memref of integers or floats with the identity
/// layout, or an index, integer or float scalar. Otherwise emits an E201
/// error naming the kernel and `api` ("Vulkan", "CUDA").
LogicalResult checkKernelArguments(gpu::GPUFuncOp kernel, StringRef api);

/// Records on each gpu.launch_func of `module` which buffer arguments its
/// kernel may write, for lowerLaunchesToRuntimeCalls once the kernel has
/// become a binary (without the record, every buffer is copied back).
void recordWrittenArguments(ModuleOp module);

/// The unit attribute aiopt-gpu-device-residency puts on the launches whose
/// buffers stay on the device (KernelArgKind::ResidentFlag).
inline constexpr StringLiteral kResidentAttr = "aiopt.resident";

/// The size in bytes of an element of a kernel buffer: i1 is stored in a
/// byte on both sides.
int64_t kernelElementBytes(Type t);

/// How arg_kinds tells a runtime what each argument is.
/// An alias is the device address of the buffer just before it. A constant
/// buffer is read only and views a constant global (weights): its contents
/// never change, so a runtime may keep one device copy for every launch.
enum class KernelArgKind : int32_t {
  ReadBuffer = 0,
  WrittenBuffer = 1,
  Scalar = 2,
  Alias = 3,
  ConstantBuffer = 4,
  /// Added to a buffer's kind on resident launches.
  ResidentFlag = 8
};

/// A GPU runtime's side of a launch.
struct RuntimeDispatch {
  /// The runtime function every launch calls:
  ///   void fn(const void *image, int64_t image_bytes, const char *entry,
  ///           int64_t grid_x, int64_t grid_y, int64_t grid_z,
  ///           int64_t block_x, int64_t block_y, int64_t block_z,
  ///           int32_t num_args, void *const *args, const int64_t *arg_bytes,
  ///           const int32_t *arg_kinds);
  std::string function;
  /// The width scalar indices have in the kernels.
  unsigned indexBits = 64;
  /// Whether a kernel takes each buffer as the fields of its memref
  /// descriptor (LLVM's calling convention: the buffer, an alias of it as
  /// the aligned pointer, the offset 0, the sizes and the strides, all
  /// indices) rather than as one argument.
  bool expandDescriptors = false;
  /// The constant global holding the device binary of the kernel module
  /// named `module` (made once per module); failure after an error at `loc`.
  std::function<FailureOr<LLVM::GlobalOp>(StringRef module, Location loc)> image;
};

/// Rewrites every gpu.launch_func of `module` into a call of `dispatch`,
/// then erases the device modules (gpu.module, gpu.binary, spirv.module):
/// what remains is host code.
LogicalResult lowerLaunchesToRuntimeCalls(ModuleOp module, const RuntimeDispatch &dispatch);

} // namespace mlir::aiopt

#endif // AIOPT_LIB_CODEGEN_GPU_KERNELABI_H
