//===- CUDARuntimeTest.cpp - the CUDA runtime on a fake driver -------------===//
//
// Runs lib/Runtime/CUDARuntime.c against FakeCUDADriver.c, so that device
// residency and aiopt_run_on's device inputs and outputs are tested without
// a GPU: the models here are written by hand the way aiopt-compile
// --target=cuda writes their host code (aiopt-gpu-device-residency), and
// the fake driver counts every copy and checks that kernels and copies get
// device memory.
//
//===----------------------------------------------------------------------===//

#include "DeviceMirrors.h"
#include "FakeCUDADriver.h"

#include "aiopt-c/Runtime.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern "C" {
void *_mlir_memref_to_llvm_alloc(size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
void aiopt_cuda_dispatch(const void *image, int64_t image_bytes, const char *entry,
                         int64_t grid_x, int64_t grid_y, int64_t grid_z, int64_t block_x,
                         int64_t block_y, int64_t block_z, int32_t num_args, void *const *args,
                         const int64_t *arg_bytes, const int32_t *arg_kinds);
void aiopt_cuda_host_access(uintptr_t ptr, int64_t bytes, int32_t mode);
extern const struct aiopt_device_runtime aiopt_cuda_device_runtime;
}

namespace {

using DevicePtr = unsigned long long;

/// The fake driver, loaded by the runtime through AIOPT_CUDA_LIBRARY (set
/// before the first runtime call, which reads it).
struct FakeDriver {
  FakeDriver() {
    setenv("AIOPT_CUDA_LIBRARY", AIOPT_FAKE_CUDA_DRIVER, 1);
    handle = dlopen(AIOPT_FAKE_CUDA_DRIVER, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      return;
    stats = static_cast<fake_cuda_stats_t *>(dlsym(handle, "fake_cuda_stats"));
    alloc = reinterpret_cast<int (*)(DevicePtr *, size_t)>(dlsym(handle, "cuMemAlloc_v2"));
    upload = reinterpret_cast<int (*)(DevicePtr, const void *, size_t)>(
        dlsym(handle, "cuMemcpyHtoD_v2"));
    download =
        reinterpret_cast<int (*)(void *, DevicePtr, size_t)>(dlsym(handle, "cuMemcpyDtoH_v2"));
  }
  void *handle = nullptr;
  fake_cuda_stats_t *stats = nullptr;
  int (*alloc)(DevicePtr *, size_t) = nullptr;
  int (*upload)(DevicePtr, const void *, size_t) = nullptr;
  int (*download)(void *, DevicePtr, size_t) = nullptr;
};
FakeDriver driver;

enum Kind { Read = 0, Written = 1, Scalar = 2, Resident = 8 };

/// Fills a rank-1 result descriptor with `y` of `n` floats.
void returnBuffer(void *results, float *y, int64_t n) {
  auto *out = static_cast<int64_t *>(results);
  std::memcpy(&out[0], &y, sizeof y);
  std::memcpy(&out[1], &y, sizeof y);
  out[2] = 0;
  out[3] = n;
  out[4] = 1;
}

/// x, its element count and byte count from a rank-1 input descriptor.
float *input(void **inputs, int64_t &n, int64_t &bytes) {
  auto *in = static_cast<int64_t *>(inputs[0]);
  float *x;
  std::memcpy(&x, &in[1], sizeof x);
  n = in[3];
  bytes = n * static_cast<int64_t>(sizeof(float));
  return x;
}

/// y = 2x + 1 on the device, as a compiled model's host code does it.
void affineEntry(void **inputs, void *results) {
  int64_t n, bytes;
  float *x = input(inputs, n, bytes);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(x), bytes, AIOPT_ACCESS_ENTRY);
  auto *y = static_cast<float *>(_mlir_memref_to_llvm_alloc(bytes));
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(y), bytes, AIOPT_ACCESS_FRESH);
  void *args[] = {x, y, &n};
  const int64_t sizes[] = {bytes, bytes, 8};
  const int32_t kinds[] = {Read | Resident, Written | Resident, Scalar};
  aiopt_cuda_dispatch("fake image", 10, "affine\0affine_module", 1, 1, 1, 1, 1, 1, 3, args,
                      sizes, kinds);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(x), bytes, AIOPT_ACCESS_ARGUMENT_OUT);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(y), bytes, AIOPT_ACCESS_RESULT);
  returnBuffer(results, y, n);
}

