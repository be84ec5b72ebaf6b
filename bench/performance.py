#!/usr/bin/env python3
"""CPU performance of aiopt next to onnxruntime, in one run.

For each model of bench/perf_models.py (ResNet-50, MobileNetV2, BERT-base,
a 3-layer MLP, square GEMMs 256/1024/2048), compiles it with aiopt-compile
(-O2 unless --opt, with --parallel), links the test driver (with OpenMP),
and runs aiopt, onnxruntime (CPU execution provider, from PyPI) and, where
its wheels are installed, IREE (bench/iree_run.py) on the same inputs, each
in a process of its own, at each thread count, in --rounds turns (each
runtime keeps its turn with the lowest median): median and 90th-percentile
latency over --repeat runs after a warm-up, peak resident memory of the
process, and
aiopt's compile time and object size. A peak-FLOP/s microbenchmark
(bench/peak_flops.c) gives the GEMMs' fraction of the machine's FMA peak.

Writes the table to docs/performance.md (or --markdown) and a chart of the
latency ratios to docs/performance.png. Not a test: timings depend on the
machine and its load; run it on an idle machine.

    python bench/performance.py [--models a,b] [--threads 1,2] [--repeat N] [--rounds N]
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import aiopt_e2e  # noqa: E402
import iree_run  # noqa: E402
import perf_models  # noqa: E402


def run_measured(cmd):
    """Runs `cmd` under /usr/bin/time (a fork of this Python process would
    count Python's own memory); returns (median ms, p90 ms, peak RSS MiB)."""
    proc = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb %M", *cmd], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (cmd[0], proc.returncode, proc.stderr.strip()))
    values = dict(line.split()[:2] for line in (proc.stdout + proc.stderr).splitlines()
                  if line.startswith(("latency_ms", "maxrss_kb")))
    return (float(values["latency_ms_median"]), float(values["latency_ms_p90"]),
            float(values["maxrss_kb"]) / 1024.0)


def peak_gflops(work):
    exe = os.path.join(work, "peak_flops")
    subprocess.run(["clang-22", "-O2", "-march=native", os.path.join(ROOT, "bench", "peak_flops.c"),
                    "-o", exe], check=True)
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return float(out.split()[1])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def measure_model(name, work, threads, repeat, rounds, opt, with_iree):
    model, inputs = perf_models.MODELS[name]()
    model.ir_version = min(model.ir_version, 10)
    d = os.path.join(work, name)
    os.makedirs(d)
    path = os.path.join(d, name + ".onnx")
    onnx.save(model, path)
    npz = os.path.join(d, "inputs.npz")
    np.savez(npz, *inputs)
    for i, a in enumerate(inputs):
        aiopt_e2e.write_tensor(os.path.join(d, "input_%d.tensor" % i), a)

    t0 = time.perf_counter()
    exe = aiopt_e2e.compile_model(path, d, name, (*opt.split(), "--parallel"), quiet=True)
    compile_s = time.perf_counter() - t0  # includes linking the small driver
    row = {"model": name, "compile_s": compile_s,
           "object_mb": os.path.getsize(os.path.join(d, name + ".o")) / 2 ** 20}

    # The outputs must agree before the timings mean anything.
    got, _ = aiopt_e2e.run_compiled(exe, inputs, d)
    want = aiopt_e2e.run_onnxruntime(path, inputs)
    row["max_rel_err"] = max(float(np.abs(g - w).max() / max(np.abs(w).max(), 1e-30))
                             for g, w in zip(got, want))

    # IREE, where it installs: compiled once; a model it rejects gets the
    # reason in the notes instead of timings.
    vmfb = None
    if with_iree:
        vmfb = os.path.join(d, name + ".vmfb")
        t0 = time.perf_counter()
        error = iree_run.compile_model(path, vmfb)
        row["iree_compile_s"] = time.perf_counter() - t0
        if error:
            row["iree_error"] = error
            vmfb = None

    # Each round runs every runtime once, in turn; each keeps its round with
    # the lowest median. On a shared VM, whole seconds can lose a core to
    # other guests: one round then shows whichever runtime ran meanwhile
    # without its second thread.
    for t in threads:
        commands = {"aiopt": [exe, d, "--repeat", str(repeat), "--threads", str(t)],
                    "ort": [sys.executable, os.path.join(ROOT, "bench", "ort_run.py"),
                            path, npz, str(t), str(repeat)]}
        if vmfb:
            commands["iree"] = [sys.executable, os.path.join(ROOT, "bench", "iree_run.py"),
                                "run", vmfb, npz, str(t), str(repeat)]
        for _ in range(rounds):
            for runtime, command in commands.items():
                measured = run_measured(command)
                if (runtime, t) not in row or measured[0] < row[(runtime, t)][0]:
                    row[(runtime, t)] = measured
    return row


def table(rows, threads, peak):
    head = ["model", "threads", "aiopt p50 ms", "aiopt p90 ms", "onnxruntime p50 ms",
            "onnxruntime p90 ms", "ort/aiopt", "IREE p50 ms", "iree/aiopt", "aiopt peak MiB",
            "ort peak MiB", "IREE peak MiB", "compile s", "object MiB", "GFLOP/s", "% of peak"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        for t in threads:
            a, o = r[("aiopt", t)], r[("ort", t)]
            flops = perf_models.FLOPS.get(r["model"])
            gflops = flops / a[0] / 1e6 if flops else None
            i = r.get(("iree", t))
            cells = [r["model"], str(t), "%.3f" % a[0], "%.3f" % a[1], "%.3f" % o[0], "%.3f" % o[1],
                     "%.2f" % (o[0] / a[0]), "%.3f" % i[0] if i else "-",
                     "%.2f" % (i[0] / a[0]) if i else "-", "%.0f" % a[2], "%.0f" % o[2],
                     "%.0f" % i[2] if i else "-",
                     "%.1f" % r["compile_s"], "%.2f" % r["object_mb"],
                     "%.1f" % gflops if gflops else "-",
                     "%.0f %%" % (100 * gflops / peak / t) if gflops else "-"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart(rows, threads, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(threads)
    for k, t in enumerate(threads):
        ratios = [r[("ort", t)][0] / r[("aiopt", t)][0] for r in rows]
        ax.bar([i + k * width for i in range(len(rows))], ratios, width, label="%d thread%s" % (t, "s" * (t > 1)))
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([i + width * (len(threads) - 1) / 2 for i in range(len(rows))])
    ax.set_xticklabels([r["model"] for r in rows])
    ax.set_ylabel("onnxruntime latency / aiopt latency")
    ax.set_title("aiopt vs onnxruntime (median latency; above 1: aiopt faster)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


BEGIN, END = "<!-- bench/performance.py: begin -->", "<!-- bench/performance.py: end -->"


def write_section(path, body):
    """Replaces the generated section of `path` (between the markers),
    keeping the prose around it."""
    text = open(path).read() if os.path.exists(path) else "# CPU performance\n\n%s\n%s\n" % (BEGIN, END)
    if BEGIN not in text or END not in text:
        text += "\n%s\n%s\n" % (BEGIN, END)
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    with open(path, "w") as f:
        f.write(before + BEGIN + "\n" + body + END + after)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(perf_models.MODELS))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each runtime, in turn; the lowest median is kept")
    parser.add_argument("--opt", default="-O2",
                        help="aiopt-compile flags, e.g. '-O2 --prefetch-weights=false'")
    parser.add_argument("--markdown", default=os.path.join(ROOT, "docs", "performance.md"))
    parser.add_argument("--chart", default=os.path.join(ROOT, "docs", "performance.png"))
    parser.add_argument("--no-iree", action="store_true", help="leave IREE out")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]

    with_iree = iree_run.available() and not args.no_iree
    rows = []
    with tempfile.TemporaryDirectory() as work:
        peak = peak_gflops(work)
        for name in args.models.split(","):
            rows.append(measure_model(name, work, threads, args.repeat, args.rounds, args.opt,
                                      with_iree))
            print("measured %s" % name, file=sys.stderr)

    import onnxruntime
    text = table(rows, threads, peak)
    errors = ", ".join("%s %.1e" % (r["model"], r["max_rel_err"]) for r in rows)
    iree_notes = "; ".join("%s: %s" % (r["model"], r["iree_error"]) for r in rows if "iree_error" in r)
    if with_iree:
        import iree.compiler
        iree_version = getattr(iree.compiler, "__version__", None) or "3.13.0"
        errors += (". IREE %s (llvm-cpu, target CPU host; compiled from the ONNX model upgraded "
                   "to opset 17)%s" % (iree_version, ", rejected: " + iree_notes if iree_notes else ""))
    else:
        errors += ". IREE: not installed or --no-iree"
    header = ("Measured by `python bench/performance.py --repeat %d --rounds %d` on %s (%d cores), "
              "%s, aiopt %s, onnxruntime %s. Single-thread FMA peak (bench/peak_flops.c): %.1f GFLOP/s."
              % (args.repeat, args.rounds, cpu_name(), os.cpu_count(), datetime.date.today().isoformat(),
                 args.opt, onnxruntime.__version__, peak))
    print(header)
    print(text)
    print("max |aiopt - ort| / max |ort|: " + errors)
    if args.markdown:
        write_section(args.markdown, header + "\n\n" + text + "\n\nLargest output difference "
                      "relative to the output's largest magnitude: " + errors + ".\n")
    if args.chart:
        chart(rows, threads, args.chart)


if __name__ == "__main__":
    main()
