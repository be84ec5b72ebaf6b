//===- Driver.cpp - compile an ONNX model to machine code -----------------===//

#include "aiopt/Driver/Driver.h"

#include "aiopt/Import/ONNX/ONNXImporter.h"
#include "aiopt/InitAll.h"
#include "aiopt/Pipelines/Pipelines.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdlib>
#include <mutex>

using namespace mlir;
using namespace mlir::aiopt;

unsigned mlir::aiopt::llvmOptLevel(unsigned optLevel) {
  static constexpr unsigned kLLVMLevel[] = {0, 2, 2, 3};
  return kLLVMLevel[std::min(optLevel, 3u)];
}

DialectRegistry &mlir::aiopt::driverRegistry() {
  static DialectRegistry registry;
  static std::once_flag once;
  std::call_once(once, [] {
    registerAllDialects(registry);
    registerAllPasses();
  });
  return registry;
}

/// The pipeline options `options` sets (the vector width comes from the
/// target machine, quantization from the phase).
static void setPipelineOptions(CPUPipelineOptions &p, const DriverOptions &options) {
  p.modelName = options.name;
  p.optLevel = options.optLevel;
  p.parallel = options.parallel;
  p.threadPool = options.threadPool;
  p.runtimeChecks = options.runtimeChecks;
  p.device = options.device;
  p.gpuArch = options.gpuArch;
  p.cudaToolkit = options.cudaToolkit;
  p.kernelDumpDir = options.kernelDumpDir;
  p.winograd = options.winograd;
  p.tensorCores = options.tensorCores;
  p.tf32 = options.precision.tf32();
  p.gpuTiles = options.gpuTiles;
  p.skip = options.skip;
}

LogicalResult mlir::aiopt::checkTensorCores(StringRef choice, StringRef device,
                                            std::string &error) {
  if (choice != "" && choice != "auto" && choice != "off" && choice != "emulate") {
    error = "tensor-cores=" + choice.str() + " is not one of auto, off, emulate";
    return failure();
  }
  if (device == "cpu" && choice != "") {
    error = "tensor-cores needs a GPU target (vulkan or cuda)";
    return failure();
  }
  return success();
}

FailureOr<std::string> mlir::aiopt::winogradPassOptions(StringRef choice, StringRef device,
                                                        std::string &error) {
  if (choice != "" && choice != "auto" && choice != "off" && choice != "2" && choice != "4") {
    error = "winograd=" + choice.str() + " is not one of auto, off, 2, 4";
    return failure();
  }
  if (device != "cpu" && choice != "" && choice != "off") {
    error = "winograd is for CPUs: target " + device.str() + " keeps convolutions direct";
    return failure();
  }
  if (choice == "2" || choice == "4")
    return "tile=" + choice.str();
  return choice == "off" ? std::string("off") : std::string();
}

FailureOr<std::string> mlir::aiopt::compileModuleToObject(MLIRContext &context, ModuleOp module,
                                                          Phase from,
                                                          const DriverOptions &options) {
  Location loc = module.getLoc();
  if (options.optLevel > 3)
    return emitError(loc) << errorTag(ErrorCode::InvalidOption) << "-O" << options.optLevel << " is not a level (-O0..-O3)";
  TargetOptions targetOptions = options.target;
  targetOptions.optLevel = llvmOptLevel(options.optLevel);
  auto tm = createTargetMachine(targetOptions, loc);
  if (failed(tm))
    return failure();
  CPUPipelineOptions pipelineOptions;
  setPipelineOptions(pipelineOptions, options);
  pipelineOptions.vectorBits = vectorRegisterBits(**tm);
  pipelineOptions.vnniBits = vnniBits(**tm);
  pipelineOptions.pairBits = pairBits(**tm);
  // Quantization without data runs in the graph phase; otherwise
  // graphPhaseWork has done it on the graph-phase module.
  if (from < Phase::Graph && !needsGraphPhaseWork(options)) {
    pipelineOptions.quantize = quantizePassOptions(options.quantization);
    pipelineOptions.precision = precisionPassOptions(options.precision);
  }
  PassManager pm(&context, ModuleOp::getOperationName());
  buildCPUPipeline(pm, from, Phase::LLVM, pipelineOptions);
  if (failed(pm.run(module)))
    return failure();
  llvm::LLVMContext llvmContext;
  auto llvmModule = translateAndOptimize(module, llvmContext, **tm, targetOptions.optLevel,
                                         options.lineTables);
  if (failed(llvmModule))
    return failure();
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  if (failed(emitMachineCode(**llvmModule, **tm, os, /*assembly=*/false, loc)))
    return failure();
  return std::string(buffer.begin(), buffer.end());
}

bool mlir::aiopt::needsGraphPhaseWork(const DriverOptions &options) {
  const PrecisionOptions &p = options.precision;
  return options.quantization.needsData() || !options.pruning.mode.empty() ||
         !options.sparsityReportPath.empty() ||
         (p.reduces() && (options.quantization.maxAccuracyDrop >= 0 || !p.reportPath.empty()));
}

LogicalResult mlir::aiopt::graphPhaseWork(MLIRContext &context, ModuleOp module,
                                          DriverOptions &options) {
  if (!options.pruning.mode.empty() && failed(pruneModule(context, module, options)))
    return failure();
  const QuantizationOptions &q = options.quantization;
  if (q.needsData()) {
    if (failed(quantizeModule(context, module, options)))
      return failure();
  } else if (!q.mode.empty()) {
    PassManager pm(&context, ModuleOp::getOperationName());
    buildQuantizePipeline(pm, quantizePassOptions(q));
    if (failed(pm.run(module)))
      return failure();
  }
  if (options.precision.reduces() && failed(reducePrecision(context, module, options)))
    return failure();
  if (!options.sparsityReportPath.empty())
    return writeSparsityReport(module, options.sparsityReportPath);
  return success();
}

