#!/usr/bin/env python3
"""Int8 quantization side by side, in one run, on real trained models.

Trains (bench/models/digits.py, fixed seeds) an MLP and a CNN on
scikit-learn's digits data set, then for each model measures, on this
machine, one thread:

  aiopt float        aiopt.compile(model)
  aiopt int8         static quantization calibrated on 200 training images,
                     with the accuracy guard (--max-accuracy-drop 1 on the
                     held-out images)
  aiopt int8, no VNNI  the same, compiled without the CPU's 8-bit dot-product
                     instruction (features -avx512vnni,-avxvnni: the 16-bit
                     pair instruction vpmaddwd instead, as on CPUs without
                     VNNI), where the CPU has it
  onnxruntime float  the same ONNX model
  onnxruntime int8   onnxruntime.quantization.quantize_static (QDQ, the
                     same calibration images, per-channel int8 weights)
  aiopt on the QDQ   that QDQ model compiled by aiopt (aiopt-fold-qdq)

and prints top-1 accuracy on the held-out images, weight bytes (aiopt: the
compiled object's size; onnxruntime: the model file's) and median latency
over --repeat runs of one image after a warm-up. Not a test: timings depend
on the machine and its load.

    python bench/quantization.py [--repeat N] [--markdown FILE] [--work DIR] [--cpu NAME]

--cpu compiles aiopt's code for another CPU this machine can run (e.g.
haswell: AVX2 without AVX-512 or VNNI), to see a smaller x86 on it.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "python_packages"))

import aiopt  # noqa: E402
from timing import latency  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnxruntime import quantization as oq  # noqa: E402


def accuracy(fn, xs, labels):
    return 100.0 * np.mean([int(np.argmax(fn(x))) == y for x, y in zip(xs, labels)])


class Reader(oq.CalibrationDataReader):
    def __init__(self, xs):
        self.it = iter([{"x": x} for x in xs])

    def get_next(self):
        return next(self.it, None)


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return lambda x: s.run(None, {"x": x})[0]


NO_VNNI = "-avx512vnni,-avxvnni"


def host_vnni():
    try:
        with open("/proc/cpuinfo") as fh:
            flags = next((l for l in fh if l.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_vnni" in flags or "avx_vnni" in flags


HOST_VNNI = host_vnni()


def run_model(work, name, repeat, cpu=None):
    onnx_path = os.path.join(work, name + ".onnx")
    cal = os.path.join(work, name + "_calibration")
    val = os.path.join(work, name + "_validation")
    xs, labels = np.load(os.path.join(val, "x.npy")), np.load(os.path.join(val, "labels.npy"))
    x0 = xs[0]
    rows = []

    def object_bytes(args):
        out = os.path.join(work, name + "-size.o")
        subprocess.run([os.path.join(ROOT, "build", "bin", "aiopt-compile"), onnx_path, "-o", out]
                       + args, check=True, capture_output=True)
        return os.path.getsize(out)

    f = aiopt.compile(onnx_path, cpu=cpu)
    rows.append(("aiopt float", accuracy(f, xs, labels), object_bytes([]), latency(f, x0, repeat)))
    report = os.path.join(work, name + "-report.json")
    q = aiopt.compile(onnx_path, cpu=cpu, quantize="static", calibration_data=cal,
                      validation_data=val,
                      max_accuracy_drop=1.0, quantization={"report": report})
    rows.append(("aiopt int8", accuracy(q, xs, labels),
                 object_bytes(["--quantize=static", "--calibration-data=" + cal]),
                 latency(q, x0, repeat)))
    if HOST_VNNI and not cpu:
        p = aiopt.compile(onnx_path, cpu=cpu, quantize="static", calibration_data=cal,
                          validation_data=val, max_accuracy_drop=1.0, features=NO_VNNI)
        rows.append(("aiopt int8, no VNNI", accuracy(p, xs, labels), rows[-1][2],
                     latency(p, x0, repeat)))
    r = session(onnx_path)
    rows.append(("onnxruntime float", accuracy(r, xs, labels), os.path.getsize(onnx_path),
                 latency(r, x0, repeat)))
    qpath = os.path.join(work, name + "-qdq.onnx")
    oq.quantize_static(onnx_path, qpath, Reader(np.load(os.path.join(cal, "x.npy"))),
                       quant_format=oq.QuantFormat.QDQ, per_channel=True,
                       activation_type=oq.QuantType.QInt8, weight_type=oq.QuantType.QInt8)
    rq = session(qpath)
    rows.append(("onnxruntime int8 (QDQ)", accuracy(rq, xs, labels), os.path.getsize(qpath),
                 latency(rq, x0, repeat)))
    # The same QDQ model compiled by aiopt (aiopt-fold-qdq: no flag).
    aq = aiopt.compile(qpath, cpu=cpu)
    out = os.path.join(work, name + "-qdq.o")
    subprocess.run([os.path.join(ROOT, "build", "bin", "aiopt-compile"), qpath, "-o", out],
                   check=True, capture_output=True)
    rows.append(("aiopt on onnxruntime's QDQ model", accuracy(aq, xs, labels),
                 os.path.getsize(out), latency(aq, x0, repeat)))
    with open(report) as fh:
        guard = json.load(fh).get("guard", {})
    return rows, guard


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--markdown")
    ap.add_argument("--work", help="keep the models and data here")
    ap.add_argument("--cpu", help="compile aiopt's code for this CPU (an LLVM name, e.g. "
                    "haswell for AVX2 only; it must run on this machine) instead of the host")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="aiopt-quant-")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "models", "digits.py"), work],
                   check=True)
    lines = ["| model | variant | top-1 % | bytes | vs float | latency ms | speedup vs aiopt float |",
             "|---|---|---|---|---|---|---|"]
    for name in ("digits_mlp", "digits_cnn"):
        rows, guard = run_model(work, name, args.repeat, args.cpu)
        base = {"aiopt": rows[0],
                "onnxruntime": next(r for r in rows if r[0] == "onnxruntime float")}
        for label, acc, size, ms in rows:
            ref = base["aiopt" if label.startswith("aiopt") else "onnxruntime"]
            lines.append("| %s | %s | %.2f | %d | %.1f%% | %.4f | %.2f |" % (
                name, label, acc, size, 100.0 * size / ref[2], ms, rows[0][3] / ms))
        lines.append("| %s | guard: float layers %s, drop %.2f points | | | | | |" % (
            name, guard.get("steps", [{}])[-1].get("float_layers", []), guard.get("final_drop", 0)))
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(table + "\n")


if __name__ == "__main__":
    main()
