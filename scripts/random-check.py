#!/usr/bin/env python3
"""Differential testing on random valid models: for each seed, builds the
model of integration_test/lib/random_models.py, compiles it with
aiopt-compile for the target, runs it and compares its outputs with
onnxruntime's (CPU execution provider). Targets this machine cannot run
(cuda without a GPU, --compile-only) are compiled and linked only, which
still runs every pass and ptxas, the programs kept for --run-only on the
machine that can run them (scripts/gpu-check.sh). Prints one line per seed (PASS, FAIL,
COMPILE_ERROR, RUN_ERROR, BUILT) and a summary; keeps each failing model and
its inputs in DIR/failures/ and exits non-zero if any seed failed.

    python scripts/random-check.py DIR [--seeds A:B] [--target cpu|vulkan|cuda]
                                       [--compile-only | --run-only] [--device-buffers]
                                       [--rtol R] [--atol A] [-- EXTRA aiopt-compile FLAGS]
"""

import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))
import aiopt_e2e  # noqa: E402
import random_models  # noqa: E402


def compare(got, want, rtol, atol):
    """None if `got` matches `want` (NaNs and infinities where onnxruntime
    has them, finite values within the tolerance relative to the output's
    largest finite magnitude), else what differs."""
    if len(got) != len(want):
        return "%d outputs, expected %d" % (len(got), len(want))
    for j, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape:
            return "output %d shape %s, expected %s" % (j, list(g.shape), list(w.shape))
        if not np.array_equal(np.isnan(g), np.isnan(w)):
            return "output %d NaNs differ" % j
        finite = np.isfinite(w)
        if not np.array_equal(g[~finite & ~np.isnan(w)], w[~finite & ~np.isnan(w)]) or \
                not np.isfinite(g[finite]).all():
            return "output %d infinities differ" % j
        err = np.abs(g[finite].astype(np.float64) - w[finite].astype(np.float64))
        scale = float(np.abs(w[finite]).max()) if finite.any() else 0.0
        if err.size and err.max() > atol + rtol * scale:
            return "output %d max_abs_err %.3g (scale %.3g)" % (j, float(err.max()), scale)
    return None


def check_seed(seed, workdir, target, extra, mode, rtol, atol, device_buffers):
    """(status, detail) of one seed. `mode`: "check" (compile, run,
    compare); "compile" (compile and link, keeping the program, the model
    and its inputs in `workdir`); "run" (run and compare what "compile"
    left there, on the machine that can)."""
    path = os.path.join(workdir, "model.onnx")
    if mode == "run":
        model = onnx.load(path)
        inputs = [aiopt_e2e.read_tensor(os.path.join(workdir, "input_%d.tensor" % i))
                  for i in range(len(model.graph.input))]
        exe = os.path.join(workdir, "model.exe")
    else:
        model, inputs = random_models.build(seed)
        model.ir_version = min(model.ir_version, 10)  # what the pinned onnxruntime reads
        onnx.checker.check_model(model, full_check=True)
        os.makedirs(workdir, exist_ok=True)
        onnx.save(model, path)
        try:
            flags = [] if target == "cpu" else ["--target=%s" % target]  # cpu: the host
            exe = aiopt_e2e.compile_model(path, workdir, "model", [*flags, *extra], quiet=True)
        except subprocess.CalledProcessError as e:
            lines = (e.stderr or "").strip().splitlines()
            return "COMPILE_ERROR", lines[0] if lines else "exit %d" % e.returncode
        if mode == "compile":
            for i, a in enumerate(inputs):
                aiopt_e2e.write_tensor(os.path.join(workdir, "input_%d.tensor" % i), a)
            return "BUILT", "%d nodes" % len(model.graph.node)
    want = aiopt_e2e.run_onnxruntime(path, inputs)
    try:
        got, _ = aiopt_e2e.run_compiled(exe, inputs, workdir, device_buffers=device_buffers)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        return "RUN_ERROR", str(getattr(e, "stderr", "") or e).strip().splitlines()[-1]
    diff = compare(got, want, rtol, atol)
    return ("FAIL", diff) if diff else ("PASS", "%d nodes" % len(model.graph.node))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--seeds", default="0:20", help="A:B, the seeds A to B-1")
    parser.add_argument("--target", default="cpu", choices=("cpu", "vulkan", "cuda"))
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--compile-only", action="store_true",
                      help="compile and link only, keeping each seed's program, model "
                      "and inputs in DIR/seed_N (cuda without a GPU: always)")
    only.add_argument("--run-only", action="store_true",
                      help="run and compare the programs a --compile-only run left in DIR")
    parser.add_argument("--device-buffers", action="store_true",
                        help="CUDA: inputs and outputs in device memory (aiopt_run_on)")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-5)
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:len(argv) - len(extra) - (1 if "--" in argv else 0)])
    first, last = (int(v) for v in args.seeds.split(":"))
    counts = {}
    failures = os.path.join(args.dir, "failures")
    mode = ("run" if args.run_only else
            "compile" if args.compile_only or args.target == "cuda" else "check")
    for seed in range(first, last):
        work = os.path.join(args.dir, "seed_%d" % seed)
        status, detail = check_seed(seed, work, args.target, extra, mode, args.rtol, args.atol,
                                    args.device_buffers)
        counts[status] = counts.get(status, 0) + 1
        print("%s seed %d: %s" % (status, seed, detail), flush=True)
        if status == "PASS" and mode == "check":
            shutil.rmtree(work)
        elif status == "BUILT":
            # What the run needs: the program, the model, the inputs.
            for f in os.listdir(work):
                if f not in ("model.exe", "model.onnx") and not f.startswith("input_"):
                    p = os.path.join(work, f)
                    shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
        elif status != "PASS":
            os.makedirs(failures, exist_ok=True)
            shutil.copy(os.path.join(work, "model.onnx"),
                        os.path.join(failures, "seed_%d.onnx" % seed))
    print("random-check: %s of %d seeds (%s)" % (
        ", ".join("%d %s" % (counts.get(k, 0), k.lower()) for k in
                  ("PASS", "BUILT", "FAIL", "COMPILE_ERROR", "RUN_ERROR")),
        last - first, args.target))
    sys.exit(0 if set(counts) <= {"PASS", "BUILT"} else 1)


if __name__ == "__main__":
    main()
