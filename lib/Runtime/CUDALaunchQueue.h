/*===- CUDALaunchQueue.h - kernel launches replayed as CUDA graphs --------===*\
|*                                                                            *|
|* A BERT encoder on CUDA is hundreds of launches a run, many of kernels that *|
|* take a few microseconds: launched one by one, the GPU waits for the host  *|
|* between them. With AIOPT_CUDA_GRAPHS=N the CUDA runtime queues its        *|
|* resident launches (those that copy nothing) instead, up to N at a time,   *|
|* and runs each full queue, or the queue at anything else that uses the     *|
|* stream or device memory (a copy, a wait, a free), as one batch:           *|
|*   - a batch not seen before runs launch by launch, and is remembered;     *|
|*   - the second time the same kernels come with the same grids, the batch  *|
|*     becomes a CUDA graph (a chain of kernel nodes), instantiated once;    *|
|*   - later, the graph is launched: with one driver call for the batch,     *|
|*     after updating the nodes whose parameters changed (a device input at  *|
|*     another address, say).                                                *|
|* The batches of a model's runs repeat, so after two runs each is a graph.  *|
|* Order is kept: a batch runs on the default stream where its launches      *|
|* would have run, before whatever made it run. Called with the CUDA         *|
|* runtime's lock held. Private to lib/Runtime.                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef AIOPT_RUNTIME_CUDALAUNCHQUEUE_H
#define AIOPT_RUNTIME_CUDALAUNCHQUEUE_H

#include "CUDADriver.h"

#include <stddef.h>
#include <stdint.h>

#define AIOPT_QUEUE_HIDDEN __attribute__((visibility("hidden")))

/* What the queue did, for AIOPT_CUDA_PROFILE=launches. */
typedef struct aiopt_cu_queue_stats {
  long long direct;       /* launches run one by one (no graph yet, or none possible) */
  long long graphed;      /* launches run as nodes of a graph */
  long long graphs_built; /* graphs instantiated */
  long long graph_launches;
  long long node_updates; /* nodes whose parameters changed before a launch */
} aiopt_cu_queue_stats;

/* Queues up to `per_graph` launches at a time (0: none, every launch runs
 * at once). Graphs are used where the driver has their functions. */
AIOPT_QUEUE_HIDDEN void aiopt_cu_queue_configure(size_t per_graph);

/* Whether launches are queued. */
AIOPT_QUEUE_HIDDEN int aiopt_cu_queue_enabled(void);

/* Queues a launch of `fn` (`entry` names it in messages) on a grid
 * dims[0..2] of blocks dims[3..5] with `count` parameters, parameter i the
 * `sizes[i]` bytes at `values[i]` (copied); runs the queue when it is
 * full. 0 or the error of a failed launch (reported, naming its kernel). */
AIOPT_QUEUE_HIDDEN CUresult aiopt_cu_queue_launch(CUfunction fn, const char *entry,
                                                  const unsigned dims[6], int32_t count,
                                                  void *const *values, const size_t *sizes);

/* Runs the queued launches: before anything else that uses the stream or
 * device memory. 0 or the error of a failed launch (reported). */
AIOPT_QUEUE_HIDDEN CUresult aiopt_cu_queue_flush(void);

AIOPT_QUEUE_HIDDEN aiopt_cu_queue_stats aiopt_cu_queue_statistics(void);

#endif /* AIOPT_RUNTIME_CUDALAUNCHQUEUE_H */