/// y = x + 1 computed by host code, which reads x first.
void hostEntry(void **inputs, void *results) {
  int64_t n, bytes;
  float *x = input(inputs, n, bytes);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(x), bytes, AIOPT_ACCESS_ENTRY);
  auto *y = static_cast<float *>(_mlir_memref_to_llvm_alloc(bytes));
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(y), bytes, AIOPT_ACCESS_FRESH);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(x), bytes, AIOPT_ACCESS_BEFORE);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(y), bytes, AIOPT_ACCESS_BEFORE);
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] + 1;
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(y), bytes, AIOPT_ACCESS_HOST_WROTE);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(x), bytes, AIOPT_ACCESS_ARGUMENT_OUT);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(y), bytes, AIOPT_ACCESS_RESULT);
  returnBuffer(results, y, n);
}

constexpr int64_t kN = 1000;
constexpr size_t kBytes = kN * sizeof(float);
const int64_t kShape[] = {kN};
const aiopt_tensor_info kInput[] = {{"x", AIOPT_F32, 1, kShape}};
const aiopt_tensor_info kOutput[] = {{"y", AIOPT_F32, 1, kShape}};
const aiopt_model_info kAffine = {AIOPT_ABI_VERSION, "affine", 1, kInput, 1, kOutput,
                                  affineEntry, "", AIOPT_MODEL_DEVICE_BUFFERS,
                                  &aiopt_cuda_device_runtime};
const aiopt_model_info kHost = {AIOPT_ABI_VERSION, "host", 1, kInput, 1, kOutput,
                                hostEntry, "", AIOPT_MODEL_DEVICE_BUFFERS,
                                &aiopt_cuda_device_runtime};

aiopt_tensor tensor(void *data, size_t capacity = 0) {
  aiopt_tensor t{};
  t.data = data;
  t.dtype = AIOPT_F32;
  t.rank = 1;
  t.shape[0] = kN;
  t.capacity = capacity;
  return t;
}

std::vector<float> iota() {
  std::vector<float> x(kN);
  for (int64_t i = 0; i < kN; ++i)
    x[i] = static_cast<float>(i) * 0.5f - 7;
  return x;
}

DevicePtr deviceBuffer(size_t bytes, const void *contents = nullptr) {
  DevicePtr p = 0;
  EXPECT_EQ(driver.alloc(&p, bytes), 0);
  if (contents)
    EXPECT_EQ(driver.upload(p, contents, bytes), 0);
  return p;
}

std::vector<float> readDevice(DevicePtr p) {
  std::vector<float> y(kN);
  EXPECT_EQ(driver.download(y.data(), p, kBytes), 0);
  return y;
}

/// Bytes the runtime copied during one call, from the fake driver's counts.
struct Copies {
  size_t toDevice, toHost, onDevice, launches;
};
template <typename F> Copies counted(F run) {
  fake_cuda_stats_t before = *driver.stats;
  run();
  const fake_cuda_stats_t &after = *driver.stats;
  EXPECT_EQ(after.bad_pointers, before.bad_pointers) << "host memory used as device memory";
  return {after.host_to_device - before.host_to_device,
          after.device_to_host - before.device_to_host,
          after.device_to_device - before.device_to_device, after.launches - before.launches};
}

void expectAffine(const std::vector<float> &x, const float *y) {
  for (int64_t i = 0; i < kN; ++i)
    ASSERT_EQ(y[i], 2 * x[i] + 1) << "element " << i;
}

class CUDARuntime : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_NE(driver.handle, nullptr) << dlerror(); }
};

TEST_F(CUDARuntime, HostBuffersAreCopiedInAndOut) {
  std::vector<float> x = iota(), y(kN);
  aiopt_tensor in = tensor(x.data()), out = tensor(y.data(), kBytes);
  Copies c = counted([&] { ASSERT_EQ(aiopt_run(&kAffine, &in, 1, &out, 1), AIOPT_OK); });
  expectAffine(x, y.data());
  EXPECT_EQ(c.launches, 1u);
  EXPECT_EQ(c.toDevice, kBytes);
  EXPECT_EQ(c.toHost, kBytes);
  EXPECT_EQ(c.onDevice, 0u);
}

