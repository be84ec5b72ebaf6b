/*===- run_model.c - run a compiled model on tensor files ------------------===*\
|*                                                                            *|
|* Test driver linked with one compiled model: reads input_<i>.tensor from a  *|
|* folder, calls the model through the C API, writes output_<i>.tensor, and   *|
|* prints the median and 90th-percentile latency over --repeat runs (after    *|
|* one untimed warm-up run). The model is chosen at build time:               *|
|* -DMODEL_HEADER='"m.h"' -DMODEL_INFO=m_model. With --device-buffers (a      *|
|* model compiled for CUDA), the timed runs take their inputs from and write  *|
|* their outputs to CUDA device memory (aiopt_run_on); a host run first gives *|
|* the outputs' sizes.                                                        *|
|* Tensor file: int32 dtype, int32 rank, int64 shape[rank], raw data.        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 199309L
#include MODEL_HEADER

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int read_tensor(const char *path, aiopt_tensor *t) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return fprintf(stderr, "cannot open %s\n", path), 1;
  memset(t, 0, sizeof(*t));
  if (fread(&t->dtype, 4, 1, f) != 1 || fread(&t->rank, 4, 1, f) != 1 ||
      t->rank < 0 || t->rank > AIOPT_MAX_RANK ||
      fread(t->shape, 8, (size_t)t->rank, f) != (size_t)t->rank)
    return fclose(f), fprintf(stderr, "bad tensor header in %s\n", path), 1;
  size_t bytes = (size_t)aiopt_tensor_num_elements(t) * aiopt_dtype_size(t->dtype);
  t->data = malloc(bytes ? bytes : 1);
  if (fread(t->data, 1, bytes, f) != bytes)
    return fclose(f), fprintf(stderr, "short data in %s\n", path), 1;
  fclose(f);
  return 0;
}

static int write_tensor(const char *path, const aiopt_tensor *t) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return fprintf(stderr, "cannot write %s\n", path), 1;
  size_t bytes = (size_t)aiopt_tensor_num_elements(t) * aiopt_dtype_size(t->dtype);
  fwrite(&t->dtype, 4, 1, f);
  fwrite(&t->rank, 4, 1, f);
  fwrite(t->shape, 8, (size_t)t->rank, f);
  fwrite(t->data, 1, bytes, f);
  fclose(f);
  return 0;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The CUDA driver functions --device-buffers uses, from the library the
 * runtime loads (AIOPT_CUDA_LIBRARY, else libcuda.so.1), on the primary
 * context of the runtime's device. */
typedef unsigned long long device_ptr;
static struct {
  int (*init)(unsigned);
  int (*get)(int *, int);
  int (*retain)(void **, int);
  int (*set_current)(void *);
  int (*alloc)(device_ptr *, size_t);
  int (*upload)(device_ptr, const void *, size_t);
  int (*download)(void *, device_ptr, size_t);
} cu;

