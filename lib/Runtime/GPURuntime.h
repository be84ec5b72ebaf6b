/*===- GPURuntime.h - what compiled GPU models call in aiopt's runtimes ---===*\
|*                                                                            *|
|* The host code of a model compiled for a GPU target calls one dispatch      *|
|* function per kernel launch (aiopt_vk_dispatch, aiopt_cuda_dispatch), all   *|
|* with this signature:                                                       *|
|*                                                                            *|
|*   void dispatch(const void *image, int64_t image_bytes, const char *entry, *|
|*                 int64_t grid_x, int64_t grid_y, int64_t grid_z,            *|
|*                 int64_t block_x, int64_t block_y, int64_t block_z,         *|
|*                 int32_t num_args, void *const *args,                       *|
|*                 const int64_t *arg_bytes, const int32_t *arg_kinds);       *|
|*                                                                            *|
|* `image` is the kernel module embedded in the object, `entry` the kernel's  *|
|* name. Argument i is `arg_bytes[i]` bytes at `args[i]`: a host buffer the   *|
|* runtime copies to the device (and back when the kernel writes it), a       *|
|* constant buffer (copied once, kept), a scalar, or the device address of    *|
|* the buffer before it again, as `arg_kinds[i]` says. Private to            *|
|* lib/Runtime.                                                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef AIOPT_RUNTIME_GPURUNTIME_H
#define AIOPT_RUNTIME_GPURUNTIME_H

#include "aiopt-c/Runtime.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  AIOPT_ARG_READ = 0,    /* a buffer the kernel only reads */
  AIOPT_ARG_WRITTEN = 1, /* a buffer the kernel may write: copied back */
  AIOPT_ARG_SCALAR = 2,  /* a scalar passed by value */
  AIOPT_ARG_ALIAS = 3,   /* the device address of the buffer just before (CUDA) */
  AIOPT_ARG_CONSTANT = 4, /* a read-only buffer that never changes (weights) */
  /* Added to a buffer's kind: the buffer lives on the device between
   * launches, and the host code says when it touches it
   * (aiopt_cuda_host_access, aiopt_vk_host_access; DeviceMirrors.h). */
  AIOPT_ARG_RESIDENT = 8,
};

/* Device buffers (aiopt_run_on): what the runtime of a model's device does
 * for them, found through aiopt_model_info.device_runtime (the CUDA
 * runtime's aiopt_cuda_device_runtime, which each model's header, or the
 * Python package for a shared library, names). Through it, a shared
 * library's own copy of the CUDA runtime serves its model. A run on the
 * calling thread:
 *   - check_buffer: `device` holds `bytes` bytes of device memory (else a
 *     status, and `why` says what is wrong);
 *   - bind_input: the host code sees the device input at `device` as the
 *     host range `shadow` (never written, never read: the model's kernels
 *     read the device memory, and the host's own reads copy it back
 *     first);
 *   - keep_results: the buffers the model returns stay on the device
 *     (aiopt_cuda_host_access mode 6) for copy_out;
 *   - copy_out: copies `bytes` of a result at host address `host` to
 *     `device`: device to device where the result stayed there, else from
 *     the host;
 *   - end_run: waits for the copies, forgets the bound inputs and the kept
 *     results.
 * Failures after the check go through aiopt_rt_device_error. */
struct aiopt_device_runtime {
  aiopt_status (*check_buffer)(uintptr_t device, size_t bytes, char *why, size_t why_size);
  aiopt_status (*bind_input)(void *shadow, size_t bytes, uintptr_t device);
  void (*keep_results)(void);
  void (*copy_out)(uintptr_t device, const void *host, size_t bytes);
  void (*end_run)(void);
};

/* The array `items` of `count` items of `size` bytes in `*capacity` slots,
 * with room for one more: itself, or a copy with the slots doubled (from
 * 16); NULL without host memory. The runtimes' lists of buffers. */
static inline void *aiopt_gpu_grow(void *items, size_t count, size_t *capacity, size_t size) {
  if (count < *capacity)
    return items;
  size_t grown = *capacity ? 2 * *capacity : 16;
  void *more = realloc(items, grown * size);
  if (more)
    *capacity = grown;
  return more;
}

/* Defined by the aiopt runtime (Runtime.c): fails the current aiopt_run
 * with AIOPT_ERROR_DEVICE and `message`. */
void aiopt_rt_device_error(const char *message);

/* What messages call a kernel: its module's name, which the compiler
 * stores after the kernel's own (entry is "<kernel>\0<module>\0"). */
static inline const char *aiopt_gpu_kernel_label(const char *entry) {
  const char *module = entry + strlen(entry) + 1;
  return *module ? module : entry;
}

/* Fails the current aiopt_run with "<api> kernel '<module>': <detail>". */
static inline void aiopt_gpu_kernel_error(const char *api, const char *entry, const char *fmt,
                                          va_list args) {
  char detail[320], message[480];
  vsnprintf(detail, sizeof(detail), fmt, args);
  snprintf(message, sizeof(message), "%s kernel '%s': %s", api, aiopt_gpu_kernel_label(entry),
           detail);
  aiopt_rt_device_error(message);
}

#endif /* AIOPT_RUNTIME_GPURUNTIME_H */
