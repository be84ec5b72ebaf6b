/* The cost of OpenMP synchronization on this machine, which bounds what a
 * model's parallel loops can gain: the time of a parallel loop with
 * nothing to do (a fork and a join of the thread team, as each of aiopt's
 * parallel loops is compiled) and of an empty worksharing loop inside one
 * long-lived parallel region (its closing barrier only), per loop, at the
 * given thread count. Not a test: prints figures, five rounds.
 *
 *   clang-22 -O2 -fopenmp bench/omp_sync.c -o omp_sync && ./omp_sync [threads]
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kLoops = 100000, kChunks = 16, kPerRegion = 100 };

/* One float per cache line, so the loop bodies do not share lines. */
static volatile float sink[kChunks * 16];

static double microseconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  if (threads < 1) {
    fprintf(stderr, "omp_sync: the thread count must be at least 1\n");
    return 1;
  }
  omp_set_num_threads(threads);
  for (int round = 0; round < 5; ++round) {
    double start = microseconds();
    for (int i = 0; i < kLoops; ++i) {
#pragma omp parallel for schedule(static)
      for (int j = 0; j < kChunks; ++j)
        sink[j * 16] += 1;
    }
    double forked = microseconds();
    for (int i = 0; i < kLoops / kPerRegion; ++i) {
#pragma omp parallel
      for (int r = 0; r < kPerRegion; ++r) {
#pragma omp for schedule(static)
        for (int j = 0; j < kChunks; ++j)
          sink[j * 16] += 1;
      }
    }
    double barriers = microseconds();
    printf("threads %d  fork+join %.2f us  barrier %.2f us\n", threads,
           (forked - start) / kLoops, (barriers - forked) / kLoops);
  }
  return 0;
}
