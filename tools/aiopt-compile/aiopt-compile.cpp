//===- aiopt-compile.cpp - ONNX model to object file ----------------------===//
//
// The compiler driver: imports an ONNX model (or resumes from .mlir at a
// named phase), runs the phases up to --compile-to, and emits MLIR, LLVM
// IR, assembly, an object file plus C header, or a shared library.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Driver/Driver.h"
#include "aiopt/Import/ONNX/ONNXImporter.h"
#include "aiopt/InitAll.h"
#include "aiopt/Pipelines/Pipelines.h"
#include "aiopt/Support/ErrorCodes.h"
#include "aiopt/Target/LLVMEmitter.h"
#include "aiopt/Target/ModelHeader.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <map>
#include <set>

using namespace mlir;
using namespace mlir::aiopt;
namespace cl = llvm::cl;

/// Starts an error of the tool itself (options, files): "aiopt-compile: [E301] ".
static llvm::raw_ostream &toolError(ErrorCode code) {
  return llvm::errs() << "aiopt-compile: " << errorTag(code);
}

namespace {

enum class Emit { Obj, Asm, LLVMIR, MLIR, Shared };

cl::OptionCategory category("aiopt-compile options");
cl::opt<std::string> inputFile(cl::Positional, cl::Required,
                               cl::desc("<model.onnx | model.onnxtxt | input.mlir>"),
                               cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: <name>.o, '-' for stdout)"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<Emit> emitKind(
    "emit", cl::desc("What to write"), cl::init(Emit::Obj),
    cl::values(clEnumValN(Emit::Obj, "obj", "object file and C header"),
               clEnumValN(Emit::Asm, "asm", "assembly"),
               clEnumValN(Emit::LLVMIR, "llvm", "LLVM IR"),
               clEnumValN(Emit::MLIR, "mlir", "MLIR after the last phase"),
               clEnumValN(Emit::Shared, "shared", "shared library and C header")),
    cl::cat(category));
cl::opt<std::string> compileTo("compile-to",
                               cl::desc("Stop after phase import|graph|linalg|codegen|llvm and write its MLIR"),
                               cl::cat(category));
cl::opt<std::string> compileFrom("compile-from",
                                 cl::desc("Phase an .mlir input is at (default: import)"),
                                 cl::init("import"), cl::cat(category));
cl::opt<std::string> targetTriple(
    "target",
    cl::desc("Target: a CPU triple (default: the host), 'vulkan' (SPIR-V kernels run through "
             "the Vulkan runtime, libaiopt_runtime_vulkan.a) or 'cuda' (PTX and cubin kernels "
             "run through the CUDA runtime, libaiopt_runtime_cuda.a); GPU targets' host code "
             "is for this machine"),
    cl::cat(category));
cl::opt<std::string> gpuArch(
    "gpu-arch", cl::value_desc("sm_XY"),
    cl::desc("With --target=cuda: the NVIDIA GPU architecture (default sm_90; sm_80, sm_89, ...)"),
    cl::init("sm_90"), cl::cat(category));
cl::opt<std::string> cudaPath(
    "cuda-path", cl::value_desc("DIR"),
    cl::desc("With --target=cuda: the CUDA toolkit's folder (default: $CUDA_PATH, $CUDA_HOME, "
             "$CUDA_ROOT, ptxas on PATH, /usr/local/cuda)"),
    cl::cat(category));
cl::opt<bool> deviceResident(
    "device-resident", cl::init(true),
    cl::desc("With a GPU target: keep buffers on the GPU between kernels (default true; "
             "--device-resident=false copies each kernel's buffers in and out)"),
    cl::cat(category));
cl::opt<std::string> tensorCores(
    "tensor-cores", cl::value_desc("auto|off|emulate"), cl::init("auto"),
    cl::desc("With a GPU target: products of f16 or bf16 operands (--precision) on tensor "
             "cores: auto (cuda: WMMA for f16, mma.sync for bf16; vulkan: none), off, or "
             "emulate (the tensor-core kernels with scalar arithmetic, to check them on "
             "devices without tensor cores)"),
    cl::cat(category));
