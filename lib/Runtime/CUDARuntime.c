/*===- CUDARuntime.c - runs the kernels of --target=cuda models -----------===*\
|*                                                                            *|
|* Models compiled for CUDA keep their host code on the CPU and call          *|
|* aiopt_cuda_dispatch for each kernel launch (see GPURuntime.h): the image   *|
|* embedded in the object (a fatbin of cubin and PTX, or PTX alone), the      *|
|* kernel's name, the grid and block sizes and the arguments. This file       *|
|* loads the CUDA driver at run time (dlopen of libcuda.so.1, so programs     *|
|* link and start on machines without one), uses the primary context of one  *|
|* device, loads each image once (cached), and runs each launch with its      *|
|* buffers copied to device memory and the written ones copied back. Errors   *|
|* (no driver, no device, no code for the device, a failed call) fail the     *|
|* model's run with AIOPT_ERROR_DEVICE and a message naming the kernel.       *|
|*                                                                            *|
|* The driver API's few types and functions are declared here; the CUDA      *|
|* headers are not needed to build it.                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* strdup */

#include "GPURuntime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void aiopt_cuda_dispatch(const void *image, int64_t image_bytes, const char *entry,
                         int64_t grid_x, int64_t grid_y, int64_t grid_z, int64_t block_x,
                         int64_t block_y, int64_t block_z, int32_t num_args, void *const *args,
                         const int64_t *arg_bytes, const int32_t *arg_kinds);

typedef int CUresult; /* 0 is CUDA_SUCCESS */
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef unsigned long long CUdeviceptr;
enum { CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
       CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76 };

/* The driver functions used: name, parameter list. */
#define AIOPT_CU_FUNCTIONS(X)                                                                 \
  X(cuInit, (unsigned))                                                                      \
  X(cuDeviceGetCount, (int *))                                                               \
  X(cuDeviceGet, (CUdevice *, int))                                                          \
  X(cuDeviceGetAttribute, (int *, int, CUdevice))                                            \
  X(cuDevicePrimaryCtxRetain, (CUcontext *, CUdevice))                                       \
  X(cuCtxSetCurrent, (CUcontext))                                                            \
  X(cuModuleLoadData, (CUmodule *, const void *))                                            \
  X(cuModuleGetFunction, (CUfunction *, CUmodule, const char *))                             \
  X(cuMemAlloc_v2, (CUdeviceptr *, size_t))                                                  \
  X(cuMemFree_v2, (CUdeviceptr))                                                             \
  X(cuMemcpyHtoD_v2, (CUdeviceptr, const void *, size_t))                                    \
  X(cuMemcpyDtoH_v2, (void *, CUdeviceptr, size_t))                                          \
  X(cuLaunchKernel, (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,  \
                     unsigned, CUstream, void **, void **))                                   \
  X(cuCtxSynchronize, (void))                                                                \
  X(cuGetErrorName, (CUresult, const char **))

#define AIOPT_CU_DECLARE(name, params) static CUresult(*p_##name) params;
AIOPT_CU_FUNCTIONS(AIOPT_CU_DECLARE)

/* A loaded image and the functions looked up in it. */
typedef struct function {
  const void *image;
  char *entry;
  CUfunction fn;
  struct function *next;
} function;
typedef struct module {
  const void *image;
  CUmodule mod;
  struct module *next;
} module;

static struct {
  pthread_once_t once;
  pthread_mutex_t lock;
  char init_error[256];
  CUcontext context;
  int cc_major, cc_minor;
  module *modules;
  function *functions;
} cu = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

static const char *error_name(CUresult r) {
  const char *name = NULL;
  if (p_cuGetErrorName && p_cuGetErrorName(r, &name) == 0 && name)
    return name;
  return "unknown CUDA error";
}

static void init(void) {
  const char *library = getenv("AIOPT_CUDA_LIBRARY");
  if (!library || !*library)
    library = "libcuda.so.1";
  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    snprintf(cu.init_error, sizeof(cu.init_error),
             "cannot load the CUDA driver (%s): %s; is an NVIDIA driver installed?", library,
             why ? why : "not found");
    return;
  }
