/*===- FakeCUDADriver.c - a CUDA driver without a GPU, for runtime tests ---===*\
|*                                                                            *|
|* The driver API functions lib/Runtime/CUDARuntime.c uses, on host memory,   *|
|* so that its bookkeeping (mirrors, device inputs and outputs, the pool)     *|
|* is tested on machines without a GPU (AIOPT_CUDA_LIBRARY names this        *|
|* library). "Device" memory is host memory from malloc, recorded so that a   *|
|* host pointer passed where device memory belongs is caught. The one kernel  *|
|* is a C function; the module image is ignored. Every copy is counted in     *|
|* fake_cuda_stats.                                                           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "FakeCUDADriver.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
enum { SUCCESS = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_FOUND = 500, LAUNCH_FAILED = 719 };

fake_cuda_stats_t fake_cuda_stats;

static struct {
  uintptr_t base;
  size_t bytes;
} allocations[8192];
static size_t allocation_count;

/* The allocation holding [ptr, ptr + bytes), or -1. */
static long find_allocation(uintptr_t ptr, size_t bytes) {
  for (size_t i = 0; i < allocation_count; ++i)
    if (allocations[i].base <= ptr && ptr + bytes <= allocations[i].base + allocations[i].bytes)
      return (long)i;
  return -1;
}

/* Device memory must be used as such: a kernel or copy given anything else
 * is counted as a bad pointer. */
static void *device(CUdeviceptr ptr, size_t bytes) {
  if (find_allocation((uintptr_t)ptr, bytes) < 0)
    fake_cuda_stats.bad_pointers += 1;
  return (void *)(uintptr_t)ptr;
}

CUresult cuInit(unsigned flags) { return flags ? INVALID_VALUE : SUCCESS; }
CUresult cuDeviceGetCount(int *count) {
  *count = 1;
  return SUCCESS;
}
CUresult cuDeviceGet(int *dev, int index) {
  *dev = index;
  return SUCCESS;
}
CUresult cuDeviceGetAttribute(int *value, int attribute, int dev) {
  (void)dev;
  *value = attribute == 75 ? 9 : 0; /* compute capability 9.0 */
  return SUCCESS;
}
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) {
  (void)dev;
  *ctx = &fake_cuda_stats;
  return SUCCESS;
}
CUresult cuCtxSetCurrent(void *ctx) { return ctx == &fake_cuda_stats ? SUCCESS : INVALID_VALUE; }
CUresult cuModuleLoadData(void **mod, const void *image) {
  *mod = (void *)(uintptr_t)image;
  return SUCCESS;
}
static char affine_kernel, empty_kernel;
CUresult cuModuleGetFunction(void **fn, void *mod, const char *name) {
  (void)mod;
  const char *any = getenv("AIOPT_FAKE_CUDA_ANY_KERNEL");
  if (strcmp(name, "affine") == 0)
    *fn = &affine_kernel;
  else if (any && strcmp(any, "1") == 0)
    *fn = &empty_kernel;
  else
    return NOT_FOUND;
  return SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr *ptr, size_t bytes) {
  if (allocation_count == sizeof allocations / sizeof *allocations ||
      (fake_cuda_stats.memory_limit && fake_cuda_stats.live_bytes + bytes > fake_cuda_stats.memory_limit))
    return OUT_OF_MEMORY;
  void *p = malloc(bytes ? bytes : 1);
  if (!p)
    return OUT_OF_MEMORY;
  allocations[allocation_count].base = (uintptr_t)p;
  allocations[allocation_count].bytes = bytes;
  allocation_count += 1;
  fake_cuda_stats.allocations += 1;
  fake_cuda_stats.live_bytes += bytes;
  *ptr = (uintptr_t)p;
  return SUCCESS;
}
CUresult cuMemFree_v2(CUdeviceptr ptr) {
  long i = find_allocation((uintptr_t)ptr, 0);
  if (i < 0 || allocations[i].base != (uintptr_t)ptr)
    return INVALID_VALUE;
  free((void *)(uintptr_t)ptr);
  fake_cuda_stats.live_bytes -= allocations[i].bytes;
  allocations[i] = allocations[--allocation_count];
  return SUCCESS;
}
CUresult cuMemGetAddressRange_v2(CUdeviceptr *base, size_t *bytes, CUdeviceptr ptr) {
  long i = find_allocation((uintptr_t)ptr, 0);
  if (i < 0)
    return NOT_FOUND;
  *base = allocations[i].base;
  *bytes = allocations[i].bytes;
  return SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
  memcpy(device(dst, bytes), src, bytes);
  fake_cuda_stats.host_to_device += bytes;
  return SUCCESS;
}
CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
  memcpy(dst, device(src, bytes), bytes);
  fake_cuda_stats.device_to_host += bytes;
  return SUCCESS;
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  memcpy(device(dst, bytes), device(src, bytes), bytes);
  fake_cuda_stats.device_to_device += bytes;
  return SUCCESS;
}

