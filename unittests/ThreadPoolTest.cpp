//===- ThreadPoolTest.cpp - the runtime's thread pool ---------------------===//
//
// Unit tests of lib/Runtime/ThreadPool.c through the entry points that
// parallel models call, with regions written as LLVM's OpenMP lowering
// writes them: every iteration runs once, shares are static, a late thread's
// chunks are taken by the others, barriers order the threads, and several
// application threads run regions at once.
//
//===----------------------------------------------------------------------===//

#include "../lib/Runtime/ThreadPool.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <thread>
#include <vector>

namespace {

constexpr uint64_t kIterations = 1000;

/// What a region's threads share: per iteration, how often and by which
/// thread it ran.
struct Loop {
  std::vector<std::atomic<int>> runs = std::vector<std::atomic<int>>(kIterations);
  std::vector<std::atomic<int>> runner = std::vector<std::atomic<int>>(kIterations);
  std::atomic<int> threads{0};
  int lateThread = -1; ///< this thread starts 50 ms late
};

/// Runs the chunks of a dynamic loop over every iteration.
void runDynamic(Loop &loop, int32_t tid) {
  aiopt_omp_dispatch_init_8u(nullptr, tid, 35, 0, kIterations - 1, 1, 1);
  int32_t last;
  uint64_t lower, upper;
  int64_t stride;
  while (aiopt_omp_dispatch_next_8u(nullptr, tid, &last, &lower, &upper, &stride))
    for (uint64_t i = lower; i <= upper; i += stride)
      if (loop.runs[i].fetch_add(1) == 0)
        loop.runner[i].store(tid); // who ran it in the first loop
}

void dynamicRegion(int32_t *gtid, int32_t *, Loop *loop) {
  loop->threads.fetch_add(1);
  if (*gtid == loop->lateThread)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Two loops in a row without a barrier between them (nowait).
  runDynamic(*loop, *gtid);
  runDynamic(*loop, *gtid);
}

void staticRegion(int32_t *gtid, int32_t *, Loop *loop) {
  loop->threads.fetch_add(1);
  int32_t last = 0;
  uint64_t lower = 0, upper = kIterations - 1;
  int64_t stride = 0;
  aiopt_omp_for_static_init_8u(nullptr, *gtid, 34, &last, &lower, &upper, &stride, 1, 1);
  for (uint64_t i = lower; i <= upper && upper != UINT64_MAX; ++i) {
    loop->runs[i].fetch_add(1);
    loop->runner[i].store(*gtid);
  }
  aiopt_omp_for_static_fini(nullptr, *gtid);
}

auto region(void (*fn)(int32_t *, int32_t *, Loop *)) {
  return reinterpret_cast<aiopt_omp_microtask>(fn);
}

/// Runs dynamicRegion on `threads` threads: each of its two loops runs
/// every iteration once.
void expectDynamicRegion(int threads) {
  aiopt_pool_set_num_threads(threads);
  Loop loop;
  aiopt_omp_fork_call(nullptr, 1, region(dynamicRegion), &loop);
  EXPECT_EQ(loop.threads.load(), threads);
  for (uint64_t i = 0; i < kIterations; ++i)
    ASSERT_EQ(loop.runs[i].load(), 2) << "iteration " << i;
  aiopt_pool_set_num_threads(0);
}

TEST(ThreadPool, DynamicLoopsRunEachIterationOnce) { expectDynamicRegion(3); }

TEST(ThreadPool, LateThreadsShareIsTaken) {
  // Thread 1 starts 50 ms late: threads 0 and 2 take its chunks, from
  // its share's end; nothing runs twice.
  aiopt_pool_set_num_threads(3);
  Loop loop;
  loop.lateThread = 1;
  aiopt_omp_fork_call(nullptr, 1, region(dynamicRegion), &loop);
  int taken = 0;
  for (uint64_t i = 0; i < kIterations; ++i) {
    ASSERT_EQ(loop.runs[i].load(), 2) << "iteration " << i;
    // Thread 1's static share is [334, 667).
    if (i >= 334 && i < 667 && loop.runner[i].load() != 1)
      ++taken;
  }
  EXPECT_GT(taken, 0);
  EXPECT_NE(loop.runner[666].load(), 1); // the share's end goes first
  aiopt_pool_set_num_threads(0);
}

TEST(ThreadPool, StaticLoopsGiveContiguousShares) {
  aiopt_pool_set_num_threads(3);
  Loop loop;
  aiopt_omp_fork_call(nullptr, 1, region(staticRegion), &loop);
  for (uint64_t i = 0; i < kIterations; ++i) {
    ASSERT_EQ(loop.runs[i].load(), 1) << "iteration " << i;
    EXPECT_EQ(loop.runner[i].load(), i < 334 ? 0 : i < 667 ? 1 : 2) << "iteration " << i;
  }
  aiopt_pool_set_num_threads(0);
}

void nestedRegion(int32_t *gtid, int32_t *, Loop *loop) {
  // A region inside a region runs on the thread that reaches it, alone.
  Loop inner;
  aiopt_omp_fork_call(nullptr, 1, region(dynamicRegion), &inner);
  EXPECT_EQ(inner.threads.load(), 1);
  for (uint64_t i = 0; i < kIterations; ++i)
    ASSERT_EQ(inner.runs[i].load(), 2);
  loop->threads.fetch_add(1);
}

TEST(ThreadPool, NestedRegionsRunAlone) {
  aiopt_pool_set_num_threads(2);
  Loop loop;
  aiopt_omp_fork_call(nullptr, 1, region(nestedRegion), &loop);
  EXPECT_EQ(loop.threads.load(), 2);
  aiopt_pool_set_num_threads(0);
}

TEST(ThreadPool, OneThreadRunsOnTheCaller) { expectDynamicRegion(1); }

struct Phases {
  std::atomic<int> first{0};
  std::atomic<int> early{0}; ///< threads that passed the barrier too soon
};

void barrierRegion(int32_t *gtid, int32_t *, Phases *phases) {
  if (*gtid == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  phases->first.fetch_add(1);
  aiopt_omp_barrier(nullptr, *gtid);
  if (phases->first.load() != 4)
    phases->early.fetch_add(1);
}

TEST(ThreadPool, BarriersWaitForEveryThread) {
  aiopt_pool_set_num_threads(4);
  for (int round = 0; round < 3; ++round) {
    Phases phases;
    aiopt_omp_fork_call(nullptr, 1, reinterpret_cast<aiopt_omp_microtask>(barrierRegion),
                        &phases);
    EXPECT_EQ(phases.first.load(), 4);
    EXPECT_EQ(phases.early.load(), 0);
  }
  aiopt_pool_set_num_threads(0);
}

TEST(ThreadPool, ChildProcessesStartTheirOwnPool) {
  // The parent's workers do not exist in a child after fork(): a region
  // there must not wait for them.
  expectDynamicRegion(2);
  fflush(nullptr); // the child exits through exit(), which flushes
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(20); // a hang fails the test instead of blocking it
    aiopt_pool_set_num_threads(2);
    Loop loop;
    aiopt_omp_fork_call(nullptr, 1, region(dynamicRegion), &loop);
    bool ok = loop.threads.load() == 2;
    for (uint64_t i = 0; i < kIterations; ++i)
      ok = ok && loop.runs[i].load() == 2;
    // exit, not _exit: the pools' stop at exit runs in the child too,
    // on a list without the parent's pools.
    exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(ThreadPool, ApplicationThreadsHaveTheirOwnPools) {
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&failures] {
      aiopt_pool_set_num_threads(2);
      for (int round = 0; round < 50; ++round) {
        Loop loop;
        aiopt_omp_fork_call(nullptr, 1, region(dynamicRegion), &loop);
        for (uint64_t i = 0; i < kIterations; ++i)
          if (loop.runs[i].load() != 2)
            failures.fetch_add(1);
      }
    });
  for (std::thread &t : callers)
    t.join();
  EXPECT_EQ(failures.load(), 0);
}

} // namespace
