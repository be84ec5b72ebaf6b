//===- RuntimeTest.cpp - the C runtime's helpers and argument checks ------===//
//
// Unit tests of lib/Runtime against a fake model entry, so argument checks
// and result copying are tested without compiling a model.
//
//===----------------------------------------------------------------------===//

#include "aiopt-c/Runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

// The allocator compiled code calls (lib/Runtime/Runtime.c).
extern "C" void *_mlir_memref_to_llvm_alloc(size_t size);
extern "C" void _mlir_memref_to_llvm_free(void *ptr);

namespace {

/// A fake compiled model: one f32 input [?, 2], one output equal to the
/// input times two, written as a strided (transposed-back) result to check
/// that the runtime honours result strides.
void doubleEntry(void **inputs, void *results) {
  auto *in = static_cast<int64_t *>(inputs[0]);
  float *src;
  std::memcpy(&src, &in[1], sizeof(void *));
  int64_t rows = in[3];
  // Result stored column-major: strides {1, rows}; allocated as compiled
  // code does, since the runtime frees results through the same allocator.
  auto *buffer = static_cast<float *>(_mlir_memref_to_llvm_alloc(sizeof(float) * rows * 2 + 1));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < 2; ++j)
      buffer[j * rows + i] = 2 * src[i * 2 + j];
  auto *out = static_cast<int64_t *>(results);
  std::memcpy(&out[0], &buffer, sizeof(void *));
  std::memcpy(&out[1], &buffer, sizeof(void *));
  out[2] = 0;
  out[3] = rows;
  out[4] = 2;
  out[5] = 1;
  out[6] = rows;
}

const int64_t kShape[] = {-1, 2};
const aiopt_tensor_info kInputs[] = {{"x", AIOPT_F32, 2, kShape}};
const aiopt_tensor_info kOutputs[] = {{"y", AIOPT_F32, 2, kShape}};
const aiopt_model_info kModel = {AIOPT_ABI_VERSION, "double", 1, kInputs, 1,
                                 kOutputs, doubleEntry, "", 0};

aiopt_tensor tensor(float *data, int64_t rows) {
  aiopt_tensor t{};
  t.data = data;
  t.dtype = AIOPT_F32;
  t.rank = 2;
  t.shape[0] = rows;
  t.shape[1] = 2;
  return t;
}

TEST(Runtime, DtypeSizes) {
  EXPECT_EQ(aiopt_dtype_size(AIOPT_F32), 4u);
  EXPECT_EQ(aiopt_dtype_size(AIOPT_I64), 8u);
  EXPECT_EQ(aiopt_dtype_size(AIOPT_BF16), 2u);
  EXPECT_EQ(aiopt_dtype_size(AIOPT_BOOL), 1u);
  EXPECT_EQ(aiopt_dtype_size(12345), 0u);
}

TEST(Runtime, CopiesStridedResults) {
  float x[6] = {1, 2, 3, 4, 5, 6};
  aiopt_tensor in = tensor(x, 3), out{};
  ASSERT_EQ(aiopt_run(&kModel, &in, 1, &out, 1), AIOPT_OK) << aiopt_last_error();
  ASSERT_EQ(out.rank, 2);
  EXPECT_EQ(out.shape[0], 3);
  EXPECT_EQ(out.shape[1], 2);
  EXPECT_EQ(aiopt_tensor_num_elements(&out), 6);
  auto *y = static_cast<float *>(out.data);
  for (int i = 0; i < 6; ++i)
    EXPECT_FLOAT_EQ(y[i], 2 * x[i]);
  aiopt_tensor_free(&out);
  EXPECT_EQ(out.data, nullptr);
}

TEST(Runtime, ReusesFreedBuffersOfTheSameSize) {
  aiopt_release_cached_memory();
  void *a = _mlir_memref_to_llvm_alloc(1000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 16, 0u);
  std::memset(a, 1, 1000);
  _mlir_memref_to_llvm_free(a);
  // Same size: the cached buffer; another size: a new one.
  void *b = _mlir_memref_to_llvm_alloc(1000);
  EXPECT_EQ(b, a);
  void *c = _mlir_memref_to_llvm_alloc(2000);
  EXPECT_NE(c, a);
  _mlir_memref_to_llvm_free(b);
  _mlir_memref_to_llvm_free(c);
  _mlir_memref_to_llvm_free(nullptr);
  // Released buffers go back to the system; allocation goes on working.
  aiopt_release_cached_memory();
  void *d = _mlir_memref_to_llvm_alloc(3000);
  ASSERT_NE(d, nullptr);
  std::memset(d, 0, 3000);
  _mlir_memref_to_llvm_free(d);
  aiopt_release_cached_memory();
}

