#!/usr/bin/env python3
"""Pruning side by side, in one run: what sparsity buys in latency, size and
accuracy.

Latency (median over --repeat runs after a warm-up, one thread), each
model compiled dense and pruned by aiopt in the same run, with
onnxruntime's latency on the dense model for reference:

  fc          a fully-connected layer, 2048 x 2048, batch 64 and batch 1,
              90% magnitude pruning (sparse kernels)
  bert_mlp    a BERT-base MLP block: sequence 128, 768 -> 3072 -> GELU -> 768,
              90% magnitude pruning (sparse kernels)
  resnet      a ResNet-18-style CNN (1x3x128x128, basic blocks with batch
              normalization and residual additions), 50% channel pruning
  bert_layer  a BERT-base encoder layer (hidden 768, 12 heads, sequence
              128), 50% channel pruning: half the attention heads and half
              the MLP's hidden columns

Accuracy: the digits MLP and CNN (bench/models/digits.py, trained with
fixed seeds) at several sparsities, magnitude and channel pruning, without
and with the accuracy guard (--max-accuracy-drop 1).

With --rates, the cost model's rho (see lib/Dialect/AIOpt/Transforms/
SparseWeights.cpp) for 1024 and 2048 square layers, one row and 64, at
85/90/95% zeros, where the sparse kernel is chosen.

Not a test: timings depend on the machine and its load.

    python bench/pruning.py [--repeat N] [--markdown FILE] [--work DIR]
                            [--skip-accuracy] [--rates]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "python_packages"))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))

import aiopt  # noqa: E402
from timing import latency  # noqa: E402
import models  # noqa: E402
import onnxruntime as ort  # noqa: E402


def fc(rows, size=2048):
    g = models.Graph(31)
    y = g.op("MatMul", ["x", g.weight(size, size)])
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [rows, size])],
                [h.make_tensor_value_info(y, T.FLOAT, [rows, size])])
    return m, np.random.default_rng(32).standard_normal((rows, size)).astype(np.float32)


def bert_mlp():
    g = models.Graph(33)
    x = g.op("Add", [g.op("MatMul", ["x", g.weight(768, 3072)]), g.weight(3072)])
    x = _gelu(g, x)
    y = g.op("Add", [g.op("MatMul", [x, g.weight(3072, 768)]), g.weight(768)])
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [128, 768])],
                [h.make_tensor_value_info(y, T.FLOAT, [128, 768])])
    return m, np.random.default_rng(34).standard_normal((128, 768)).astype(np.float32)


def _gelu(g, x):
    """x * 0.5 * (1 + erf(x / sqrt 2)), as exported (aiopt recognizes it)."""
    e = g.op("Erf", [g.op("Div", [x, g.const(np.float32(np.sqrt(2.0)))])])
    return g.op("Mul", [g.op("Mul", [x, g.op("Add", [e, g.const(np.float32(1.0))])]),
                        g.const(np.float32(0.5))])


def bert_layer():
    """One BERT-base encoder layer (hidden 768, 12 heads, sequence 128)."""
    m, sets = models.transformer(layers=1, hidden=768, heads=12, seed=37, seq=128, vocab=1000)
    return m, sets[0][0]


def resnet():
    g = models.Graph(35)
    x = models.conv_bn(g, "x", 3, 64, k=7, stride=2)
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for block in range(2):
            s = stride if block == 0 else 1
            y = models.conv_bn(g, x, cin, cout, stride=s)
            y = models.conv_bn(g, y, cout, cout, act=None)
            short = x if s == 1 and cin == cout else models.conv_bn(g, x, cin, cout, k=1,
                                                                      stride=s, act=None)
            x = g.op("Relu", [g.op("Add", [y, short])])
            cin = cout
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)
    y = g.op("Gemm", [x, g.weight(1000, 512), g.weight(1000)], transB=1)
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [1, 3, 128, 128])],
                [h.make_tensor_value_info(y, T.FLOAT, [1, 1000])])
    return m, np.random.default_rng(36).standard_normal((1, 3, 128, 128)).astype(np.float32)


def weight_bytes(m, work, name):
    """The size of the weights in the compiled model: the constant data of
    its object file (.rodata and friends)."""
    out = os.path.join(work, name + ".so")
    m.save(out)
    sections = subprocess.run(["size", "-A", out], capture_output=True, text=True).stdout
    return sum(int(line.split()[1]) for line in sections.splitlines()
               if line.startswith((".rodata", ".lrodata", ".data.rel.ro")))


def speed_rows(repeat, work):
    rows = []
    cases = [("fc 2048x2048, batch 64", lambda: fc(64), "magnitude:sparsity=0.9"),
             ("fc 2048x2048, batch 1", lambda: fc(1), "magnitude:sparsity=0.9"),
             ("BERT MLP 768-3072-768, seq 128", bert_mlp, "magnitude:sparsity=0.9"),
             ("ResNet-18-style CNN 128x128", resnet, "channels:ratio=0.5"),
             ("BERT-base encoder layer, seq 128", bert_layer, "channels:ratio=0.5")]
    for label, build, spec in cases:
        m, x = build()
        m.ir_version = 9
        path = os.path.join(work, "model.onnx")
        onnx.save(m, path)
        dense = aiopt.compile(path)
        report = os.path.join(work, "sparsity.json")
        pruned = aiopt.compile(path, prune=spec, pruning={"sparsity_report": report})
        kernels = [l["kernel"] for l in json.load(open(report))["layers"]]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        t_dense = latency(dense, x, repeat)
        t_pruned = latency(pruned, x, repeat)
        name = sess.get_inputs()[0].name
        t_ort = latency(lambda a: sess.run(None, {name: a}), x, repeat)
        rows.append({"model": label, "pruning": spec, "dense_ms": t_dense,
                     "pruned_ms": t_pruned, "speedup": t_dense / t_pruned, "ort_dense_ms": t_ort,
                     "dense_weight_bytes": weight_bytes(dense, work, "dense"),
                     "pruned_weight_bytes": weight_bytes(pruned, work, "pruned"),
                     "sparse_kernels": "%d of %d" % (kernels.count("sparse"), len(kernels))})
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def accuracy_rows(work):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "models", "digits.py"), work],
                   check=True, stdout=subprocess.DEVNULL)
    rows = []
    for name in ("digits_mlp", "digits_cnn"):
        path = os.path.join(work, name + ".onnx")
        val = os.path.join(work, name + "_validation")
        xs, ys = np.load(os.path.join(val, "x.npy")), np.load(os.path.join(val, "labels.npy"))

        def acc(m):
            return 100.0 * np.mean([int(np.argmax(m(x))) == y for x, y in zip(xs, ys)])

        base = acc(aiopt.compile(path))
        rows.append({"model": name, "pruning": "none", "guard": "-", "accuracy": base})
        specs = ["magnitude:sparsity=%g" % s for s in (0.5, 0.7, 0.8, 0.9, 0.95)]
        specs += ["channels:ratio=%g" % r for r in (0.25, 0.5, 0.75)]
        for spec in specs:
            rows.append({"model": name, "pruning": spec, "guard": "no",
                         "accuracy": acc(aiopt.compile(path, prune=spec))})
        for spec in ("magnitude:sparsity=0.9", "channels:ratio=0.5"):
            report = os.path.join(work, "guard.json")
            m = aiopt.compile(path, prune=spec, validation_data=val, max_accuracy_drop=1,
                              pruning={"report": report, "allow_accuracy_miss": True})
            layers = json.load(open(report))["layers"]
            amounts = ", ".join("%s %.2f" % (l["layer"], l["amount"]) for l in layers)
            rows.append({"model": name, "pruning": spec, "guard": "drop <= 1 (" + amounts + ")",
                         "accuracy": acc(m)})
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def rate_rows(repeat, work):
    """The cost model's rho (aiopt-sparse-weights): the sparse kernel's
    multiply-add rate relative to the dense one's, speedup x density, for
    fully-connected layers where the sparse kernel is chosen. The dense
    kernel's time does not depend on the weights' values."""
    rows = []
    for size in (1024, 2048):
        for batch in (1, 64):
            m, x = fc(batch, size)
            m.ir_version = 9
            path = os.path.join(work, "rate.onnx")
            onnx.save(m, path)
            t_dense = latency(aiopt.compile(path), x, repeat)
            for sparsity in (0.85, 0.9, 0.95):
                report = os.path.join(work, "rate.json")
                pruned = aiopt.compile(path, prune="magnitude:sparsity=%g" % sparsity,
                                       pruning={"sparsity_report": report})
                kernel = json.load(open(report))["layers"][0]["kernel"]
                t = latency(pruned, x, repeat)
                rows.append({"layer": "%dx%d, %d row%s" % (size, size, batch,
                                                           "" if batch == 1 else "s"),
                             "sparsity": sparsity, "kernel": kernel, "dense_ms": t_dense,
                             "pruned_ms": t, "rho": t_dense / t * (1 - sparsity)
                             if kernel == "sparse" else None})
                print(rows[-1], file=sys.stderr, flush=True)
    return rows


def markdown(speed, accuracy, rates):
    lines = ["| model | pruning | aiopt dense (ms) | aiopt pruned (ms) | speedup | "
             "onnxruntime dense (ms) | weights dense (MiB) | weights pruned (MiB) | "
             "sparse kernels |", "|---|---|---|---|---|---|---|---|---|"]
    for r in speed:
        lines.append("| %s | %s | %.3f | %.3f | %.2fx | %.3f | %.2f | %.2f | %s |" % (
            r["model"], r["pruning"], r["dense_ms"], r["pruned_ms"], r["speedup"],
            r["ort_dense_ms"], r["dense_weight_bytes"] / 2**20, r["pruned_weight_bytes"] / 2**20,
            r["sparse_kernels"]))
    if accuracy:
        lines += ["", "| model | pruning | guard | top-1 accuracy (%) |", "|---|---|---|---|"]
    for r in accuracy:
        lines.append("| %s | %s | %s | %.2f |" % (r["model"], r["pruning"], r["guard"],
                                                  r["accuracy"]))
    if rates:
        lines += ["", "| layer | zeros | kernel chosen | dense (ms) | pruned (ms) | rho |",
                  "|---|---|---|---|---|---|"]
        for r in rates:
            lines.append("| %s | %d%% | %s | %.3f | %.3f | %s |" % (
                r["layer"], round(100 * r["sparsity"]), r["kernel"], r["dense_ms"],
                r["pruned_ms"], "-" if r["rho"] is None else "%.3f" % r["rho"]))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--markdown", help="write the tables here")
    ap.add_argument("--work", help="keep the models here (default: a temporary folder)")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--rates", action="store_true",
                    help="also measure the sparse kernel's relative rate (the cost model's rho)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiopt-pruning-") as tmp:
        work = args.work or tmp
        os.makedirs(work, exist_ok=True)
        speed = speed_rows(args.repeat, work)
        accuracy = [] if args.skip_accuracy else accuracy_rows(work)
        rates = rate_rows(args.repeat, work) if args.rates else []
    table = markdown(speed, accuracy, rates)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
