/*===- CUDARuntime.c - runs the kernels of --target=cuda models -----------===*\
|*                                                                            *|
|* Models compiled for CUDA keep their host code on the CPU and call          *|
|* aiopt_cuda_dispatch for each kernel launch (see GPURuntime.h): the image   *|
|* embedded in the object (a fatbin of cubin and PTX, or PTX alone), the      *|
|* kernel's name, the grid and block sizes and the arguments. This file       *|
|* loads the CUDA driver at run time (dlopen of libcuda.so.1, so programs     *|
|* link and start on machines without one), uses the primary context of one  *|
|* device, loads each image once (cached), and runs each launch with its      *|
|* buffers copied to device memory and the written ones copied back. Device   *|
|* memory is pooled across launches, and constant buffers (weights) are       *|
|* copied once and kept. AIOPT_CUDA_PROFILE=1 prints, at exit, where each     *|
|* kernel's time went (copies in, kernel, copies out). AIOPT_CUDA_GRAPHS=N    *|
|* runs the launches that copy nothing as CUDA graphs of up to N launches     *|
|* (CUDALaunchQueue.h). Errors (no driver, no device, no code for the        *|
|* device, a failed call) fail the model's run with AIOPT_ERROR_DEVICE and a  *|
|* message naming the kernel.                                                 *|
|*                                                                            *|
|* CUDADriver.h declares the driver API's few types and functions; the CUDA   *|
|* headers are not needed to build it.                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* strdup */

#include "CUDADriver.h"
#include "CUDALaunchQueue.h"
#include "DeviceMirrors.h"
#include "GPURuntime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void aiopt_cuda_dispatch(const void *image, int64_t image_bytes, const char *entry,
                         int64_t grid_x, int64_t grid_y, int64_t grid_z, int64_t block_x,
                         int64_t block_y, int64_t block_z, int32_t num_args, void *const *args,
                         const int64_t *arg_bytes, const int32_t *arg_kinds);
void aiopt_cuda_host_access(uintptr_t ptr, int64_t bytes, int32_t mode);

#define AIOPT_CU_DEFINE(name, params) CUresult(*p_##name) params;
AIOPT_CU_FUNCTIONS(AIOPT_CU_DEFINE)
AIOPT_CU_GRAPH_FUNCTIONS(AIOPT_CU_DEFINE)
#undef AIOPT_CU_DEFINE

/* A loaded image and the functions looked up in it, with their launches'
 * times when profiling. */
typedef struct function {
  const void *image;
  char *entry;
  const char *label; /* the module's name, for the profile */
  CUfunction fn;
  struct function *next;
  long long launches;
  double copy_in_ms, kernel_ms, copy_out_ms;
  double bytes_in, bytes_out;
} function;
typedef struct module {
  const void *image;
  CUmodule mod;
  struct module *next;
} module;


/* A block of device memory: a pooled one (free when not `busy`), or the
 * device copy of a constant buffer at `host`. */
typedef struct block {
  CUdeviceptr ptr;
  size_t bytes;
  const void *host;
  int busy;
} block;
typedef struct {
  block *items;
  size_t count, capacity;
} blocks;

/* The CUDA side of the mirrors (defined below). */
static const aiopt_mirror_device cuda_mirror_device;

static struct {
  pthread_once_t once;
  pthread_mutex_t lock;
  char init_error[256];
  CUcontext context;
  int cc_major, cc_minor;
  module *modules;
  function *functions;
  /* The functions again, in an open-addressing table keyed by image: a
   * model has hundreds of kernels, each looked up at every launch. */
  function **index;
  size_t function_count, index_capacity;
  blocks pool, constants;
  size_t next_constant; /* where constant_block's search starts */
  /* Device mirrors of host ranges that resident launches use. */
  aiopt_mirrors mirrors;
  /* AIOPT_CUDA_PROFILE: 1 times each launch (waiting for it), `launches`
   * counts them, and how many ran as graphs. */
  enum { PROFILE_OFF, PROFILE_TIMES, PROFILE_LAUNCHES } profile;
} cu = {.once = PTHREAD_ONCE_INIT,
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .mirrors = {.device = &cuda_mirror_device}};

