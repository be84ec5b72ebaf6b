//===- CompilerCAPITest.cpp - tests of aiopt-c/Compiler.h ------------------===//

#include "aiopt-c/Compiler.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

/// A temporary file name in the test's directory, removed afterwards.
struct TempPath {
  explicit TempPath(const std::string &suffix)
      : path(testing::TempDir() + "aiopt-capi-" + std::to_string(getpid()) + suffix) {}
  ~TempPath() { std::remove(path.c_str()); }
  std::string path;
};

std::string take(char *s) {
  std::string out = s ? s : "";
  aiopt_compiler_free(s);
  return out;
}

TEST(CompilerCAPI, RejectsBadArguments) {
  char *error = nullptr;
  EXPECT_EQ(aiopt_compile_shared(nullptr, "m", "m.so", nullptr, nullptr, &error),
            AIOPT_ERROR_NULL_ARGUMENT);
  EXPECT_NE(take(error).find("required"), std::string::npos);
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "not a name", "m.so", nullptr, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("not a C identifier"), std::string::npos);
  aiopt_compile_options options;
  aiopt_compile_options_init(&options);
  EXPECT_EQ(options.opt_level, 2);
  EXPECT_EQ(options.debug_info, 0);
  options.opt_level = 7;
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("opt_level 7"), std::string::npos);
  aiopt_compile_options_init(&options);
  options.parallel = 3;
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("parallel 3 is not 0, AIOPT_PARALLEL_POOL (1) or "
                             "AIOPT_PARALLEL_OPENMP (2)"),
            std::string::npos);
  EXPECT_EQ(aiopt_compile_shared("/nonexistent/m.onnx", "m", "m.so", nullptr, nullptr, &error),
            AIOPT_ERROR_IO);
  EXPECT_NE(take(error).find("no such file"), std::string::npos);

  // GPU options: gpu_arch and cuda_path only with target "cuda", no
  // OpenMP blocks on GPU targets, precision objects checked.
  aiopt_compile_options_init(&options);
  EXPECT_EQ(options.gpu_arch, nullptr);
  options.gpu_arch = "sm_90";
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("gpu_arch and cuda_path need target \"cuda\""), std::string::npos);
  aiopt_compile_options_init(&options);
  options.target = "vulkan";
  options.parallel = 1;
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("parallel is for CPUs"), std::string::npos);
  aiopt_compile_options_init(&options);
  options.precision = R"({"type": "f8"})";
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("precision options: --precision must be f32, f16, bf16 or tf32"),
            std::string::npos);

  // Winograd: one of auto, off, 2, 4, and only for CPUs.
  aiopt_compile_options_init(&options);
  EXPECT_EQ(options.winograd, nullptr);
  options.winograd = "6";
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("winograd=6 is not one of auto, off, 2, 4"), std::string::npos);
  options.winograd = "4";
  options.target = "vulkan";
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("winograd is for CPUs: target vulkan"), std::string::npos);
  options.winograd = "off";
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_IO);
  take(error);

  // Tensor cores: one of auto, off, emulate, and only for GPU targets.
  aiopt_compile_options_init(&options);
  EXPECT_EQ(options.tensor_cores, nullptr);
  options.tensor_cores = "wmma";
  options.target = "vulkan";
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("tensor-cores=wmma is not one of auto, off, emulate"),
            std::string::npos);
  options.tensor_cores = "off";
  options.target = nullptr;
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(take(error).find("tensor-cores needs a GPU target"), std::string::npos);
  options.target = "vulkan";
  EXPECT_EQ(aiopt_compile_shared("m.onnx", "m", "m.so", &options, nullptr, &error),
            AIOPT_ERROR_IO);
  take(error);
}

TEST(CompilerCAPI, ReportsDiagnostics) {
  TempPath model(".onnx");
  std::ofstream(model.path) << "not a model";
  char *error = nullptr;
  EXPECT_EQ(aiopt_compile_shared(model.path.c_str(), "m", "m.so", nullptr, nullptr, &error),
            AIOPT_ERROR_COMPILE);
  std::string message = take(error);
  EXPECT_NE(message.find(model.path), std::string::npos) << message;
  EXPECT_NE(message.find("not a valid ONNX model"), std::string::npos) << message;
}

TEST(CompilerCAPI, CompilesASharedLibrary) {
  TempPath model(".onnxtxt"), library(".so");
  std::ofstream(model.path) << R"(ir_version: 9
opset_import { domain: "" version: 17 }
graph {
  name: "g"
  node { op_type: "Relu" input: "x" output: "y" name: "r" }
  input { name: "x" type { tensor_type { elem_type: 1 shape { dim { dim_value: 4 } } } } }
  output { name: "y" type { tensor_type { elem_type: 1 shape { dim { dim_value: 4 } } } } }
})";
  char *signature = nullptr, *error = nullptr;
  ASSERT_EQ(aiopt_compile_shared(model.path.c_str(), "relu4", library.path.c_str(), nullptr,
                                 &signature, &error),
            AIOPT_OK)
      << take(error);
  std::string json = take(signature);
  EXPECT_NE(json.find(R"("name":"relu4")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"dtype":1,"name":"x","shape":[4]})"), std::string::npos) << json;
  // A CPU library takes no device buffers.
  EXPECT_NE(json.find(R"("device_buffers":false)"), std::string::npos) << json;
  void *handle = dlopen(library.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  EXPECT_NE(dlsym(handle, "relu4_entry"), nullptr);
  dlclose(handle);

  // A parallel library carries the thread pool and exports its thread
  // count's setter; with AIOPT_PARALLEL_OPENMP it loads libomp instead.
  aiopt_compile_options parallel;
  aiopt_compile_options_init(&parallel);
  for (int kind : {AIOPT_PARALLEL_POOL, AIOPT_PARALLEL_OPENMP}) {
    parallel.parallel = kind;
    ASSERT_EQ(aiopt_compile_shared(model.path.c_str(), "relu4", library.path.c_str(), &parallel,
                                   nullptr, &error),
              AIOPT_OK)
        << take(error);
    void *lib = dlopen(library.path.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib, nullptr) << dlerror();
    EXPECT_EQ(dlsym(lib, "aiopt_pool_set_num_threads") != nullptr, kind == AIOPT_PARALLEL_POOL);
    EXPECT_EQ(dlsym(lib, "omp_set_num_threads") != nullptr, kind == AIOPT_PARALLEL_OPENMP);
    dlclose(lib);
  }

  // Without a name, the file's stem made a C identifier.
  ASSERT_EQ(aiopt_compile_shared(model.path.c_str(), nullptr, library.path.c_str(), nullptr,
                                 &signature, &error),
            AIOPT_OK)
      << take(error);
  std::string derived = take(signature);
  EXPECT_NE(derived.find(R"("name":"aiopt_capi_)"), std::string::npos) << derived;

  // For a GPU target the library carries the device's runtime.
  aiopt_compile_options options;
  aiopt_compile_options_init(&options);
  options.target = "cuda";
  options.gpu_arch = "sm_80";
  aiopt_status status = aiopt_compile_shared(model.path.c_str(), "relu4", library.path.c_str(),
                                             &options, nullptr, &error);
  std::string message = take(error);
  if (message.find("needs the CUDA toolkit") != std::string::npos)
    GTEST_SKIP() << message;
  ASSERT_EQ(status, AIOPT_OK) << message;
  handle = dlopen(library.path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  EXPECT_NE(dlsym(handle, "relu4_entry"), nullptr);
  EXPECT_NE(dlsym(handle, "aiopt_cuda_dispatch"), nullptr);
  dlclose(handle);
}

} // namespace