TEST_F(CUDARuntime, DeviceInputsAreReadWhereTheyAre) {
  std::vector<float> x = iota(), y(kN);
  aiopt_tensor in = tensor(reinterpret_cast<void *>(deviceBuffer(kBytes, x.data())));
  aiopt_tensor out = tensor(y.data(), kBytes);
  Copies c = counted([&] {
    ASSERT_EQ(aiopt_run_on(&kAffine, &in, 1, &out, 1, AIOPT_INPUTS_ON_DEVICE), AIOPT_OK)
        << aiopt_last_error();
  });
  expectAffine(x, y.data());
  EXPECT_EQ(c.toDevice, 0u);
  EXPECT_EQ(c.toHost, kBytes);
}

TEST_F(CUDARuntime, DeviceOutputsAreCopiedOnTheDevice) {
  std::vector<float> x = iota();
  DevicePtr y = deviceBuffer(kBytes);
  aiopt_tensor in = tensor(x.data()), out = tensor(reinterpret_cast<void *>(y), kBytes);
  Copies c = counted([&] {
    ASSERT_EQ(aiopt_run_on(&kAffine, &in, 1, &out, 1, AIOPT_OUTPUTS_ON_DEVICE), AIOPT_OK)
        << aiopt_last_error();
  });
  expectAffine(x, readDevice(y).data());
  EXPECT_EQ(out.shape[0], kN);
  EXPECT_EQ(c.toDevice, kBytes);
  EXPECT_EQ(c.toHost, 0u);
  EXPECT_EQ(c.onDevice, kBytes);
}

TEST_F(CUDARuntime, DeviceToDeviceRunsCopyNothingThroughTheHost) {
  std::vector<float> x = iota();
  DevicePtr dx = deviceBuffer(kBytes, x.data()), dy = deviceBuffer(kBytes);
  aiopt_tensor in = tensor(reinterpret_cast<void *>(dx));
  aiopt_tensor out = tensor(reinterpret_cast<void *>(dy), kBytes);
  unsigned where = AIOPT_INPUTS_ON_DEVICE | AIOPT_OUTPUTS_ON_DEVICE;
  ASSERT_EQ(aiopt_run_on(&kAffine, &in, 1, &out, 1, where), AIOPT_OK) << aiopt_last_error();
  // Later runs reuse the pool's memory: the results kept on the device go
  // back to it, and the bound inputs are forgotten.
  size_t allocations = driver.stats->allocations;
  Copies c = counted([&] {
    for (int run = 0; run < 5; ++run)
      ASSERT_EQ(aiopt_run_on(&kAffine, &in, 1, &out, 1, where), AIOPT_OK);
  });
  expectAffine(x, readDevice(dy).data());
  EXPECT_EQ(driver.stats->allocations, allocations);
  EXPECT_EQ(c.launches, 5u);
  EXPECT_EQ(c.toDevice, 0u);
  EXPECT_EQ(c.toHost, 0u);
  EXPECT_EQ(c.onDevice, 5 * kBytes);
  // A host run afterwards still copies its own input in.
  std::vector<float> hx(kN, 3.0f), hy(kN);
  aiopt_tensor hin = tensor(hx.data()), hout = tensor(hy.data(), kBytes);
  ASSERT_EQ(aiopt_run(&kAffine, &hin, 1, &hout, 1), AIOPT_OK);
  expectAffine(hx, hy.data());
}

TEST_F(CUDARuntime, HostCodeReadsDeviceInputsAfterCopyingThemBack) {
  std::vector<float> x = iota();
  DevicePtr dx = deviceBuffer(kBytes, x.data()), dy = deviceBuffer(kBytes);
  aiopt_tensor in = tensor(reinterpret_cast<void *>(dx));
  aiopt_tensor out = tensor(reinterpret_cast<void *>(dy), kBytes);
  Copies c = counted([&] {
    ASSERT_EQ(aiopt_run_on(&kHost, &in, 1, &out, 1,
                           AIOPT_INPUTS_ON_DEVICE | AIOPT_OUTPUTS_ON_DEVICE),
              AIOPT_OK)
        << aiopt_last_error();
  });
  std::vector<float> y = readDevice(dy);
  for (int64_t i = 0; i < kN; ++i)
    ASSERT_EQ(y[i], x[i] + 1);
  EXPECT_EQ(c.toHost, kBytes);   // x, for the host code
  EXPECT_EQ(c.toDevice, kBytes); // y, computed on the host
  // The caller's device input is unchanged.
  EXPECT_EQ(readDevice(dx), x);
}

