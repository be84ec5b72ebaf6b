//===- ModelRunner.cpp - run a module compiled in process -----------------===//

#include "ModelRunner.h"

#include "aiopt-c/Runtime.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>
#include <dlfcn.h>

using namespace mlir;
using namespace mlir::aiopt;

//===----------------------------------------------------------------------===//
// Compiled models
//===----------------------------------------------------------------------===//

FailureOr<std::unique_ptr<LoadedModel>>
LoadedModel::build(MLIRContext &context, ModuleOp module, const DriverOptions &options,
                   std::string &error) {
  OwningOpRef<ModuleOp> clone = module.clone();
  FailureOr<ModelSignature> sig = getModelSignature(*clone, options.name);
  if (failed(sig)) {
    error = "cannot read the model's signature";
    return failure();
  }
  DriverOptions o = options;
  o.parallel = false;
  o.quantization = QuantizationOptions();
  FailureOr<std::string> object = compileModuleToObject(context, *clone, Phase::Graph, o);
  if (failed(object)) {
    error = "compiling the model for a measurement failed";
    return failure();
  }
  SmallString<128> dir;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("aiopt-run", dir)) {
    error = "cannot make a temporary folder: " + ec.message();
    return failure();
  }
  SmallString<128> objectPath(dir), libPath(dir);
  llvm::sys::path::append(objectPath, "model.o");
  llvm::sys::path::append(libPath, "model.so");
  auto cleanup = llvm::make_scope_exit([&] {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(libPath);
    llvm::sys::fs::remove(dir);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec) {
      error = "cannot write '" + std::string(objectPath) + "': " + ec.message();
      return failure();
    }
    os << *object;
  }
  if (failed(linkSharedLibrary(objectPath, libPath, "", options.device, error)))
    return failure();
  // The runtime must be global for the model's allocations to bind to it.
  Dl_info runtime;
  if (dladdr(reinterpret_cast<void *>(&aiopt_run), &runtime) && runtime.dli_fname)
    dlopen(runtime.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  std::unique_ptr<LoadedModel> model(new LoadedModel());
  model->handle = dlopen(libPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->handle) {
    error = std::string("cannot load the measured model: ") + dlerror();
    return failure();
  }
  model->name = options.name;
  model->entry = dlsym(model->handle, (options.name + "_entry").c_str());
  if (!model->entry) {
    error = "the measured model lacks its entry point";
    return failure();
  }
  model->sig = *sig;
  return model;
}

LoadedModel::~LoadedModel() {
  if (handle)
    dlclose(handle);
}

LogicalResult LoadedModel::run(const std::vector<HostTensor> &inputs,
                               std::vector<std::vector<float>> &outputs, std::string &error) {
  auto describe = [](const std::vector<TensorSignature> &specs) {
    std::vector<aiopt_tensor_info> info;
    for (const TensorSignature &s : specs)
      info.push_back({s.name.c_str(), s.dtype, static_cast<int32_t>(s.shape.size()),
                      s.shape.data()});
    return info;
  };
  std::vector<aiopt_tensor_info> inInfo = describe(sig.inputs), outInfo = describe(sig.outputs);
  aiopt_model_info info{AIOPT_ABI_VERSION, name.c_str(),     inInfo.size(),
                        inInfo.data(),     outInfo.size(),   outInfo.data(),
                        reinterpret_cast<aiopt_entry_fn>(entry), "", 0};
  std::vector<aiopt_tensor> in(inputs.size()), out(outInfo.size());
  for (auto [t, h] : llvm::zip(in, inputs)) {
    t.data = const_cast<char *>(h.bytes.data());
    t.dtype = h.dtype;
    t.rank = static_cast<int32_t>(h.shape.size());
    llvm::copy(h.shape, t.shape);
  }
  if (aiopt_run(&info, in.data(), in.size(), out.data(), out.size()) != AIOPT_OK) {
    error = aiopt_last_error();
    return failure();
  }
  outputs.clear();
  for (aiopt_tensor &t : out) {
    std::vector<float> v;
    if (t.dtype == AIOPT_F32) {
      v.resize(aiopt_tensor_num_elements(&t));
      std::memcpy(v.data(), t.data, v.size() * 4);
    }
    outputs.push_back(std::move(v));
    aiopt_tensor_free(&t);
  }
  return success();
}

FailureOr<double> mlir::aiopt::topOneAccuracy(MLIRContext &context, ModuleOp module,
                                              const DriverOptions &options, const DataSet &set,
                                              std::string &error) {
  FailureOr<std::unique_ptr<LoadedModel>> model =
      LoadedModel::build(context, module, options, error);
  if (failed(model))
    return failure();
  auto argmax = [](const std::vector<float> &v) {
    return std::max_element(v.begin(), v.end()) - v.begin();
  };
  size_t correct = 0;
  for (auto [i, sample] : llvm::enumerate(set.inputs)) {
    std::vector<std::vector<float>> outputs;
    if (failed((*model)->run(sample, outputs, error))) {
      error = "validation: running the model failed: " + error;
      return failure();
    }
    if (outputs.empty() || outputs[0].empty()) {
      error = "validation: the model's first output is not a float tensor";
      return failure();
    }
    int64_t want = set.labels.empty() ? argmax(set.references[i]) : set.labels[i];
    correct += argmax(outputs[0]) == want;
  }
  return 100.0 * correct / set.inputs.size();
}
