//===- Driver.h - compile an ONNX model to machine code ---------*- C++ -*-===//
//
// The steps aiopt-compile and the compiler C API share: ONNX import, the
// CPU pipeline, LLVM code generation and shared-library linking.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DRIVER_DRIVER_H
#define AIOPT_DRIVER_DRIVER_H

#include "aiopt/Pipelines/Pipelines.h"
#include "aiopt/Target/LLVMEmitter.h"
#include "aiopt/Target/ModelHeader.h"

#include "mlir/IR/MLIRContext.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::aiopt {

/// LLVM's optimization level for aiopt's -O0..-O3.
unsigned llvmOptLevel(unsigned optLevel);

/// Int8 quantization (docs/quantization.md): the aiopt-quantize pass's
/// options, the calibration data of static quantization, and the accuracy
/// guard.
struct QuantizationOptions {
  std::string mode;                  ///< "" (none), "dynamic" or "static"
  bool perChannel = true;            ///< weight scales per output channel
  std::string activationType = "int8"; ///< static: int8 or uint8
  bool symmetricActivations = false;
  std::vector<std::string> ops, exclude; ///< node names or op types
  std::string calibrationData;       ///< folder of samples (static)
  std::string calibrationMethod = "minmax"; ///< minmax, percentile or entropy
  double percentile = 99.99;         ///< for the percentile method
  std::string validationData;        ///< folder of samples and labels/references
  double maxAccuracyDrop = -1;       ///< points; < 0: no guard
  bool allowAccuracyMiss = false;    ///< keep the best result when the guard misses
  std::string reportPath;            ///< JSON report ("" : none)

  /// Whether quantizing needs the model run on data (calibration or the
  /// guard), which quantizeModule does.
  bool needsData() const { return mode == "static" || (!mode.empty() && maxAccuracyDrop >= 0); }
};

/// The aiopt-quantize pass options for `q` ("" when it quantizes nothing).
std::string quantizePassOptions(const QuantizationOptions &q);

/// Pruning (docs/pruning.md): the aiopt-prune pass's options, parsed from
/// the `--prune` spec, and the accuracy guard (its validation data and
/// budget are QuantizationOptions' validationData, maxAccuracyDrop and
/// allowAccuracyMiss, shared by both).
struct PruningOptions {
  std::string mode;             ///< "" (none), "magnitude", "nm" or "channels"
  double sparsity = 0.5;        ///< magnitude
  bool global = false;          ///< magnitude: one threshold for all layers
  int64_t n = 2, m = 4;         ///< nm
  double ratio = 0.5;           ///< channels
  std::string norm = "l1";      ///< channels: l1 or l2
  std::vector<std::string> ops, exclude; ///< node names or op types
  std::string reportPath;       ///< JSON report of every decision ("" : none)
};

/// Parses a `--prune` spec: `magnitude:sparsity=S[:global]`, `nm:N:M` or
/// `channels:ratio=R[:norm=l1|l2]`; on failure `error` says why.
FailureOr<PruningOptions> parsePruneSpec(StringRef spec, std::string &error);

/// The aiopt-prune pass options for `p` ("" when it prunes nothing).
std::string prunePassOptions(const PruningOptions &p);

/// Mixed precision (docs/precision.md): the aiopt-reduce-precision pass's
/// options; its accuracy guard's validation data and budget are
/// QuantizationOptions' validationData, maxAccuracyDrop and
/// allowAccuracyMiss, shared with quantization and pruning.
struct PrecisionOptions {
  /// The products' operand type: f32 (as is), f16 or bf16 (the graph
  /// phase's aiopt-reduce-precision), or tf32 (GPU targets: f32 products
  /// round their operands to TF32 in the kernels, on tensor cores on CUDA).
  std::string type = "f32";
  std::vector<std::string> ops, exclude; ///< node names or op types
  std::string reportPath;       ///< JSON report ("" : none)

  /// Whether the graph phase reduces products to f16 or bf16.
  bool reduces() const { return type == "f16" || type == "bf16"; }
  /// Whether the GPU kernels compute f32 products in TF32.
  bool tf32() const { return type == "tf32"; }
};

