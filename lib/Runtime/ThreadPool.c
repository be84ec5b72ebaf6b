/*===- ThreadPool.c - the thread pool of models compiled with --parallel --===*\
|*                                                                            *|
|* Each application thread that runs parallel regions owns a pool: workers    *|
|* created at its first region with more than one thread (again when it asks  *|
|* for another count), stopped when it exits (forgotten in a child process    *|
|* after fork()). A region is published by bumping the                        *|
|* pool's generation; workers spin on it for AIOPT_SPIN_US microseconds       *|
|* (default 10000) after their last region, then sleep on a condition         *|
|* variable. The caller runs as thread 0 and spins until the others finish.   *|
|*                                                                            *|
|* Dynamic loops keep the static shares (a thread's blocks stay where the     *|
|* previous loop left their data) and balance at the end: a thread whose      *|
|* share is done takes the last chunk of another's. A share is one 64-bit     *|
|* atomic, its next chunk in the low half and its end in the high half:       *|
|* the owner advances the first, thieves lower the second.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "ThreadPool.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CACHE_LINE 64

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

/* One thread's share of the current dynamic loop, on a line of its own. */
typedef struct share {
  _Alignas(CACHE_LINE) _Atomic uint64_t chunks; /* next | end << 32 */
  _Atomic uint32_t finished;                    /* its last loop with no chunk left */
} share;

typedef struct pool pool;

/* Where a thread is: in which pool's region, as which thread of how many. */
typedef struct member {
  pool *pool;   /* NULL: alone (no region, a nested one, one thread) */
  int32_t tid;
  int32_t team;
  uint32_t loops; /* dynamic loops this thread has started in the region */
  /* a dynamic loop run alone: its one chunk, until taken */
  uint64_t solo_lower, solo_upper;
  int64_t solo_stride;
  int solo_pending;
} member;

struct pool {
  int asked; /* threads asked for */
  int size;  /* threads started, the owner included */
  pthread_t *workers;
  share *shares;
  /* the region */
  aiopt_omp_microtask fn;
  int32_t argc;
  void *args[AIOPT_POOL_MAX_ARGS];
  _Alignas(CACHE_LINE) _Atomic uint32_t generation;
  _Atomic int stop;
  _Atomic int32_t sleepers;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  _Alignas(CACHE_LINE) _Atomic int32_t running; /* workers still in the region */
  /* the current dynamic loop: ready == its number once set up */
  _Alignas(CACHE_LINE) _Atomic uint32_t ready;
  uint64_t lower, chunk, trip, chunks;
  int64_t stride;
  /* barriers */
  _Alignas(CACHE_LINE) _Atomic int32_t arrived;
  _Atomic uint32_t passed;
  pool *next; /* in the list of live pools */
};

static _Thread_local member self;
static _Thread_local int requested_threads; /* 0: the default */

static long spin_ns(void) {
  static _Atomic long ns = -1;
  long value = atomic_load_explicit(&ns, memory_order_relaxed);
  if (value < 0) {
    const char *env = getenv("AIOPT_SPIN_US");
    long us = env && *env ? atol(env) : 10000;
    value = (us < 0 ? 0 : us) * 1000;
    atomic_store_explicit(&ns, value, memory_order_relaxed);
  }
  return value;
}