/* The aiopt_run_on call on this thread: its bound inputs (borrowed
 * mirrors) and, when its outputs are on the device, the mirrors of the
 * buffers the model returned, taken out of the list with their memory. */
static _Thread_local struct {
  int keep_results;
  aiopt_mirror_list bound, kept;
} run;

static void print_profile(void);

const char *aiopt_cu_error_name(CUresult r) {
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
  /* Graphs are optional: without them batches run launch by launch. */
#define AIOPT_CU_LOAD_OPTIONAL(name, params) *(void **)&p_##name = dlsym(handle, #name);
  AIOPT_CU_GRAPH_FUNCTIONS(AIOPT_CU_LOAD_OPTIONAL)
#undef AIOPT_CU_LOAD_OPTIONAL
  const char *graphs = getenv("AIOPT_CUDA_GRAPHS");
  if (graphs && *graphs) {
    char *end;
    unsigned long long per_graph = strtoull(graphs, &end, 10);
    if (*end || graphs[0] == '-' || per_graph > 100000) {
      snprintf(cu.init_error, sizeof(cu.init_error),
               "AIOPT_CUDA_GRAPHS is not a number of launches per graph (0 to 100000): '%s'",
               graphs);
      return;
    }
    aiopt_cu_queue_configure((size_t)per_graph);
  }
  CUresult r = p_cuInit(0);
  int count = 0;
  if (r == 0)
    r = p_cuDeviceGetCount(&count);
  if (r != 0) {
    snprintf(cu.init_error, sizeof(cu.init_error), "cuInit failed (%s): no usable GPU",
             aiopt_cu_error_name(r));
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
  if (r != 0) {
    snprintf(cu.init_error, sizeof(cu.init_error), "cannot open CUDA device %d (%s)", index,
             aiopt_cu_error_name(r));
    return;
  }
  const char *profile = getenv("AIOPT_CUDA_PROFILE");
  if (profile && strcmp(profile, "launches") == 0)
    cu.profile = PROFILE_LAUNCHES;
  else if (profile && *profile && strcmp(profile, "0") != 0)
    cu.profile = PROFILE_TIMES;
}

static void dispatch_failed(const char *entry, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  aiopt_gpu_kernel_error("CUDA", entry, fmt, args);
  va_end(args);
}

static size_t index_slot(const void *image) {
  uint64_t h = (uint64_t)(uintptr_t)image * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 32) & (cu.index_capacity - 1);
}

static function *find_function(const void *image, const char *entry) {
  if (!cu.index_capacity)
    return NULL;
  for (size_t i = index_slot(image);; i = (i + 1) & (cu.index_capacity - 1)) {
    function *f = cu.index[i];
    if (!f || (f->image == image && strcmp(f->entry, entry) == 0))
      return f;
  }
}

/* Adds `f` to the table, growing it to stay at most half full; 0 when out
 * of memory. */
static int index_function(function *f) {
  if (2 * (cu.function_count + 1) > cu.index_capacity) {
    size_t capacity = cu.index_capacity ? 2 * cu.index_capacity : 256;
    function **table = calloc(capacity, sizeof *table);
    if (!table)
      return 0;
    free(cu.index);
    cu.index = table;
    cu.index_capacity = capacity;
    cu.function_count = 0;
    for (function *g = cu.functions; g; g = g->next)
      if (g != f && !index_function(g))
        return 0;
  }
  size_t i = index_slot(f->image);
  while (cu.index[i])
    i = (i + 1) & (cu.index_capacity - 1);
  cu.index[i] = f;
  cu.function_count += 1;
  return 1;
}

/* The kernel `entry` of `image`, loading the image on first use. Called
 * with cu.lock held; on failure reports it and returns NULL. */
