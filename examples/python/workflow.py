#!/usr/bin/env python3
"""The careful optimization workflow with aiopt, no notebook needed:

1. baseline: the original model in onnxruntime (latency, size, outputs);
2. one optimization at a time: aiopt -O0, then -O2;
3. measure again, compare every output with the baseline, keep the
   original for reference, and stop at the first variant whose error
   exceeds the line you set.

    .venv/bin/python examples/python/workflow.py [MODEL.onnx] [--max-error 1e-4]

Without a model it uses examples/digits/digits_cnn.onnx (the demo's CNN,
trained on scikit-learn's digits). Inputs are seeded random arrays of the
model's input shapes.
"""

import argparse
import os
import time

import numpy as np
import onnxruntime as ort

import aiopt

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "digits", "digits_cnn.onnx")


def timed(run, repeat=50):
    run()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=DEFAULT)
    parser.add_argument("--max-error", type=float, default=1e-4,
                        help="largest max-abs output difference accepted (default 1e-4)")
    args = parser.parse_args()

    baseline_model = aiopt.compile(args.model, opt_level=0)  # for the signature
    rng = np.random.default_rng(0)
    inputs = {t.name: rng.standard_normal([d if d > 0 else 1 for d in t.shape]).astype(t.dtype)
              for t in baseline_model.inputs}

    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    print("%-14s %10s %12s" % ("variant", "p50 ms", "max error"))
    print("%-14s %10.3f %12s" % ("onnxruntime", timed(lambda: session.run(None, inputs)), "-"))

    kept = None
    for level in (0, 2):
        m = baseline_model if level == 0 else aiopt.compile(args.model, opt_level=level)
        error = aiopt.compare(m, args.model, inputs).max_abs
        print("%-14s %10.3f %12.3g" % ("aiopt -O%d" % level, timed(lambda: m.run(inputs)), error))
        if error > args.max_error:
            print("  -> above the line (%g): dialing back to the previous variant" % args.max_error)
            break
        kept = (level, m)
    if kept:
        path = os.path.abspath("model_O%d.so" % kept[0])
        kept[1].save(path)
        print("kept aiopt -O%d: %s (+ .json); aiopt.load() reads it back" % (kept[0], path))


if __name__ == "__main__":
    main()