cl::opt<std::string> gpuTiles(
    "gpu-tiles", cl::value_desc("KEY=VALUE ..."),
    cl::desc("With a GPU target, for measuring the kernels' choices: options of "
             "aiopt-gpu-tile-contractions that replace the target's, e.g. "
             "--gpu-tiles='thread-tile=4 vector-loads=none' (tile-m, tile-n, tile-k, "
             "thread-tile, target-workgroups, split-k, split-k-workgroups, fuse-epilogues, "
             "vector-loads; docs/gpu.md)"),
    cl::cat(category));
cl::opt<std::string> kernelDumpDir(
    "kernel-dump-dir", cl::value_desc("DIR"),
    cl::desc("With a GPU target: also write each kernel module's binary to DIR (.spv for "
             "vulkan; .ptx and .cubin for cuda)"),
    cl::cat(category));
cl::opt<std::string> mcpu("mcpu", cl::desc("Target CPU (default: the host's)"),
                          cl::init("host"), cl::cat(category));
cl::opt<std::string> mattr("mattr", cl::desc("Target features (+avx2,-avx512f,...)"),
                           cl::cat(category));
cl::opt<std::string> modelName("name",
                               cl::desc("Model name, a C identifier (default: from the file name)"),
                               cl::cat(category));
cl::opt<std::string> headerFile("header", cl::desc("C header to write (default: output with .h)"),
                                cl::cat(category));
cl::opt<std::string> memoryReport(
    "memory-report", cl::value_desc("FILE.json"),
    cl::desc("Write the static memory plan (arena size, each intermediate buffer's offset and "
             "live range) as JSON"),
    cl::cat(category));
cl::opt<unsigned> optLevel(
    "O", cl::Prefix, cl::init(2),
    cl::desc("Optimization level -O0..-O3 (default -O2): the graph and linalg passes it "
             "runs (see --print-pipeline) and LLVM's level (0, 2, 2, 3)"),
    cl::cat(category));
cl::opt<bool> parallel(
    "parallel",
    cl::desc("Run the blocks of matmuls and convolutions on threads (from -O1); set the "
             "thread count with aiopt_set_num_threads() (see --thread-pool)"),
    cl::cat(category));
cl::opt<std::string> threadPool(
    "thread-pool", cl::init("aiopt"),
    cl::desc("With --parallel, whose threads run the blocks: aiopt (default; the pool in "
             "libaiopt_runtime.a, which balances each loop at its end; link with -lpthread) "
             "or openmp (libomp's; link with -fopenmp)"),
    cl::cat(category));
cl::opt<bool> prefetchWeights(
    "prefetch-weights", cl::init(true),
    cl::desc("From -O2, register tiles that read weights prefetch the weights the next tile "
             "reads (default true; --prefetch-weights=false, the same as "
             "--skip-pass=aiopt-cpu-prefetch-weights, leaves them to the hardware prefetchers)"),
    cl::cat(category));
const std::string skipDescription =
    "Leave these optional passes out, to measure what each gives: " +
    llvm::join(optionalPasses("cpu"), ", ") + " (cpu); " +
    llvm::join(optionalPasses("vulkan"), ", ") + " (vulkan); " +
    llvm::join(optionalPasses("cuda"), ", ") + " (cuda)";
cl::list<std::string> skipPasses("skip-pass", cl::CommaSeparated, cl::value_desc("PASS,..."),
                                 cl::desc(skipDescription), cl::cat(category));
cl::opt<std::string> winograd(
    "winograd", cl::init("auto"),
    cl::desc("3x3 convolutions (stride 1) by Winograd's minimal filtering, CPUs from -O2: "
             "auto (default: F(2x2) or F(4x4) where it is estimated faster), 2 or 4 (that "
             "tile wherever eligible), off (direct convolutions only, as the ONNX "
             "reference computes them)"),
    cl::cat(category));
cl::opt<bool> runtimeChecks(
    "runtime-checks",
    cl::desc("Check Gather/GatherElements/GatherND/ScatterElements/ScatterND indices at run "
             "time: an index out of range makes the run return "
             "AIOPT_ERROR_INDEX_OUT_OF_RANGE naming the node (default: clamped)"),
    cl::cat(category));
cl::opt<bool> lineTables(
    "g",
    cl::desc("Keep a line table in the object: its code is attributed to model.onnx:N, "
             "the graph's node N (1-based), so that profilers (perf report --sort srcline) "
             "and debuggers name the ONNX node a hot spot came from"),
    cl::cat(category));
