"""Vulkan benchmark: aiopt's Vulkan target against IREE's (vulkan-spirv
backend, vulkan driver), on the same Vulkan device, models and inputs, in
one run.

    python bench/vulkan.py DIR [--models chain20,gemm256,mlp3,mobilenetv2]
                               [--repeat 20] [--markdown FILE]
                               [--variant LABEL=FLAGS ...] [--no-iree]

For each model, three programs:
- aiopt: --target=vulkan, buffers device-resident and dispatches recorded
  into batches (the default);
- aiopt, copying: --target=vulkan --device-resident=false, each dispatch
  copying its buffers in and its written ones back, and waiting;
- IREE: iree-import-onnx and iree-compile --iree-hal-target-backends=
  vulkan-spirv, run by bench/iree_run.py with IREE's vulkan driver.
Each --variant adds a program: aiopt with more aiopt-compile flags, e.g.
--variant "4x4=--gpu-tiles=thread-tile=4" measures the product kernels'
4x4 blocks of outputs against the default 8x8, in the same run; the
table gives each variant's time over the default's (above 1: the default
is faster). --no-iree leaves IREE out (for variant runs).
Each is timed from host arrays to host arrays (the median of REPEAT calls
after a warm-up), in a process of its own, and its outputs are compared
with onnxruntime's on the CPU. Both runtimes take the first Vulkan device;
with Mesa's lavapipe (a CPU driver) LP_NUM_THREADS, the device's threads,
is set to the CPU count unless given.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aiopt_e2e  # noqa: E402
import iree_run  # noqa: E402
import perf_models  # noqa: E402

AIOPT = (("aiopt", []), ("aiopt copying", ["--device-resident=false"]))


def relative_error(got, want):
    """The largest error over the outputs, relative to each output's
    largest magnitude."""
    return max(float(np.abs(g.astype(np.float64) - w).max() / max(np.abs(w).max(), 1e-30))
               for g, w in zip(got, want))


def measure(name, work, repeat, programs, iree):
    """{program: (median ms, relative error or the reason it failed)} for
    aiopt's `programs` ((label, flags) pairs) and, with `iree`, IREE."""
    model, inputs = perf_models.MODELS[name]()
    model.ir_version = min(model.ir_version, 10)  # what onnxruntime and IREE read
    path = os.path.join(work, name + ".onnx")
    onnx.save(model, path)
    want = aiopt_e2e.run_onnxruntime(path, inputs)
    results = {}
    for label, flags in programs:
        sub = os.path.join(work, re.sub(r"[^A-Za-z0-9_.-]", "-", label))
        os.makedirs(sub)
        t = time.perf_counter()
        try:
            exe = aiopt_e2e.compile_model(path, sub, name, ["--target=vulkan", *flags],
                                          quiet=True)
        except subprocess.CalledProcessError as e:
            results[label] = (None, "compiling: " + (e.stderr or "").strip()[:200])
            continue
        print("  %s: compiled in %.1f s" % (label, time.perf_counter() - t), flush=True)
        try:
            got, ms = aiopt_e2e.run_compiled(exe, inputs, sub, repeat=repeat)
        except subprocess.CalledProcessError as e:
            results[label] = (None, e.stderr.strip()[:200])
            continue
        results[label] = (ms, relative_error(got, want))
    if iree and iree_run.available():
        vmfb = os.path.join(work, name + ".vmfb")
        t = time.perf_counter()
        error = iree_run.compile_model(path, vmfb, "vulkan")
        print("  IREE: compiled in %.1f s" % (time.perf_counter() - t), flush=True)
        if error:
            results["IREE"] = (None, error)
        else:
            npz, outs = os.path.join(work, "inputs.npz"), os.path.join(work, "iree_outputs.npz")
            np.savez(npz, *inputs)
            out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "iree_run.py"), "run",
                                  vmfb, npz, "1", str(repeat), "vulkan", outs],
                                 capture_output=True, text=True, timeout=1800)
            if out.returncode != 0:
                results["IREE"] = (None, out.stderr.strip().splitlines()[-1][:200])
            else:
                fields = dict(line.split()[:2] for line in out.stdout.splitlines() if line.strip())
                got = [a for _, a in sorted(np.load(outs).items(),
                                            key=lambda kv: int(kv[0].split("_")[1]))]
                results["IREE"] = (float(fields["latency_ms_median"]), relative_error(got, want))
    return results


def table(rows, repeat, threads, programs, iree):
    variants = [label for label, _ in programs[len(AIOPT):]]
    labels = [label for label, _ in programs] + (["IREE"] if iree else [])
    lines = ["Vulkan device: the first one (Mesa's lavapipe on this machine, "
             "LP_NUM_THREADS=%s); median of %d runs, host arrays to host arrays; "
             "error: the largest difference from onnxruntime (CPU), relative to the "
             "output's magnitude." % (threads, repeat), "",
             "| model | " + " | ".join("%s ms" % l for l in labels) +
             "".join(" | %s / aiopt" % l for l in variants + (["IREE"] if iree else [])) +
             " | copying / aiopt | error (%s) |" % ", ".join(
                 ["aiopt"] + variants + (["IREE"] if iree else [])),
             "|---|" + "---:|" * (2 * len(labels))]
    for name, r in rows:
        def ms(label):
            t, e = r.get(label, (None, "not run"))
            return "%.2f" % t if t is not None else "failed: %s" % e

        def ratio(a, b):
            ta, tb = r.get(a, (None,))[0], r.get(b, (None,))[0]
            return "%.2fx" % (ta / tb) if ta and tb else "-"

        def err(label):
            t, e = r.get(label, (None, None))
            return "%.1e" % e if t is not None else "-"
        lines.append("| %s | %s |%s %s | %s |" % (
            name, " | ".join(ms(l) for l in labels),
            "".join(" %s |" % ratio(v, "aiopt") for v in variants + (["IREE"] if iree else [])),
            ratio("aiopt copying", "aiopt"),
            ", ".join(err(l) for l in ["aiopt"] + variants + (["IREE"] if iree else []))))
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("--models", default="chain20,gemm256,mlp3,mobilenetv2")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--markdown", help="also write the table to this file")
    p.add_argument("--variant", action="append", default=[], metavar="LABEL=FLAGS",
                   help="also aiopt with these aiopt-compile flags (repeatable)")
    p.add_argument("--no-iree", action="store_true", help="leave IREE out")
    args = p.parse_args()
    programs = list(AIOPT)
    for variant in args.variant:
        label, _, flags = variant.partition("=")
        if not label or not flags or label in [l for l, _ in programs] + ["IREE"]:
            sys.exit("--variant '%s' is not LABEL=FLAGS with a new label" % variant)
        programs.append((label, shlex.split(flags)))
    # Both runtimes' processes inherit it.
    os.environ.setdefault("LP_NUM_THREADS", str(os.cpu_count()))
    rows = []
    for name in args.models.split(","):
        if name not in perf_models.MODELS:
            sys.exit("unknown model '%s' (bench/perf_models.py has: %s)"
                     % (name, ", ".join(perf_models.MODELS)))
        work = os.path.join(args.dir, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        print(name, flush=True)
        rows.append((name, measure(name, work, args.repeat, programs, not args.no_iree)))
    text = table(rows, args.repeat, os.environ["LP_NUM_THREADS"], programs, not args.no_iree)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
