"""Latency measurement shared by the benchmarks: the median of repeated
calls after a warm-up, in milliseconds."""

import statistics
import time


def latency(fn, x, repeat, warmup=5):
    for _ in range(warmup):
        fn(x)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3
