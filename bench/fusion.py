#!/usr/bin/env python3
"""Latency of aiopt's optimization levels side by side, in one run.

For a ResNet-50 (onnx backend data, random weights), a MobileNetV2-style
CNN and a 2-layer BERT-style encoder (integration_test/lib/models.py, fixed
seeds): compile at -O0 (no graph or loop fusion, LLVM -O0), -O1 (folding
and CSE, LLVM -O2), -O2 (the default: operator and attention recognition,
batch-norm folding, epilogue and elementwise fusion, epilogues fused into
the blocks of their contraction, LLVM -O2) and -O3 (-O2 with LLVM -O3),
run each, and print the median latency over
--repeat runs after a warm-up, with onnxruntime (1 thread) as the
reference column and the -O0/-O2 and -O1/-O2 ratios. Not a test: timings
depend on the machine and its load.

    python bench/fusion.py [--repeat N] [--models a,b] [--levels=-O0,-O2] [--markdown FILE]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))

import aiopt_e2e  # noqa: E402
import models  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "bench"))
import ort_run  # noqa: E402

LEVELS = ["-O0", "-O1", "-O2", "-O3"]
MODELS = {"resnet50": "light_resnet50", "mobilenetv2": "mobilenetv2", "bert2": "bert"}


def ort_latency(path, inputs, repeat):
    return float(np.median(ort_run.latencies(path, inputs, 1, repeat)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--levels", default=",".join(LEVELS),
                        help="comma-separated levels to compile (-O0 and -O2 are always in)")
    parser.add_argument("--markdown", help="also write the table as Markdown here")
    args = parser.parse_args()
    chosen = set(args.levels.split(",")) | {"-O0", "-O2"}
    levels = [l for l in LEVELS if l in chosen]

    rows = []
    with tempfile.TemporaryDirectory() as work:
        for label in args.models.split(","):
            model, sets = models.FAMILIES[MODELS[label]]()
            inputs = sets[0]
            path = os.path.join(work, label + ".onnx")
            model.ir_version = min(model.ir_version, 10)
            onnx.save(model, path)
            row = {"model": label, "ort": ort_latency(path, inputs, args.repeat)}
            for level in levels:
                d = os.path.join(work, label + level)
                os.makedirs(d)
                t0 = time.perf_counter()
                exe = aiopt_e2e.compile_model(path, d, label, (level,), quiet=True)
                row["compile" + level] = time.perf_counter() - t0
                aiopt_e2e.run_compiled(exe, inputs, d)  # warm-up
                _, row[level] = aiopt_e2e.run_compiled(exe, inputs, d, repeat=args.repeat)
            rows.append(row)
            print("measured %s" % label, file=sys.stderr)

    head = ["model"] + ["%s ms" % l for l in levels] + ["onnxruntime ms", "O0/O2", "O1/O2",
                                                          "O2/ort", "compile -O0 s", "compile -O2 s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["model"]] + ["%.3f" % r[l] for l in levels] + [
            "%.3f" % r["ort"], "%.2f" % (r["-O0"] / r["-O2"]),
            "%.2f" % (r["-O1"] / r["-O2"]) if "-O1" in r else "-",
            "%.2f" % (r["-O2"] / r["ort"]), "%.1f" % r["compile-O0"], "%.1f" % r["compile-O2"]]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print("median latency over %d runs, 1 thread, %s" % (args.repeat, os.uname().machine))
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