cl::opt<bool> opStats("op-stats",
                      cl::desc("Print the aiopt operator counts before and after the graph "
                               "passes (to stderr)"),
                      cl::cat(category));
cl::list<std::string> bindInputs(
    "bind-input", cl::value_desc("NAME=FILE.pb"),
    cl::desc("Bind graph input NAME to the ONNX TensorProto in FILE.pb: it becomes a "
             "constant, no longer an input of the compiled model (repeatable)"));
cl::opt<int64_t> maxModelBytes("max-model-bytes", cl::init((int64_t(1) << 31) - 1),
                                cl::desc("Refuse model files larger than this (bytes)"),
                                cl::cat(category));
cl::opt<int64_t> maxTensorElements("max-tensor-elements", cl::init(int64_t(1) << 34),
                                   cl::desc("Refuse tensors with more elements than this"),
                                   cl::cat(category));
cl::opt<int64_t> maxDimSize("max-dim-size", cl::init(int64_t(1) << 32),
                            cl::desc("Refuse tensor dimensions larger than this"),
                            cl::cat(category));
cl::opt<int64_t> maxNodes("max-nodes", cl::init(1000000),
                          cl::desc("Refuse models with more nodes than this (subgraphs included)"),
                          cl::cat(category));
cl::opt<int64_t> maxSubgraphDepth("max-subgraph-depth", cl::init(32),
                                  cl::desc("Refuse If/Loop/Scan bodies nested deeper than this"),
                                  cl::cat(category));
cl::OptionCategory quantCategory("aiopt-compile quantization options (docs/quantization.md)");
cl::opt<std::string> quantize("quantize",
                              cl::desc("Int8 quantization of Conv/MatMul/Gemm: dynamic (activation "
                                       "scales at run time) or static (calibrated)"),
                              cl::cat(quantCategory));
cl::opt<bool> perTensorWeights("per-tensor-weights",
                               cl::desc("One weight scale per tensor (default: per output channel)"),
                               cl::cat(quantCategory));
cl::opt<std::string> activationType("activation-type", cl::init("int8"),
                                    cl::desc("Static activations: int8 or uint8"),
                                    cl::cat(quantCategory));
cl::opt<bool> symmetricActivations("symmetric-activations",
                                   cl::desc("Static activations with a fixed zero point"),
                                   cl::cat(quantCategory));
cl::list<std::string> quantizeOps("quantize-ops", cl::CommaSeparated,
                                  cl::desc("Quantize only these node names or op types"),
                                  cl::cat(quantCategory));
cl::list<std::string> quantizeExclude("quantize-exclude", cl::CommaSeparated,
                                      cl::desc("Keep these node names or op types in float"),
                                      cl::cat(quantCategory));
cl::opt<std::string> calibrationData(
    "calibration-data", cl::value_desc("DIR"),
    cl::desc("Samples for static calibration: <input>.npy per input, samples stacked"),
    cl::cat(quantCategory));
cl::opt<std::string> calibrationMethod("calibration-method", cl::init("minmax"),
                                       cl::desc("minmax, percentile or entropy"),
                                       cl::cat(quantCategory));
cl::opt<double> calibrationPercentile("calibration-percentile", cl::init(99.99),
                                      cl::desc("Percentile kept by --calibration-method=percentile"),
                                      cl::cat(quantCategory));
cl::opt<std::string> validationData(
    "validation-data", cl::value_desc("DIR"),
    cl::desc("Samples plus labels.npy or reference outputs, for --max-accuracy-drop"),
    cl::cat(quantCategory));
cl::opt<double> maxAccuracyDrop(
    "max-accuracy-drop", cl::init(-1),
    cl::desc("Largest top-1 accuracy drop (points) allowed; layers go back to float, most "
             "sensitive first, until it holds"),
    cl::cat(quantCategory));
cl::opt<bool> allowAccuracyMiss("allow-accuracy-miss",
                                cl::desc("Keep the best result when the drop cannot be met"),
                                cl::cat(quantCategory));
cl::opt<std::string> quantizationReport("quantization-report", cl::value_desc("FILE.json"),
                                        cl::desc("Write every quantization decision as JSON"),
                                        cl::cat(quantCategory));