TEST_F(CUDARuntime, ConcurrentDeviceRunsKeepTheirOwnBuffers) {
  // Four threads, each with its own device input and output, run at once;
  // each thread's bound inputs and kept results are its own.
  constexpr int kThreads = 4, kRuns = 25;
  std::vector<std::vector<float>> xs;
  std::vector<DevicePtr> dx, dy;
  for (int t = 0; t < kThreads; ++t) {
    std::vector<float> x = iota();
    for (float &v : x)
      v += static_cast<float>(t * 1000);
    xs.push_back(x);
    dx.push_back(deviceBuffer(kBytes, x.data()));
    dy.push_back(deviceBuffer(kBytes));
  }
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      aiopt_tensor in = tensor(reinterpret_cast<void *>(dx[t]));
      aiopt_tensor out = tensor(reinterpret_cast<void *>(dy[t]), kBytes);
      for (int run = 0; run < kRuns; ++run)
        failures[t] += aiopt_run_on(&kAffine, &in, 1, &out, 1,
                                    AIOPT_INPUTS_ON_DEVICE | AIOPT_OUTPUTS_ON_DEVICE) != AIOPT_OK;
    });
  for (std::thread &thread : threads)
    thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0);
    expectAffine(xs[t], readDevice(dy[t]).data());
  }
}

TEST_F(CUDARuntime, BadDeviceBuffersAreRefusedBeforeTheRun) {
  std::vector<float> x = iota(), y(kN);
  aiopt_tensor hostIn = tensor(x.data()), hostOut = tensor(y.data(), kBytes);
  Copies c = counted([&] {
    EXPECT_EQ(aiopt_run_on(&kAffine, &hostIn, 1, &hostOut, 1, AIOPT_INPUTS_ON_DEVICE),
              AIOPT_ERROR_INVALID_ARGUMENT);
  });
  EXPECT_NE(std::string(aiopt_last_error()).find("input 0 ('x'): 0x"), std::string::npos)
      << aiopt_last_error();
  EXPECT_NE(std::string(aiopt_last_error()).find("is not device memory"), std::string::npos);
  EXPECT_EQ(c.launches, 0u);

  aiopt_tensor small = tensor(reinterpret_cast<void *>(deviceBuffer(kBytes / 2)));
  EXPECT_EQ(aiopt_run_on(&kAffine, &small, 1, &hostOut, 1, AIOPT_INPUTS_ON_DEVICE),
            AIOPT_ERROR_BUFFER_TOO_SMALL);
  EXPECT_NE(std::string(aiopt_last_error()).find("needs 4000 bytes"), std::string::npos)
      << aiopt_last_error();

  aiopt_tensor noOutput = tensor(nullptr);
  EXPECT_EQ(aiopt_run_on(&kAffine, &hostIn, 1, &noOutput, 1, AIOPT_OUTPUTS_ON_DEVICE),
            AIOPT_ERROR_NULL_ARGUMENT);
  EXPECT_NE(std::string(aiopt_last_error()).find("output 0 ('y')"), std::string::npos);

  // The capacity given must be there on the device.
  aiopt_tensor overstated =
      tensor(reinterpret_cast<void *>(deviceBuffer(kBytes)), 2 * kBytes);
  EXPECT_EQ(aiopt_run_on(&kAffine, &hostIn, 1, &overstated, 1, AIOPT_OUTPUTS_ON_DEVICE),
            AIOPT_ERROR_BUFFER_TOO_SMALL);

  EXPECT_EQ(aiopt_run_on(&kAffine, &hostIn, 1, &hostOut, 1, 4), AIOPT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(aiopt_last_error()).find("where = 4"), std::string::npos);

  aiopt_model_info hostOnly = kAffine;
  hostOnly.features = 0;
  aiopt_tensor deviceIn = tensor(reinterpret_cast<void *>(deviceBuffer(kBytes, x.data())));
  EXPECT_EQ(aiopt_run_on(&hostOnly, &deviceIn, 1, &hostOut, 1, AIOPT_INPUTS_ON_DEVICE),
            AIOPT_ERROR_UNSUPPORTED);
  EXPECT_NE(std::string(aiopt_last_error()).find("compile it with --target=cuda"),
            std::string::npos);
}

} // namespace

