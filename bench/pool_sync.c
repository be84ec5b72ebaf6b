/* What a parallel loop with nothing to do costs on this machine, per loop,
 * on libomp (a `#pragma omp parallel` region holding one static `nowait`
 * loop, as aiopt compiles a parallel loop with --thread-pool=openmp) and on
 * the runtime's thread pool (lib/Runtime/ThreadPool.c: the same region
 * with a static loop, and with the pool's balancing dynamic loop, as
 * --parallel compiles it), alternated in five rounds. Not a test: prints
 * figures.
 *
 *   clang-22 -O2 -fopenmp -Iinclude bench/pool_sync.c build/lib/libaiopt_runtime.a \
 *     -lpthread -o pool_sync && ./pool_sync [threads]
 */
#include "../lib/Runtime/ThreadPool.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kLoops = 100000, kChunks = 16 };

/* One float per cache line, so the loop bodies do not share lines. */
static volatile float sink[kChunks * 16];

static double microseconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void staticRegion(int32_t *gtid, int32_t *btid, void *unused) {
  (void)btid, (void)unused;
  int32_t last;
  uint64_t lower = 0, upper = kChunks - 1;
  int64_t stride;
  aiopt_omp_for_static_init_8u(NULL, *gtid, 34, &last, &lower, &upper, &stride, 1, 1);
  for (uint64_t j = lower; j <= upper && upper < kChunks; ++j)
    sink[j * 16] += 1;
  aiopt_omp_for_static_fini(NULL, *gtid);
}

static void balancedRegion(int32_t *gtid, int32_t *btid, void *unused) {
  (void)btid, (void)unused;
  aiopt_omp_dispatch_init_8u(NULL, *gtid, 35, 0, kChunks - 1, 1, 1);
  int32_t last;
  uint64_t lower, upper;
  int64_t stride;
  while (aiopt_omp_dispatch_next_8u(NULL, *gtid, &last, &lower, &upper, &stride))
    for (uint64_t j = lower; j <= upper; ++j)
      sink[j * 16] += 1;
}

/* Microseconds per region of `kLoops` runs of `region` on the pool. */
static double onPool(void (*region)(int32_t *, int32_t *, void *)) {
  double start = microseconds();
  for (int i = 0; i < kLoops; ++i)
    aiopt_omp_fork_call(NULL, 1, (aiopt_omp_microtask)region, NULL);
  return (microseconds() - start) / kLoops;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  if (threads < 1) {
    fprintf(stderr, "pool_sync: the thread count must be at least 1\n");
    return 1;
  }
  omp_set_num_threads(threads);
  aiopt_pool_set_num_threads(threads);
  for (int round = 0; round < 5; ++round) {
    double start = microseconds();
    for (int i = 0; i < kLoops; ++i) {
#pragma omp parallel
      {
#pragma omp for schedule(static) nowait
        for (int j = 0; j < kChunks; ++j)
          sink[j * 16] += 1;
      }
    }
    double libomp = (microseconds() - start) / kLoops;
    double poolStatic = onPool(staticRegion);
    double poolBalanced = onPool(balancedRegion);
    printf("threads %d  libomp static %.2f us  pool static %.2f us  pool balanced %.2f us\n",
           threads, libomp, poolStatic, poolBalanced);
  }
  return 0;
}
