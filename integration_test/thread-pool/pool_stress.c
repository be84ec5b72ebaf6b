/* Stress test of the runtime's thread pool (lib/Runtime/ThreadPool.c),
 * built with ThreadSanitizer by thread-pool.test: many regions of three
 * dynamic loops without barriers between them, then a barrier, on three
 * threads; every iteration must run exactly once per loop. */

#include "../../lib/Runtime/ThreadPool.h"

#include <stdatomic.h>
#include <stdio.h>

enum { kIterations = 512, kLoops = 3, kRegions = 2000 };

static _Atomic int hits[kIterations];

static void region(int32_t *gtid, int32_t *btid, void *unused) {
  (void)btid, (void)unused;
  for (int loop = 0; loop < kLoops; ++loop) {
    aiopt_omp_dispatch_init_8u(NULL, *gtid, 35, 0, kIterations - 1, 1, 1);
    int32_t last;
    uint64_t lower, upper;
    int64_t stride;
    while (aiopt_omp_dispatch_next_8u(NULL, *gtid, &last, &lower, &upper, &stride))
      for (uint64_t i = lower; i <= upper; ++i)
        atomic_fetch_add(&hits[i], 1);
  }
  aiopt_omp_barrier(NULL, *gtid);
}

int main(void) {
  aiopt_pool_set_num_threads(3);
  for (int r = 0; r < kRegions; ++r)
    aiopt_omp_fork_call(NULL, 1, (aiopt_omp_microtask)region, NULL);
  for (int i = 0; i < kIterations; ++i)
    if (hits[i] != kLoops * kRegions) {
      printf("FAIL iteration %d ran %d times, expected %d\n", i, hits[i], kLoops * kRegions);
      return 1;
    }
  printf("ok %d regions\n", kRegions);
  return 0;
}