static int open_cuda(void) {
  const char *library = getenv("AIOPT_CUDA_LIBRARY");
  void *h = dlopen(library && *library ? library : "libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h)
    return fprintf(stderr, "--device-buffers: cannot load the CUDA driver: %s\n", dlerror()), 1;
  *(void **)&cu.init = dlsym(h, "cuInit");
  *(void **)&cu.get = dlsym(h, "cuDeviceGet");
  *(void **)&cu.retain = dlsym(h, "cuDevicePrimaryCtxRetain");
  *(void **)&cu.set_current = dlsym(h, "cuCtxSetCurrent");
  *(void **)&cu.alloc = dlsym(h, "cuMemAlloc_v2");
  *(void **)&cu.upload = dlsym(h, "cuMemcpyHtoD_v2");
  *(void **)&cu.download = dlsym(h, "cuMemcpyDtoH_v2");
  const char *chosen = getenv("AIOPT_CUDA_DEVICE");
  int device = 0;
  void *context = NULL;
  if (!cu.init || !cu.get || !cu.retain || !cu.set_current || !cu.alloc || !cu.upload ||
      !cu.download || cu.init(0) || cu.get(&device, chosen && *chosen ? atoi(chosen) : 0) ||
      cu.retain(&context, device) || cu.set_current(context))
    return fprintf(stderr, "--device-buffers: no usable CUDA device\n"), 1;
  return 0;
}

/* A device copy of `t` (or room for `bytes` when `t` has no data). */
static int to_device(const aiopt_tensor *t, size_t bytes, aiopt_tensor *d) {
  device_ptr p = 0;
  *d = *t;
  if (cu.alloc(&p, bytes ? bytes : 1) || (t->data && cu.upload(p, t->data, bytes)))
    return fprintf(stderr, "--device-buffers: cannot allocate or fill device memory\n"), 1;
  d->data = (void *)(uintptr_t)p;
  d->capacity = bytes;
  return 0;
}

static size_t tensor_bytes(const aiopt_tensor *t) {
  return (size_t)aiopt_tensor_num_elements(t) * aiopt_dtype_size(t->dtype);
}

int main(int argc, char **argv) {
  if (argc < 2)
    return fprintf(stderr, "usage: %s DIR [--repeat N] [--threads N] [--device-buffers]\n",
                   argv[0]),
           2;
  int repeat = 1, device = 0;
  for (int a = 2; a < argc; a += 2) {
    if (!strcmp(argv[a], "--device-buffers")) {
      device = 1;
      --a;
    } else if (a + 1 == argc) {
      return fprintf(stderr, "option %s needs a value\n", argv[a]), 2;
    } else if (!strcmp(argv[a], "--repeat")) {
      repeat = atoi(argv[a + 1]);
    } else if (!strcmp(argv[a], "--threads")) {
      aiopt_status s = aiopt_set_num_threads(atoi(argv[a + 1]));
      if (s != AIOPT_OK)
        return fprintf(stderr, "aiopt_set_num_threads: %s\n", aiopt_last_error()), 2;
    } else {
      return fprintf(stderr, "unknown option %s\n", argv[a]), 2;
    }
  }
  const aiopt_model_info *m = &MODEL_INFO;
  aiopt_tensor in[16], out[16];
  char path[4096];
  if (m->num_inputs > 16 || m->num_outputs > 16)
    return fprintf(stderr, "too many inputs or outputs\n"), 2;
  for (size_t i = 0; i < m->num_inputs; ++i) {
    snprintf(path, sizeof path, "%s/input_%zu.tensor", argv[1], i);
    if (read_tensor(path, &in[i]))
      return 2;
  }
  /* Device buffers: a host run sizes the outputs, then every run reads
   * and writes device memory. */
  aiopt_tensor din[16], dout[16];
  if (device) {
    memset(out, 0, sizeof out);
    aiopt_status s = aiopt_run(m, in, m->num_inputs, out, m->num_outputs);
    if (s != AIOPT_OK)
      return fprintf(stderr, "aiopt_run failed (%d): %s\n", s, aiopt_last_error()), 1;
    if (open_cuda())
      return 2;
    for (size_t i = 0; i < m->num_inputs; ++i)
      if (to_device(&in[i], tensor_bytes(&in[i]), &din[i]))
        return 2;
    for (size_t i = 0; i < m->num_outputs; ++i) {
      aiopt_tensor empty = out[i];
      empty.data = NULL;
      if (to_device(&empty, tensor_bytes(&out[i]), &dout[i]))
        return 2;
      aiopt_tensor_free(&out[i]);
    }
  }
  double *times = malloc(sizeof(double) * (size_t)(repeat > 0 ? repeat : 1));
  /* With --repeat, one untimed warm-up run first (page faults, caches). */
  for (int r = repeat > 1 ? -1 : 0; r < repeat; ++r) {
    memset(out, 0, sizeof out);
    double t0 = now_ms();
    aiopt_status s = device ? aiopt_run_on(m, din, m->num_inputs, dout, m->num_outputs,
                                           AIOPT_INPUTS_ON_DEVICE | AIOPT_OUTPUTS_ON_DEVICE)
                            : aiopt_run(m, in, m->num_inputs, out, m->num_outputs);
    if (r >= 0)
      times[r] = now_ms() - t0;
    if (s != AIOPT_OK)
      return fprintf(stderr, "aiopt_run%s failed (%d): %s\n", device ? "_on" : "", s,
                     aiopt_last_error()),
             1;
    if (r + 1 < repeat && !device)
      for (size_t i = 0; i < m->num_outputs; ++i)
        aiopt_tensor_free(&out[i]);
  }
  for (size_t i = 0; i < m->num_outputs && device; ++i) {
    out[i] = dout[i];
    size_t bytes = tensor_bytes(&dout[i]);
    out[i].data = malloc(bytes ? bytes : 1);
    if (cu.download(out[i].data, (device_ptr)(uintptr_t)dout[i].data, bytes))
      return fprintf(stderr, "--device-buffers: cannot read the outputs back\n"), 2;
  }
  for (size_t i = 0; i < m->num_outputs; ++i) {
    snprintf(path, sizeof path, "%s/output_%zu.tensor", argv[1], i);
    if (write_tensor(path, &out[i]))
      return 2;
    aiopt_tensor_free(&out[i]);
  }
  qsort(times, (size_t)repeat, sizeof(double), cmp_double);
  printf("latency_ms_median %.4f over %d runs\n", times[repeat / 2], repeat);
  printf("latency_ms_p90 %.4f\n", times[(repeat * 9) / 10 < repeat ? (repeat * 9) / 10 : repeat - 1]);
  free(times);
  for (size_t i = 0; i < m->num_inputs; ++i)
    free(in[i].data);
  return 0;
}