cl::OptionCategory pruneCategory("aiopt-compile pruning options (docs/pruning.md)");
cl::opt<std::string> prune("prune", cl::value_desc("SPEC"),
                           cl::desc("Prune Conv/MatMul/Gemm weights: magnitude:sparsity=S[:global], "
                                    "nm:N:M or channels:ratio=R[:norm=l1|l2]"),
                           cl::cat(pruneCategory));
cl::list<std::string> pruneOps("prune-ops", cl::CommaSeparated,
                               cl::desc("Prune only these node names or op types"),
                               cl::cat(pruneCategory));
cl::list<std::string> pruneExclude("prune-exclude", cl::CommaSeparated,
                                   cl::desc("Keep these node names or op types dense"),
                                   cl::cat(pruneCategory));
cl::opt<std::string> pruningReport("pruning-report", cl::value_desc("FILE.json"),
                                   cl::desc("Write every pruning decision as JSON"),
                                   cl::cat(pruneCategory));
cl::opt<std::string> sparsityReport(
    "sparsity-report", cl::value_desc("FILE.json"),
    cl::desc("Write each layer's weight sparsity and kernel (sparse or dense) as JSON"),
    cl::cat(pruneCategory));
cl::OptionCategory precisionCategory("aiopt-compile precision options (docs/precision.md)");
cl::opt<std::string> precision(
    "precision", cl::init("f32"),
    cl::desc("Operand type of Conv/MatMul/Gemm products: f32, or f16 or bf16 accumulating in "
             "f32 (mixed precision; the guard's validation options apply), or with a GPU "
             "target tf32 (f32 products' operands rounded to TF32 in the kernels, on tensor "
             "cores on CUDA)"),
    cl::cat(precisionCategory));
cl::list<std::string> precisionOps("precision-ops", cl::CommaSeparated,
                                   cl::desc("Reduce only these node names or op types"),
                                   cl::cat(precisionCategory));
cl::list<std::string> precisionExclude("precision-exclude", cl::CommaSeparated,
                                       cl::desc("Keep these node names or op types in f32"),
                                       cl::cat(precisionCategory));
cl::opt<std::string> precisionReport("precision-report", cl::value_desc("FILE.json"),
                                     cl::desc("Write every precision decision as JSON"),
                                     cl::cat(precisionCategory));
cl::opt<bool> printPipeline("print-pipeline",
                            cl::desc("Print the MLIR pass pipeline and exit"),
                            cl::cat(category));

/// Number of operations per name (aiopt ops and the control flow around
/// them), ordered by name.
using OpCounts = std::map<std::string, int64_t>;

OpCounts countOps(ModuleOp module) {
  OpCounts counts;
  module.walk([&](Operation *op) {
    if (!isa<ModuleOp, func::FuncOp, func::ReturnOp>(op))
      ++counts[op->getName().getStringRef().str()];
  });
  return counts;
}

/// A table of the counts before and after, with totals.
void printOpCounts(llvm::raw_ostream &os, const OpCounts &before, const OpCounts &after) {
  std::set<std::string> names;
  for (const auto &m : {before, after})
    for (const auto &[name, n] : m)
      names.insert(name);
  auto get = [](const OpCounts &m, const std::string &name) {
    auto it = m.find(name);
    return it == m.end() ? int64_t(0) : it->second;
  };
  int64_t totalBefore = 0, totalAfter = 0;
  os << llvm::formatv("{0,-28} {1,8} {2,8}\n", "operation", "before", "after");
  for (const std::string &name : names) {
    int64_t b = get(before, name), a = get(after, name);
    totalBefore += b;
    totalAfter += a;
    os << llvm::formatv("{0,-28} {1,8} {2,8}\n", name, b, a);
  }
  os << llvm::formatv("{0,-28} {1,8} {2,8}\n", "total", totalBefore, totalAfter);
}

std::string joinArgs(int argc, char **argv) {
  std::string s;
  for (int i = 1; i < argc; ++i)
    s += (i > 1 ? " " : "") + std::string(argv[i]);
  return s;
}

LogicalResult writeFile(StringRef path, llvm::function_ref<LogicalResult(llvm::raw_pwrite_stream &)> fn) {
  std::string error;
  auto out = openOutputFile(path, &error);
  if (!out) {
    toolError(ErrorCode::OutputUnwritable) << "cannot write '" << path << "': " << error << "\n";
    return failure();
  }
  if (failed(fn(out->os())))
    return failure();
  out->keep();
  return success();
}