namespace {

/// y = 2x + 1 over `n` floats with the buffers copied in and out per
/// launch (a launch that is not resident).
void copyingAffine(float *x, float *y, int64_t n) {
  void *args[] = {x, y, &n};
  const int64_t sizes[] = {n * 4, n * 4, 8};
  const int32_t kinds[] = {Read, Written, Scalar};
  aiopt_cuda_dispatch("fake image", 10, "affine\0affine_module", 1, 1, 1, 1, 1, 1, 3, args,
                      sizes, kinds);
}

} // namespace

TEST_F(CUDARuntime, ArgumentMirrorsGoWhenTheRunEnds) {
  // Each run's input is another array, all alive at once: the mirrors of
  // the caller's arguments must not outlive their runs (they would hold
  // device memory for arrays the runtime never sees again).
  std::vector<std::vector<float>> xs(300, iota());
  std::vector<float> y(kN);
  size_t live = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    aiopt_tensor in = tensor(xs[i].data()), out = tensor(y.data(), kBytes);
    ASSERT_EQ(aiopt_run(&kAffine, &in, 1, &out, 1), AIOPT_OK) << "run " << i << ": "
                                                              << aiopt_last_error();
    expectAffine(xs[i], y.data());
    if (i == 0)
      live = driver.stats->live_bytes;
  }
  EXPECT_EQ(driver.stats->live_bytes, live);
}

TEST_F(CUDARuntime, IdlePooledBlocksGoWhenTheDeviceIsFull) {
  // Launches at sizes more than twice apart each leave two blocks in the
  // pool; the last needs more than the device has left beside them.
  const int64_t sizes[] = {1000, 3000, 9000, 27000, 81000};
  size_t before = driver.stats->live_bytes;
  driver.stats->memory_limit = before + 5 * 81000 * 4 / 2;
  for (int64_t n : sizes) {
    std::vector<float> x(n), y(n, -1);
    for (int64_t i = 0; i < n; ++i)
      x[i] = static_cast<float>(i);
    copyingAffine(x.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(y[i], 2 * x[i] + 1) << n << " floats, element " << i;
  }
  driver.stats->memory_limit = 0;
  EXPECT_LE(driver.stats->live_bytes, before + 2 * 81000 * 4);
}

namespace {

/// The launches per graph the runtime was started with (AIOPT_CUDA_GRAPHS;
/// ctest runs this program with and without it).
size_t launchesPerGraph() {
  const char *value = std::getenv("AIOPT_CUDA_GRAPHS");
  return value ? std::strtoul(value, nullptr, 10) : 0;
}

constexpr int kChain = 7;

/// y = affine applied kChain times to x, through intermediates the host
/// code allocates and frees, as a compiled model's host code does; with
/// `hostStep`, the host adds 1 to the third intermediate in between. Each
/// launch has `grid` blocks (the fake kernel ignores them; other grids make
/// batches of their own).
void chain(void **inputs, void *results, bool hostStep, int64_t grid = 1) {
  int64_t n, bytes;
  float *x = input(inputs, n, bytes);
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(x), bytes, AIOPT_ACCESS_ENTRY);
  float *buffers[kChain];
  for (float *&b : buffers) {
    b = static_cast<float *>(_mlir_memref_to_llvm_alloc(bytes));
    aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(b), bytes, AIOPT_ACCESS_FRESH);
  }
  const int64_t sizes[] = {bytes, bytes, 8};
  const int32_t kinds[] = {Read | Resident, Written | Resident, Scalar};
  for (int k = 0; k < kChain; ++k) {
    void *args[] = {k ? buffers[k - 1] : x, buffers[k], &n};
    aiopt_cuda_dispatch("fake image", 10, "affine\0affine_module", grid, 1, 1, 1, 1, 1, 3, args,
                        sizes, kinds);
    if (hostStep && k == 2) {
      auto at = reinterpret_cast<uintptr_t>(buffers[k]);
      aiopt_cuda_host_access(at, bytes, AIOPT_ACCESS_BEFORE);
      for (int64_t i = 0; i < n; ++i)
        buffers[k][i] += 1;
      aiopt_cuda_host_access(at, bytes, AIOPT_ACCESS_HOST_WROTE);
    }
  }
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(x), bytes, AIOPT_ACCESS_ARGUMENT_OUT);
  for (int k = 0; k + 1 < kChain; ++k) {
    aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(buffers[k]), bytes, AIOPT_ACCESS_FORGET);
    _mlir_memref_to_llvm_free(buffers[k]);
  }
  aiopt_cuda_host_access(reinterpret_cast<uintptr_t>(buffers[kChain - 1]), bytes, AIOPT_ACCESS_RESULT);
  returnBuffer(results, buffers[kChain - 1], n);
}
void chainEntry(void **inputs, void *results) { chain(inputs, results, false); }
void chainWithHostStepEntry(void **inputs, void *results) { chain(inputs, results, true); }
void chainOnGridsOf2Entry(void **inputs, void *results) { chain(inputs, results, false, 2); }
void chainOnGridsOf3Entry(void **inputs, void *results) { chain(inputs, results, false, 3); }

