//===- Passes.h - GPU code generation passes --------------------*- C++ -*-===//
//
// Declarations of aiopt's GPU back-end passes.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CODEGEN_GPU_PASSES_H
#define AIOPT_CODEGEN_GPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "aiopt/Codegen/GPU/GridLimits.h"

namespace mlir::aiopt {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "aiopt/Codegen/GPU/Passes.h.inc"

/// The NVIDIA GPU architectures aiopt compiles for (--gpu-arch): those both
/// LLVM's NVPTX back end and the CUDA toolkit's ptxas know.
ArrayRef<StringRef> cudaArchitectures();

} // namespace mlir::aiopt

#endif // AIOPT_CODEGEN_GPU_PASSES_H
