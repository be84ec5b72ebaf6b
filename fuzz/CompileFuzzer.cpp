//===- CompileFuzzer.cpp - libFuzzer target: import and compile ------------===//
//
// Small models through the importer and the whole CPU pipeline to the LLVM
// dialect at -O2: every pass must succeed or emit diagnostics, never crash.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "aiopt/InitAll.h"
#include "aiopt/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry registry = [] {
    DialectRegistry r;
    aiopt::registerAllDialects(r);
    aiopt::registerAllPasses();
    return r;
  }();
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  // Small tensors only: each input compiles in milliseconds.
  OwningOpRef<ModuleOp> module = mlir::aiopt::fuzz::importForFuzzing(context, data, size, 4096);
  if (!module)
    return 0;
  aiopt::CPUPipelineOptions options;
  options.modelName = "main";
  options.optLevel = 2;
  PassManager pm(&context, ModuleOp::getOperationName());
  aiopt::buildCPUPipeline(pm, aiopt::Phase::Import, aiopt::Phase::LLVM, options);
  (void)pm.run(*module);
  return 0;
}
