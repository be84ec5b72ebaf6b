//===- CompileFuzzer.cpp - libFuzzer target: import and compile ------------===//
//
// Small models through the importer and the whole pipeline of one device
// (AIOPT_FUZZ_DEVICE: cpu, the default; vulkan; cuda, whose kernels stay
// PTX: no toolkit is run) to the LLVM dialect at -O2: every pass must
// succeed or emit diagnostics, never crash.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "aiopt/InitAll.h"
#include "aiopt/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringRef.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;

/// The device named by AIOPT_FUZZ_DEVICE; exits on a name no pipeline has
/// (a run that fuzzed nothing would look like a clean one).
static std::string fuzzedDevice() {
  const char *name = std::getenv("AIOPT_FUZZ_DEVICE");
  llvm::StringRef device = name && *name ? name : "cpu";
  if (device != "cpu" && device != "vulkan" && device != "cuda") {
    std::fprintf(stderr, "aiopt-fuzz-compile: AIOPT_FUZZ_DEVICE='%s' is not cpu, vulkan or cuda\n",
                 device.str().c_str());
    std::exit(2);
  }
  return device.str();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry registry = [] {
    DialectRegistry r;
    aiopt::registerAllDialects(r);
    aiopt::registerAllPasses();
    return r;
  }();
  static const std::string device = fuzzedDevice();
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  // Small tensors only: each input compiles in milliseconds.
  OwningOpRef<ModuleOp> module = mlir::aiopt::fuzz::importForFuzzing(context, data, size, 4096);
  if (!module)
    return 0;
  aiopt::CPUPipelineOptions options;
  options.modelName = "main";
  options.optLevel = 2;
  options.device = device;
  PassManager pm(&context, ModuleOp::getOperationName());
  aiopt::buildCPUPipeline(pm, aiopt::Phase::Import, aiopt::Phase::LLVM, options);
  (void)pm.run(*module);
  return 0;
}
