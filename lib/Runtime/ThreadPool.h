/*===- ThreadPool.h - the thread pool of models compiled with --parallel --===*\
|*                                                                            *|
|* Models compiled with --parallel (and --thread-pool=aiopt, the default)     *|
|* call these functions where OpenMP code calls libomp: LLVM's OpenMP         *|
|* lowering emits calls to __kmpc_fork_call and friends, and aiopt-compile    *|
|* renames them to aiopt_omp_* (the same arguments). Only what aiopt's        *|
|* parallel loops need is here: one level of parallel regions, static and     *|
|* dynamic worksharing loops over unsigned 64-bit indices, barriers.          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef AIOPT_RUNTIME_THREADPOOL_H
#define AIOPT_RUNTIME_THREADPOOL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The entry points are hidden: a shared library that links the pool (a
 * parallel model's, see linkSharedLibrary) binds its calls to its own copy
 * and exports only aiopt_pool_set_num_threads. */
#define AIOPT_POOL_ENTRY __attribute__((visibility("hidden")))

/** The most pointer arguments a parallel region's function takes. */
#define AIOPT_POOL_MAX_ARGS 16

/** A parallel region's outlined function: thread number (twice), then the
 *  region's arguments, all pointers. */
typedef void (*aiopt_omp_microtask)(int32_t *gtid, int32_t *btid, ...);

/** Runs `fn` on the calling thread's team (aiopt_pool_set_num_threads):
 *  the caller as thread 0, its pool's workers as 1..n-1; returns when all
 *  are done. Inside a region, or with one thread, `fn` runs on the caller
 *  alone. `argc` (at most AIOPT_POOL_MAX_ARGS) pointers follow `fn`. */
AIOPT_POOL_ENTRY void aiopt_omp_fork_call(void *ident, int32_t argc, aiopt_omp_microtask fn, ...);

/** The calling thread's number in its team (0 outside a region). */
AIOPT_POOL_ENTRY int32_t aiopt_omp_global_thread_num(void *ident);

/** A static loop over [*lower, *upper] (inclusive) by `incr`: narrows the
 *  bounds to the calling thread's contiguous share (empty: *lower > *upper)
 *  and sets *stride to the whole trip, so the loop runs once. */
AIOPT_POOL_ENTRY void aiopt_omp_for_static_init_8u(void *ident, int32_t gtid, int32_t schedule, int32_t *last,
                                  uint64_t *lower, uint64_t *upper, int64_t *stride,
                                  int64_t incr, int64_t chunk);
AIOPT_POOL_ENTRY void aiopt_omp_for_static_fini(void *ident, int32_t gtid);

/** A dynamic loop over [lower, upper] (inclusive) by `stride`, in chunks
 *  of `chunk` iterations: each thread is given the same share as a static
 *  loop, takes chunks from its start, and when it has none left takes the
 *  last chunk of another thread's share. Every thread of the team calls it
 *  once per loop, then aiopt_omp_dispatch_next_8u until that returns 0. */
AIOPT_POOL_ENTRY void aiopt_omp_dispatch_init_8u(void *ident, int32_t gtid, int32_t schedule, uint64_t lower,
                                uint64_t upper, int64_t stride, int64_t chunk);
/** The calling thread's next chunk [*lower, *upper] of its current
 *  dynamic loop; 0 when the loop has none left. */
AIOPT_POOL_ENTRY int32_t aiopt_omp_dispatch_next_8u(void *ident, int32_t gtid, int32_t *last, uint64_t *lower,
                                   uint64_t *upper, int64_t *stride);

/** Waits until every thread of the team has reached it. */
AIOPT_POOL_ENTRY void aiopt_omp_barrier(void *ident, int32_t gtid);

/** Threads of the calling thread's parallel regions (aiopt_set_num_threads
 *  calls it); 0 restores the default: OMP_NUM_THREADS, else one per
 *  processor the process may run on. */
void aiopt_pool_set_num_threads(int num_threads);

#ifdef __cplusplus
}
#endif

#endif /* AIOPT_RUNTIME_THREADPOOL_H */
