//===- ModelHeader.cpp - the C header of a compiled model -----------------===//
//
// Reads a model function's signature and prints its C description.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Target/ModelHeader.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::aiopt;

/// ONNX data type code of an element type, or 0.
static int32_t dtypeCode(Type t) {
  if (t.isF32()) return 1;
  if (isa<Float8E4M3FNType>(t)) return 17;
  if (isa<Float8E4M3FNUZType>(t)) return 18;
  if (isa<Float8E5M2Type>(t)) return 19;
  if (isa<Float8E5M2FNUZType>(t)) return 20;
  if (t.isUnsignedInteger(4)) return 21;
  if (t.isInteger(4)) return 22;
  if (isa<Float4E2M1FNType>(t)) return 23;
  if (t.isUnsignedInteger(2)) return 25;
  if (t.isInteger(2)) return 26;
  if (t.isUnsignedInteger(8)) return 2;
  if (t.isUnsignedInteger(16)) return 4;
  if (t.isUnsignedInteger(32)) return 12;
  if (t.isUnsignedInteger(64)) return 13;
  if (t.isInteger(8)) return 3;
  if (t.isInteger(16)) return 5;
  if (t.isInteger(32)) return 6;
  if (t.isInteger(64)) return 7;
  if (t.isInteger(1)) return 9;
  if (t.isF16()) return 10;
  if (t.isF64()) return 11;
  if (t.isBF16()) return 16;
  return 0;
}

static FailureOr<TensorSignature> tensorSignature(Type type, DictionaryAttr attrs,
                                                  std::string fallback,
                                                  Location loc) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return emitError(loc) << errorTag(ErrorCode::UnsupportedType)
                          << "model signature needs ranked tensors, got " << type;
  TensorSignature sig;
  auto name = attrs ? attrs.getAs<StringAttr>("aiopt.name") : StringAttr();
  sig.name = name ? name.str() : fallback;
  sig.dtype = dtypeCode(shaped.getElementType());
  if (!sig.dtype)
    return emitError(loc) << errorTag(ErrorCode::UnsupportedType) << "unsupported element type "
                          << shaped.getElementType() << " in the signature";
  for (int64_t d : shaped.getShape())
    sig.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
  // Names of dynamic dimensions (a dimension an option made static has none).
  auto dims = attrs ? attrs.getAs<ArrayAttr>("aiopt.dims") : ArrayAttr();
  if (dims && dims.size() == sig.shape.size())
    for (auto [d, name] : llvm::enumerate(dims.getAsValueRange<StringAttr>()))
      if (sig.shape[d] == -1 && !name.empty()) {
        sig.dimNames.resize(sig.shape.size());
        sig.dimNames[d] = name.str();
      }
  return sig;
}

FailureOr<ModelSignature> mlir::aiopt::getModelSignature(ModuleOp module,
                                                         StringRef funcName) {
  auto func = module.lookupSymbol<func::FuncOp>(funcName);
  if (!func)
    return module.emitError("no function '") << funcName << "' in the module";
  ModelSignature sig;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto t = tensorSignature(func.getArgumentTypes()[i], func.getArgAttrDict(i),
                             "input" + std::to_string(i), func.getLoc());
    if (failed(t))
      return failure();
    sig.inputs.push_back(*t);
  }
  for (unsigned i = 0; i < func.getNumResults(); ++i) {
    auto t = tensorSignature(func.getResultTypes()[i], func.getResultAttrDict(i),
                             "output" + std::to_string(i), func.getLoc());
    if (failed(t))
      return failure();
    sig.outputs.push_back(*t);
  }
  return sig;
}

std::string mlir::aiopt::sanitizeIdentifier(StringRef s) {
  std::string out;
  for (char c : s)
    out += (isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (out.empty() || isdigit(static_cast<unsigned char>(out[0])))
    out = "m_" + out;
  return out;
}

static void printCString(llvm::raw_ostream &os, StringRef s) {
  os << '"';
  os.write_escaped(s);
  os << '"';
}

static void printTensorTable(llvm::raw_ostream &os, StringRef model,
                             StringRef kind,
                             const std::vector<TensorSignature> &tensors) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    os << "static const int64_t " << model << "_" << kind << i << "_shape[] = {";
    llvm::interleaveComma(tensors[i].shape, os);
    if (tensors[i].shape.empty())
      os << "0";
    os << "};\n";
    if (tensors[i].dimNames.empty())
      continue;
    os << "static const char *const " << model << "_" << kind << i << "_dim_names[] = {";
    llvm::interleaveComma(tensors[i].dimNames, os, [&](const std::string &n) {
      if (n.empty())
        os << "NULL";
      else
        printCString(os, n);
    });
    os << "};\n";
  }
  os << "static const aiopt_tensor_info " << model << "_" << kind << "s[] = {\n";
  for (size_t i = 0; i < tensors.size(); ++i) {
    os << "  {";
    printCString(os, tensors[i].name);
    os << ", " << tensors[i].dtype << ", " << tensors[i].shape.size() << ", "
       << model << "_" << kind << i << "_shape, ";
    if (tensors[i].dimNames.empty())
      os << "NULL";
    else
      os << model << "_" << kind << i << "_dim_names";
    os << "},\n";
  }
  os << "};\n";
}