/// The aiopt-reduce-precision pass options for `p` ("" when products stay
/// f32).
std::string precisionPassOptions(const PrecisionOptions &p);

/// Whether precision `type` is one of f32, f16 and bf16 (every target has
/// them) or tf32 (a GPU `device`'s: vulkan or cuda); on failure `error`
/// says why.
LogicalResult checkPrecision(StringRef type, StringRef device, std::string &error);

/// Whether `choice` is a tensor-cores choice (auto, off or emulate; empty:
/// not given) for `device`: given at all, it needs a GPU device. On
/// failure `error` says why.
LogicalResult checkTensorCores(StringRef choice, StringRef device, std::string &error);

/// The aiopt-winograd options (DriverOptions::winograd) for the user's
/// choice "auto" (also empty: not given), "off", "2" or "4" (the tile),
/// or failure with `error` set: another choice, or a choice other than
/// "off" given for a GPU `device`, which keeps convolutions direct.
FailureOr<std::string> winogradPassOptions(StringRef choice, StringRef device,
                                           std::string &error);

/// How compileONNXToObject compiles.
struct DriverOptions {
  std::string name;       ///< model name, a C identifier
  unsigned optLevel = 2;  ///< -O0..-O3
  bool parallel = false;  ///< blocks on threads (OpenMP regions)
  std::string threadPool = "aiopt"; ///< with parallel: aiopt (the runtime's pool) or openmp
  bool runtimeChecks = false; ///< gather/scatter indices checked at run time
  bool lineTables = false;    ///< -g: a line table naming each code's ONNX node
  std::string device = "cpu"; ///< where loop nests run: cpu, vulkan or cuda
  std::string gpuArch = "sm_90"; ///< cuda: the GPU architecture
  std::string cudaToolkit;    ///< cuda: the toolkit's folder (see findCUDAToolkit)
  std::string kernelDumpDir;  ///< GPU devices: where kernel binaries are also written
  /// CPUs from -O2: aiopt-winograd's options ("" chooses per layer, "off"
  /// keeps convolutions direct; see winogradPassOptions)
  std::string winograd;
  /// GPU devices: f16/bf16 products on tensor cores (auto, off, emulate;
  /// see checkTensorCores)
  std::string tensorCores = "auto";
  /// GPU devices: aiopt-gpu-tile-contractions options replacing the
  /// target's (see checkGPUTileOptions)
  std::string gpuTiles;
  /// Optional passes to leave out (CPUPipelineOptions::skip; see
  /// checkSkippedPasses)
  std::vector<std::string> skip;
  TargetOptions target;   ///< its optLevel is set from `optLevel`
  std::map<std::string, std::string> boundInputs; ///< input name -> TensorProto file
  QuantizationOptions quantization;
  PruningOptions pruning;
  PrecisionOptions precision;
  /// The accuracy the quantization guard measures drops from: the model's
  /// before pruning when pruning ran first (set by pruneModule).
  std::optional<double> referenceAccuracy;
  std::string sparsityReportPath; ///< per-layer sparsity and kernel choice
};

/// An object file in memory and the model's signature.
struct CompiledObject {
  std::string object;
  ModelSignature signature;
};

/// Imports the ONNX model at `path` and compiles it for the CPU; errors are
/// emitted as diagnostics on `context`.
FailureOr<CompiledObject> compileONNXToObject(MLIRContext &context, StringRef path,
                                              DriverOptions options);

/// Runs the CPU phases after `from` up to `to` on `module` (no
/// quantization).
LogicalResult runPhases(MLIRContext &context, ModuleOp module, Phase from, Phase to,
                        const DriverOptions &options);

/// Compiles `module`, at phase `from`, to an object file in memory (the
/// module is lowered in place).
FailureOr<std::string> compileModuleToObject(MLIRContext &context, ModuleOp module, Phase from,
                                             const DriverOptions &options);

