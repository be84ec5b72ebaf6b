/*===- c_api_test.c - the C API of a compiled model, bad calls included ----===*\
|*                                                                            *|
|* Links the MLP of test/Import/ONNX/Inputs/mlp.onnxtxt (y = relu(x W^T + b), *|
|* W = [[1,2,3],[4,5,6]], b = [0.5,-0.5]) and checks results, status codes    *|
|* for wrong calls, and concurrent calls from several threads.                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "mlp.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

static void expect_status(const char *what, aiopt_status got, aiopt_status want) {
  if (got == want) {
    printf("ok %s: status %d (%s)\n", what, got, aiopt_last_error());
  } else {
    printf("FAIL %s: status %d, expected %d (%s)\n", what, got, want, aiopt_last_error());
    ++failures;
  }
}

static void reference(const float *x, int64_t n, float *y) {
  static const float w[2][3] = {{1, 2, 3}, {4, 5, 6}};
  static const float b[2] = {0.5f, -0.5f};
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 2; ++j) {
      float acc = b[j];
      for (int k = 0; k < 3; ++k)
        acc += x[i * 3 + k] * w[j][k];
      y[i * 2 + j] = acc > 0 ? acc : 0;
    }
}

static aiopt_tensor make_input(float *data, int64_t n) {
  aiopt_tensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.dtype = AIOPT_F32;
  t.rank = 2;
  t.shape[0] = n;
  t.shape[1] = 3;
  return t;
}

static int check_values(const aiopt_tensor *out, const float *x, int64_t n) {
  float want[64];
  reference(x, n, want);
  if (out->rank != 2 || out->shape[0] != n || out->shape[1] != 2)
    return 0;
  for (int64_t i = 0; i < n * 2; ++i)
    if (fabsf(((float *)out->data)[i] - want[i]) > 1e-5f)
      return 0;
  return 1;
}

static void *worker(void *arg) {
  long id = (long)arg;
  float x[3 * 8];
  for (int iter = 0; iter < 200; ++iter) {
    int64_t n = 1 + (id + iter) % 8;
    for (int i = 0; i < 3 * n; ++i)
      x[i] = (float)((i * 7 + id * 3 + iter) % 11) - 5.0f;
    aiopt_tensor in = make_input(x, n), out;
    memset(&out, 0, sizeof out);
    if (mlp_run(&in, &out) != AIOPT_OK || !check_values(&out, x, n))
      return (void *)1;
    aiopt_tensor_free(&out);
  }
  return NULL;
}

int main(void) {
  float x[6] = {1, -2, 3, 0.5f, 0.25f, -1};
  aiopt_tensor in = make_input(x, 2), out;

  /* Output allocated by the runtime. */
  memset(&out, 0, sizeof out);
  expect_status("run (runtime-allocated output)", mlp_run(&in, &out), AIOPT_OK);
  if (!check_values(&out, x, 2)) {
    printf("FAIL values\n");
    ++failures;
  } else {
    printf("ok values [%g %g; %g %g]\n", ((float *)out.data)[0], ((float *)out.data)[1],
           ((float *)out.data)[2], ((float *)out.data)[3]);
  }
  aiopt_tensor_free(&out);

  /* Caller buffer, big enough and too small. */
  float buf[4];
  memset(&out, 0, sizeof out);
  out.data = buf;
  out.capacity = sizeof buf;
  expect_status("run (caller buffer)", mlp_run(&in, &out), AIOPT_OK);
  if (!check_values(&out, x, 2))
    printf("FAIL caller buffer values\n"), ++failures;
  out.capacity = sizeof buf - 1;
  expect_status("buffer too small", mlp_run(&in, &out), AIOPT_ERROR_BUFFER_TOO_SMALL);

  /* Empty batch. */
  memset(&out, 0, sizeof out);
  aiopt_tensor empty = make_input(x, 0);
  expect_status("empty batch", mlp_run(&empty, &out), AIOPT_OK);
  printf("ok empty batch shape [%lld, %lld]\n", (long long)out.shape[0], (long long)out.shape[1]);
  aiopt_tensor_free(&out);

  /* Wrong calls. */
  aiopt_tensor bad = make_input(x, 2);
  bad.rank = 3;
  bad.shape[2] = 1;
  expect_status("wrong rank", mlp_run(&bad, &out), AIOPT_ERROR_RANK);
  bad = make_input(x, 1);
  bad.shape[1] = 6;
  expect_status("wrong static dimension", mlp_run(&bad, &out), AIOPT_ERROR_SHAPE);
  bad = make_input(x, 2);
  bad.shape[0] = -1;
  expect_status("negative dimension", mlp_run(&bad, &out), AIOPT_ERROR_SHAPE);
  bad = make_input(x, 2);
  bad.dtype = AIOPT_F64;
  expect_status("wrong dtype", mlp_run(&bad, &out), AIOPT_ERROR_DTYPE);
  bad = make_input(NULL, 2);
  expect_status("null data", mlp_run(&bad, &out), AIOPT_ERROR_NULL_ARGUMENT);
  expect_status("null model", aiopt_run(NULL, &in, 1, &out, 1), AIOPT_ERROR_NULL_ARGUMENT);
  expect_status("null outputs", aiopt_run(&mlp_model, &in, 1, NULL, 1), AIOPT_ERROR_NULL_ARGUMENT);
  expect_status("input count", aiopt_run(&mlp_model, &in, 0, &out, 1), AIOPT_ERROR_ARGUMENT_COUNT);
  aiopt_model_info other = mlp_model;
  other.abi_version = AIOPT_ABI_VERSION + 1;
  expect_status("abi mismatch", aiopt_run(&other, &in, 1, &out, 1), AIOPT_ERROR_ABI_MISMATCH);
  expect_status("device buffers for a CPU model",
                aiopt_run_on(&mlp_model, &in, 1, &out, 1, AIOPT_INPUTS_ON_DEVICE),
                AIOPT_ERROR_UNSUPPORTED);

  /* Buffers the runtime kept for reuse are released; runs go on. */
  aiopt_release_cached_memory();
  memset(&out, 0, sizeof out);
  expect_status("run after releasing cached buffers", mlp_run(&in, &out), AIOPT_OK);
  if (!check_values(&out, x, 2))
    printf("FAIL values after releasing cached buffers\n"), ++failures;
  aiopt_tensor_free(&out);

  /* Thread counts: OpenMP runs more than one only in programs linked
   * with it (this test is built both ways). */
  expect_status("zero threads", aiopt_set_num_threads(0), AIOPT_ERROR_INVALID_ARGUMENT);
  expect_status("one thread", aiopt_set_num_threads(1), AIOPT_OK);
  /* The runtime's thread pool needs nothing else linked. */
  expect_status("two threads", aiopt_set_num_threads(2), AIOPT_OK);

  /* Concurrent calls on one model. */
  pthread_t threads[4];
  for (long i = 0; i < 4; ++i)
    pthread_create(&threads[i], NULL, worker, (void *)i);
  int bad_threads = 0;
  for (int i = 0; i < 4; ++i) {
    void *r;
    pthread_join(threads[i], &r);
    bad_threads += r != NULL;
  }
  if (bad_threads)
    printf("FAIL concurrent calls: %d threads saw wrong results\n", bad_threads), ++failures;
  else
    printf("ok concurrent calls: 4 threads x 200 runs\n");

  printf("%d failures\n", failures);
  return failures != 0;
}
