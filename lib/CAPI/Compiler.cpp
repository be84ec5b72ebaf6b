//===- Compiler.cpp - C API of the aiopt compiler -------------------------===//

#include "aiopt-c/Compiler.h"

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Driver/Driver.h"
#include "aiopt/Pipelines/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::aiopt;

namespace {

char *copyString(const std::string &s) {
  char *out = static_cast<char *>(std::malloc(s.size() + 1));
  if (out)
    std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

llvm::json::Array tensorsJSON(const std::vector<TensorSignature> &tensors) {
  llvm::json::Array array;
  for (const TensorSignature &t : tensors) {
    llvm::json::Object entry{
        {"name", t.name}, {"dtype", t.dtype}, {"shape", llvm::json::Array(t.shape)}};
    if (!t.dimNames.empty())
      entry["dims"] = llvm::json::Array(t.dimNames);
    array.push_back(std::move(entry));
  }
  return array;
}

aiopt_status fail(aiopt_status status, const std::string &message, char **error) {
  if (error)
    *error = copyString(message);
  return status;
}

} // namespace

extern "C" void aiopt_compile_options_init(aiopt_compile_options *options) {
  if (!options)
    return;
  *options = aiopt_compile_options{};
  options->opt_level = 2;
}

/// `text` as a JSON object with keys among `keys`.
static FailureOr<llvm::json::Value> parseOptionObject(StringRef text,
                                                      ArrayRef<StringLiteral> keys,
                                                      std::string &why) {
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value) {
    why = llvm::toString(value.takeError());
    return failure();
  }
  if (const llvm::json::Object *obj = value->getAsObject())
    for (const auto &entry : *obj)
      if (!llvm::is_contained(keys, StringRef(entry.first))) {
        why = "unknown key '" + entry.first.str() + "'";
        return failure();
      }
  return std::move(*value);
}

/// Maps the accuracy guard's keys, shared by quantization, pruning and
/// mixed precision, into `q`.
static bool mapGuard(llvm::json::ObjectMapper &m, QuantizationOptions &q) {
  return m.mapOptional("validation_data", q.validationData) &&
         m.mapOptional("max_accuracy_drop", q.maxAccuracyDrop) &&
         m.mapOptional("allow_accuracy_miss", q.allowAccuracyMiss);
}

/// Reads the quantization options' JSON object into `q`.
static LogicalResult parseQuantization(StringRef text, QuantizationOptions &q, std::string &why) {
  static constexpr StringLiteral kKeys[] = {
      "mode",           "per_channel",        "activation_type",        "symmetric_activations",
      "ops",            "exclude",            "calibration_data",       "calibration_method",
      "calibration_percentile", "validation_data", "max_accuracy_drop", "allow_accuracy_miss",
      "report"};
  FailureOr<llvm::json::Value> value = parseOptionObject(text, kKeys, why);
  if (failed(value))
    return failure();
  llvm::json::Path::Root root("quantization");
  llvm::json::ObjectMapper m(*value, root);
  bool ok = m && m.map("mode", q.mode) && m.mapOptional("per_channel", q.perChannel) &&
            m.mapOptional("activation_type", q.activationType) &&
            m.mapOptional("symmetric_activations", q.symmetricActivations) &&
            m.mapOptional("ops", q.ops) && m.mapOptional("exclude", q.exclude) &&
            m.mapOptional("calibration_data", q.calibrationData) &&
            m.mapOptional("calibration_method", q.calibrationMethod) &&
            m.mapOptional("calibration_percentile", q.percentile) && mapGuard(m, q) &&
            m.mapOptional("report", q.reportPath);
  if (!ok) {
    why = llvm::toString(root.getError());
    return failure();
  }
  if (q.mode != "dynamic" && q.mode != "static") {
    why = "mode must be dynamic or static";
    return failure();
  }
  return success();
}

/// Reads the pruning options' JSON object into `options`.
static LogicalResult parsePruning(StringRef text, DriverOptions &options, std::string &why) {
  static constexpr StringLiteral kKeys[] = {
      "spec",          "ops",           "exclude",           "report",
      "sparsity_report", "validation_data", "max_accuracy_drop", "allow_accuracy_miss"};
  FailureOr<llvm::json::Value> value = parseOptionObject(text, kKeys, why);
  if (failed(value))
    return failure();
  std::string spec;
  QuantizationOptions &q = options.quantization;
  llvm::json::Path::Root root("pruning");
  llvm::json::ObjectMapper m(*value, root);
  PruningOptions p;
  bool ok = m && m.map("spec", spec) && m.mapOptional("ops", p.ops) &&
            m.mapOptional("exclude", p.exclude) && m.mapOptional("report", p.reportPath) &&
            m.mapOptional("sparsity_report", options.sparsityReportPath) && mapGuard(m, q);
  if (!ok) {
    why = llvm::toString(root.getError());
    return failure();
  }
  FailureOr<PruningOptions> parsed = parsePruneSpec(spec, why);
  if (failed(parsed))
    return failure();
  parsed->ops = p.ops;
  parsed->exclude = p.exclude;
  parsed->reportPath = p.reportPath;
  options.pruning = *parsed;
  return success();
}

