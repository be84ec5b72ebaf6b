/*===- FakeCUDADriver.h - what tests see of the fake CUDA driver ----*- C -*-===*\
|*                                                                            *|
|* The fake driver (FakeCUDADriver.c) counts what the CUDA runtime asks of    *|
|* it in fake_cuda_stats (found with dlsym), and has one kernel, "affine":    *|
|* parameters (float *x, float *y, int64_t n) with x and y device addresses,  *|
|* y[i] = 2 x[i] + 1, and with AIOPT_FAKE_CUDA_ANY_KERNEL=1 any other name   *|
|* is a kernel that does nothing (to run real models' host code). It has    *|
|* graphs of kernel nodes. Tests may cap its device memory (memory_limit).   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef AIOPT_UNITTESTS_FAKECUDADRIVER_H
#define AIOPT_UNITTESTS_FAKECUDADRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fake_cuda_stats_t {
  size_t host_to_device, device_to_host, device_to_device; /* bytes copied */
  size_t allocations, launches, synchronizations;
  /* Graphs: instantiated, launched, nodes updated in executable graphs,
   * and nodes added that do not follow the node before (the runtime's
   * graphs are chains). */
  size_t graphs_instantiated, graph_launches, node_updates, bad_dependencies;
  size_t bad_pointers; /* device addresses outside any device allocation */
  size_t live_bytes;   /* device memory allocated and not freed */
  /* Set by tests: allocations past this many live bytes fail with
   * CUDA_ERROR_OUT_OF_MEMORY (0: no limit). */
  size_t memory_limit;
  /* Set by tests: kernel launches fail with CUDA_ERROR_LAUNCH_FAILED, and
   * graphs cannot be instantiated or updated (nonzero: yes). */
  size_t fail_launches, fail_graphs;
} fake_cuda_stats_t;

#ifdef __cplusplus
}
#endif

#endif /* AIOPT_UNITTESTS_FAKECUDADRIVER_H */