const aiopt_model_info kChainModel = {AIOPT_ABI_VERSION, "chain", 1, kInput, 1, kOutput,
                                      chainEntry, "", AIOPT_MODEL_DEVICE_BUFFERS,
                                      &aiopt_cuda_device_runtime};

/// What the fake driver counted during one call, graphs included.
struct GraphCounts {
  size_t launches, graphLaunches, instantiated, updates, badDependencies;
};
template <typename F> GraphCounts graphCounted(F run) {
  fake_cuda_stats_t before = *driver.stats;
  run();
  const fake_cuda_stats_t &after = *driver.stats;
  EXPECT_EQ(after.bad_pointers, before.bad_pointers) << "host memory used as device memory";
  return {after.launches - before.launches, after.graph_launches - before.graph_launches,
          after.graphs_instantiated - before.graphs_instantiated,
          after.node_updates - before.node_updates,
          after.bad_dependencies - before.bad_dependencies};
}

/// Graph launches a run of the chain makes once its batches are graphs:
/// the batches of the queue, full ones and the rest, of two launches or
/// more.
size_t chainGraphs() {
  size_t per = launchesPerGraph();
  if (per == 0)
    return 0;
  return kChain / per * (per >= 2) + (kChain % per >= 2);
}

void expectChain(const std::vector<float> &x, const float *y, float added = 0) {
  for (int64_t i = 0; i < kN; ++i) {
    float want = x[i];
    for (int k = 0; k < kChain; ++k)
      want = 2 * want + 1 + (k == 2 ? added : 0);
    ASSERT_EQ(y[i], want) << "element " << i;
  }
}

} // namespace

TEST_F(CUDARuntime, RepeatedLaunchesRunAsGraphs) {
  std::vector<float> x = iota(), y(kN);
  aiopt_tensor in = tensor(x.data()), out = tensor(y.data(), kBytes);
  auto runs = [&](int count) {
    return graphCounted([&] {
      for (int run = 0; run < count; ++run) {
        std::fill(y.begin(), y.end(), 0.0f);
        ASSERT_EQ(aiopt_run(&kChainModel, &in, 1, &out, 1), AIOPT_OK) << aiopt_last_error();
        expectChain(x, y.data());
      }
    });
  };
  // The first two runs see each batch twice: the second makes its graph.
  GraphCounts first = runs(2);
  EXPECT_EQ(first.launches, 2u * kChain);
  EXPECT_EQ(first.instantiated, chainGraphs());
  GraphCounts later = runs(3);
  EXPECT_EQ(later.launches, 3u * kChain);
  EXPECT_EQ(later.graphLaunches, 3 * chainGraphs());
  EXPECT_EQ(later.instantiated, 0u);
  EXPECT_EQ(later.updates, 0u) << "the same buffers each run";
  EXPECT_EQ(first.badDependencies + later.badDependencies, 0u);
}

TEST_F(CUDARuntime, GraphsFollowDeviceInputsToNewAddresses) {
  // Each run reads another device input: the graph's first node moves to it.
  std::vector<float> y(kN);
  aiopt_tensor out = tensor(y.data(), kBytes);
  GraphCounts counts = graphCounted([&] {
    for (int run = 0; run < 5; ++run) {
      std::vector<float> x = iota();
      for (float &v : x)
        v += static_cast<float>(run);
      aiopt_tensor in = tensor(reinterpret_cast<void *>(deviceBuffer(kBytes, x.data())));
      ASSERT_EQ(aiopt_run_on(&kChainModel, &in, 1, &out, 1, AIOPT_INPUTS_ON_DEVICE), AIOPT_OK)
          << aiopt_last_error();
      expectChain(x, y.data());
    }
  });
  EXPECT_EQ(counts.launches, 5u * kChain);
  if (launchesPerGraph() >= 2) {
    // Each batch is a graph by the third run, and each run after the
    // first moves the node that reads the input.
    EXPECT_GE(counts.graphLaunches, 3 * chainGraphs());
    EXPECT_GE(counts.updates, 3u);
  } else {
    EXPECT_EQ(counts.graphLaunches, 0u);
  }
}

