/*===- Runtime.c - the C runtime of aiopt-compiled models -----------------===*\
|*                                                                            *|
|* Checks caller tensors against the model's description, builds the memref   *|
|* descriptors of the entry ABI, calls the model and copies its results out.  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "aiopt-c/Runtime.h"
#include "GPURuntime.h"
#include "ThreadPool.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_error[512];

static aiopt_status fail(aiopt_status status, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(last_error, sizeof(last_error), fmt, args);
  va_end(args);
  return status;
}

const char *aiopt_last_error(void) { return last_error; }

/* Failures inside a model's run: the generated code (and the Vulkan
 * runtime) report them through these functions on the thread that called
 * aiopt_run, which returns the first one. */
static _Thread_local aiopt_status run_status;

/* Models compiled with --runtime-checks call this for a gather or scatter
 * index outside its dimension (and then clamp it). */
void aiopt_rt_index_error(const char *site, int64_t index, int64_t extent);
void aiopt_rt_index_error(const char *site, int64_t index, int64_t extent) {
  if (run_status != AIOPT_OK)
    return;
  run_status = fail(AIOPT_ERROR_INDEX_OUT_OF_RANGE,
                    "%s: index %lld is out of range for a dimension of %lld (valid: %lld to %lld)",
                    site, (long long)index, (long long)extent, -(long long)extent,
                    (long long)extent - 1);
}

/* The generated code calls this when an extent that the model's types
 * leave dynamic is not what the op needs: operand `operand` of `site` has
 * `extent` along its axis `axis` where `expected` is needed (or, where
 * `broadcasts`, 1). */
void aiopt_rt_shape_error(const char *site, int64_t operand, int64_t axis, int64_t extent,
                          int64_t expected, int64_t broadcasts);
void aiopt_rt_shape_error(const char *site, int64_t operand, int64_t axis, int64_t extent,
                          int64_t expected, int64_t broadcasts) {
  if (run_status != AIOPT_OK)
    return;
  run_status = fail(AIOPT_ERROR_SHAPE, "%s: operand %lld has extent %lld along its axis %lld, %s %lld%s",
                    site, (long long)operand, (long long)extent, (long long)axis,
                    broadcasts ? "which does not broadcast with" : "which must be",
                    (long long)expected,
                    broadcasts ? " (extents must be equal, or 1)" : "");
}

/* The Vulkan runtime calls this when a kernel cannot run (no driver or
 * device, a failed call); the rest of the run goes on and its results are
 * not to be used. */
void aiopt_rt_device_error(const char *message);
void aiopt_rt_device_error(const char *message) {
  if (run_status != AIOPT_OK)
    return;
  run_status = fail(AIOPT_ERROR_DEVICE, "%s", message);
}

/* Buffers of compiled models: the generated code allocates and frees
 * through these two functions (a weak fallback to malloc/free lives in each
 * object). Freed buffers are kept per thread, up to kCacheSlots of them and
 * kCacheLimit bytes, and handed out again for an allocation of the same
 * size: a model run repeatedly then reuses its buffers instead of mapping
 * (and faulting in) fresh pages on every run (BERT-base's host code on a
 * GPU frees some 300 buffers a run). Each block starts with a
 * 16-byte header holding its size, so returned pointers keep malloc's
 * alignment. */
enum { kCacheSlots = 512, kHeader = 16 };
static const size_t kCacheLimit = (size_t)1 << 30;
typedef struct cached_buffer {
  size_t size;
  char *block;
} cached_buffer;
static _Thread_local cached_buffer cache[kCacheSlots];
static _Thread_local size_t cache_count, cache_bytes;

void *_mlir_memref_to_llvm_alloc(size_t size);
void _mlir_memref_to_llvm_free(void *ptr);

/* A thread's cached buffers are released when it exits: the first buffer
 * it caches sets a thread-specific value whose destructor frees them. */
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;
static void release_at_exit(void *unused) {
  (void)unused;
  aiopt_release_cached_memory();
}
static void create_cache_key(void) { pthread_key_create(&cache_key, release_at_exit); }

