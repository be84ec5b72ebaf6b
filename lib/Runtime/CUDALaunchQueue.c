/*===- CUDALaunchQueue.c - kernel launches replayed as CUDA graphs --------===*\
|*                                                                            *|
|* See CUDALaunchQueue.h. A batch is a list of launches and their parameters' *|
|* values (in one byte array, each value 8-byte aligned, the padding zero, so *|
|* that batches compare byte for byte). Batches seen before are kept, up to  *|
|* kEntries of them, the least recently used going first, each with its      *|
|* graph once it has one.                                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "CUDALaunchQueue.h"

#include "GPURuntime.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  CUfunction fn;
  const char *entry;
  unsigned dims[6];
  uint32_t first, count; /* its parameters: params[first, first + count) */
} launch;

typedef struct {
  uint32_t offset, size; /* its value: bytes[offset, offset + size) */
} param;

typedef struct {
  launch *launches;
  size_t count, launch_capacity;
  param *params;
  size_t param_count, param_capacity;
  unsigned char *bytes;
  size_t used, byte_capacity;
} batch;

/* A batch seen before, with its graph once it was seen again. */
typedef struct {
  batch seen;
  uint64_t hash; /* of its shape: kernels, grids, parameter sizes */
  CUgraph graph;
  CUgraphExec exec;
  CUgraphNode *nodes;
  int failed; /* no graph could be made of it: it runs launch by launch */
  uint64_t last_use;
} entry;

enum { kEntries = 64 };

static struct {
  size_t per_graph;
  batch queue;
  entry entries[kEntries];
  size_t entry_count;
  uint64_t clock;
  void **pointers; /* one launch's parameter addresses, for the driver */
  size_t pointer_capacity;
  aiopt_cu_queue_stats stats;
} q;

static int has_graphs(void) {
#define AIOPT_CU_PRESENT(name, params) &&p_##name
  return 1 AIOPT_CU_GRAPH_FUNCTIONS(AIOPT_CU_PRESENT);
#undef AIOPT_CU_PRESENT
}

void aiopt_cu_queue_configure(size_t per_graph) { q.per_graph = per_graph; }

int aiopt_cu_queue_enabled(void) { return q.per_graph > 0; }

aiopt_cu_queue_stats aiopt_cu_queue_statistics(void) { return q.stats; }

static void report(const char *entry, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  aiopt_gpu_kernel_error("CUDA", entry, fmt, args);
  va_end(args);
}

/* Room for one more of `size` bytes in `*items`, `count` used of
 * `*capacity`; 0 without host memory. */
static int reserve(void *items, size_t count, size_t *capacity, size_t size) {
  void *grown = aiopt_gpu_grow(*(void **)items, count, capacity, size);
  if (!grown)
    return 0;
  *(void **)items = grown;
  return 1;
}

/* Appends a launch to `b`; 0 without host memory. */
static int append(batch *b, CUfunction fn, const char *name, const unsigned dims[6],
                  int32_t count, void *const *values, const size_t *sizes) {
  if (!reserve(&b->launches, b->count, &b->launch_capacity, sizeof(launch)))
    return 0;
  launch *l = &b->launches[b->count];
  l->fn = fn;
  l->entry = name;
  memcpy(l->dims, dims, sizeof l->dims);
  l->first = (uint32_t)b->param_count;
  l->count = (uint32_t)count;
  for (int32_t i = 0; i < count; ++i) {
    size_t offset = (b->used + 7) & ~(size_t)7;
    while (offset + sizes[i] > b->byte_capacity) {
      size_t grown = b->byte_capacity ? 2 * b->byte_capacity : 1024;
      unsigned char *bytes = realloc(b->bytes, grown);
      if (!bytes)
        return 0;
      b->bytes = bytes;
      b->byte_capacity = grown;
    }
    if (!reserve(&b->params, b->param_count, &b->param_capacity, sizeof(param)))
      return 0;
    memset(b->bytes + b->used, 0, offset - b->used);
    memcpy(b->bytes + offset, values[i], sizes[i]);
    b->params[b->param_count++] = (param){(uint32_t)offset, (uint32_t)sizes[i]};
    b->used = offset + sizes[i];
  }
  b->count += 1;
  return 1;
}

static void release(batch *b) {
  free(b->launches);
  free(b->params);
  free(b->bytes);
  memset(b, 0, sizeof *b);
}

/* A copy of `b` in arrays of its size; 0 without host memory. */
static int copy(batch *to, const batch *b) {
  memset(to, 0, sizeof *to);
  to->launches = malloc(b->count * sizeof(launch));
  to->params = malloc((b->param_count ? b->param_count : 1) * sizeof(param));
  to->bytes = malloc(b->used ? b->used : 1);
  if (!to->launches || !to->params || !to->bytes) {
    release(to);
    return 0;
  }
  memcpy(to->launches, b->launches, b->count * sizeof(launch));
  memcpy(to->params, b->params, b->param_count * sizeof(param));
  memcpy(to->bytes, b->bytes, b->used);
  to->count = to->launch_capacity = b->count;
  to->param_count = to->param_capacity = b->param_count;
  to->used = to->byte_capacity = b->used;
  return 1;
}

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }

