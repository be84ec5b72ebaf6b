//===- AIOptModule.cpp - the aiopt._aiopt Python extension -----------------===//
//
// nanobind bindings over the C APIs: aiopt_compile_shared (the compiler, in
// process) and aiopt_run (the runtime) on a compiled model's shared
// library. The Python package (python/aiopt) validates arguments and gives
// the friendly API; this layer is still safe on its own: every failure is
// a Python exception.
//
//===----------------------------------------------------------------------===//

#include "aiopt-c/Compiler.h"
#include "aiopt-c/Runtime.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <dlfcn.h>

#include <memory>
#include <string>
#include <vector>

namespace nb = nanobind;

namespace {

/// Raised for models the compiler rejects; the message is its diagnostics.
nb::object compileErrorType;

/// The DLPack type of an aiopt_dtype that numpy can hold.
std::optional<nb::dlpack::dtype> dlpackType(int32_t dtype) {
  using Code = nb::dlpack::dtype_code;
  auto make = [](Code code, uint8_t bits) {
    return nb::dlpack::dtype{static_cast<uint8_t>(code), bits, 1};
  };
  switch (dtype) {
  case AIOPT_F32: return make(Code::Float, 32);
  case AIOPT_F64: return make(Code::Float, 64);
  case AIOPT_F16: return make(Code::Float, 16);
  case AIOPT_I8: return make(Code::Int, 8);
  case AIOPT_I16: return make(Code::Int, 16);
  case AIOPT_I32: return make(Code::Int, 32);
  case AIOPT_I64: return make(Code::Int, 64);
  case AIOPT_U8: return make(Code::UInt, 8);
  case AIOPT_U16: return make(Code::UInt, 16);
  case AIOPT_U32: return make(Code::UInt, 32);
  case AIOPT_U64: return make(Code::UInt, 64);
  case AIOPT_BOOL: return make(Code::Bool, 8);
  default: return std::nullopt;
  }
}

std::string compileShared(const std::string &modelPath, std::optional<std::string> name,
                          const std::string &output, int optLevel, bool parallel,
                          std::optional<std::string> target, std::optional<std::string> cpu,
                          std::optional<std::string> features,
                          std::optional<std::string> quantization,
                          std::optional<std::string> pruning,
                          std::optional<std::string> precision, bool runtimeChecks,
                          bool debugInfo, std::optional<std::string> gpuArch,
                          std::optional<std::string> cudaPath,
                          std::optional<std::string> winograd,
                          std::optional<std::string> tensorCores,
                          std::optional<std::string> skipPasses,
                          std::optional<std::string> gpuTiles) {
  aiopt_compile_options options;
  aiopt_compile_options_init(&options);
  options.opt_level = optLevel;
  options.parallel = parallel;
  options.target = target ? target->c_str() : nullptr;
  options.cpu = cpu ? cpu->c_str() : nullptr;
  options.features = features ? features->c_str() : nullptr;
  options.quantization = quantization ? quantization->c_str() : nullptr;
  options.pruning = pruning ? pruning->c_str() : nullptr;
  options.precision = precision ? precision->c_str() : nullptr;
  options.gpu_arch = gpuArch ? gpuArch->c_str() : nullptr;
  options.cuda_path = cudaPath ? cudaPath->c_str() : nullptr;
  options.winograd = winograd ? winograd->c_str() : nullptr;
  options.tensor_cores = tensorCores ? tensorCores->c_str() : nullptr;
  options.skip_passes = skipPasses ? skipPasses->c_str() : nullptr;
  options.gpu_tiles = gpuTiles ? gpuTiles->c_str() : nullptr;
  options.runtime_checks = runtimeChecks;
  options.debug_info = debugInfo;
  char *signature = nullptr, *error = nullptr;
  aiopt_status status;
  {
    nb::gil_scoped_release release;
    status = aiopt_compile_shared(modelPath.c_str(), name ? name->c_str() : nullptr,
                                  output.c_str(), &options,
                                  &signature, &error);
  }
  std::string message = error ? error : "", json = signature ? signature : "";
  aiopt_compiler_free(error);
  aiopt_compiler_free(signature);
  if (status == AIOPT_ERROR_IO && message.find("no such file") != std::string::npos)
    throw nb::builtin_exception(nb::exception_type::runtime_error, message.c_str());
  if (status != AIOPT_OK) {
    PyErr_SetString(compileErrorType.ptr(), message.c_str());
    throw nb::python_error();
  }
  return json;
}

/// (name, dtype, shape, dimension names: "" for none, or empty).
using TensorSpec =
    std::tuple<std::string, int32_t, std::vector<int64_t>, std::vector<std::string>>;

/// A compiled model's shared library, loaded, with the aiopt_model_info the
/// runtime needs (built from the signature the compiler returned).
class Model {
public:
  Model(const std::string &path, const std::string &name, std::vector<TensorSpec> inputs,
        std::vector<TensorSpec> outputs, bool deviceBuffers)
      : inputSpecs(std::move(inputs)), outputSpecs(std::move(outputs)) {
    // The runtime's allocator must be in the global scope before the model
    // is loaded, so that the model's allocations bind to it (aiopt_run
    // frees the model's results with it) rather than to the model's own
    // malloc fallbacks.
    Dl_info runtime;
    if (!dladdr(reinterpret_cast<void *>(&aiopt_run), &runtime) ||
        !dlopen(runtime.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL))
      throw nb::builtin_exception(nb::exception_type::runtime_error,
                                  "cannot make the aiopt runtime library global");
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      throw nb::builtin_exception(nb::exception_type::runtime_error,
                                  (std::string("cannot load ") + path + ": " + dlerror()).c_str());
    std::string entryName = name + "_entry";
    auto entry = reinterpret_cast<aiopt_entry_fn>(dlsym(handle, entryName.c_str()));
    if (!entry) {
      dlclose(handle);
      throw nb::builtin_exception(
          nb::exception_type::runtime_error,
          (path + " does not export " + entryName + ": not a model named '" + name + "'").c_str());
    }
    // Parallel libraries carry a copy of the runtime's thread pool and
    // export its setter, or load libomp.
    setNumThreads =
        reinterpret_cast<void (*)(int)>(dlsym(handle, "aiopt_pool_set_num_threads"));
    if (!setNumThreads)
      setNumThreads = reinterpret_cast<void (*)(int)>(dlsym(handle, "omp_set_num_threads"));
    modelName = name;
    describe(inputSpecs, inputInfo, inputShapes, inputDimNames);
    describe(outputSpecs, outputInfo, outputShapes, outputDimNames);
    // CUDA models' libraries carry their own copy of the CUDA runtime,
    // which serves their device buffers.
    auto *device = deviceBuffers ? static_cast<const aiopt_device_runtime *>(
                                       dlsym(handle, "aiopt_cuda_device_runtime"))
                                 : nullptr;
    info = aiopt_model_info{AIOPT_ABI_VERSION, modelName.c_str(), inputInfo.size(),
                            inputInfo.data(), outputInfo.size(), outputInfo.data(), entry, "",
                            device ? static_cast<uint32_t>(AIOPT_MODEL_DEVICE_BUFFERS) : 0u,
                            device};
  }
  ~Model() { close(); }