#define AIOPT_CU_LOAD(name, params)                                                           \
  *(void **)&p_##name = dlsym(handle, #name);                                                 \
  if (!p_##name) {                                                                            \
    snprintf(cu.init_error, sizeof(cu.init_error), "the CUDA driver (%s) has no %s", library, \
             #name);                                                                          \
    return;                                                                                   \
  }
  AIOPT_CU_FUNCTIONS(AIOPT_CU_LOAD)
#undef AIOPT_CU_LOAD
  CUresult r = p_cuInit(0);
  int count = 0;
  if (r == 0)
    r = p_cuDeviceGetCount(&count);
  if (r != 0) {
    snprintf(cu.init_error, sizeof(cu.init_error), "cuInit failed (%s): no usable GPU",
             error_name(r));
    return;
  }
  const char *chosen = getenv("AIOPT_CUDA_DEVICE");
  int index = chosen && *chosen ? atoi(chosen) : 0;
  if (count == 0 || index < 0 || index >= count) {
    snprintf(cu.init_error, sizeof(cu.init_error),
             "no CUDA device %d (the driver sees %d; AIOPT_CUDA_DEVICE chooses one)", index,
             count);
    return;
  }
  CUdevice device;
  r = p_cuDeviceGet(&device, index);
  if (r == 0)
    r = p_cuDeviceGetAttribute(&cu.cc_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
  if (r == 0)
    r = p_cuDeviceGetAttribute(&cu.cc_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
  if (r == 0)
    r = p_cuDevicePrimaryCtxRetain(&cu.context, device);
  if (r != 0)
    snprintf(cu.init_error, sizeof(cu.init_error), "cannot open CUDA device %d (%s)", index,
             error_name(r));
}

static void dispatch_failed(const char *entry, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  aiopt_gpu_kernel_error("CUDA", entry, fmt, args);
  va_end(args);
}

/* The kernel `entry` of `image`, loading the image on first use. Called
 * with cu.lock held; on failure reports it and returns NULL. */
static CUfunction get_function(const void *image, const char *entry) {
  for (function *f = cu.functions; f; f = f->next)
    if (f->image == image && strcmp(f->entry, entry) == 0)
      return f->fn;
  module *m = cu.modules;
  while (m && m->image != image)
    m = m->next;
  if (!m) {
    CUmodule mod;
    CUresult r = p_cuModuleLoadData(&mod, image);
    if (r != 0) {
      dispatch_failed(entry, "cannot load its module on the sm_%d%d device (%s)", cu.cc_major,
                      cu.cc_minor, error_name(r));
      return NULL;
    }
    m = calloc(1, sizeof *m);
    if (!m) {
      dispatch_failed(entry, "out of host memory");
      return NULL;
    }
    m->image = image;
    m->mod = mod;
    m->next = cu.modules;
    cu.modules = m;
  }
  function *f = calloc(1, sizeof *f);
  char *name = f ? strdup(entry) : NULL;
  if (!name) {
    free(f);
    dispatch_failed(entry, "out of host memory");
    return NULL;
  }
  CUresult r = p_cuModuleGetFunction(&f->fn, m->mod, entry);
  if (r != 0) {
    free(name);
    free(f);
    dispatch_failed(entry, "not in its module (%s)", error_name(r));
    return NULL;
  }
  f->image = image;
  f->entry = name;
  f->next = cu.functions;
  cu.functions = f;
  return f->fn;
}

/* Copies the buffers in, launches, waits and copies the written buffers
 * back. Called with cu.lock held. */
static CUresult run_launch(CUfunction fn, const unsigned grid[3], const unsigned block[3],
                           int32_t num_args, void *const *args, const int64_t *arg_bytes,
                           const int32_t *arg_kinds, CUdeviceptr *buffers, void **params) {
  CUresult r = 0;
  for (int32_t i = 0; i < num_args && r == 0; ++i) {
    if (arg_kinds[i] == AIOPT_ARG_SCALAR) {
      params[i] = args[i];
      continue;
    }
    if (arg_kinds[i] == AIOPT_ARG_ALIAS) {
      params[i] = &buffers[i - 1];
      continue;
    }
    params[i] = &buffers[i];
    if (arg_bytes[i] > 0)
      r = p_cuMemAlloc_v2(&buffers[i], (size_t)arg_bytes[i]);
    if (r == 0 && arg_bytes[i] > 0)
      r = p_cuMemcpyHtoD_v2(buffers[i], args[i], (size_t)arg_bytes[i]);
  }
  if (r == 0)
    r = p_cuLaunchKernel(fn, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, NULL,
                         params, NULL);
  if (r == 0)
    r = p_cuCtxSynchronize();
  for (int32_t i = 0; i < num_args && r == 0; ++i)
    if (arg_kinds[i] == AIOPT_ARG_WRITTEN && arg_bytes[i] > 0)
      r = p_cuMemcpyDtoH_v2(args[i], buffers[i], (size_t)arg_bytes[i]);
  for (int32_t i = 0; i < num_args; ++i)
    if (buffers[i])
      p_cuMemFree_v2(buffers[i]);
  return r;
}

void aiopt_cuda_dispatch(const void *image, int64_t image_bytes, const char *entry,
                         int64_t grid_x, int64_t grid_y, int64_t grid_z, int64_t block_x,
                         int64_t block_y, int64_t block_z, int32_t num_args, void *const *args,
                         const int64_t *arg_bytes, const int32_t *arg_kinds) {
  (void)image_bytes; /* fatbins and NUL-terminated PTX carry their size */
  pthread_once(&cu.once, init);
  if (cu.init_error[0])
    return dispatch_failed(entry, "%s", cu.init_error);
  if (grid_x == 0 || grid_y == 0 || grid_z == 0)
    return; /* an empty iteration space */
  /* The limits of every GPU CUDA supports. */
  const int64_t counts[6] = {grid_x, grid_y, grid_z, block_x, block_y, block_z};
  const int64_t limits[6] = {2147483647, 65535, 65535, 1024, 1024, 64};
  unsigned sizes[6];
  for (int d = 0; d < 6; ++d) {
    if (counts[d] < 1 || counts[d] > limits[d])
      return dispatch_failed(entry, "%s size %lld in dimension %d is outside 1..%lld",
                             d < 3 ? "grid" : "block", (long long)counts[d], d % 3,
                             (long long)limits[d]);
    sizes[d] = (unsigned)counts[d];
  }
  if (block_x * block_y * block_z > 1024)
    return dispatch_failed(entry, "%lld threads per block, more than 1024",
                           (long long)(block_x * block_y * block_z));
  for (int32_t i = 0; i < num_args; ++i) {
    if (arg_bytes[i] < 0)
      return dispatch_failed(entry, "argument %d has a negative size", i);
    if (arg_kinds[i] == AIOPT_ARG_ALIAS &&
        (i == 0 || arg_kinds[i - 1] == AIOPT_ARG_SCALAR || arg_kinds[i - 1] == AIOPT_ARG_ALIAS))
      return dispatch_failed(entry, "argument %d aliases no buffer", i);
  }

  CUresult r = p_cuCtxSetCurrent(cu.context);
  if (r != 0)
    return dispatch_failed(entry, "cuCtxSetCurrent failed (%s)", error_name(r));
  CUdeviceptr *buffers = calloc((size_t)num_args + 1, sizeof *buffers);
  void **params = calloc((size_t)num_args + 1, sizeof *params);
  if (!buffers || !params) {
    free(buffers);
    free(params);
    return dispatch_failed(entry, "out of host memory");
  }
  pthread_mutex_lock(&cu.lock);
  CUfunction fn = get_function(image, entry);
  if (fn)
    r = run_launch(fn, sizes, sizes + 3, num_args, args, arg_bytes, arg_kinds, buffers, params);
  pthread_mutex_unlock(&cu.lock);
  free(buffers);
  free(params);
  if (fn && r != 0)
    dispatch_failed(entry, "the launch failed (%s)", error_name(r));
}
