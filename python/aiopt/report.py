"""`aiopt report`: the baseline-then-optimize table of one model.

Rows are variants (the original in onnxruntime, aiopt -O0, aiopt -O2, and
-O2 with threads when --threads > 1); columns are latency p50/p90, peak
memory, model size and the output error against onnxruntime (and against
reference outputs when --data holds them). Each variant is measured in a
child process of its own (its peak memory is its own). Writes Markdown,
JSON and a latency-vs-error chart on request.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from .compare import output_errors


def load_data(directory, model):
    """Inputs (and reference outputs, if any) from `directory`: input_<i>
    and output_<i> as .npy or ONNX TensorProto .pb files (the ONNX test-data
    layout)."""
    from onnx import numpy_helper, TensorProto

    def read(kind, i):
        for ext in ("npy", "pb"):
            path = os.path.join(directory, "%s_%d.%s" % (kind, i, ext))
            if os.path.isfile(path):
                if ext == "npy":
                    return np.load(path)
                t = TensorProto()
                with open(path, "rb") as f:
                    t.ParseFromString(f.read())
                return numpy_helper.to_array(t)
        return None

    if not os.path.isdir(directory):
        raise FileNotFoundError("no such data directory: %r" % directory)
    inputs = {}
    for i, info in enumerate(model.inputs):
        a = read("input", i)
        if a is None:
            raise FileNotFoundError("%s: no input_%d.npy or input_%d.pb for input %r"
                                    % (directory, i, i, info.name))
        inputs[info.name] = a
    outputs = []
    for i in range(len(model.outputs)):
        a = read("output", i)
        if a is None:
            break
        outputs.append(a)
    return inputs, outputs or None


def random_inputs(model, seed=0):
    """Seeded inputs of the model's shapes (dynamic dimensions: 1): normal
    floats, zeros for integers (valid indices and ids), False for bools."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for info in model.inputs:
        shape = [d if d >= 0 else 1 for d in info.shape]
        if np.issubdtype(info.dtype, np.floating):
            inputs[info.name] = rng.standard_normal(shape).astype(info.dtype)
        else:
            inputs[info.name] = np.zeros(shape, info.dtype)
    return inputs


def initializer_bytes(onnx_path):
    """Bytes of the model's weights (its initializers)."""
    import onnx

    m = onnx.load(onnx_path)
    return sum(onnx.numpy_helper.to_array(t).nbytes for t in m.graph.initializer)


def measure(variant, model_path, data, repeat, threads, workdir):
    out = os.path.join(workdir, "%s-%s-%d.npz" % (variant, os.path.basename(model_path), threads))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))] +
        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, "-m", "aiopt._measure", variant, model_path, data,
                           str(repeat), str(threads), out],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError("measuring %s failed:\n%s" % (variant, proc.stderr))
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    arrays = np.load(out)
    result["outputs"] = [arrays["arr_%d" % i] for i in range(len(arrays.files))]
    return result


def build_report(onnx_path, data_dir=None, repeat=20, threads=1, progress=None,
                 quantize=None, calibration_data=None, prune=None):
    """Measures the variants and returns the report as a dict (what the
    JSON file holds). quantize ("dynamic" or "static", with
    calibration_data) adds an int8 -O2 variant; prune (a spec, as
    aiopt-compile --prune) a pruned -O2 variant."""
    import aiopt

    with tempfile.TemporaryDirectory(prefix="aiopt-report-") as work:
        steps = [("aiopt -O0", 0, 1, {}), ("aiopt -O2", 2, 1, {})]
        if threads > 1:
            steps.append(("aiopt -O2, %d threads" % threads, 2, threads, {}))
        if quantize:
            steps.append(("aiopt -O2 int8 %s" % quantize, 2, 1,
                          {"quantize": quantize, "calibration_data": calibration_data}))
        if prune:
            steps.append(("aiopt -O2 pruned %s" % prune, 2, 1, {"prune": prune}))
        compiled = {}
        task = progress.add_task("compiling", total=len(steps)) if progress else None
        for label, level, n, extra in steps:
            m = aiopt.compile(onnx_path, opt_level=level, parallel=n > 1, **extra)
            path = os.path.join(work, "%s.so" % label.replace(" ", "_").replace(",", ""))
            m.save(path)
            compiled[label] = (m, path, n)
            if progress:
                progress.advance(task)
        reference_model = next(iter(compiled.values()))[0]
        if data_dir:
            inputs, expected = load_data(data_dir, reference_model)
        else:
            inputs, expected = random_inputs(reference_model), None
        data = os.path.join(work, "inputs.npz")
        np.savez(data, **inputs)

        rows = []
        variants = [("onnxruntime", "onnxruntime", onnx_path, 1)]
        if threads > 1:
            variants.append(("onnxruntime, %d threads" % threads, "onnxruntime", onnx_path,
                             threads))
        variants += [(label, "aiopt", path, n) for label, (_, path, n) in compiled.items()]
        task = progress.add_task("benchmarking", total=len(variants)) if progress else None
        ort_outputs = None
        names = reference_model.output_names
        for label, kind, path, n in variants:
            r = measure(kind, path, data, repeat, n, work)
            if ort_outputs is None:  # the first row: onnxruntime, one thread
                ort_outputs = r["outputs"]
            lat = np.array(r["latencies_ms"])
            row = {
                "variant": label,
                "threads": n,
                "latency_p50_ms": float(np.percentile(lat, 50)),
                "latency_p90_ms": float(np.percentile(lat, 90)),
                "peak_memory_mib": r["peak_mib"],
                "size_bytes": initializer_bytes(path) if kind == "onnxruntime" else os.path.getsize(path),
                "max_abs_error_vs_onnxruntime": output_errors(
                    names, r["outputs"], ort_outputs).max_abs,
            }
            if expected is not None:
                row["max_abs_error_vs_reference"] = output_errors(
                    names, r["outputs"], expected).max_abs
            rows.append(row)
            if progress:
                progress.advance(task)
        for m, _, _ in compiled.values():
            m.close()
    return {"model": os.path.abspath(onnx_path), "repeat": repeat,
            "inputs": "data: " + os.path.abspath(data_dir) if data_dir else "random (seed 0)",
            "size_note": "onnxruntime: bytes of the ONNX initializers; aiopt: bytes of the "
                         "compiled shared library (code and weights)",
            "memory_note": "peak resident memory of the measuring process minus its resident "
                           "memory before the model was loaded",
            "rows": rows}


