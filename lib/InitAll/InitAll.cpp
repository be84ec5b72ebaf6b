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

void mlir::aiopt::registerAllDialects(DialectRegistry &registry) {
  registry.insert<AIOptDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void mlir::aiopt::registerAllPasses() {
  mlir::registerAllPasses();
  registerAIOptTransformsPasses();
  registerAIOptConversionPasses();
  registerAIOptCPUPasses();
  registerAIOptGPUPasses();
  registerAIOptPipelines();
}
