"""Runs one variant of a model in this (child) process and prints JSON:
latencies in ms and the model's peak memory: the peak resident set of the
process minus what it was before the model was loaded (after the
interpreter, numpy and the variant's library were imported). `aiopt
report` starts one child per variant, so each peak is that variant's.

    python -m aiopt._measure VARIANT MODEL DATA.npz REPEAT THREADS OUT.npz
VARIANT: "onnxruntime" (MODEL an .onnx file) or "aiopt" (MODEL a library
saved by CompiledModel.save).
"""

import json
import resource
import sys
import time

import numpy as np


def main():
    variant, model_path, data, repeat, threads, out = sys.argv[1:7]
    repeat, threads = int(repeat), int(threads)
    arrays = np.load(data)
    inputs = {k: arrays[k] for k in arrays.files}
    if variant == "onnxruntime":
        import onnxruntime  # noqa: F401  (imported before the baseline)
    else:
        import aiopt  # noqa: F401
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if variant == "onnxruntime":
        import onnx
        import onnxruntime as ort
        from aiopt.compare import reference_model_bytes

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(reference_model_bytes(onnx.load(model_path)), options,
                                       providers=["CPUExecutionProvider"])
        run = lambda: session.run(None, inputs)
    else:
        import aiopt

        model = aiopt.load(model_path)
        if model.parallel:
            model.set_num_threads(threads)
        run = lambda: model.run(inputs)
    outputs = run()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    np.savez(out, *outputs)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"latencies_ms": times, "peak_mib": (peak_kib - baseline_kib) / 1024}))


if __name__ == "__main__":
    main()
