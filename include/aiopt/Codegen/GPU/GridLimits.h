//===- GridLimits.h - the grid sizes every GPU target takes -----*- C++ -*-===//
//
// Shared by the GPU passes and the pipelines that configure them.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CODEGEN_GPU_GRIDLIMITS_H
#define AIOPT_CODEGEN_GPU_GRIDLIMITS_H

#include <cstdint>

namespace mlir::aiopt {

/// The most workgroups a grid axis takes on every target: the least
/// Vulkan guarantees (maxComputeWorkGroupCount), and CUDA's y and z.
inline constexpr int64_t kPortableGridAxis = 65535;

/// The most workgroups along CUDA's x axis.
inline constexpr int64_t kCUDAGridX = 2147483647;

} // namespace mlir::aiopt

#endif // AIOPT_CODEGEN_GPU_GRIDLIMITS_H