void *_mlir_memref_to_llvm_alloc(size_t size) {
  for (size_t i = 0; i < cache_count; ++i) {
    if (cache[i].size != size)
      continue;
    char *block = cache[i].block;
    cache_bytes -= size;
    cache[i] = cache[--cache_count];
    return block + kHeader;
  }
  char *block = malloc(size + kHeader);
  if (!block)
    return NULL;
  memcpy(block, &size, sizeof size);
  return block + kHeader;
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  char *block = (char *)ptr - kHeader;
  size_t size;
  memcpy(&size, block, sizeof size);
  if (cache_count < kCacheSlots && size <= kCacheLimit - cache_bytes) {
    if (cache_count == 0) {
      pthread_once(&cache_key_once, create_cache_key);
      pthread_setspecific(cache_key, &cache_key);
    }
    cache[cache_count].size = size;
    cache[cache_count].block = block;
    ++cache_count;
    cache_bytes += size;
    return;
  }
  free(block);
}

void aiopt_release_cached_memory(void) {
  for (size_t i = 0; i < cache_count; ++i)
    free(cache[i].block);
  cache_count = 0;
  cache_bytes = 0;
}

/* Resolved when the program links an OpenMP runtime (as models compiled
 * with --parallel --thread-pool=openmp need); the runtime itself depends on
 * libc and pthreads only. */
extern void omp_set_num_threads(int) __attribute__((weak));

aiopt_status aiopt_set_num_threads(int num_threads) {
  last_error[0] = '\0';
  if (num_threads < 1)
    return fail(AIOPT_ERROR_INVALID_ARGUMENT, "aiopt_set_num_threads: %d is not a thread count (>= 1)",
                num_threads);
  aiopt_pool_set_num_threads(num_threads);
  if (omp_set_num_threads)
    omp_set_num_threads(num_threads);
  return AIOPT_OK;
}

size_t aiopt_dtype_size(int32_t dtype) {
  switch (dtype) {
  case AIOPT_F64:
  case AIOPT_I64:
  case AIOPT_U64:
    return 8;
  case AIOPT_F32:
  case AIOPT_I32:
  case AIOPT_U32:
    return 4;
  case AIOPT_F16:
  case AIOPT_BF16:
  case AIOPT_I16:
  case AIOPT_U16:
    return 2;
  case AIOPT_I8:
  case AIOPT_U8:
  case AIOPT_BOOL:
  case AIOPT_F8E4M3FN:
  case AIOPT_F8E4M3FNUZ:
  case AIOPT_F8E5M2:
  case AIOPT_F8E5M2FNUZ:
  case AIOPT_U4:
  case AIOPT_I4:
  case AIOPT_F4E2M1:
  case AIOPT_U2:
  case AIOPT_I2:
    return 1;
  default:
    return 0;
  }
}

int64_t aiopt_tensor_num_elements(const aiopt_tensor *t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->rank; ++i)
    n *= t->shape[i];
  return n;
}

void aiopt_tensor_free(aiopt_tensor *t) {
  if (!t)
    return;
  free(t->data);
  t->data = NULL;
  t->capacity = 0;
}

/* A memref descriptor: {allocated, aligned, offset, sizes[r], strides[r]},
 * all 8-byte fields. */
static size_t descriptor_words(int32_t rank) { return 3 + 2 * (size_t)rank; }

static aiopt_status check_input(const aiopt_tensor_info *info,
                                const aiopt_tensor *t, size_t index) {
  if (t->dtype != info->dtype)
    return fail(AIOPT_ERROR_DTYPE, "input %zu ('%s'): dtype %d, expected %d",
                index, info->name, t->dtype, info->dtype);
  if (t->rank != info->rank)
    return fail(AIOPT_ERROR_RANK, "input %zu ('%s'): rank %d, expected %d",
                index, info->name, t->rank, info->rank);
  for (int32_t d = 0; d < t->rank; ++d) {
    if (t->shape[d] < 0)
      return fail(AIOPT_ERROR_SHAPE, "input %zu ('%s'): negative extent %lld in dimension %d",
                  index, info->name, (long long)t->shape[d], d);
    if (info->shape[d] >= 0 && t->shape[d] != info->shape[d])
      return fail(AIOPT_ERROR_SHAPE,
                  "input %zu ('%s'): dimension %d is %lld, expected %lld",
                  index, info->name, d, (long long)t->shape[d],
                  (long long)info->shape[d]);
  }
  if (!t->data && aiopt_tensor_num_elements(t) > 0)
    return fail(AIOPT_ERROR_NULL_ARGUMENT, "input %zu ('%s'): data is NULL",
                index, info->name);
  return AIOPT_OK;
}