FailureOr<CompiledObject> mlir::aiopt::compileONNXToObject(MLIRContext &context, StringRef path,
                                                           DriverOptions options) {
  ONNXImportOptions importOptions;
  importOptions.functionName = options.name;
  importOptions.boundInputs = options.boundInputs;
  ErrorCodeHandler codes(&context, ErrorCode::InvalidNode);
  OwningOpRef<ModuleOp> module = importONNXFile(path, &context, importOptions);
  if (!module)
    return failure();
  codes.fallback = ErrorCode::PassFailed;
  FailureOr<ModelSignature> signature = getModelSignature(*module, options.name);
  if (failed(signature))
    return failure();
  Phase from = Phase::Import;
  if (needsGraphPhaseWork(options)) {
    // Pruning, calibration and the accuracy guard work on the graph-phase
    // model.
    if (failed(runPhases(context, *module, Phase::Import, Phase::Graph, options)) ||
        failed(graphPhaseWork(context, *module, options)))
      return failure();
    from = Phase::Graph;
  }
  FailureOr<std::string> object = compileModuleToObject(context, *module, from, options);
  if (failed(object))
    return failure();
  return CompiledObject{std::move(*object), *signature};
}

LogicalResult mlir::aiopt::runPhases(MLIRContext &context, ModuleOp module, Phase from, Phase to,
                                     const DriverOptions &options) {
  CPUPipelineOptions pipelineOptions;
  setPipelineOptions(pipelineOptions, options);
  PassManager pm(&context, ModuleOp::getOperationName());
  buildCPUPipeline(pm, from, to, pipelineOptions);
  return pm.run(module);
}

FailureOr<std::string> mlir::aiopt::findCUDAToolkit(StringRef given, std::string &error) {
  std::string dir = given.str();
  for (const char *var : {"CUDA_PATH", "CUDA_HOME", "CUDA_ROOT"})
    if (dir.empty())
      if (const char *value = std::getenv(var); value && *value)
        dir = value;
  if (dir.empty())
    if (auto ptxas = llvm::sys::findProgramByName("ptxas"))
      dir = llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas)).str();
  if (dir.empty())
    dir = "/usr/local/cuda";
  for (const char *part : {"bin/ptxas", "bin/fatbinary", "nvvm/libdevice"}) {
    SmallString<128> path(dir);
    llvm::sys::path::append(path, part);
    if (!llvm::sys::fs::exists(path)) {
      error = ("--target=cuda needs the CUDA toolkit (ptxas, fatbinary, libdevice): there is no '" +
               path + "' (give the toolkit's folder with --cuda-path)")
                  .str();
      return failure();
    }
  }
  return dir;
}

std::string mlir::aiopt::runtimeLibraryDir() {
  if (const char *dir = std::getenv("AIOPT_RUNTIME_DIR"); dir && *dir)
    return dir;
  return AIOPT_RUNTIME_DIR;
}

LogicalResult mlir::aiopt::linkSharedLibrary(StringRef object, StringRef output, StringRef threads,
                                             StringRef device, std::string &error) {
  std::string gpuRuntime;
  if (device != "cpu") {
    SmallString<256> path(runtimeLibraryDir());
    llvm::sys::path::append(path, "libaiopt_runtime_" + device + ".a");
    if (!llvm::sys::fs::exists(path)) {
      error = ("a --target=" + device + " shared library needs aiopt's " + device +
               " runtime archive: there is no '" + path + "' (set AIOPT_RUNTIME_DIR to its folder)")
                  .str();
      return failure();
    }
    gpuRuntime = std::string(path);
  }
  auto lld = llvm::sys::findProgramByName("ld.lld-22");
  if (!lld)
    lld = llvm::sys::findProgramByName("ld.lld");
  if (!lld) {
    error = "linking a shared library needs ld.lld (package lld-22)";
    return failure();
  }
  std::string pool;
  if (threads == "aiopt") {
    SmallString<256> path(runtimeLibraryDir());
    llvm::sys::path::append(path, "libaiopt_runtime.a");
    if (!llvm::sys::fs::exists(path)) {
      error = ("a parallel shared library needs the thread pool of aiopt's runtime archive: "
               "there is no '" + path + "' (set AIOPT_RUNTIME_DIR to its folder)")
                  .str();
      return failure();
    }
    pool = std::string(path);
  }
  SmallVector<StringRef> args = {*lld, "-shared", "-o", output, object};
  // Parallel models carry their own copy of the thread pool, whose entry
  // points are hidden (their calls bind to it inside the library) but for
  // the thread count's setter aiopt_pool_set_num_threads, linked even when
  // the model has no parallel loop. Or they load libomp themselves.
  if (!pool.empty())
    args.append({"--undefined=aiopt_pool_set_num_threads", pool});
  if (threads == "openmp")
    args.append({"-L/usr/lib/llvm-22/lib", "-rpath", "/usr/lib/llvm-22/lib", "-lomp"});
  if (!gpuRuntime.empty())
    args.push_back(gpuRuntime);
  std::string message;
  if (llvm::sys::ExecuteAndWait(*lld, args, std::nullopt, {}, 0, 0, &message) != 0) {
    error = ("linking '" + output + "' failed " + message).str();
    return failure();
  }
  return success();
}
