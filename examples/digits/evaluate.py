"""Companion of digits_demo.c:
    evaluate.py dump FILE        write the digits test set for the C demo
    evaluate.py ort MODEL FILE   onnxruntime accuracy and latency on it
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_digits import split  # noqa: E402


def read(path):
    with open(path, "rb") as f:
        n = int(np.frombuffer(f.read(4), np.int32)[0])
        images = np.frombuffer(f.read(4 * 64 * n), np.float32).reshape(n, 1, 8, 8)
        labels = np.frombuffer(f.read(4 * n), np.int32)
    return images, labels


def main():
    if sys.argv[1] == "dump":
        _, x_test, _, y_test = split()
        with open(sys.argv[2], "wb") as f:
            f.write(np.int32(len(x_test)).tobytes())
            f.write(np.ascontiguousarray(x_test, np.float32).tobytes())
            f.write(y_test.astype(np.int32).tobytes())
        return
    import onnxruntime as ort
    images, labels = read(sys.argv[3])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(sys.argv[2], opts, providers=["CPUExecutionProvider"])
    logits = sess.run(None, {"image": images})[0]
    correct = int((logits.argmax(axis=1) == labels).sum())
    print("onnxruntime test accuracy: %.4f (%d/%d)" % (correct / len(labels), correct, len(labels)))
    times = []
    for r in range(1050):
        x = images[r % len(images)][None]
        t0 = time.perf_counter()
        sess.run(None, {"image": x})
        if r >= 50:
            times.append((time.perf_counter() - t0) * 1e6)
    times.sort()
    print("onnxruntime latency, batch 1 (1 thread, via Python): median %.1f us, p90 %.1f us"
          % (times[len(times) // 2], times[len(times) * 9 // 10]))


if __name__ == "__main__":
    main()