/// Quantizes `module`, at the graph phase, as `options.quantization` asks:
/// calibrates static activation ranges on the calibration data, and with
/// the accuracy guard measures the float and int8 compiles on the
/// validation data and returns layers to float, most sensitive first,
/// until the drop is within budget; writes the JSON report. The module is
/// left at the graph phase, quantized.
LogicalResult quantizeModule(MLIRContext &context, ModuleOp module, const DriverOptions &options);

/// Prunes `module`, at the graph phase, as `options.pruning` asks; with the
/// accuracy guard (validation data and a budget in `options.quantization`)
/// measures the model before and after on the validation data and backs
/// off the sparsity of layers, most sensitive first, until the drop is
/// within budget, recording the accuracy before pruning in
/// `options.referenceAccuracy`; writes the JSON report.
LogicalResult pruneModule(MLIRContext &context, ModuleOp module, DriverOptions &options);

/// Puts the products of `module`, at the graph phase, in the precision
/// `options.precision` asks; with the accuracy guard (validation data and
/// a budget in `options.quantization`) measures the model before and after
/// on the validation data and returns layers to f32, most sensitive first,
/// until the drop is within budget; writes the JSON report.
LogicalResult reducePrecision(MLIRContext &context, ModuleOp module, const DriverOptions &options);

/// Whether the graph phase needs the driver (graphPhaseWork) rather than
/// passes alone: pruning, quantization or mixed precision that runs the
/// model (or writes a report), or a sparsity report.
bool needsGraphPhaseWork(const DriverOptions &options);

/// On the graph-phase `module`: pruning, then quantization (with or without
/// data), then mixed precision, then the sparsity report, as `options`
/// asks.
LogicalResult graphPhaseWork(MLIRContext &context, ModuleOp module, DriverOptions &options);

/// Writes the sparsity of every contraction's constant weights in the
/// graph-phase `module` and the kernel aiopt-sparse-weights chooses for it,
/// as JSON, to `path`.
LogicalResult writeSparsityReport(ModuleOp module, StringRef path);

/// Writes the static memory plan aiopt-cpu-plan-memory recorded on the
/// lowered `module` (the arena's size, every planned buffer's type, size,
/// offset and live range, the allocations left to the runtime) as JSON to
/// `path`; an error when the module has none.
LogicalResult writeMemoryReport(ModuleOp module, StringRef path);

/// The CUDA toolkit's folder for --target=cuda: `given` (--cuda-path), else
/// $CUDA_PATH, $CUDA_HOME or $CUDA_ROOT, else the parent of the folder of a
/// ptxas on PATH, else /usr/local/cuda. It must hold bin/ptxas,
/// bin/fatbinary and nvvm/libdevice; on failure `error` says what is
/// missing where.
FailureOr<std::string> findCUDAToolkit(StringRef given, std::string &error);

/// The folder of aiopt's runtime archives (libaiopt_runtime.a,
/// libaiopt_runtime_vulkan.a, libaiopt_runtime_cuda.a): $AIOPT_RUNTIME_DIR,
/// else the build's lib/.
std::string runtimeLibraryDir();

/// Links the object file `object` into the shared library `output` with
/// ld.lld: for a parallel model, with a copy of the thread pool of
/// runtimeLibraryDir()'s libaiopt_runtime.a (`threads` "aiopt"; the library
/// exports its aiopt_pool_set_num_threads) or with
/// libomp ("openmp"; "" for other models), and for a GPU `device` (vulkan or
/// cuda) with that device's runtime archive from runtimeLibraryDir(), whose
/// calls into aiopt_runtime bind, when the library is loaded, to the
/// runtime the process has (as the model's own allocation calls do); on
/// failure `error` says why.
LogicalResult linkSharedLibrary(StringRef object, StringRef output, StringRef threads,
                                StringRef device, std::string &error);

/// The registry of every dialect and extension aiopt uses; registers the
/// passes (once) so that pipelines can be built by name.
DialectRegistry &driverRegistry();

} // namespace mlir::aiopt

#endif // AIOPT_DRIVER_DRIVER_H