TEST_F(CUDARuntime, HostAccessesRunTheQueuedLaunchesFirst) {
  // The host reads an intermediate the queued launches write, and writes
  // it back for the launches after: both orders must hold.
  aiopt_model_info model = kChainModel;
  model.entry = chainWithHostStepEntry;
  std::vector<float> x = iota(), y(kN);
  aiopt_tensor in = tensor(x.data()), out = tensor(y.data(), kBytes);
  for (int run = 0; run < 4; ++run) {
    std::fill(y.begin(), y.end(), 0.0f);
    ASSERT_EQ(aiopt_run(&model, &in, 1, &out, 1), AIOPT_OK) << aiopt_last_error();
    expectChain(x, y.data(), 1);
  }
}

TEST_F(CUDARuntime, BatchesRunLaunchByLaunchWhereGraphsFail) {
  std::vector<float> x = iota(), y(kN);
  aiopt_tensor in = tensor(x.data()), out = tensor(y.data(), kBytes);
  auto run = [&](const aiopt_model_info &model, aiopt_tensor &input, unsigned where) {
    std::fill(y.begin(), y.end(), 0.0f);
    ASSERT_EQ(aiopt_run_on(&model, &input, 1, &out, 1, where), AIOPT_OK) << aiopt_last_error();
    expectChain(x, y.data());
  };
  // No graph can be instantiated: every run is launch by launch.
  aiopt_model_info grids2 = kChainModel, grids3 = kChainModel;
  grids2.entry = chainOnGridsOf2Entry;
  grids3.entry = chainOnGridsOf3Entry;
  driver.stats->fail_graphs = 1;
  GraphCounts failing = graphCounted([&] {
    for (int i = 0; i < 4; ++i)
      run(grids2, in, 0);
  });
  driver.stats->fail_graphs = 0;
  EXPECT_EQ(failing.launches, 4u * kChain);
  EXPECT_EQ(failing.graphLaunches, 0u);
  EXPECT_EQ(failing.instantiated, 0u);
  // Graphs made, then their nodes cannot be updated for a device input at
  // another address: those runs too are launch by launch.
  GraphCounts made = graphCounted([&] {
    for (int i = 0; i < 3; ++i)
      run(grids3, in, 0);
  });
  EXPECT_EQ(made.instantiated, chainGraphs());
  driver.stats->fail_graphs = 1;
  GraphCounts moved = graphCounted([&] {
    for (int i = 0; i < 2; ++i) {
      aiopt_tensor device = tensor(reinterpret_cast<void *>(deviceBuffer(kBytes, x.data())));
      run(grids3, device, AIOPT_INPUTS_ON_DEVICE);
    }
  });
  driver.stats->fail_graphs = 0;
  EXPECT_EQ(moved.launches, 2u * kChain);
  EXPECT_EQ(moved.updates, 0u);
}

TEST_F(CUDARuntime, FailedLaunchesNameTheirKernel) {
  // Queued or not, a launch that fails fails the run, naming its kernel.
  std::vector<float> x = iota(), y(kN);
  aiopt_tensor in = tensor(x.data()), out = tensor(y.data(), kBytes);
  driver.stats->fail_launches = 1;
  EXPECT_EQ(aiopt_run(&kChainModel, &in, 1, &out, 1), AIOPT_ERROR_DEVICE);
  driver.stats->fail_launches = 0;
  std::string message = aiopt_last_error();
  EXPECT_NE(message.find("CUDA kernel 'affine_module'"), std::string::npos) << message;
  EXPECT_NE(message.find("CUDA_ERROR_LAUNCH_FAILED"), std::string::npos) << message;
  // The next run is whole again.
  ASSERT_EQ(aiopt_run(&kChainModel, &in, 1, &out, 1), AIOPT_OK) << aiopt_last_error();
  expectChain(x, y.data());
}
