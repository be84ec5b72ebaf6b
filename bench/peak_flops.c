/*===- peak_flops.c - FMA throughput of this CPU --------------------------===*\
|*                                                                            *|
|* Single-thread peak f32 FLOP/s: 12 independent chains of vector FMAs (AVX-  *|
|* 512, AVX2 or NEON, whichever the compiler targets with -march=native), so *|
|* latency hides behind throughput. Prints GFLOP/s; bench/performance.py     *|
|* divides GEMM throughput by it.                                             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX2__) || defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
typedef float vec __attribute__((vector_size(LANES * 4)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(void) {
  vec acc[12], x, y;
  for (int l = 0; l < LANES; ++l) {
    x[l] = 1.0001f;
    y[l] = 0.9999f;
  }
  for (int i = 0; i < 12; ++i)
    for (int l = 0; l < LANES; ++l)
      acc[i][l] = (float)i;
  const long iterations = 100000000;
  double best = 0;
  for (int trial = 0; trial < 3; ++trial) {
    double t0 = now();
    for (long it = 0; it < iterations; ++it)
      for (int i = 0; i < 12; ++i)
        acc[i] = __builtin_elementwise_fma(acc[i], x, y);
    double gflops = (double)iterations * 12 * LANES * 2 / (now() - t0) / 1e9;
    best = gflops > best ? gflops : best;
  }
  float sink = 0;
  for (int i = 0; i < 12; ++i)
    sink += acc[i][0];
  printf("peak_gflops %.2f lanes %d (checksum %g)\n", best, LANES, (double)sink);
  return 0;
}
