/* The cost of OpenMP synchronization on this machine, which bounds what a
 * model's parallel loops can gain, per loop with nothing to do, at the
 * given thread count: a parallel loop with its own closing barrier and
 * the region's join (how aiopt compiled each parallel loop before
 * aiopt-cpu-drop-loop-barriers), one without its barrier (`nowait`: the
 * fork and the join only, as now), and a worksharing loop inside one
 * long-lived parallel region (its closing barrier only). Not a test:
 * prints figures, five rounds.
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
    double barrierJoined = microseconds();
    for (int i = 0; i < kLoops; ++i) {
#pragma omp parallel
      {
#pragma omp for schedule(static) nowait
        for (int j = 0; j < kChunks; ++j)
          sink[j * 16] += 1;
      }
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
    printf("threads %d  loop barrier+join %.2f us  join only %.2f us  barrier %.2f us\n",
           threads, (barrierJoined - start) / kLoops, (forked - barrierJoined) / kLoops,
           (barriers - forked) / kLoops);
  }
  return 0;
}