/// Reads the mixed-precision options' JSON object into `options`.
static LogicalResult parsePrecision(StringRef text, DriverOptions &options, std::string &why) {
  static constexpr StringLiteral kKeys[] = {"type",           "ops",
                                            "exclude",        "report",
                                            "validation_data", "max_accuracy_drop",
                                            "allow_accuracy_miss"};
  FailureOr<llvm::json::Value> value = parseOptionObject(text, kKeys, why);
  if (failed(value))
    return failure();
  PrecisionOptions &p = options.precision;
  QuantizationOptions &q = options.quantization;
  llvm::json::Path::Root root("precision");
  llvm::json::ObjectMapper m(*value, root);
  bool ok = m && m.map("type", p.type) && m.mapOptional("ops", p.ops) &&
            m.mapOptional("exclude", p.exclude) && m.mapOptional("report", p.reportPath) &&
            mapGuard(m, q);
  if (!ok) {
    why = llvm::toString(root.getError());
    return failure();
  }
  // TF32 applies to every f32 product a GPU kernel tiles: no layer
  // choices, report or guard (those are the graph phase's, f16's and bf16's).
  if (p.type == "tf32" && value->getAsObject()->size() > 1) {
    why = "precision type tf32 takes no other keys (its rounding is the GPU kernels', of "
          "every f32 product they tile)";
    return failure();
  }
  return checkPrecision(p.type, options.device, why);
}

