"""Runs one ONNX model in onnxruntime (CPU) and prints its latency, for
bench/performance.py, which runs it in a process of its own to read its
peak memory.

    python bench/ort_run.py MODEL.onnx INPUTS.npz THREADS REPEAT
"""

import sys
import time

import numpy as np
import onnxruntime as ort


def latencies(path, inputs, threads, repeat):
    """Sorted latencies (ms) of `repeat` onnxruntime runs of the model at
    `path` on `inputs` (in graph input order), after one warm-up run."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    feed = {i.name: a for i, a in zip(sess.get_inputs(), inputs)}
    sess.run(None, feed)  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        sess.run(None, feed)
        times.append((time.perf_counter() - t0) * 1e3)
    return sorted(times)


def load_inputs(npz):
    """The arrays of an .npz written by np.savez(*arrays), in order."""
    arrays = np.load(npz)
    return [arrays["arr_%d" % k] for k in range(len(arrays.files))]


def print_latencies(times):
    """The lines bench/performance.py reads: median and p90 of sorted
    `times` (ms)."""
    print("latency_ms_median %.4f over %d runs" % (times[len(times) // 2], len(times)))
    print("latency_ms_p90 %.4f" % times[min(len(times) - 1, len(times) * 9 // 10)])


def main():
    path, inputs, threads, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print_latencies(latencies(path, load_inputs(inputs), threads, repeat))


if __name__ == "__main__":
    main()