/* The first input dimension the model names `name` (ONNX dim_param):
 * input *input, dimension *dim. */
static void first_named(const aiopt_model_info *model, const char *name, size_t *input,
                        int32_t *dim) {
  for (size_t j = 0; j < model->num_inputs; ++j) {
    const aiopt_tensor_info *info = &model->inputs[j];
    for (int32_t e = 0; info->dim_names && e < info->rank; ++e)
      if (info->dim_names[e] && strcmp(info->dim_names[e], name) == 0) {
        *input = j;
        *dim = e;
        return;
      }
  }
}

/* Dimensions the model names alike must have one extent: each named
 * dimension of input `index` against the first one of its name. */
static aiopt_status check_dim_names(const aiopt_model_info *model, const aiopt_tensor *inputs,
                                    size_t index) {
  const aiopt_tensor_info *info = &model->inputs[index];
  for (int32_t d = 0; info->dim_names && d < info->rank; ++d) {
    const char *name = info->dim_names[d];
    if (!name)
      continue;
    size_t j = index;
    int32_t e = d;
    first_named(model, name, &j, &e);
    if (inputs[j].shape[e] != inputs[index].shape[d])
      return fail(AIOPT_ERROR_SHAPE,
                  "input %zu ('%s'): dimension %d ('%s') is %lld, but input %zu ('%s') "
                  "has '%s' = %lld in dimension %d",
                  index, info->name, d, name, (long long)inputs[index].shape[d], j,
                  model->inputs[j].name, name, (long long)inputs[j].shape[e], e);
  }
  return AIOPT_OK;
}

/* Copies `bytes` from host memory at `src` to `dst`: host memory, or a
 * device address of the device runtime `device` (aiopt_run_on's device
 * outputs). */
typedef void (*copy_fn)(const struct aiopt_device_runtime *device, char *dst, const char *src,
                        size_t bytes);
static void host_copy(const struct aiopt_device_runtime *device, char *dst, const char *src,
                      size_t bytes) {
  (void)device;
  memcpy(dst, src, bytes);
}
static void device_copy(const struct aiopt_device_runtime *device, char *dst, const char *src,
                        size_t bytes) {
  device->copy_out((uintptr_t)dst, src, bytes);
}

/* Copies a strided result into contiguous `dst`. */
static void copy_strided(char *dst, const char *src, int32_t rank,
                         const int64_t *sizes, const int64_t *strides,
                         size_t elem, copy_fn copy, const struct aiopt_device_runtime *device) {
  /* Contiguous (row-major) dimensions are copied as one block. */
  int64_t block = 1;
  int32_t contiguous = rank;
  while (contiguous > 0 && (sizes[contiguous - 1] == 1 || strides[contiguous - 1] == block)) {
    block *= sizes[contiguous - 1];
    --contiguous;
  }
  if (contiguous == 0) {
    copy(device, dst, src, (size_t)block * elem);
    return;
  }
  int64_t inner = 1;
  for (int32_t d = 1; d < rank; ++d)
    inner *= sizes[d];
  for (int64_t i = 0; i < sizes[0]; ++i)
    copy_strided(dst + (size_t)(i * inner) * elem,
                 src + (size_t)(i * strides[0]) * elem, rank - 1, sizes + 1,
                 strides + 1, elem, copy, device);
}

static size_t tensor_bytes(const aiopt_tensor *t) {
  return (size_t)aiopt_tensor_num_elements(t) * aiopt_dtype_size(t->dtype);
}

/* Checks what aiopt_run_on needs beyond aiopt_run's checks: a model and a
 * program that take device buffers, and device memory of the right size. */