std::optional<MemoryPlanSummary> mlir::aiopt::getMemoryPlan(ModuleOp module) {
  auto plan = module->getAttrOfType<DictionaryAttr>("aiopt.memory_plan");
  if (!plan)
    return std::nullopt;
  auto get = [&](StringRef key) {
    auto value = plan.getAs<IntegerAttr>(key);
    return value ? value.getInt() : 0;
  };
  MemoryPlanSummary summary;
  summary.arenaBytes = get("arena_bytes");
  summary.plannedBytes = get("planned_bytes");
  summary.unplannedAllocations = get("unplanned_allocations");
  if (auto buffers = plan.getAs<ArrayAttr>("buffers"))
    summary.buffers = buffers.size();
  return summary;
}

void mlir::aiopt::printModelHeader(const ModelSignature &sig, StringRef name,
                                   StringRef compileOptions, StringRef threads,
                                   bool deviceBuffers, llvm::raw_ostream &os,
                                   std::optional<MemoryPlanSummary> plan) {
  std::string guard = "AIOPT_MODEL_" + StringRef(name).upper() + "_H";
  os << "/* Generated by aiopt-compile; do not edit.\n"
     << " * Model '" << name << "': link " << name
     << ".o with libaiopt_runtime.a"
     << (threads == "openmp" ? " and -fopenmp (libomp)"
         : threads == "aiopt" ? " and -lpthread"
                              : "")
     << " and call " << name << "_run(). */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include \"aiopt-c/Runtime.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "void " << name << "_entry(void **inputs, void *results);\n\n";
  if (deviceBuffers)
    os << "/* The CUDA runtime (libaiopt_runtime_cuda.a), for device buffers. */\n"
       << "extern const struct aiopt_device_runtime aiopt_cuda_device_runtime;\n\n";
  if (threads == "openmp")
    os << "/* Compiled with --parallel --thread-pool=openmp: needs an OpenMP runtime. */\n"
       << "#define " << StringRef(name).upper() << "_USES_OPENMP 1\n";
  if (threads == "aiopt")
    os << "/* Compiled with --parallel: runs on the thread pool of libaiopt_runtime.a. */\n"
       << "#define " << StringRef(name).upper() << "_USES_THREAD_POOL 1\n";
  if (plan)
    os << "/* Static memory plan: " << plan->buffers
       << " intermediate buffers share one arena per call (" << plan->plannedBytes
       << " bytes without reuse); " << plan->unplannedAllocations
       << " allocations of dynamic size or inside loops come from the runtime. */\n#define "
       << StringRef(name).upper() << "_ARENA_BYTES " << plan->arenaBytes << "\n";
  os << "#define " << StringRef(name).upper() << "_NUM_INPUTS "
     << sig.inputs.size() << "\n#define " << StringRef(name).upper()
     << "_NUM_OUTPUTS " << sig.outputs.size() << "\n\n";
  printTensorTable(os, name, "input", sig.inputs);
  printTensorTable(os, name, "output", sig.outputs);
  os << "\nstatic const aiopt_model_info " << name << "_model = {\n"
     << "  AIOPT_ABI_VERSION, ";
  printCString(os, name);
  os << ",\n  " << sig.inputs.size() << ", " << name << "_inputs, "
     << sig.outputs.size() << ", " << name << "_outputs,\n  " << name
     << "_entry,\n  ";
  printCString(os, compileOptions);
  os << ",\n  "
     << (deviceBuffers ? "AIOPT_MODEL_DEVICE_BUFFERS, &aiopt_cuda_device_runtime" : "0, NULL")
     << "};\n\n"
     << "/* Runs the model; see aiopt_run() in aiopt-c/Runtime.h. */\n"
     << "static inline aiopt_status " << name
     << "_run(const aiopt_tensor *inputs, aiopt_tensor *outputs) {\n"
     << "  return aiopt_run(&" << name << "_model, inputs, "
     << sig.inputs.size() << ", outputs, " << sig.outputs.size() << ");\n}\n\n";
  if (deviceBuffers)
    os << "/* Runs the model on CUDA device memory; see aiopt_run_on(). */\n"
       << "static inline aiopt_status " << name
       << "_run_on(const aiopt_tensor *inputs, aiopt_tensor *outputs, unsigned where) {\n"
       << "  return aiopt_run_on(&" << name << "_model, inputs, " << sig.inputs.size()
       << ", outputs, " << sig.outputs.size() << ", where);\n}\n\n";
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
}