static long elapsed_ns(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

/* Waits until the pool's generation differs from `seen`; returns it. */
static uint32_t await_region(pool *p, uint32_t seen) {
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  long limit = spin_ns();
  for (unsigned spins = 1;; ++spins) {
    uint32_t now = atomic_load_explicit(&p->generation, memory_order_acquire);
    if (now != seen)
      return now;
    relax();
    if (spins % 64 == 0 && elapsed_ns(&start) >= limit)
      break;
  }
  /* The publisher bumps the generation before it reads the sleepers (both
   * sequentially consistent): either it sees this thread's increment and
   * wakes it, or this thread sees the new generation under the lock. */
  pthread_mutex_lock(&p->lock);
  atomic_fetch_add(&p->sleepers, 1);
  uint32_t now;
  while ((now = atomic_load(&p->generation)) == seen)
    pthread_cond_wait(&p->wake, &p->lock);
  atomic_fetch_sub(&p->sleepers, 1);
  pthread_mutex_unlock(&p->lock);
  return now;
}

static void publish(pool *p) {
  atomic_fetch_add(&p->generation, 1);
  if (atomic_load(&p->sleepers)) {
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
  }
}

/* The outlined functions are not variadic: each is called through a
 * pointer of its own arity (where variadic arguments travel differently,
 * as on Apple's AArch64, a variadic call would not reach them). */
typedef void *P;
#define P1 P
#define P2 P1, P
#define P3 P2, P
#define P4 P3, P
#define P5 P4, P
#define P6 P5, P
#define P7 P6, P
#define P8 P7, P
#define P9 P8, P
#define P10 P9, P
#define P11 P10, P
#define P12 P11, P
#define P13 P12, P
#define P14 P13, P
#define P15 P14, P
#define P16 P15, P
#define A1 a[0]
#define A2 A1, a[1]
#define A3 A2, a[2]
#define A4 A3, a[3]
#define A5 A4, a[4]
#define A6 A5, a[5]
#define A7 A6, a[6]
#define A8 A7, a[7]
#define A9 A8, a[8]
#define A10 A9, a[9]
#define A11 A10, a[10]
#define A12 A11, a[11]
#define A13 A12, a[12]
#define A14 A13, a[13]
#define A15 A14, a[14]
#define A16 A15, a[15]
#define CALL_WITH(n)                                                                   \
  case n:                                                                              \
    ((void (*)(int32_t *, int32_t *, P##n))fn)(&gtid, &btid, A##n);                    \
    break;

static void call(aiopt_omp_microtask fn, int32_t argc, void **a, int32_t tid) {
  int32_t gtid = tid, btid = tid;
  switch (argc) {
  case 0:
    ((void (*)(int32_t *, int32_t *))fn)(&gtid, &btid);
    break;
    CALL_WITH(1) CALL_WITH(2) CALL_WITH(3) CALL_WITH(4) CALL_WITH(5) CALL_WITH(6)
    CALL_WITH(7) CALL_WITH(8) CALL_WITH(9) CALL_WITH(10) CALL_WITH(11) CALL_WITH(12)
    CALL_WITH(13) CALL_WITH(14) CALL_WITH(15) CALL_WITH(16)
  }
}

/* Runs the published region as thread `tid` of the pool's team. */
static void run_member(pool *p, int32_t tid) {
  self = (member){.pool = p, .tid = tid, .team = p->size};
  call(p->fn, p->argc, p->args, tid);
  self = (member){0};
}

typedef struct worker_start {
  pool *pool;
  int32_t tid;
} worker_start;

static void *work(void *arg) {
  worker_start start = *(worker_start *)arg;
  free(arg);
  pool *p = start.pool;
  uint32_t seen = 0;
  for (;;) {
    seen = await_region(p, seen);
    if (atomic_load(&p->stop))
      return NULL;
    run_member(p, start.tid);
    atomic_fetch_sub_explicit(&p->running, 1, memory_order_release);
  }
}

static void stop_pool(pool *p) {
  if (!p)
    return;
  atomic_store(&p->stop, 1);
  publish(p);
  for (int i = 1; i < p->size; ++i)
    pthread_join(p->workers[i], NULL);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->wake);
  free(p->workers);
  free(p->shares);
  free(p);
}

/* The live pools of this copy of the pool's code. A shared library that
 * carries a copy (a parallel model's) may be unloaded: its destructor then
 * stops them, before their workers' code goes away. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pool *live;

/* Stops `p` unless the destructor below already took it. */
static void retire_pool(pool *p) {
  if (!p)
    return;
  pthread_mutex_lock(&live_lock);
  pool **link = &live;
  while (*link && *link != p)
    link = &(*link)->next;
  int found = *link != NULL;
  if (found)
    *link = p->next;
  pthread_mutex_unlock(&live_lock);
  if (found)
    stop_pool(p);
}

/* The calling thread's pool, stopped when the thread exits. */
static pthread_key_t owner_key;
static pthread_once_t owner_key_once = PTHREAD_ONCE_INIT;
static int owner_key_created;
static void release_pool(void *p) { retire_pool(p); }
/* A child process has only the thread that called fork(): the pools'
 * workers are gone (their memory is left), and it starts a new pool when
 * it needs one. The list's lock is held across fork() so that the child's
 * copy is consistent. */
static void lock_live(void) { pthread_mutex_lock(&live_lock); }
static void unlock_live(void) { pthread_mutex_unlock(&live_lock); }
static void forget_pools_in_child(void) {
  live = NULL;
  pthread_mutex_unlock(&live_lock);
  pthread_setspecific(owner_key, NULL);
}
static void create_owner_key(void) {
  owner_key_created = pthread_key_create(&owner_key, release_pool) == 0;
  pthread_atfork(lock_live, unlock_live, forget_pools_in_child);
}

/* Runs when the code is unloaded (dlclose of a library that carries it)
 * and at exit: no worker may outlive it, nor a thread-exit destructor
 * point into it. A pool's owner must not be in a region then. */
__attribute__((destructor)) static void stop_live_pools(void) {
  pthread_mutex_lock(&live_lock);
  pool *pools = live;
  live = NULL;
  if (owner_key_created)
    pthread_key_delete(owner_key);
  owner_key_created = 0;
  pthread_mutex_unlock(&live_lock);
  while (pools) {
    pool *next = pools->next;
    stop_pool(pools);
    pools = next;
  }
}

/* A pool of `size` threads (fewer if the system refuses some; NULL if
 * none could be started). */
static pool *start_pool(int size) {
  pool *p = aligned_alloc(CACHE_LINE, (sizeof(pool) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE);
  share *shares = aligned_alloc(CACHE_LINE, sizeof(share) * (size_t)size);
  pthread_t *workers = calloc((size_t)size, sizeof(pthread_t));
  if (!p || !shares || !workers) {
    free(p);
    free(shares);
    free(workers);
    return NULL;
  }
  memset(p, 0, sizeof(*p));
  memset(shares, 0, sizeof(share) * (size_t)size);
  p->asked = size;
  p->shares = shares;
  p->workers = workers;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->wake, NULL);
  p->size = 1;
  for (int tid = 1; tid < size; ++tid) {
    worker_start *start = malloc(sizeof(worker_start));
    if (!start)
      break;
    *start = (worker_start){p, tid};
    if (pthread_create(&workers[tid], NULL, work, start) != 0) {
      free(start);
      break;
    }
    p->size = tid + 1;
  }
  if (p->size == 1) {
    stop_pool(p);
    return NULL;
  }
  pthread_mutex_lock(&live_lock);
  p->next = live;
  live = p;
  pthread_mutex_unlock(&live_lock);
  return p;
}

static pool *owned_pool(int size) {
  pthread_once(&owner_key_once, create_owner_key);
  pool *p = pthread_getspecific(owner_key);
  if (p && p->asked == size)
    return p;
  retire_pool(p);
  p = start_pool(size);
  pthread_setspecific(owner_key, p);
  return p;
}

/* The default thread count, read once per thread. */
static int default_threads(void) {
  static _Thread_local int count;
  if (count)
    return count;
  const char *env = getenv("OMP_NUM_THREADS");
  if (env && atoi(env) >= 1)
    return count = atoi(env);
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 1)
    return count = CPU_COUNT(&set);
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return count = n >= 1 ? (int)n : 1;
}

void aiopt_pool_set_num_threads(int num_threads) {
  requested_threads = num_threads > 0 ? num_threads : 0;
}

void aiopt_omp_fork_call(void *ident, int32_t argc, aiopt_omp_microtask fn, ...) {
  (void)ident;
  void *args[AIOPT_POOL_MAX_ARGS];
  if (argc < 0 || argc > AIOPT_POOL_MAX_ARGS) {
    fprintf(stderr, "aiopt: a parallel region with %d arguments (at most %d)\n", argc,
            AIOPT_POOL_MAX_ARGS);
    abort();
  }
  va_list list;
  va_start(list, fn);
  for (int32_t i = 0; i < argc; ++i)
    args[i] = va_arg(list, void *);
  va_end(list);

  int threads = requested_threads ? requested_threads : default_threads();
  pool *p = self.team == 0 && threads > 1 ? owned_pool(threads) : NULL;
  if (!p) {
    /* Alone: nested in a region, one thread, or no worker could start. */
    member outer = self;
    self = (member){.team = 1};
    call(fn, argc, args, 0);
    self = outer;
    return;
  }
  p->fn = fn;
  p->argc = argc;
  memcpy(p->args, args, sizeof(void *) * (size_t)argc);
  /* Every worker takes part (a pool has the count its thread asks for, or
   * fewer where the system refused some), so none reads the region while
   * the next one is being written. */
  atomic_store_explicit(&p->running, p->size - 1, memory_order_relaxed);
  atomic_store_explicit(&p->ready, 0, memory_order_relaxed);
  for (int32_t t = 0; t < p->size; ++t)
    atomic_store_explicit(&p->shares[t].finished, 0, memory_order_relaxed);
  publish(p);
  run_member(p, 0);
  while (atomic_load_explicit(&p->running, memory_order_acquire) != 0)
    relax();
}

int32_t aiopt_omp_global_thread_num(void *ident) {
  (void)ident;
  return self.tid;
}

/* Thread `tid`'s share of `count` items split over `team` threads:
 * [*begin, *begin + *length). */
static void static_share(uint64_t count, int32_t team, int32_t tid, uint64_t *begin,
                         uint64_t *length) {
  uint64_t base = count / (uint64_t)team, extra = count % (uint64_t)team;
  uint64_t t = (uint64_t)tid;
  *begin = t * base + (t < extra ? t : extra);
  *length = base + (t < extra ? 1 : 0);
}

void aiopt_omp_for_static_init_8u(void *ident, int32_t gtid, int32_t schedule, int32_t *last,
                                  uint64_t *lower, uint64_t *upper, int64_t *stride,
                                  int64_t incr, int64_t chunk) {
  (void)ident, (void)gtid, (void)schedule, (void)chunk;
  int32_t team = self.team > 1 ? self.team : 1;
  uint64_t first = *lower, trip = (*upper - first) / (uint64_t)incr + 1, begin, length;
  static_share(trip, team, self.tid, &begin, &length);
  *lower = first + begin * (uint64_t)incr;
  /* An empty share ends one step before it starts. */
  *upper = *lower + length * (uint64_t)incr - (uint64_t)incr;
  *last = length > 0 && begin + length == trip;
  *stride = (int64_t)(trip * (uint64_t)incr);
}

void aiopt_omp_for_static_fini(void *ident, int32_t gtid) { (void)ident, (void)gtid; }

void aiopt_omp_dispatch_init_8u(void *ident, int32_t gtid, int32_t schedule, uint64_t lower,
                                uint64_t upper, int64_t stride, int64_t chunk) {
  (void)ident, (void)gtid, (void)schedule;
  pool *p = self.pool;
  if (!p) {
    self.solo_lower = lower;
    self.solo_upper = upper;
    self.solo_stride = stride;
    self.solo_pending = 1;
    return;
  }
  uint32_t loop = ++self.loops;
  uint32_t previous = loop - 1;
  /* The shares are reused once every thread is done taking chunks of the
   * previous loop (which may have no barrier after it); until then the
   * others may still be waiting for that loop to be set up. */
  for (int32_t t = 0; t < p->size; ++t)
    while (atomic_load_explicit(&p->shares[t].finished, memory_order_acquire) < previous)
      relax();
  /* One thread sets the loop up; the others wait for it. */
  if (!atomic_compare_exchange_strong(&p->ready, &previous, loop | 0x80000000u)) {
    while (atomic_load_explicit(&p->ready, memory_order_acquire) != loop)
      relax();
    return;
  }
  uint64_t trip = (upper - lower) / (uint64_t)stride + 1;
  uint64_t size = chunk > 0 ? (uint64_t)chunk : 1;
  if (trip / size >= UINT32_MAX)
    size = trip / (UINT32_MAX - 1) + 1;
  p->lower = lower;
  p->stride = stride;
  p->chunk = size;
  p->trip = trip;
  p->chunks = (trip + size - 1) / size;
  for (int32_t t = 0; t < p->size; ++t) {
    uint64_t begin, length;
    static_share(p->chunks, p->size, t, &begin, &length);
    atomic_store_explicit(&p->shares[t].chunks, (begin + length) << 32 | begin,
                          memory_order_relaxed);
  }
  atomic_store_explicit(&p->ready, loop, memory_order_release);
}

/* Takes the first (`front`) or last chunk left in share `s`. */
static int take_chunk(share *s, int front, uint64_t *chunk) {
  uint64_t value = atomic_load_explicit(&s->chunks, memory_order_relaxed);
  for (;;) {
    uint64_t next = value & 0xffffffffu, end = value >> 32;
    if (next >= end)
      return 0;
    uint64_t taken = front ? end << 32 | (next + 1) : (end - 1) << 32 | next;
    if (atomic_compare_exchange_weak_explicit(&s->chunks, &value, taken, memory_order_relaxed,
                                              memory_order_relaxed)) {
      *chunk = front ? next : end - 1;
      return 1;
    }
  }
}

int32_t aiopt_omp_dispatch_next_8u(void *ident, int32_t gtid, int32_t *last, uint64_t *lower,
                                   uint64_t *upper, int64_t *stride) {
  (void)ident, (void)gtid;
  pool *p = self.pool;
  if (!p) {
    if (!self.solo_pending)
      return 0;
    self.solo_pending = 0;
    *lower = self.solo_lower;
    *upper = self.solo_upper;
    *stride = self.solo_stride;
    *last = 1;
    return 1;
  }
  uint64_t chunk;
  int found = take_chunk(&p->shares[self.tid], 1, &chunk);
  for (int32_t i = 1; !found && i < p->size; ++i)
    found = take_chunk(&p->shares[(self.tid + i) % p->size], 0, &chunk);
  if (!found) {
    atomic_store_explicit(&p->shares[self.tid].finished, self.loops, memory_order_release);
    return 0;
  }
  uint64_t first = chunk * p->chunk, final = first + p->chunk - 1;
  if (final >= p->trip - 1)
    final = p->trip - 1;
  *last = final == p->trip - 1;
  *lower = p->lower + first * (uint64_t)p->stride;
  *upper = p->lower + final * (uint64_t)p->stride;
  *stride = p->stride;
  return 1;
}

void aiopt_omp_barrier(void *ident, int32_t gtid) {
  (void)ident, (void)gtid;
  pool *p = self.pool;
  if (!p)
    return;
  uint32_t passed = atomic_load(&p->passed);
  if (atomic_fetch_add(&p->arrived, 1) == self.team - 1) {
    atomic_store(&p->arrived, 0);
    atomic_fetch_add(&p->passed, 1);
    return;
  }
  while (atomic_load_explicit(&p->passed, memory_order_acquire) == passed)
    relax();
}