/* Runs a kernel: `params` points at its parameters' values. */
static CUresult run_kernel(void *fn, void *const *params) {
  if (fake_cuda_stats.fail_launches)
    return LAUNCH_FAILED;
  fake_cuda_stats.launches += 1;
  if (fn == &empty_kernel)
    return SUCCESS;
  if (fn != &affine_kernel)
    return INVALID_VALUE;
  int64_t n = *(const int64_t *)params[2];
  const float *x = device(*(const CUdeviceptr *)params[0], (size_t)n * sizeof(float));
  float *y = device(*(const CUdeviceptr *)params[1], (size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; ++i)
    y[i] = 2 * x[i] + 1;
  return SUCCESS;
}

CUresult cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared, void *stream, void **params, void **extra) {
  (void)gx, (void)gy, (void)gz, (void)bx, (void)by, (void)bz, (void)shared, (void)stream;
  (void)extra;
  return run_kernel(fn, params);
}

/* Graphs: chains of kernel nodes, each holding a copy of its parameters'
 * values (the affine kernel's three of 8 bytes; the empty kernel has
 * none), as the driver copies them when a node is added or updated. */
typedef struct {
  void *func;
  unsigned grid[3], block[3], shared;
  void **params, **extra;
  void *kernel, *ctx;
} kernel_node_params; /* CUDA_KERNEL_NODE_PARAMS_v2 */
typedef struct fake_node {
  void *fn;
  unsigned char values[3][8];
} fake_node;
typedef struct fake_graph {
  fake_node nodes[4096];
  size_t count;
} fake_graph;

static CUresult set_node(fake_node *n, const kernel_node_params *p) {
  if (p->func != &affine_kernel && p->func != &empty_kernel)
    return INVALID_VALUE;
  n->fn = p->func;
  if (p->func == &affine_kernel)
    for (int i = 0; i < 3; ++i)
      memcpy(n->values[i], p->params[i], 8);
  return SUCCESS;
}

CUresult cuGraphCreate(fake_graph **graph, unsigned flags) {
  if (flags)
    return INVALID_VALUE;
  *graph = calloc(1, sizeof **graph);
  return *graph ? SUCCESS : OUT_OF_MEMORY;
}
CUresult cuGraphAddKernelNode_v2(fake_node **node, fake_graph *graph, fake_node *const *deps,
                                 size_t num_deps, const kernel_node_params *p) {
  if (graph->count == sizeof graph->nodes / sizeof *graph->nodes)
    return OUT_OF_MEMORY;
  /* The runtime's graphs are chains: each node after the one before. */
  fake_node *last = graph->count ? &graph->nodes[graph->count - 1] : NULL;
  if (last ? num_deps != 1 || deps[0] != last : num_deps != 0)
    fake_cuda_stats.bad_dependencies += 1;
  fake_node *n = &graph->nodes[graph->count];
  CUresult r = set_node(n, p);
  if (r == SUCCESS)
    *node = n, graph->count += 1;
  return r;
}
/* An executable graph is a copy of the graph (its nodes at the same
 * indices, so node handles map to it). */
typedef struct fake_exec {
  fake_graph copy;
  const fake_graph *from;
} fake_exec;
CUresult cuGraphInstantiateWithFlags(fake_exec **exec, const fake_graph *graph,
                                     unsigned long long flags) {
  if (flags || fake_cuda_stats.fail_graphs)
    return INVALID_VALUE;
  *exec = malloc(sizeof **exec);
  if (!*exec)
    return OUT_OF_MEMORY;
  (*exec)->copy = *graph;
  (*exec)->from = graph;
  fake_cuda_stats.graphs_instantiated += 1;
  return SUCCESS;
}
CUresult cuGraphExecKernelNodeSetParams_v2(fake_exec *exec, const fake_node *node,
                                           const kernel_node_params *p) {
  size_t i = (size_t)(node - exec->from->nodes);
  if (node < exec->from->nodes || i >= exec->copy.count || exec->copy.nodes[i].fn != p->func ||
      fake_cuda_stats.fail_graphs)
    return INVALID_VALUE;
  fake_cuda_stats.node_updates += 1;
  return set_node(&exec->copy.nodes[i], p);
}
CUresult cuGraphLaunch(fake_exec *exec, void *stream) {
  (void)stream;
  fake_cuda_stats.graph_launches += 1;
  for (size_t i = 0; i < exec->copy.count; ++i) {
    fake_node *n = &exec->copy.nodes[i];
    void *params[3] = {n->values[0], n->values[1], n->values[2]};
    CUresult r = run_kernel(n->fn, params);
    if (r != SUCCESS)
      return r;
  }
  return SUCCESS;
}
CUresult cuGraphExecDestroy(fake_exec *exec) {
  free(exec);
  return SUCCESS;
}
CUresult cuGraphDestroy(fake_graph *graph) {
  free(graph);
  return SUCCESS;
}
CUresult cuCtxSynchronize(void) {
  fake_cuda_stats.synchronizations += 1;
  return SUCCESS;
}
CUresult cuGetErrorName(CUresult r, const char **name) {
  *name = r == NOT_FOUND       ? "CUDA_ERROR_NOT_FOUND"
          : r == LAUNCH_FAILED ? "CUDA_ERROR_LAUNCH_FAILED"
                               : "CUDA_ERROR_FAKE";
  return SUCCESS;
}