int compile(int argc, char **argv) {
  DialectRegistry registry;
  aiopt::registerAllDialects(registry);
  aiopt::registerAllPasses();
  registerPassManagerCLOptions();
  registerMLIRContextCLOptions();
  registerAsmPrinterCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "aiopt: ONNX model compiler\n");

  MLIRContext context(registry);
  // Errors name the file, node and op; the failing operation's generic
  // form after them is for compiler developers, who ask for it.
  if (!cl::getRegisteredOptions()["mlir-print-op-on-diagnostic"]->getNumOccurrences())
    context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  ErrorCodeHandler codes(&context, StringRef(inputFile).ends_with(".mlir")
                                       ? ErrorCode::InvalidIR
                                       : ErrorCode::InvalidNode);

  std::optional<Phase> to = compileTo.empty() ? std::optional<Phase>(Phase::LLVM)
                                              : parsePhase(compileTo);
  std::optional<Phase> from = parsePhase(compileFrom);
  if (!to || !from) {
    toolError(ErrorCode::InvalidOption) << "unknown phase '"
                 << (!to ? compileTo : compileFrom)
                 << "' (expected import, graph, linalg, codegen or llvm)\n";
    return 1;
  }
  bool isMLIR = StringRef(inputFile).ends_with(".mlir");
  if (!isMLIR)
    from = Phase::Import;
  if (isMLIR && !bindInputs.empty()) {
    toolError(ErrorCode::InvalidOption) << "--bind-input applies to ONNX models, not to .mlir input\n";
    return 1;
  }
  std::string name = modelName.empty()
                         ? sanitizeIdentifier(llvm::sys::path::stem(inputFile))
                         : std::string(modelName);
  if (name != sanitizeIdentifier(name)) {
    toolError(ErrorCode::InvalidOption) << "--name '" << name << "' is not a C identifier\n";
    return 1;
  }

  if (optLevel > 3) {
    toolError(ErrorCode::InvalidOption) << "-O" << optLevel << " is not a level (-O0..-O3)\n";
    return 1;
  }
  // GPU targets: the device kernels' API; the host code is this machine's.
  std::string device = "cpu";
  if (targetTriple == "vulkan" || targetTriple == "cuda")
    device = targetTriple;
  std::string why;
  if (failed(checkThreadPool(threadPool, why))) {
    toolError(ErrorCode::InvalidOption) << "--thread-pool=" << threadPool << " " << why << "\n";
    return 1;
  }
  if (threadPool.getNumOccurrences() && !parallel) {
    toolError(ErrorCode::InvalidOption) << "--thread-pool needs --parallel\n";
    return 1;
  }
  if (device != "cpu" && parallel) {
    toolError(ErrorCode::InvalidOption)
        << "--target=" << device << " runs its loops as kernels: --parallel is for CPUs\n";
    return 1;
  }
  if (device != "cuda" && (gpuArch.getNumOccurrences() || cudaPath.getNumOccurrences())) {
    toolError(ErrorCode::InvalidOption) << "--gpu-arch and --cuda-path need --target=cuda\n";
    return 1;
  }
  if (device == "cpu" && deviceResident.getNumOccurrences()) {
    toolError(ErrorCode::InvalidOption) << "--device-resident needs a GPU target\n";
    return 1;
  }
  FailureOr<std::string> winogradOptions =
      winogradPassOptions(winograd.getNumOccurrences() ? StringRef(winograd) : "", device, why);
  if (failed(winogradOptions)) {
    toolError(ErrorCode::InvalidOption) << "--" << why << "\n";
    return 1;
  }
  if (failed(checkTensorCores(tensorCores.getNumOccurrences() ? StringRef(tensorCores) : "",
                              device, why))) {
    toolError(ErrorCode::InvalidOption) << "--" << why << "\n";
    return 1;
  }
  if (failed(checkGPUTileOptions(gpuTiles, device, why))) {
    toolError(ErrorCode::InvalidOption) << "--gpu-tiles: " << why << "\n";
    return 1;
  }
  if (device == "cpu" && !kernelDumpDir.empty()) {
    toolError(ErrorCode::InvalidOption) << "--kernel-dump-dir needs a GPU --target\n";
    return 1;
  }
  std::string cudaToolkit;
  if (device == "cuda") {
    if (!llvm::is_contained(cudaArchitectures(), StringRef(gpuArch))) {
      auto &os = toolError(ErrorCode::InvalidOption)
                 << "--gpu-arch=" << gpuArch << " is not a known NVIDIA GPU architecture; known:";
      for (StringRef arch : cudaArchitectures())
        os << " " << arch;
      os << "\n";
      return 1;
    }
    std::string error;
    FailureOr<std::string> toolkit = findCUDAToolkit(cudaPath, error);
    if (failed(toolkit)) {
      toolError(ErrorCode::ToolMissing) << error << "\n";
      return 1;
    }
    cudaToolkit = *toolkit;
  }
  TargetOptions targetOptions;
  targetOptions.triple = device == "cpu" ? std::string(targetTriple) : std::string();
  targetOptions.cpu = mcpu;
  targetOptions.features = mattr;
  targetOptions.optLevel = llvmOptLevel(optLevel);
  auto tm = createTargetMachine(targetOptions, FileLineColLoc::get(&context, inputFile, 0, 0));
  if (failed(tm))
    return 1;

  DriverOptions driverOptions;
  driverOptions.name = name;
  driverOptions.optLevel = optLevel;
  driverOptions.runtimeChecks = runtimeChecks;
  driverOptions.target = targetOptions;
  driverOptions.device = device;
  driverOptions.gpuArch = gpuArch;
  driverOptions.cudaToolkit = cudaToolkit;
  driverOptions.kernelDumpDir = kernelDumpDir;
  driverOptions.tensorCores = tensorCores;
  driverOptions.gpuTiles = gpuTiles;
  QuantizationOptions &q = driverOptions.quantization;
  q.mode = quantize;
  q.perChannel = !perTensorWeights;
  q.activationType = activationType;
  q.symmetricActivations = symmetricActivations;
  q.ops.assign(quantizeOps.begin(), quantizeOps.end());
  q.exclude.assign(quantizeExclude.begin(), quantizeExclude.end());
  q.calibrationData = calibrationData;
  q.calibrationMethod = calibrationMethod;
  q.percentile = calibrationPercentile;
  q.validationData = validationData;
  q.maxAccuracyDrop = maxAccuracyDrop;
  q.allowAccuracyMiss = allowAccuracyMiss;
  q.reportPath = quantizationReport;
  if (!q.mode.empty() && q.mode != "dynamic" && q.mode != "static") {
    toolError(ErrorCode::InvalidOption) << "--quantize must be dynamic or static, not '" << q.mode
                 << "'\n";
    return 1;
  }
  if (!prune.empty()) {
    std::string error;
    FailureOr<PruningOptions> p = parsePruneSpec(prune, error);
    if (failed(p)) {
      toolError(ErrorCode::InvalidOption) << error << "\n";
      return 1;
    }
    driverOptions.pruning = *p;
  }
  PruningOptions &pruning = driverOptions.pruning;
  pruning.ops.assign(pruneOps.begin(), pruneOps.end());
  pruning.exclude.assign(pruneExclude.begin(), pruneExclude.end());
  pruning.reportPath = pruningReport;
  driverOptions.sparsityReportPath = sparsityReport;
  if (q.mode.empty() && (!calibrationData.empty() || !quantizationReport.empty())) {
    toolError(ErrorCode::InvalidOption) << "calibration and quantization report options need "
                    "--quantize\n";
    return 1;
  }
  PrecisionOptions &p = driverOptions.precision;
  p.type = precision;
  p.ops.assign(precisionOps.begin(), precisionOps.end());
  p.exclude.assign(precisionExclude.begin(), precisionExclude.end());
  p.reportPath = precisionReport;
  if (std::string error; failed(checkPrecision(p.type, device, error))) {
    toolError(ErrorCode::InvalidOption) << error << "\n";
    return 1;
  }
  if (!p.reduces() && (!precisionOps.empty() || !precisionExclude.empty() ||
                       !precisionReport.empty())) {
    toolError(ErrorCode::InvalidOption) << "precision options need --precision=f16 or bf16"
                                        << (p.tf32() ? " (tf32 applies to every f32 product "
                                                       "a GPU kernel tiles)"
                                                     : "")
                                        << "\n";
    return 1;
  }
  if (q.mode.empty() && pruning.mode.empty() && !p.reduces() &&
      (!validationData.empty() || maxAccuracyDrop >= 0)) {
    toolError(ErrorCode::InvalidOption)
        << "validation options need --quantize, --prune or --precision=f16|bf16\n";
    return 1;
  }
  if (pruning.mode.empty() && (!pruneOps.empty() || !pruneExclude.empty() ||
                               !pruningReport.empty())) {
    toolError(ErrorCode::InvalidOption) << "pruning options need --prune\n";
    return 1;
  }

  CPUPipelineOptions pipelineOptions;
  pipelineOptions.modelName = name;
  pipelineOptions.optLevel = optLevel;
  pipelineOptions.parallel = parallel;
  pipelineOptions.threadPool = threadPool;
  // What a parallel model's object needs: the runtime's pool or libomp.
  std::string threads = parallel ? threadPool.getValue() : "";
  pipelineOptions.winograd = *winogradOptions;
  pipelineOptions.device = device;
  pipelineOptions.skip = std::vector<std::string>(skipPasses.begin(), skipPasses.end());
  // (Only where the run makes the pass's phase.)
  static constexpr StringLiteral kPrefetch = "aiopt-cpu-prefetch-weights";
  if (!prefetchWeights && device == "cpu" && runsPhase(optionalPassPhase(kPrefetch), *from, *to))
    pipelineOptions.skip.push_back(kPrefetch.str());
  if (failed(checkSkippedPasses(pipelineOptions.skip, device, *from, *to, why))) {
    toolError(ErrorCode::InvalidOption) << "--skip-pass: " << why << "\n";
    return 1;
  }
  pipelineOptions.runtimeChecks = runtimeChecks;
  pipelineOptions.gpuArch = gpuArch;
  pipelineOptions.deviceResident = deviceResident;
  pipelineOptions.tensorCores = tensorCores;
  pipelineOptions.tf32 = p.tf32();
  pipelineOptions.gpuTiles = gpuTiles;
  pipelineOptions.cudaToolkit = cudaToolkit;
  pipelineOptions.kernelDumpDir = kernelDumpDir;
  // Tile and vector sizes follow the target's vector registers.
  pipelineOptions.vectorBits = vectorRegisterBits(**tm);
  pipelineOptions.vnniBits = vnniBits(**tm);
  pipelineOptions.pairBits = pairBits(**tm);
  // Pruning and quantization that runs the model (calibration, the
  // accuracy guard) happen between the graph phase and the rest; without
  // them, the graph phase ends with the quantize pass.
  bool measured = needsGraphPhaseWork(driverOptions) && *from < Phase::Graph &&
                  *to >= Phase::Graph;
  if (!measured) {
    pipelineOptions.prune = prunePassOptions(pruning);
    pipelineOptions.quantize = quantizePassOptions(q);
    pipelineOptions.precision = precisionPassOptions(p);
  }
  // With --op-stats the graph phase runs on its own, counted before and after.
  bool splitGraph = (opStats || measured) && *from < Phase::Graph && *to >= Phase::Graph;
  PassManager graphPm(&context, ModuleOp::getOperationName());
  PassManager pm(&context, ModuleOp::getOperationName());
  if (failed(applyPassManagerCLOptions(pm)) || failed(applyPassManagerCLOptions(graphPm)))
    return 1;
  if (splitGraph) {
    buildCPUPipeline(graphPm, *from, Phase::Graph, pipelineOptions);
    buildCPUPipeline(pm, Phase::Graph, *to, pipelineOptions);
  } else {
    buildCPUPipeline(pm, *from, *to, pipelineOptions);
  }
  if (printPipeline) {
    if (splitGraph) {
      graphPm.printAsTextualPipeline(llvm::outs());
      llvm::outs() << "\n";
    }
    pm.printAsTextualPipeline(llvm::outs());
    llvm::outs() << "\n";
    return 0;
  }

  OwningOpRef<ModuleOp> module;
  if (isMLIR) {
    module = parseSourceFile<ModuleOp>(inputFile, sourceMgr, &context);
  } else {
    ONNXImportOptions importOptions;
    importOptions.functionName = name;
    importOptions.maxModelBytes = maxModelBytes;
    importOptions.maxTensorElements = maxTensorElements;
    importOptions.maxDimSize = maxDimSize;
    importOptions.maxNodes = maxNodes;
    importOptions.maxSubgraphDepth = maxSubgraphDepth;
    for (StringRef binding : bindInputs) {
      auto [input, file] = binding.split('=');
      if (input.empty() || file.empty()) {
        toolError(ErrorCode::InvalidOption) << "--bind-input '" << binding
                     << "' is not of the form NAME=FILE.pb\n";
        return 1;
      }
      importOptions.boundInputs[input.str()] = file.str();
    }
    module = importONNXFile(inputFile, &context, importOptions);
  }
  if (!module)
    return 1;
  codes.fallback = ErrorCode::PassFailed;

  // The C header describes the model function before it is lowered.
  std::optional<ModelSignature> signature;
  if (*from < Phase::LLVM) {
    FailureOr<ModelSignature> sig = getModelSignature(*module, name);
    if (failed(sig))
      return 1;
    signature = *sig;
  }

  if (splitGraph) {
    OpCounts before = countOps(*module);
    if (failed(graphPm.run(*module)))
      return 1;
    if (measured && failed(graphPhaseWork(context, *module, driverOptions)))
      return 1;
    if (opStats)
      printOpCounts(llvm::errs(), before, countOps(*module));
  }
  if (failed(pm.run(*module)))
    return 1;
  std::optional<MemoryPlanSummary> plan = getMemoryPlan(*module);
  if (!memoryReport.empty() && failed(writeMemoryReport(*module, memoryReport)))
    return 1;

  bool writeMLIR = !compileTo.empty() || emitKind == Emit::MLIR;
  std::string output = outputFile;
  if (output.empty())
    output = writeMLIR ? "-"
             : name + (emitKind == Emit::Shared ? ".so"
                       : emitKind == Emit::Asm  ? ".s"
                       : emitKind == Emit::LLVMIR ? ".ll"
                                                 : ".o");
  if (writeMLIR)
    return failed(writeFile(output, [&](llvm::raw_pwrite_stream &os) {
             module->print(os);
             return success();
           }));

  Location loc = module->getLoc();
  llvm::LLVMContext llvmContext;
  auto llvmModule = translateAndOptimize(*module, llvmContext, **tm,
                                         targetOptions.optLevel, lineTables);
  if (failed(llvmModule))
    return 1;

  LogicalResult written = success();
  switch (emitKind) {
  case Emit::LLVMIR:
    written = writeFile(output, [&](llvm::raw_pwrite_stream &os) {
      (*llvmModule)->print(os, nullptr);
      return success();
    });
    break;
  case Emit::Asm:
  case Emit::Obj:
    written = writeFile(output, [&](llvm::raw_pwrite_stream &os) {
      return emitMachineCode(**llvmModule, **tm, os, emitKind == Emit::Asm, loc);
    });
    break;
  case Emit::Shared: {
    std::string object = output + ".o";
    written = writeFile(object, [&](llvm::raw_pwrite_stream &os) {
      return emitMachineCode(**llvmModule, **tm, os, false, loc);
    });
    std::string error;
    if (succeeded(written) &&
        failed(linkSharedLibrary(object, output, threads, device, error))) {
      toolError(ErrorCode::ToolMissing) << error << "\n";
      written = failure();
    }
    llvm::sys::fs::remove(object);
    break;
  }
  case Emit::MLIR:
    break;
  }
  if (failed(written))
    return 1;

  if ((emitKind == Emit::Obj || emitKind == Emit::Shared) && signature) {
    std::string header = headerFile;
    if (header.empty()) {
      if (output == "-") {
        toolError(ErrorCode::InvalidOption) << "give --header when writing to stdout\n";
        return 1;
      }
      SmallString<256> h(output);
      llvm::sys::path::replace_extension(h, ".h");
      header = std::string(h);
    }
    std::string options = joinArgs(argc, argv);
    if (failed(writeFile(header, [&](llvm::raw_pwrite_stream &os) {
          printModelHeader(*signature, name, options, threads,
                           device == "cuda" && deviceResident, os, plan);
          return success();
        })))
      return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  return compile(argc, argv);
}