static aiopt_status check_device_run(const aiopt_model_info *model, const aiopt_tensor *inputs,
                                     const aiopt_tensor *outputs, unsigned where) {
  if (where & ~(unsigned)(AIOPT_INPUTS_ON_DEVICE | AIOPT_OUTPUTS_ON_DEVICE))
    return fail(AIOPT_ERROR_INVALID_ARGUMENT,
                "aiopt_run_on: where = %u is not a combination of AIOPT_INPUTS_ON_DEVICE and "
                "AIOPT_OUTPUTS_ON_DEVICE",
                where);
  if (!where)
    return AIOPT_OK;
  if (!(model->features & AIOPT_MODEL_DEVICE_BUFFERS))
    return fail(AIOPT_ERROR_UNSUPPORTED,
                "model '%s' does not take device buffers: compile it with --target=cuda "
                "(device-resident buffers, the default)",
                model->name);
  const struct aiopt_device_runtime *device = model->device_runtime;
  if (!device)
    return fail(AIOPT_ERROR_UNSUPPORTED,
                "model '%s': device buffers need its device runtime "
                "(aiopt_model_info.device_runtime is NULL)",
                model->name);
  char why[320];
  for (size_t i = 0; i < model->num_inputs && (where & AIOPT_INPUTS_ON_DEVICE); ++i) {
    aiopt_status s =
        device->check_buffer((uintptr_t)inputs[i].data, tensor_bytes(&inputs[i]), why, sizeof why);
    if (s != AIOPT_OK)
      return fail(s, "input %zu ('%s'): %s", i, model->inputs[i].name, why);
  }
  for (size_t i = 0; i < model->num_outputs && (where & AIOPT_OUTPUTS_ON_DEVICE); ++i) {
    if (!outputs[i].data)
      return fail(AIOPT_ERROR_NULL_ARGUMENT,
                  "output %zu ('%s'): data is NULL; device outputs need a buffer", i,
                  model->outputs[i].name);
    aiopt_status s =
        device->check_buffer((uintptr_t)outputs[i].data, outputs[i].capacity, why, sizeof why);
    if (s != AIOPT_OK)
      return fail(s, "output %zu ('%s'): %s", i, model->outputs[i].name, why);
  }
  return AIOPT_OK;
}

aiopt_status aiopt_run(const aiopt_model_info *model, const aiopt_tensor *inputs,
                       size_t num_inputs, aiopt_tensor *outputs,
                       size_t num_outputs) {
  return aiopt_run_on(model, inputs, num_inputs, outputs, num_outputs, AIOPT_ON_HOST);
}