  void close() {
    if (handle)
      dlclose(handle);
    handle = nullptr;
  }

  bool closed() const { return handle == nullptr; }

  /// Threads for later runs; needs a model compiled with `parallel`.
  void setThreads(int n) {
    if (n < 1)
      throw nb::value_error("the thread count must be at least 1");
    if (!setNumThreads && n > 1)
      throw nb::value_error("this model was compiled without parallel=True: it runs on one thread");
    threads = n;
  }

  std::vector<nb::object> run(std::vector<nb::ndarray<nb::c_contig, nb::device::cpu>> arrays) {
    checkOpen(arrays.size());
    std::vector<aiopt_tensor> inputs(arrays.size()), outputs(outputInfo.size());
    for (size_t i = 0; i < arrays.size(); ++i) {
      const auto &a = arrays[i];
      std::optional<nb::dlpack::dtype> expected = dlpackType(inputInfo[i].dtype);
      if (!expected || a.dtype() != *expected)
        throw nb::type_error(("input '" + std::get<0>(inputSpecs[i]) +
                              "' has the wrong element type")
                                 .c_str());
      std::vector<int64_t> shape;
      for (size_t d = 0; d < a.ndim(); ++d)
        shape.push_back(static_cast<int64_t>(a.shape(d)));
      inputs[i] = tensor(i, a.data(), shape);
    }
    execute(inputs, outputs, AIOPT_ON_HOST);
    return hostResults(outputs);
  }