COLUMNS = [("variant", "variant", "%s"), ("threads", "threads", "%d"),
           ("latency_p50_ms", "p50 ms", "%.3f"), ("latency_p90_ms", "p90 ms", "%.3f"),
           ("peak_memory_mib", "model peak MiB", "%.1f"), ("size_bytes", "size MiB", None),
           ("max_abs_error_vs_onnxruntime", "max err vs ort", "%.3g"),
           ("max_abs_error_vs_reference", "max err vs reference", "%.3g")]


def cells(report):
    cols = [c for c in COLUMNS if any(c[0] in r for r in report["rows"])]
    head = [c[1] for c in cols]
    body = []
    for r in report["rows"]:
        row = []
        for key, _, fmt in cols:
            v = r.get(key)
            row.append("-" if v is None else "%.2f" % (v / 2**20) if key == "size_bytes"
                       else fmt % v)
        body.append(row)
    return head, body


def markdown(report):
    head, body = cells(report)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines) + "\n"


def chart(report, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for r in report["rows"]:
        err = max(r["max_abs_error_vs_onnxruntime"], 1e-9)
        ax.scatter(r["latency_p50_ms"], err)
        ax.annotate(r["variant"], (r["latency_p50_ms"], err), fontsize=8)
    ax.set_xlabel("latency p50 (ms)")
    ax.set_ylabel("max abs error vs onnxruntime")
    ax.set_yscale("log")
    ax.set_title(os.path.basename(report["model"]))
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="aiopt report", description=__doc__.splitlines()[0])
    parser.add_argument("model", help="the .onnx model")
    parser.add_argument("--data", help="directory of input_<i>.npy|.pb (and output_<i>)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--markdown", help="write the table as Markdown here")
    parser.add_argument("--json", help="write the report as JSON here")
    parser.add_argument("--chart", help="write a latency-vs-error PNG here")
    parser.add_argument("--quantize", choices=("dynamic", "static"),
                        help="add an int8 variant (static: with --calibration-data)")
    parser.add_argument("--calibration-data", help="folder of <input>.npy samples, stacked")
    parser.add_argument("--prune", metavar="SPEC",
                        help="add a pruned variant (aiopt-compile --prune spec, e.g. "
                             "magnitude:sparsity=0.9)")
    args = parser.parse_args(argv)
    if args.quantize == "static" and not args.calibration_data:
        parser.error("--quantize static needs --calibration-data")
    if not os.path.isfile(args.model):
        parser.error("no such model file: %r" % args.model)
    if args.repeat < 1 or args.threads < 1:
        parser.error("--repeat and --threads must be at least 1")

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    import aiopt

    console = Console(stderr=True)
    try:
        with Progress(console=console, transient=True) as progress:
            report = build_report(args.model, args.data, args.repeat, args.threads, progress,
                                  args.quantize, args.calibration_data, args.prune)
    except (OSError, ValueError, RuntimeError, aiopt.CompileError) as e:
        print("aiopt report: error: %s" % e, file=sys.stderr)
        return 1
    head, body = cells(report)
    table = Table(title="%s (%s inputs, %d runs)" % (os.path.basename(args.model),
                                                     report["inputs"], args.repeat))
    for h in head:
        table.add_column(h, justify="left" if h == "variant" else "right")
    for r in body:
        table.add_row(*r)
    Console().print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    if args.chart:
        chart(report, args.chart)
    return 0
