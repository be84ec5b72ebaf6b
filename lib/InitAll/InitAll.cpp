//===- InitAll.cpp - register everything aiopt provides -------------------===//
//
// Implements InitAll.h.
//
//===----------------------------------------------------------------------===//

#include "aiopt/InitAll.h"

#include "aiopt/Codegen/CPU/Passes.h"
#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Conversion/Passes.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Pipelines/Pipelines.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

void mlir::aiopt::registerAllDialects(DialectRegistry &registry) {
  registry.insert<AIOptDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates NVVM kernel modules to LLVM IR (the
  // CUDA target); the CPU's host code is translated by LLVMEmitter.
  registerBuiltinDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

void mlir::aiopt::registerAllPasses() {
  mlir::registerAllPasses();
  registerAIOptTransformsPasses();
  registerAIOptConversionPasses();
  registerAIOptCPUPasses();
  registerAIOptGPUPasses();
  registerAIOptPipelines();
}