  /// Runs on inputs given as (address, shape) in host memory or, with
  /// `inputsOnDevice`, in the model's CUDA device memory; outputs go to
  /// the (device address, capacity) pairs `deviceOutputs` (then their
  /// shapes are returned), or without them to new numpy arrays.
  std::vector<nb::object> runOn(std::vector<std::pair<uintptr_t, std::vector<int64_t>>> in,
                                bool inputsOnDevice,
                                std::vector<std::pair<uintptr_t, size_t>> deviceOutputs) {
    checkOpen(in.size());
    if (!deviceOutputs.empty() && deviceOutputs.size() != outputInfo.size())
      throw nb::value_error(("the model has " + std::to_string(outputInfo.size()) +
                             " outputs, got " + std::to_string(deviceOutputs.size()) +
                             " output arrays")
                                .c_str());
    std::vector<aiopt_tensor> inputs(in.size()), outputs(outputInfo.size());
    for (size_t i = 0; i < in.size(); ++i)
      inputs[i] = tensor(i, reinterpret_cast<void *>(in[i].first), in[i].second);
    for (size_t i = 0; i < deviceOutputs.size(); ++i) {
      outputs[i].data = reinterpret_cast<void *>(deviceOutputs[i].first);
      outputs[i].capacity = deviceOutputs[i].second;
    }
    unsigned where = (inputsOnDevice ? AIOPT_INPUTS_ON_DEVICE : 0) |
                     (deviceOutputs.empty() ? 0 : AIOPT_OUTPUTS_ON_DEVICE);
    execute(inputs, outputs, where);
    if (deviceOutputs.empty())
      return hostResults(outputs);
    std::vector<nb::object> shapes;
    for (const aiopt_tensor &t : outputs)
      shapes.push_back(nb::cast(std::vector<int64_t>(t.shape, t.shape + t.rank)));
    return shapes;
  }

  bool deviceBuffers() const { return info.features & AIOPT_MODEL_DEVICE_BUFFERS; }

private:
  void checkOpen(size_t numInputs) const {
    if (!handle)
      throw nb::builtin_exception(nb::exception_type::runtime_error, "the model is closed");
    if (numInputs != inputInfo.size())
      throw nb::value_error(("the model takes " + std::to_string(inputInfo.size()) +
                             " inputs, got " + std::to_string(numInputs))
                                .c_str());
  }

  /// Input `i` at `data` with `shape`.
  aiopt_tensor tensor(size_t i, void *data, const std::vector<int64_t> &shape) const {
    if (shape.size() > AIOPT_MAX_RANK)
      throw nb::value_error("rank above AIOPT_MAX_RANK");
    aiopt_tensor t{};
    t.data = data;
    t.dtype = inputInfo[i].dtype;
    t.rank = static_cast<int32_t>(shape.size());
    for (size_t d = 0; d < shape.size(); ++d)
      t.shape[d] = shape[d];
    return t;
  }

  /// Runs the model without the GIL; a failure becomes the exception its
  /// status calls for.
  void execute(std::vector<aiopt_tensor> &inputs, std::vector<aiopt_tensor> &outputs,
               unsigned where) {
    aiopt_status status;
    std::string error;
    {
      nb::gil_scoped_release release;
      if (setNumThreads)
        setNumThreads(threads);
      status = aiopt_run_on(&info, inputs.data(), inputs.size(), outputs.data(), outputs.size(),
                            where);
      if (status != AIOPT_OK)
        error = aiopt_last_error();
    }
    if (status == AIOPT_ERROR_INDEX_OUT_OF_RANGE)
      throw nb::index_error(error.c_str());
    // A GPU model without its device or driver: not the caller's input.
    if (status == AIOPT_ERROR_DEVICE)
      throw nb::builtin_exception(nb::exception_type::runtime_error, error.c_str());
    if (status != AIOPT_OK)
      throw nb::value_error(error.c_str());
  }