static uint64_t shape_hash(const batch *b) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < b->count; ++i) {
    const launch *l = &b->launches[i];
    h = mix(h, (uint64_t)(uintptr_t)l->fn);
    for (int d = 0; d < 6; ++d)
      h = mix(h, l->dims[d]);
    for (uint32_t p = 0; p < l->count; ++p)
      h = mix(h, b->params[l->first + p].size);
  }
  return mix(h, b->count);
}

/* Whether `a` and `b` launch the same kernels on the same grids with
 * parameters of the same sizes (then their values lie at the same offsets). */
static int same_shape(const batch *a, const batch *b) {
  if (a->count != b->count || a->param_count != b->param_count || a->used != b->used)
    return 0;
  for (size_t i = 0; i < a->count; ++i) {
    const launch *x = &a->launches[i], *y = &b->launches[i];
    if (x->fn != y->fn || x->count != y->count || memcmp(x->dims, y->dims, sizeof x->dims))
      return 0;
  }
  for (size_t p = 0; p < a->param_count; ++p)
    if (a->params[p].size != b->params[p].size)
      return 0;
  return 1;
}

/* The bytes of launch i's parameters (with the padding between them). */
static void value_range(const batch *b, size_t i, size_t *offset, size_t *bytes) {
  const launch *l = &b->launches[i];
  if (!l->count) {
    *offset = *bytes = 0;
    return;
  }
  const param *last = &b->params[l->first + l->count - 1];
  *offset = b->params[l->first].offset;
  *bytes = last->offset + last->size - *offset;
}

static int same_values(const batch *a, const batch *b, size_t i) {
  size_t offset, bytes;
  value_range(a, i, &offset, &bytes);
  return memcmp(a->bytes + offset, b->bytes + offset, bytes) == 0;
}

/* Launch i of `b` as the driver takes it; 0 without host memory. */
static int node(const batch *b, size_t i, aiopt_cu_kernel_node *n) {
  const launch *l = &b->launches[i];
  if (l->count > q.pointer_capacity) {
    void **grown = realloc(q.pointers, l->count * sizeof *grown);
    if (!grown)
      return 0;
    q.pointers = grown;
    q.pointer_capacity = l->count;
  }
  for (uint32_t p = 0; p < l->count; ++p)
    q.pointers[p] = b->bytes + b->params[l->first + p].offset;
  *n = (aiopt_cu_kernel_node){l->fn,      l->dims[0], l->dims[1], l->dims[2], l->dims[3],
                              l->dims[4], l->dims[5], 0,          q.pointers, NULL,
                              NULL,       NULL};
  return 1;
}

static CUresult run_directly(const batch *b) {
  for (size_t i = 0; i < b->count; ++i) {
    aiopt_cu_kernel_node n;
    const launch *l = &b->launches[i];
    if (!node(b, i, &n)) {
      report(l->entry, "out of host memory");
      return AIOPT_CU_OUT_OF_MEMORY;
    }
    CUresult r = p_cuLaunchKernel(n.func, n.grid_x, n.grid_y, n.grid_z, n.block_x, n.block_y,
                                  n.block_z, 0, NULL, n.params, NULL);
    if (r != 0) {
      report(l->entry, "the launch failed (%s)", aiopt_cu_error_name(r));
      return r;
    }
    q.stats.direct += 1;
  }
  return 0;
}

static void destroy_graph(entry *e) {
  if (e->exec)
    p_cuGraphExecDestroy(e->exec);
  if (e->graph)
    p_cuGraphDestroy(e->graph);
  free(e->nodes);
  e->exec = NULL;
  e->graph = NULL;
  e->nodes = NULL;
}

/* The graph of e->seen: a chain of its launches, instantiated. */
static CUresult build_graph(entry *e) {
  const batch *b = &e->seen;
  e->nodes = calloc(b->count, sizeof *e->nodes);
  CUresult r = e->nodes ? p_cuGraphCreate(&e->graph, 0) : AIOPT_CU_OUT_OF_MEMORY;
  for (size_t i = 0; i < b->count && r == 0; ++i) {
    aiopt_cu_kernel_node n;
    r = node(b, i, &n) ? p_cuGraphAddKernelNode_v2(&e->nodes[i], e->graph,
                                                   i ? &e->nodes[i - 1] : NULL, i ? 1 : 0, &n)
                       : AIOPT_CU_OUT_OF_MEMORY;
  }
  if (r == 0)
    r = p_cuGraphInstantiateWithFlags(&e->exec, e->graph, 0);
  if (r != 0)
    destroy_graph(e);
  else
    q.stats.graphs_built += 1;
  return r;
}