static function *get_function(const void *image, const char *entry) {
  function *found = find_function(image, entry);
  if (found)
    return found;
  module *m = cu.modules;
  while (m && m->image != image)
    m = m->next;
  if (!m) {
    CUmodule mod;
    CUresult r = p_cuModuleLoadData(&mod, image);
    if (r != 0) {
      dispatch_failed(entry, "cannot load its module on the sm_%d%d device (%s)", cu.cc_major,
                      cu.cc_minor, aiopt_cu_error_name(r));
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
    dispatch_failed(entry, "not in its module (%s)", aiopt_cu_error_name(r));
    return NULL;
  }
  f->image = image;
  f->entry = name;
  f->label = aiopt_gpu_kernel_label(entry);
  f->next = cu.functions;
  cu.functions = f;
  if (!index_function(f)) {
    dispatch_failed(entry, "out of host memory");
    return NULL;
  }
  return f;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Appends a block; returns it, or NULL without host memory. */
static block *add_block(blocks *list, block b) {
  block *items = aiopt_gpu_grow(list->items, list->count, &list->capacity, sizeof b);
  if (!items)
    return NULL;
  list->items = items;
  list->items[list->count] = b;
  return &list->items[list->count++];
}

/* Runs the queued launches (CUDALaunchQueue.h) and waits for every launch
 * and copy: the host then sees their results and errors. */
static CUresult wait_for_device(void) {
  CUresult r = aiopt_cu_queue_flush();
  return r ? r : p_cuCtxSynchronize();
}

/* Frees the pooled blocks no launch holds, once the launches in flight
 * (which may still use them) are done; whether any went. Called with
 * cu.lock held, when the device is out of memory. */
static int trim_pool(void) {
  if (wait_for_device() != 0)
    return 0;
  size_t kept = 0;
  for (size_t i = 0; i < cu.pool.count; ++i) {
    if (cu.pool.items[i].busy)
      cu.pool.items[kept++] = cu.pool.items[i];
    else
      p_cuMemFree_v2(cu.pool.items[i].ptr);
  }
  int freed = kept < cu.pool.count;
  cu.pool.count = kept;
  return freed;
}

/* The pool is kept in order of size (a model's BERT-base run takes and
 * releases some 300 blocks among as many): the index of its first block of
 * at least `bytes`. */
static size_t first_fitting(size_t bytes) {
  size_t begin = 0, end = cu.pool.count;
  while (begin < end) {
    size_t mid = begin + (end - begin) / 2;
    if (cu.pool.items[mid].bytes < bytes)
      begin = mid + 1;
    else
      end = mid;
  }
  return begin;
}

/* Adds `b` to the pool in its place; NULL without host memory. */
static block *add_pooled(block b) {
  block *items = aiopt_gpu_grow(cu.pool.items, cu.pool.count, &cu.pool.capacity, sizeof b);
  if (!items)
    return NULL;
  cu.pool.items = items;
  size_t at = first_fitting(b.bytes + 1);
  memmove(&items[at + 1], &items[at], (cu.pool.count - at) * sizeof b);
  items[at] = b;
  cu.pool.count += 1;
  return &items[at];
}

/* A free pooled block of at least `bytes` (the smallest, and not more than
 * twice as large), else a new one (the idle blocks freed first when the
 * device is out of memory: a model run at many sizes leaves blocks of each);
 * marked busy. Called with cu.lock held. */
static CUresult take_block(size_t bytes, CUdeviceptr *ptr) {
  block *best = NULL;
  for (size_t i = first_fitting(bytes); i < cu.pool.count && cu.pool.items[i].bytes <= 2 * bytes;
       ++i)
    if (!cu.pool.items[i].busy) {
      best = &cu.pool.items[i];
      break;
    }
  if (!best) {
    block fresh = {0, bytes, NULL, 0};
    CUresult r = p_cuMemAlloc_v2(&fresh.ptr, bytes);
    if (r == 2 /* CUDA_ERROR_OUT_OF_MEMORY */ && trim_pool())
      r = p_cuMemAlloc_v2(&fresh.ptr, bytes);
    if (r != 0)
      return r;
    if (!(best = add_pooled(fresh))) {
      p_cuMemFree_v2(fresh.ptr);
      return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
    }
  }
  best->busy = 1;
  *ptr = best->ptr;
  return 0;
}

/* Gives back the block at `ptr`, taken for `bytes` (so at most twice as
 * large). */
static void release_block(CUdeviceptr ptr, size_t bytes) {
  for (size_t i = first_fitting(bytes); i < cu.pool.count && cu.pool.items[i].bytes <= 2 * bytes;
       ++i)
    if (cu.pool.items[i].ptr == ptr) {
      cu.pool.items[i].busy = 0;
      return;
    }
}

/* The device copy of the constant buffer `bytes` at `host`, made on first
 * use. The search starts after the last one found: a model's launches take
 * their weights in the same order every run. Called with cu.lock held. */
static CUresult constant_block(const void *host, size_t bytes, CUdeviceptr *ptr) {
  for (size_t k = 0; k < cu.constants.count; ++k) {
    size_t i = (cu.next_constant + k) % cu.constants.count;
    block *b = &cu.constants.items[i];
    if (b->host == host && b->bytes == bytes) {
      cu.next_constant = i + 1;
      *ptr = b->ptr;
      return 0;
    }
  }
  block fresh = {0, bytes, host, 1};
  CUresult r = p_cuMemAlloc_v2(&fresh.ptr, bytes);
  if (r == 0)
    r = p_cuMemcpyHtoD_v2(fresh.ptr, host, bytes);
  if (r == 0 && !add_block(&cu.constants, fresh))
    r = 2; /* CUDA_ERROR_OUT_OF_MEMORY */
  if (r != 0 && fresh.ptr)
    p_cuMemFree_v2(fresh.ptr);
  *ptr = fresh.ptr;
  return r;
}

/* The CUDA device memory of mirrors (DeviceMirrors.h). */
static int mirror_take(size_t bytes, uint64_t *dev) {
  CUdeviceptr ptr = 0;
  CUresult r = take_block(bytes, &ptr);
  *dev = ptr;
  return r;
}
static void mirror_give_back(uint64_t dev, size_t bytes) { release_block((CUdeviceptr)dev, bytes); }
/* Copies go after the queued launches (CUDALaunchQueue.h), which may use
 * the same memory. */
static int mirror_to_device(uint64_t dev, const void *host, size_t bytes) {
  CUresult r = aiopt_cu_queue_flush();
  return r ? r : p_cuMemcpyHtoD_v2((CUdeviceptr)dev, host, bytes);
}
static int mirror_to_host(void *host, uint64_t dev, size_t bytes) {
  CUresult r = aiopt_cu_queue_flush();
  return r ? r : p_cuMemcpyDtoH_v2(host, (CUdeviceptr)dev, bytes);
}
static const aiopt_mirror_device cuda_mirror_device = {
    mirror_take, mirror_give_back, mirror_to_device, mirror_to_host,
    2 /* CUDA_ERROR_OUT_OF_MEMORY */};

/* The mirror holding all of [lo, hi), or NULL. */
static aiopt_mirror *find_mirror(uintptr_t lo, uintptr_t hi) {
  return aiopt_mirror_list_find(&cu.mirrors.list, lo, hi);
}

/* Fails the current aiopt_run with "CUDA: <what> failed (<error>)". */
static void run_failed(const char *what, CUresult r) {
  char message[200];
  snprintf(message, sizeof message, "CUDA: %s failed (%s)", what, aiopt_cu_error_name(r));
  aiopt_rt_device_error(message);
}

/* Mode 6 in an aiopt_run_on call with device outputs: the mirror holding
 * the returned range [lo, hi) leaves the list with its device memory, for
 * device_copy_out; 0 when the range has no such mirror (the host's bytes
 * are then brought up to date as in a host run). A bound input returned
 * as it is stays where it is. Called with cu.lock held. */
static int keep_result(uintptr_t lo, uintptr_t hi) {
  aiopt_mirror *m = find_mirror(lo, hi);
  if (!m || m->state == AIOPT_MIRROR_HOST)
    return 0;
  if (m->borrowed)
    return 1;
  if (!aiopt_mirror_list_add(&run.kept, *m))
    return 0;
  aiopt_mirror_list_remove(&cu.mirrors.list, (size_t)(m - cu.mirrors.list.items));
  return 1;
}

/* What the host code of a model with resident launches calls around its
 * own accesses to memory that kernels use (ptr 0: all of it), `mode` as
 * DeviceMirrors.h says. In an aiopt_run_on call with device outputs, a
 * returned buffer's mirror (mode 6) stays on the device for
 * device_copy_out. Modes 0, 5 and 6 wait for the launches in flight; the device blocks of
 * dropped mirrors go back to the pool, and the stream orders any later use
 * of them after those launches. */
void aiopt_cuda_host_access(uintptr_t ptr, int64_t bytes, int32_t mode) {
  pthread_once(&cu.once, init);
  if (cu.init_error[0] || bytes < 0 || (mode == 3 && (!ptr || !bytes)))
    return; /* no device: no launch made a mirror */
  uintptr_t lo = ptr, hi = ptr ? ptr + (uintptr_t)bytes : UINTPTR_MAX;
  CUresult r = p_cuCtxSetCurrent(cu.context);
  pthread_mutex_lock(&cu.lock);
  /* Before the host reads results: the launches still running finish (and
   * report their errors) first. */
  if (r == 0 && (mode == 0 || mode == 5 || mode == 6))
    r = wait_for_device();
  int kept = r == 0 && mode == AIOPT_ACCESS_RESULT && run.keep_results && ptr && keep_result(lo, hi);
  if (r == 0 && !kept)
    r = aiopt_mirrors_access(&cu.mirrors, lo, hi, mode);
  pthread_mutex_unlock(&cu.lock);
  if (r != 0)
    run_failed("a kernel or copying its results back", r);
}

static aiopt_status device_check_buffer(uintptr_t device, size_t bytes, char *why, size_t why_size) {
  pthread_once(&cu.once, init);
  if (cu.init_error[0]) {
    snprintf(why, why_size, "%s", cu.init_error);
    return AIOPT_ERROR_DEVICE;
  }
  if (bytes == 0)
    return AIOPT_OK;
  CUdeviceptr base = 0;
  size_t size = 0;
  CUresult r = p_cuCtxSetCurrent(cu.context);
  if (r == 0)
    r = p_cuMemGetAddressRange_v2(&base, &size, (CUdeviceptr)device);
  if (r != 0) {
    snprintf(why, why_size, "%#llx is not device memory of the CUDA device in use (%s)",
             (unsigned long long)device, aiopt_cu_error_name(r));
    return AIOPT_ERROR_INVALID_ARGUMENT;
  }
  if ((CUdeviceptr)device + bytes > base + size) {
    snprintf(why, why_size, "needs %zu bytes at %#llx, its device allocation has %llu from there",
             bytes, (unsigned long long)device,
             (unsigned long long)(base + size - (CUdeviceptr)device));
    return AIOPT_ERROR_BUFFER_TOO_SMALL;
  }
  return AIOPT_OK;
}

static aiopt_status device_bind_input(void *shadow, size_t bytes, uintptr_t device) {
  aiopt_mirror m = {(uintptr_t)shadow, (uintptr_t)shadow + bytes, (uint64_t)device,
                    AIOPT_MIRROR_DEVICE, 1};
  pthread_mutex_lock(&cu.lock);
  int added = aiopt_mirror_list_add(&run.bound, m);
  if (added && !aiopt_mirrors_add_borrowed(&cu.mirrors, m)) {
    run.bound.count -= 1;
    added = 0;
  }
  pthread_mutex_unlock(&cu.lock);
  return added ? AIOPT_OK : AIOPT_ERROR_OUT_OF_MEMORY;
}

static void device_keep_results(void) { run.keep_results = 1; }

static void device_copy_out(uintptr_t device, const void *host, size_t bytes) {
  uintptr_t lo = (uintptr_t)host, hi = lo + bytes;
  CUresult r = p_cuCtxSetCurrent(cu.context);
  pthread_mutex_lock(&cu.lock);
  aiopt_mirror *m = aiopt_mirror_list_find(&run.kept, lo, hi);
  if (!m) {
    m = find_mirror(lo, hi);
    m = m && m->borrowed && m->state != AIOPT_MIRROR_HOST ? m : NULL;
  }
  if (r == 0)
    r = aiopt_cu_queue_flush();
  if (r == 0)
    r = m ? p_cuMemcpyDtoD_v2((CUdeviceptr)device, m->dev + (lo - m->lo), bytes)
          : p_cuMemcpyHtoD_v2((CUdeviceptr)device, host, bytes);
  pthread_mutex_unlock(&cu.lock);
  if (r != 0)
    run_failed("copying an output to device memory", r);
}

static void device_end_run(void) {
  CUresult r = p_cuCtxSetCurrent(cu.context);
  pthread_mutex_lock(&cu.lock);
  /* Device-to-device copies do not wait for themselves. */
  if (r == 0)
    r = wait_for_device();
  for (size_t k = 0; k < run.kept.count; ++k)
    release_block((CUdeviceptr)run.kept.items[k].dev,
                  run.kept.items[k].hi - run.kept.items[k].lo);
  for (size_t b = 0; b < run.bound.count; ++b)
    for (size_t i = 0; i < cu.mirrors.list.count; ++i)
      if (cu.mirrors.list.items[i].borrowed &&
          cu.mirrors.list.items[i].lo == run.bound.items[b].lo &&
          cu.mirrors.list.items[i].hi == run.bound.items[b].hi) {
        aiopt_mirrors_drop(&cu.mirrors, i);
        break;
      }
  pthread_mutex_unlock(&cu.lock);
  /* The lists are the thread's: freed, not kept, as the thread may end. */
  free(run.kept.items);
  free(run.bound.items);
  memset(&run.kept, 0, sizeof run.kept);
  memset(&run.bound, 0, sizeof run.bound);
  run.keep_results = 0;
  if (r != 0)
    run_failed("a kernel or copying the outputs", r);
}

const struct aiopt_device_runtime aiopt_cuda_device_runtime = {
    device_check_buffer, device_bind_input, device_keep_results, device_copy_out,
    device_end_run};

/* The launch of `f` (`entry` as the compiled code gives it) on the grid
 * dims[0..2] of blocks dims[3..5]: copies the buffers in, launches, waits
 * and copies the written buffers back; resident buffers use their mirrors
 * instead, and written ones stay on the device. A launch that copies
 * nothing runs while the host goes on: the default stream orders it before
 * later launches and copies, and aiopt_cuda_host_access waits for it
 * before the host reads; with AIOPT_CUDA_GRAPHS it joins the launch queue
 * (CUDALaunchQueue.h). Launches that copy buffers back, and timed ones,
 * wait here. `buffers`, `params` and `sizes` have room for the arguments.
 * Called with cu.lock held. */
static CUresult run_launch(function *f, const char *entry, const unsigned dims[6],
                           int32_t num_args, void *const *args, const int64_t *arg_bytes,
                           const int32_t *arg_kinds, CUdeviceptr *buffers, void **params,
                           size_t *sizes) {
  int resident = 1;
  for (int32_t i = 0; i < num_args; ++i)
    if ((arg_kinds[i] == AIOPT_ARG_READ || arg_kinds[i] == AIOPT_ARG_WRITTEN) && arg_bytes[i] > 0)
      resident = 0;
  int timed = cu.profile == PROFILE_TIMES;
  int queued = resident && !timed && aiopt_cu_queue_enabled();
  /* The copies below may reuse the memory of queued launches. */
  CUresult r = resident ? 0 : aiopt_cu_queue_flush();
  double t0 = timed ? now_ms() : 0, copied_in = 0, copied_out = 0;
  for (int32_t i = 0; i < num_args && r == 0; ++i) {
    size_t bytes = (size_t)arg_bytes[i];
    int32_t kind = arg_kinds[i] & ~AIOPT_ARG_RESIDENT;
    sizes[i] = kind == AIOPT_ARG_SCALAR ? bytes : sizeof(CUdeviceptr);
    if (kind == AIOPT_ARG_SCALAR) {
      params[i] = args[i];
      continue;
    }
    if (kind == AIOPT_ARG_ALIAS) {
      params[i] = &buffers[i - 1];
      continue;
    }
    params[i] = &buffers[i];
    if (bytes == 0)
      continue;
    if (kind == AIOPT_ARG_CONSTANT) {
      r = constant_block(args[i], bytes, &buffers[i]);
      continue;
    }
    if (arg_kinds[i] & AIOPT_ARG_RESIDENT) {
      /* Addresses below, once no later argument can merge this mirror. */
      r = aiopt_mirrors_resident(&cu.mirrors, (uintptr_t)args[i], (uintptr_t)args[i] + bytes,
                                 &copied_in);
      continue;
    }
    r = take_block(bytes, &buffers[i]);
    if (r == 0)
      r = p_cuMemcpyHtoD_v2(buffers[i], args[i], bytes);
    copied_in += (double)bytes;
  }
  for (int32_t i = 0; i < num_args && r == 0; ++i) {
    uintptr_t lo = (uintptr_t)args[i];
    if ((arg_kinds[i] & AIOPT_ARG_RESIDENT) && arg_bytes[i] > 0) {
      aiopt_mirror *m = find_mirror(lo, lo + (uintptr_t)arg_bytes[i]);
      if (!m)
        r = 1; /* CUDA_ERROR_INVALID_VALUE: cannot happen after resident_range */
      else
        buffers[i] = (CUdeviceptr)m->dev + (lo - m->lo);
    }
  }
  double t1 = timed ? now_ms() : 0;
  if (r == 0 && queued)
    r = aiopt_cu_queue_launch(f->fn, entry, dims, num_args, params, sizes);
  else if (r == 0)
    r = p_cuLaunchKernel(f->fn, dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], 0, NULL,
                         params, NULL);
  if (r == 0 && (!resident || timed))
    r = p_cuCtxSynchronize();
  double t2 = timed ? now_ms() : 0;
  for (int32_t i = 0; i < num_args && r == 0; ++i) {
    if (arg_kinds[i] == (AIOPT_ARG_WRITTEN | AIOPT_ARG_RESIDENT) && arg_bytes[i] > 0) {
      /* The mirror holds the results; the host's bytes are stale. */
      uintptr_t lo = (uintptr_t)args[i];
      aiopt_mirror *m = find_mirror(lo, lo + (uintptr_t)arg_bytes[i]);
      if (m)
        m->state = AIOPT_MIRROR_DEVICE;
    } else if (arg_kinds[i] == AIOPT_ARG_WRITTEN && arg_bytes[i] > 0) {
      r = p_cuMemcpyDtoH_v2(args[i], buffers[i], (size_t)arg_bytes[i]);
      copied_out += (double)arg_bytes[i];
    }
  }
  for (int32_t i = 0; i < num_args; ++i)
    if (buffers[i] && (arg_kinds[i] == AIOPT_ARG_READ || arg_kinds[i] == AIOPT_ARG_WRITTEN))
      release_block(buffers[i], (size_t)arg_bytes[i]);
  if (cu.profile)
    f->launches += 1;
  if (timed) {
    double t3 = now_ms();
    f->copy_in_ms += t1 - t0;
    f->kernel_ms += t2 - t1;
    f->copy_out_ms += t3 - t2;
    f->bytes_in += copied_in;
    f->bytes_out += copied_out;
  }
  return r;
}

static int by_total_time(const void *a, const void *b) {
  const function *x = *(function *const *)a, *y = *(function *const *)b;
  double tx = x->copy_in_ms + x->kernel_ms + x->copy_out_ms;
  double ty = y->copy_in_ms + y->kernel_ms + y->copy_out_ms;
  if (tx != ty)
    return (tx < ty) - (tx > ty);
  return (x->launches < y->launches) - (x->launches > y->launches);
}

/* AIOPT_CUDA_PROFILE: one line per kernel, the most time first, and the
 * totals, on stderr at exit (or when a shared library holding this runtime
 * is unloaded: a destructor, not atexit, which shared libraries linked
 * without libc_nonshared lack). */
__attribute__((destructor)) static void print_profile(void) {
  if (!cu.profile)
    return;
  size_t n = 0;
  for (function *f = cu.functions; f; f = f->next)
    ++n;
  function **list = calloc(n + 1, sizeof *list);
  if (!list)
    return;
  n = 0;
  for (function *f = cu.functions; f; f = f->next)
    list[n++] = f;
  qsort(list, n, sizeof *list, by_total_time);
  double in = 0, kernel = 0, out = 0, constant_bytes = 0;
  long long launches = 0;
  /* The times' columns only where launches were timed. */
  int timed = cu.profile == PROFILE_TIMES;
  fprintf(stderr, "aiopt CUDA profile: %-28s %8s", "kernel", "launches");
  fprintf(stderr, timed ? " %11s %11s %11s %10s %10s\n" : "\n", "copy-in ms", "kernel ms",
          "copy-out ms", "MB in", "MB out");
  for (size_t i = 0; i < n; ++i) {
    function *f = list[i];
    fprintf(stderr, "aiopt CUDA profile: %-28s %8lld", f->label, f->launches);
    fprintf(stderr, timed ? " %11.3f %11.3f %11.3f %10.2f %10.2f\n" : "\n", f->copy_in_ms,
            f->kernel_ms, f->copy_out_ms, f->bytes_in / 1e6, f->bytes_out / 1e6);
    in += f->copy_in_ms, kernel += f->kernel_ms, out += f->copy_out_ms;
    launches += f->launches;
  }
  for (size_t i = 0; i < cu.constants.count; ++i)
    constant_bytes += (double)cu.constants.items[i].bytes;
  fprintf(stderr, "aiopt CUDA profile: %-28s %8lld", "total", launches);
  fprintf(stderr, timed ? " %11.3f %11.3f %11.3f (constants kept on the device: %.2f MB)\n" : "\n",
          in, kernel, out, constant_bytes / 1e6);
  if (aiopt_cu_queue_enabled()) {
    aiopt_cu_queue_stats q = aiopt_cu_queue_statistics();
    fprintf(stderr,
            "aiopt CUDA profile: launch queue: %lld launched one by one, %lld as nodes of "
            "%lld graph launches; %lld graphs built, %lld nodes updated\n",
            q.direct, q.graphed, q.graph_launches, q.graphs_built, q.node_updates);
  }
  free(list);
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
    return dispatch_failed(entry, "cuCtxSetCurrent failed (%s)", aiopt_cu_error_name(r));
  /* The arguments' device addresses, the driver's pointers to their
   * values, and the values' sizes: on the stack for most kernels. */
  enum { kStackArgs = 32 };
  CUdeviceptr stack_buffers[kStackArgs] = {0};
  void *stack_params[kStackArgs];
  size_t stack_sizes[kStackArgs];
  int on_heap = num_args > kStackArgs;
  CUdeviceptr *buffers = on_heap ? calloc((size_t)num_args, sizeof *buffers) : stack_buffers;
  void **params = on_heap ? calloc((size_t)num_args, sizeof *params) : stack_params;
  size_t *value_sizes = on_heap ? calloc((size_t)num_args, sizeof *value_sizes) : stack_sizes;
  if (!buffers || !params || !value_sizes) {
    free(buffers);
    free(params);
    free(value_sizes);
    return dispatch_failed(entry, "out of host memory");
  }
  pthread_mutex_lock(&cu.lock);
  function *fn = get_function(image, entry);
  if (fn)
    r = run_launch(fn, entry, sizes, num_args, args, arg_bytes, arg_kinds, buffers, params,
                   value_sizes);
  pthread_mutex_unlock(&cu.lock);
  if (on_heap) {
    free(buffers);
    free(params);
    free(value_sizes);
  }
  if (fn && r != 0)
    dispatch_failed(entry, "the launch failed (%s)", aiopt_cu_error_name(r));
}