  /// The outputs aiopt_run_on allocated, handed to numpy without a copy
  /// (a capsule frees them).
  static std::vector<nb::object> hostResults(std::vector<aiopt_tensor> &outputs) {
    std::vector<nb::object> results;
    for (aiopt_tensor &t : outputs) {
      void *data = t.data;
      nb::capsule owner(data, [](void *p) noexcept { std::free(p); });
      std::vector<size_t> shape(t.shape, t.shape + t.rank);
      std::optional<nb::dlpack::dtype> dtype = dlpackType(t.dtype);
      if (!dtype)
        throw nb::type_error("an output's element type has no numpy equivalent");
      results.push_back(nb::cast(nb::ndarray<nb::numpy>(data, shape.size(), shape.data(), owner,
                                                        nullptr, *dtype)));
    }
    return results;
  }

  static void describe(const std::vector<TensorSpec> &specs, std::vector<aiopt_tensor_info> &info,
                       std::vector<std::vector<int64_t>> &shapes,
                       std::vector<std::vector<const char *>> &dimNames) {
    shapes.clear();
    dimNames.clear();
    for (const TensorSpec &s : specs) {
      shapes.push_back(std::get<2>(s));
      dimNames.emplace_back();
      for (const std::string &n : std::get<3>(s))
        dimNames.back().push_back(n.empty() ? nullptr : n.c_str());
      if (dimNames.back().size() != shapes.back().size())
        dimNames.back().clear();
    }
    for (size_t i = 0; i < specs.size(); ++i)
      info.push_back(aiopt_tensor_info{std::get<0>(specs[i]).c_str(), std::get<1>(specs[i]),
                                       static_cast<int32_t>(shapes[i].size()), shapes[i].data(),
                                       dimNames[i].empty() ? nullptr : dimNames[i].data()});
  }

  void *handle = nullptr;
  void (*setNumThreads)(int) = nullptr;
  int threads = 1;
  std::string modelName;
  std::vector<TensorSpec> inputSpecs, outputSpecs;
  std::vector<std::vector<int64_t>> inputShapes, outputShapes;
  std::vector<std::vector<const char *>> inputDimNames, outputDimNames;
  std::vector<aiopt_tensor_info> inputInfo, outputInfo;
  aiopt_model_info info{};
};

} // namespace

NB_MODULE(_aiopt, m) {
  m.doc() = "aiopt's compiler and runtime (use the aiopt package, not this module)";
  compileErrorType = nb::borrow(PyErr_NewException("aiopt.CompileError", PyExc_RuntimeError, nullptr));
  m.attr("CompileError") = compileErrorType;
  m.def("compile_shared", &compileShared, nb::arg("model_path"), nb::arg("name").none(),
        nb::arg("output"), nb::arg("opt_level"), nb::arg("parallel"), nb::arg("target").none(),
        nb::arg("cpu").none(), nb::arg("features").none(), nb::arg("quantization").none(),
        nb::arg("pruning").none(), nb::arg("precision").none(), nb::arg("runtime_checks"),
        nb::arg("debug_info"), nb::arg("gpu_arch").none(), nb::arg("cuda_path").none(),
        nb::arg("winograd").none(), nb::arg("tensor_cores").none(),
        nb::arg("skip_passes").none(), nb::arg("gpu_tiles").none(), "Compiles an ONNX model into a shared library; returns its signature as JSON");
  nb::class_<Model>(m, "Model")
      .def(nb::init<const std::string &, const std::string &, std::vector<TensorSpec>,
                    std::vector<TensorSpec>, bool>())
      .def("run", &Model::run)
      .def("run_on", &Model::runOn)
      .def_prop_ro("device_buffers", &Model::deviceBuffers)
      .def("set_num_threads", &Model::setThreads)
      .def("close", &Model::close)
      .def_prop_ro("closed", &Model::closed);
}