/* Gives e->seen the values of `b` (of the same shape), updating the nodes
 * of its graph whose parameters change. */
static CUresult take_values(entry *e, const batch *b) {
  for (size_t i = 0; i < b->count; ++i) {
    if (same_values(&e->seen, b, i))
      continue;
    size_t offset, bytes;
    value_range(b, i, &offset, &bytes);
    memcpy(e->seen.bytes + offset, b->bytes + offset, bytes);
    if (!e->exec)
      continue;
    aiopt_cu_kernel_node n;
    if (!node(&e->seen, i, &n))
      return AIOPT_CU_OUT_OF_MEMORY;
    CUresult r = p_cuGraphExecKernelNodeSetParams_v2(e->exec, e->nodes[i], &n);
    if (r != 0)
      return r;
    q.stats.node_updates += 1;
  }
  return 0;
}

/* The kept batch to run `b` as: one with the same kernels, grids and
 * values, else the one with the same kernels and grids whose values differ
 * in the fewest launches, if some are the same and at most two or a
 * quarter differ (a few buffers moved); NULL if none. Batches of the same
 * kernels on other buffers (a model's repeated layers, say) stay apart,
 * each a graph of its own. */
static entry *find(uint64_t hash, const batch *b) {
  entry *close = NULL;
  size_t fewest = b->count;
  for (size_t k = 0; k < q.entry_count; ++k) {
    entry *e = &q.entries[k];
    if (e->hash != hash || !same_shape(&e->seen, b))
      continue;
    if (memcmp(e->seen.bytes, b->bytes, b->used) == 0)
      return e;
    size_t differ = 0;
    for (size_t i = 0; i < b->count; ++i)
      differ += !same_values(&e->seen, b, i);
    if (differ < fewest && (differ <= 2 || 4 * differ <= b->count)) {
      close = e;
      fewest = differ;
    }
  }
  return close;
}

/* Keeps a copy of `b`, in place of the least recently used batch when
 * kEntries are kept. Without host memory, keeps nothing. */
static void remember(uint64_t hash, const batch *b) {
  entry *e = &q.entries[q.entry_count];
  if (q.entry_count == kEntries) {
    e = &q.entries[0];
    for (size_t k = 1; k < kEntries; ++k)
      if (q.entries[k].last_use < e->last_use)
        e = &q.entries[k];
    destroy_graph(e);
    release(&e->seen);
  } else {
    q.entry_count += 1;
  }
  memset(e, 0, sizeof *e);
  if (!copy(&e->seen, b)) {
    *e = q.entries[--q.entry_count];
    return;
  }
  e->hash = hash;
  e->last_use = ++q.clock;
}

static CUresult run_batch(const batch *b) {
  if (b->count < 2 || !has_graphs())
    return run_directly(b);
  uint64_t hash = shape_hash(b);
  entry *e = find(hash, b);
  if (!e) {
    CUresult r = run_directly(b);
    if (r == 0)
      remember(hash, b);
    return r;
  }
  e->last_use = ++q.clock;
  if (e->failed)
    return run_directly(b);
  CUresult r = take_values(e, b);
  if (r == 0 && !e->exec)
    r = build_graph(e);
  if (r != 0) {
    /* No graph then (the driver cannot make or update it): the launches
     * run one by one, where a failure names its kernel. */
    destroy_graph(e);
    e->failed = 1;
    return run_directly(b);
  }
  r = p_cuGraphLaunch(e->exec, NULL);
  if (r != 0) {
    report(b->launches[0].entry, "its graph of %zu launches failed to launch (%s)", b->count,
           aiopt_cu_error_name(r));
    return r;
  }
  q.stats.graph_launches += 1;
  q.stats.graphed += (long long)b->count;
  return 0;
}

CUresult aiopt_cu_queue_flush(void) {
  if (!q.queue.count)
    return 0;
  CUresult r = run_batch(&q.queue);
  q.queue.count = q.queue.param_count = q.queue.used = 0;
  return r;
}

CUresult aiopt_cu_queue_launch(CUfunction fn, const char *entry, const unsigned dims[6],
                               int32_t count, void *const *values, const size_t *sizes) {
  if (!append(&q.queue, fn, entry, dims, count, values, sizes)) {
    /* The launches queued so far keep their order; this one is lost. */
    CUresult r = aiopt_cu_queue_flush();
    report(entry, "out of host memory");
    return r ? r : AIOPT_CU_OUT_OF_MEMORY;
  }
  return q.queue.count >= q.per_graph ? aiopt_cu_queue_flush() : 0;
}