extern "C" aiopt_status aiopt_compile_shared(const char *modelPath, const char *name,
                                             const char *outputPath,
                                             const aiopt_compile_options *options,
                                             char **signatureJSON, char **error) {
  if (signatureJSON)
    *signatureJSON = nullptr;
  if (error)
    *error = nullptr;
  if (!modelPath || !outputPath)
    return fail(AIOPT_ERROR_NULL_ARGUMENT, "model path and output path are required", error);
  // As aiopt-compile: without a name, the file name made a C identifier.
  std::string modelName =
      name ? std::string(name) : sanitizeIdentifier(llvm::sys::path::stem(modelPath));
  if (modelName != sanitizeIdentifier(modelName) || modelName.empty())
    return fail(AIOPT_ERROR_INVALID_ARGUMENT,
                "model name '" + modelName + "' is not a C identifier", error);
  aiopt_compile_options defaults;
  aiopt_compile_options_init(&defaults);
  const aiopt_compile_options &o = options ? *options : defaults;
  if (o.opt_level < 0 || o.opt_level > 3)
    return fail(AIOPT_ERROR_INVALID_ARGUMENT,
                "opt_level " + std::to_string(o.opt_level) + " is not a level (0..3)", error);

  DriverOptions driverOptions;
  driverOptions.name = modelName;
  driverOptions.optLevel = o.opt_level;
  if (o.parallel < 0 || o.parallel > AIOPT_PARALLEL_OPENMP)
    return fail(AIOPT_ERROR_INVALID_ARGUMENT,
                "parallel " + std::to_string(o.parallel) +
                    " is not 0, AIOPT_PARALLEL_POOL (1) or AIOPT_PARALLEL_OPENMP (2)",
                error);
  driverOptions.parallel = o.parallel != 0;
  driverOptions.threadPool = o.parallel == AIOPT_PARALLEL_OPENMP ? "openmp" : "aiopt";
  driverOptions.runtimeChecks = o.runtime_checks != 0;
  driverOptions.lineTables = o.debug_info != 0;
  StringRef target = o.target ? o.target : "";
  if (target == "vulkan" || target == "cuda") {
    driverOptions.device = target.str();
    if (o.parallel)
      return fail(AIOPT_ERROR_INVALID_ARGUMENT,
                  "target " + target.str() + " runs its loops as kernels: parallel is for CPUs",
                  error);
  } else if (!target.empty()) {
    driverOptions.target.triple = target.str();
  }
  if ((o.gpu_arch || o.cuda_path) && target != "cuda")
    return fail(AIOPT_ERROR_INVALID_ARGUMENT, "gpu_arch and cuda_path need target \"cuda\"",
                error);
  if (target == "cuda") {
    driverOptions.gpuArch = o.gpu_arch ? o.gpu_arch : "sm_90";
    if (!llvm::is_contained(cudaArchitectures(), StringRef(driverOptions.gpuArch)))
      return fail(AIOPT_ERROR_INVALID_ARGUMENT,
                  "gpu_arch " + driverOptions.gpuArch + " is not a known NVIDIA GPU architecture",
                  error);
    std::string why;
    FailureOr<std::string> toolkit = findCUDAToolkit(o.cuda_path ? o.cuda_path : "", why);
    if (failed(toolkit))
      return fail(AIOPT_ERROR_INVALID_ARGUMENT, why, error);
    driverOptions.cudaToolkit = *toolkit;
  }
  {
    std::string why;
    FailureOr<std::string> winograd =
        winogradPassOptions(o.winograd ? o.winograd : "", driverOptions.device, why);
    if (failed(winograd))
      return fail(AIOPT_ERROR_INVALID_ARGUMENT, why, error);
    driverOptions.winograd = *winograd;
    if (failed(checkTensorCores(o.tensor_cores ? o.tensor_cores : "", driverOptions.device, why)))
      return fail(AIOPT_ERROR_INVALID_ARGUMENT, why, error);
    if (o.tensor_cores)
      driverOptions.tensorCores = o.tensor_cores;
    if (o.gpu_tiles) {
      if (failed(checkGPUTileOptions(o.gpu_tiles, driverOptions.device, why)))
        return fail(AIOPT_ERROR_INVALID_ARGUMENT, "gpu_tiles: " + why, error);
      driverOptions.gpuTiles = o.gpu_tiles;
    }
    if (o.skip_passes) {
      SmallVector<StringRef> names;
      StringRef(o.skip_passes).split(names, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
      std::vector<std::string> skip;
      for (StringRef name : names)
        skip.push_back(name.trim().str());
      // The C API compiles ONNX models to objects: every phase runs.
      if (failed(checkSkippedPasses(skip, driverOptions.device, Phase::Import, Phase::LLVM, why)))
        return fail(AIOPT_ERROR_INVALID_ARGUMENT, "skip_passes: " + why, error);
      driverOptions.skip = std::move(skip);
    }
  }
  if (o.cpu)
    driverOptions.target.cpu = o.cpu;
  if (o.features)
    driverOptions.target.features = o.features;

  if (o.quantization) {
    std::string why;
    if (failed(parseQuantization(o.quantization, driverOptions.quantization, why)))
      return fail(AIOPT_ERROR_INVALID_ARGUMENT, "quantization options: " + why, error);
  }

  if (o.pruning) {
    std::string why;
    if (failed(parsePruning(o.pruning, driverOptions, why)))
      return fail(AIOPT_ERROR_INVALID_ARGUMENT, "pruning options: " + why, error);
  }

  if (o.precision) {
    std::string why;
    if (failed(parsePrecision(o.precision, driverOptions, why)))
      return fail(AIOPT_ERROR_INVALID_ARGUMENT, "precision options: " + why, error);
  }

  // Options first, then the file.
  if (!llvm::sys::fs::exists(modelPath))
    return fail(AIOPT_ERROR_IO, std::string(modelPath) + ": no such file", error);

  MLIRContext context(driverRegistry(), MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  // Diagnostics as aiopt-compile prints them (file, ONNX node and op).
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagnosticStream);
  FailureOr<CompiledObject> compiled = compileONNXToObject(context, modelPath, driverOptions);
  if (failed(compiled))
    return fail(AIOPT_ERROR_COMPILE,
                diagnostics.empty() ? std::string(modelPath) + ": compilation failed"
                                    : diagnostics,
                error);

  std::string object = std::string(outputPath) + ".o";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(object, ec);
    if (ec)
      return fail(AIOPT_ERROR_IO, "cannot write '" + object + "': " + ec.message(), error);
    os << compiled->object;
  }
  std::string linkError;
  LogicalResult linked =
      linkSharedLibrary(object, outputPath, driverOptions.parallel ? driverOptions.threadPool : "",
                        driverOptions.device,
                        linkError);
  llvm::sys::fs::remove(object);
  if (failed(linked))
    return fail(AIOPT_ERROR_IO, linkError, error);

  if (signatureJSON) {
    llvm::json::Object signature{{"name", modelName},
                                 {"inputs", tensorsJSON(compiled->signature.inputs)},
                                 {"outputs", tensorsJSON(compiled->signature.outputs)},
                                 {"parallel", driverOptions.parallel},
                                 // CUDA models keep their buffers on the
                                 // device: they take device buffers.
                                 {"device_buffers", driverOptions.device == "cuda"}};
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(std::move(signature));
    *signatureJSON = copyString(text);
  }
  return AIOPT_OK;
}

extern "C" void aiopt_compiler_free(char *string) { std::free(string); }