TEST(Runtime, RejectsBadArguments) {
  float x[6] = {};
  aiopt_tensor in = tensor(x, 3), out{};
  in.shape[1] = 3;
  EXPECT_EQ(aiopt_run(&kModel, &in, 1, &out, 1), AIOPT_ERROR_SHAPE);
  EXPECT_STREQ(aiopt_last_error(), "input 0 ('x'): dimension 1 is 3, expected 2");
  in = tensor(x, 3);
  in.dtype = AIOPT_I32;
  EXPECT_EQ(aiopt_run(&kModel, &in, 1, &out, 1), AIOPT_ERROR_DTYPE);
  in = tensor(x, 3);
  EXPECT_EQ(aiopt_run(&kModel, &in, 2, &out, 1), AIOPT_ERROR_ARGUMENT_COUNT);
  EXPECT_EQ(aiopt_run(&kModel, nullptr, 1, &out, 1), AIOPT_ERROR_NULL_ARGUMENT);
  // A successful call clears the previous message.
  ASSERT_EQ(aiopt_run(&kModel, &in, 1, &out, 1), AIOPT_OK);
  EXPECT_STREQ(aiopt_last_error(), "");
  aiopt_tensor_free(&out);
}

// Dimensions named alike (ONNX dim_param) must have one extent: within
// one input, and across inputs (the second input is read by no entry:
// the check comes first).
TEST(Runtime, ChecksDimensionsNamedAlike) {
  const char *const xNames[] = {"N", nullptr};
  const int64_t square[] = {-1, -1};
  const char *const squareNames[] = {"N", "N"};
  const aiopt_tensor_info inputs[] = {{"x", AIOPT_F32, 2, kShape, xNames},
                                      {"m", AIOPT_F32, 2, square, squareNames}};
  aiopt_model_info model = kModel;
  model.num_inputs = 2;
  model.inputs = inputs;
  float x[6] = {1, 2, 3, 4, 5, 6}, m[9] = {};
  aiopt_tensor in[2] = {tensor(x, 3), tensor(m, 3)}, out{};
  in[1].shape[1] = 3;
  ASSERT_EQ(aiopt_run(&model, in, 2, &out, 1), AIOPT_OK) << aiopt_last_error();
  aiopt_tensor_free(&out);
  in[1].shape[1] = 2;
  EXPECT_EQ(aiopt_run(&model, in, 2, &out, 1), AIOPT_ERROR_SHAPE);
  EXPECT_STREQ(aiopt_last_error(),
               "input 1 ('m'): dimension 1 ('N') is 2, but input 0 ('x') has 'N' = 3 in dimension 0");
  in[1].shape[0] = 2;
  EXPECT_EQ(aiopt_run(&model, in, 2, &out, 1), AIOPT_ERROR_SHAPE);
  EXPECT_STREQ(aiopt_last_error(),
               "input 1 ('m'): dimension 0 ('N') is 2, but input 0 ('x') has 'N' = 3 in dimension 0");
  EXPECT_EQ(out.data, nullptr);
}

TEST(Runtime, SmallCallerBufferIsAnError) {
  float x[6] = {};
  float y[5];
  aiopt_tensor in = tensor(x, 3), out{};
  out.data = y;
  out.capacity = sizeof(y);
  EXPECT_EQ(aiopt_run(&kModel, &in, 1, &out, 1), AIOPT_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(out.data, y); // the caller's buffer is left in place
}

// Device buffers need a model compiled for them and the CUDA runtime,
// which this program does not link (see CUDARuntimeTest.cpp for runs).
TEST(Runtime, DeviceBuffersNeedTheModelAndItsDeviceRuntime) {
  float x[6] = {1, 2, 3, 4, 5, 6};
  aiopt_tensor in = tensor(x, 3), out{};
  EXPECT_EQ(aiopt_run_on(&kModel, &in, 1, &out, 1, AIOPT_INPUTS_ON_DEVICE),
            AIOPT_ERROR_UNSUPPORTED);
  EXPECT_STREQ(aiopt_last_error(), "model 'double' does not take device buffers: compile it "
                                   "with --target=cuda (device-resident buffers, the default)");
  aiopt_model_info cuda = kModel;
  cuda.features = AIOPT_MODEL_DEVICE_BUFFERS;
  EXPECT_EQ(aiopt_run_on(&cuda, &in, 1, &out, 1, AIOPT_OUTPUTS_ON_DEVICE),
            AIOPT_ERROR_UNSUPPORTED);
  EXPECT_STREQ(aiopt_last_error(),
               "model 'double': device buffers need its device runtime "
               "(aiopt_model_info.device_runtime is NULL)");
  EXPECT_EQ(aiopt_run_on(&kModel, &in, 1, &out, 1, 8), AIOPT_ERROR_INVALID_ARGUMENT);
  // On the host, aiopt_run_on is aiopt_run.
  ASSERT_EQ(aiopt_run_on(&kModel, &in, 1, &out, 1, AIOPT_ON_HOST), AIOPT_OK);
  EXPECT_FLOAT_EQ(static_cast<float *>(out.data)[5], 12);
  aiopt_tensor_free(&out);
}
} // namespace