aiopt_status aiopt_run_on(const aiopt_model_info *model, const aiopt_tensor *inputs,
                          size_t num_inputs, aiopt_tensor *outputs, size_t num_outputs,
                          unsigned where) {
  last_error[0] = '\0';
  if (!model || (!inputs && num_inputs) || (!outputs && num_outputs))
    return fail(AIOPT_ERROR_NULL_ARGUMENT, "model, inputs or outputs is NULL");
  if (model->abi_version != AIOPT_ABI_VERSION)
    return fail(AIOPT_ERROR_ABI_MISMATCH,
                "model '%s' was compiled for ABI %u, the runtime is ABI %d",
                model->name, model->abi_version, AIOPT_ABI_VERSION);
  if (num_inputs != model->num_inputs || num_outputs != model->num_outputs)
    return fail(AIOPT_ERROR_ARGUMENT_COUNT,
                "model '%s' takes %zu inputs and %zu outputs, got %zu and %zu",
                model->name, model->num_inputs, model->num_outputs, num_inputs,
                num_outputs);
  for (size_t i = 0; i < num_inputs; ++i) {
    aiopt_status s = check_input(&model->inputs[i], &inputs[i], i);
    if (s != AIOPT_OK)
      return s;
  }
  for (size_t i = 0; i < num_inputs; ++i) {
    aiopt_status s = check_dim_names(model, inputs, i);
    if (s != AIOPT_OK)
      return s;
  }
  aiopt_status checked = check_device_run(model, inputs, outputs, where);
  if (checked != AIOPT_OK)
    return checked;
  int device_inputs = (where & AIOPT_INPUTS_ON_DEVICE) != 0;
  int device_outputs = (where & AIOPT_OUTPUTS_ON_DEVICE) != 0;

  size_t in_words = 0, out_words = 0;
  for (size_t i = 0; i < num_inputs; ++i)
    in_words += descriptor_words(inputs[i].rank);
  for (size_t i = 0; i < num_outputs; ++i)
    out_words += descriptor_words(model->outputs[i].rank);
  int64_t *in_desc = malloc(sizeof(int64_t) * (in_words + 1));
  int64_t *out_desc = calloc(out_words + 1, sizeof(int64_t));
  void **in_ptrs = malloc(sizeof(void *) * (num_inputs + 1));
  /* Device inputs reach the host code as host ranges of their size (see
   * bind_input in GPURuntime.h). */
  void **shadows = calloc(num_inputs + 1, sizeof(void *));
  aiopt_status status = in_desc && out_desc && in_ptrs && shadows
                            ? AIOPT_OK
                            : fail(AIOPT_ERROR_OUT_OF_MEMORY, "out of memory");
  for (size_t i = 0; i < num_inputs && device_inputs && status == AIOPT_OK; ++i) {
    size_t bytes = tensor_bytes(&inputs[i]);
    shadows[i] = malloc(bytes ? bytes : 1);
    if (!shadows[i])
      status = fail(AIOPT_ERROR_OUT_OF_MEMORY, "out of memory");
    else if (bytes)
      status = model->device_runtime->bind_input(shadows[i], bytes, (uintptr_t)inputs[i].data);
    if (status != AIOPT_OK && !last_error[0])
      fail(status, "input %zu ('%s'): cannot bind its device memory", i, model->inputs[i].name);
  }

  int64_t *w = in_desc;
  for (size_t i = 0; i < num_inputs && status == AIOPT_OK; ++i) {
    const aiopt_tensor *t = &inputs[i];
    void *data = device_inputs ? shadows[i] : t->data;
    in_ptrs[i] = w;
    memcpy(&w[0], &data, sizeof(void *));
    memcpy(&w[1], &data, sizeof(void *));
    w[2] = 0;
    int64_t stride = 1;
    for (int32_t d = t->rank - 1; d >= 0; --d) {
      w[3 + d] = t->shape[d];
      w[3 + t->rank + d] = stride;
      stride *= t->shape[d];
    }
    w += descriptor_words(t->rank);
  }

  run_status = AIOPT_OK;
  if (status == AIOPT_OK) {
    if (device_outputs)
      model->device_runtime->keep_results();
    model->entry(in_ptrs, out_desc);
    status = run_status;
  }

  /* Copy every result out, then release all of them. */
  int64_t *r = out_desc;
  for (size_t i = 0; i < num_outputs && out_desc; ++i) {
    const aiopt_tensor_info *info = &model->outputs[i];
    aiopt_tensor *t = &outputs[i];
    size_t elem = aiopt_dtype_size(info->dtype);
    char *aligned;
    memcpy(&aligned, &r[1], sizeof(void *));
    const int64_t *sizes = &r[3], *strides = &r[3 + info->rank];
    size_t bytes = elem;
    for (int32_t d = 0; d < info->rank; ++d)
      bytes *= (size_t)sizes[d];
    if (status == AIOPT_OK) {
      t->dtype = info->dtype;
      t->rank = info->rank;
      for (int32_t d = 0; d < info->rank; ++d)
        t->shape[d] = sizes[d];
      if (!t->data) {
        t->data = malloc(bytes ? bytes : 1);
        t->capacity = bytes;
        if (!t->data)
          status = fail(AIOPT_ERROR_OUT_OF_MEMORY, "out of memory");
      } else if (t->capacity < bytes) {
        status = fail(AIOPT_ERROR_BUFFER_TOO_SMALL,
                      "output %zu ('%s') needs %zu bytes, the buffer has %zu",
                      i, info->name, bytes, t->capacity);
      }
      if (status == AIOPT_OK && bytes)
        copy_strided(t->data, aligned + (size_t)r[2] * elem, info->rank, sizes,
                     strides, elem, device_outputs ? device_copy : host_copy,
                     model->device_runtime);
    }
    r += descriptor_words(info->rank);
  }
  if (where) {
    model->device_runtime->end_run();
    if (status == AIOPT_OK)
      status = run_status;
  }
  /* Results are owned by the caller of the entry; one buffer may back
   * several outputs (a value returned twice), so free each once. */
  r = out_desc;
  for (size_t i = 0; i < num_outputs && out_desc; ++i) {
    void *allocated;
    memcpy(&allocated, &r[0], sizeof(void *));
    int64_t *q = out_desc;
    int seen = 0;
    for (size_t j = 0; j < i; ++j) {
      void *earlier;
      memcpy(&earlier, &q[0], sizeof(void *));
      seen |= earlier == allocated;
      q += descriptor_words(model->outputs[j].rank);
    }
    if (!seen)
      _mlir_memref_to_llvm_free(allocated);
    r += descriptor_words(model->outputs[i].rank);
  }
  for (size_t i = 0; i < num_inputs && shadows; ++i)
    free(shadows[i]);
  free(shadows);
  free(in_desc);
  free(out_desc);
  free(in_ptrs);
  return status;
}
