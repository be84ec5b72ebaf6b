"""GPU benchmark: aiopt's CUDA target against onnxruntime-gpu (CUDA
execution provider) on ResNet-50 and the BERT-base encoder, in one run on
one GPU.

The compiler and the GPU need not be on one machine, so the benchmark has
two steps:

    python bench/gpu.py prepare DIR [--models resnet50,bert_base] [--gpu-arch sm_90]
                                    [--variant LABEL=FLAGS ...]
        (where aiopt is built) writes each model, its inputs and its
        aiopt-cuda program into DIR; each --variant adds a program compiled
        with more aiopt-compile flags (e.g. "no-fusion=--skip-pass=
        aiopt-gpu-fuse-producers"), which run times in the same run and
        gives as its time over the default program's (above 1: the default
        is faster);
    python bench/gpu.py run DIR [--repeat 50] [--markdown FILE]
                                [--env-variant LABEL[@VARIANT]=VAR=VALUE ...]
        (on the machine with the GPU; needs onnxruntime-gpu, numpy, onnx)
        times both on the same inputs, compares their outputs and prints a
        table; each --env-variant times the default program (or a prepared
        variant's) again with more environment variables, those of the
        CUDA runtime (e.g. "graphs-64=AIOPT_CUDA_GRAPHS=64"), in the
        variants' table.

Both are timed from host arrays to host arrays: aiopt_run copies the inputs
to the device and the outputs back, as does onnxruntime's session.run with
numpy inputs. onnxruntime runs twice: with its defaults (which let cuDNN and
cuBLAS use TF32 tensor cores for f32) and with use_tf32=0 (full f32, as
aiopt computes).

Weights. The models are bench/perf_models.py's, except that every weight
tensor of 16 or more elements repeats one short random block (scaled to the original's
standard deviation) and every BatchNormalization is the identity, so that
DIR compresses to a few megabytes: the GPU machine may be reachable only
through a small transfer. Latency does not depend on the weights' values
(none is zero or subnormal); the outputs are still compared.
"""

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper as nh

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aiopt_e2e  # noqa: E402

BLOCK = 1021  # elements in the repeated block: prime, so rows do not align


def repeated_weights(model, seed=31):
    """Rewrites `model` in place as the module docstring says."""
    block = np.random.default_rng(seed).standard_normal(BLOCK)
    inits = {t.name: t for t in model.graph.initializer}
    batch_norm = set()

    def replace(name, array):
        t = inits[name]
        t.CopyFrom(nh.from_array(array.astype(nh.to_array(t).dtype), name))

    for node in model.graph.node:
        if node.op_type != "BatchNormalization" or not all(i in inits for i in node.input[1:5]):
            continue
        eps = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
        channels = nh.to_array(inits[node.input[1]]).shape
        # scale / sqrt(var + eps) is 1 to within 2^-26 when var is the f32
        # nearest 1 - eps: the folded weights round back to themselves.
        var = np.float32(1.0 - eps)
        assert abs(1.0 / np.sqrt(np.float64(var) + eps) - 1.0) < 2.0 ** -26
        replace(node.input[1], np.ones(channels))
        replace(node.input[2], 0.1 * np.resize(block, channels))
        replace(node.input[3], np.zeros(channels))
        replace(node.input[4], np.full(channels, var))
        batch_norm.update(node.input[1:5])
    for t in model.graph.initializer:
        a = nh.to_array(t)
        if a.dtype != np.float32 or a.size < 16 or t.name in batch_norm:
            continue
        values = np.resize(block, a.size).reshape(a.shape) * float(a.std() or 1.0)
        t.CopyFrom(nh.from_array(values.astype(np.float32), t.name))
    return model


def variant_dir(work, label):
    return os.path.join(work, "variant-" + re.sub(r"[^A-Za-z0-9_.-]", "-", label))


def compile_program(path, work, name, flags, inputs):
    """Compiles `path` with aiopt-cuda (and `flags`) into `work`, next to
    its inputs; returns the seconds it took."""
    os.makedirs(work, exist_ok=True)
    t = time.perf_counter()
    aiopt_e2e.compile_model(path, work, name, ["--target=cuda"] + flags)
    seconds = time.perf_counter() - t
    for i, a in enumerate(inputs):
        aiopt_e2e.write_tensor(os.path.join(work, "input_%d.tensor" % i), a)
    # The program holds the object; the kernels went through ptxas.
    os.remove(os.path.join(work, name + ".o"))
    shutil.rmtree(os.path.join(work, name + "-kernels"))
    return seconds


def prepare(args):
    import perf_models
    variants = []
    for variant in args.variant:
        label, _, flags = variant.partition("=")
        if not label or not flags or label == "aiopt" or label in [l for l, _ in variants]:
            sys.exit("--variant '%s' is not LABEL=FLAGS with a new label" % variant)
        variants.append((label, shlex.split(flags)))
    for name in args.models.split(","):
        work = os.path.join(args.dir, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        model, inputs = perf_models.MODELS[name]()
        model = repeated_weights(model)
        model.ir_version = min(model.ir_version, 10)
        path = os.path.join(work, name + ".onnx")
        onnx.save(model, path)
        flags = ["--gpu-arch=" + args.gpu_arch, "--precision=" + args.precision]
        seconds = compile_program(path, work, name, flags, inputs)
        # The run step's table says which precision it measured.
        with open(os.path.join(work, "precision"), "w") as f:
            f.write(args.precision)
        with open(os.path.join(work, "compile_seconds"), "w") as f:
            f.write("%.1f\n" % seconds)
        print("prepared %s (compiled and linked in %.1f s)" % (name, seconds))
        for label, more in variants:
            seconds = compile_program(path, variant_dir(work, label), name, flags + more, inputs)
            print("prepared %s, %s (compiled and linked in %.1f s)" % (name, label, seconds))
        with open(os.path.join(work, "variants"), "w") as f:
            f.writelines("%s\t%s\n" % (label, shlex.join(more)) for label, more in variants)


def read_variants(work):
    """The (label, flags) of the variants prepared in `work`."""
    path = os.path.join(work, "variants")
    if not os.path.exists(path):
        return []
    return [tuple(line.rstrip("\n").split("\t", 1)) for line in open(path) if line.strip()]


def run_aiopt(work, name, repeat, env=None):
    exe = os.path.join(work, name + ".exe")
    r = subprocess.run([exe, work, "--repeat", str(repeat)], capture_output=True, text=True,
                       timeout=1200, env=dict(os.environ, **(env or {})))
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (exe, r.returncode, r.stderr.strip()))
    fields = dict(line.split()[:2] for line in r.stdout.splitlines() if line.strip())
    outputs, i = [], 0
    while os.path.exists(os.path.join(work, "output_%d.tensor" % i)):
        outputs.append(aiopt_e2e.read_tensor(os.path.join(work, "output_%d.tensor" % i)))
        i += 1
    return (float(fields["latency_ms_median"]), float(fields["latency_ms_p90"])), outputs


def run_onnxruntime(path, inputs, repeat, tf32):
    import onnxruntime as ort
    cuda = ("CUDAExecutionProvider", {"use_tf32": "1" if tf32 else "0"})
    sess = ort.InferenceSession(path, providers=[cuda, "CPUExecutionProvider"])
    if sess.get_providers()[0] != "CUDAExecutionProvider":
        raise RuntimeError("onnxruntime did not take the CUDA execution provider: %s"
                           % sess.get_providers())
    feed = {i.name: a for i, a in zip(sess.get_inputs(), inputs)}
    for _ in range(10):
        outputs = sess.run(None, feed)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        sess.run(None, feed)
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return (statistics.median(times), times[min(len(times) - 1, len(times) * 9 // 10)]), outputs


def relative_error(got, want):
    """max over outputs of ||got - want|| / ||want|| (inf on a shape or NaN mismatch)."""
    worst = 0.0
    for g, w in zip(got, want):
        if g.shape != w.shape or not np.all(np.isfinite(g)):
            return float("inf")
        g, w = g.astype(np.float64), w.astype(np.float64)
        worst = max(worst, float(np.linalg.norm(g - w) / max(np.linalg.norm(w), 1e-30)))
    return worst


def parse_env_variant(spec):
    """LABEL[@VARIANT]=VAR=VALUE[ VAR=VALUE...] as (label, variant or "",
    {VAR: VALUE})."""
    head, _, assignments = spec.partition("=")
    label, _, base = head.partition("@")
    env = {}
    for a in shlex.split(assignments):
        var, eq, value = a.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
            env = None
            break
        env[var] = value
    if not label or label == "aiopt" or not env:
        sys.exit("--env-variant '%s' is not LABEL[@VARIANT]=VAR=VALUE[ VAR=VALUE...]" % spec)
    return label, base, env


def run(args):
    env_variants = [parse_env_variant(v) for v in args.env_variant]
    try:
        # onnxruntime-gpu finds CUDA and cuDNN in a process where a PyTorch
        # built for the same CUDA has loaded them (its documented way).
        import torch  # noqa: F401
    except ImportError:
        pass
    import onnxruntime as ort
    rows, variant_rows = [], []
    for name in args.models.split(","):
        work = os.path.join(args.dir, name)
        path = os.path.join(work, name + ".onnx")
        inputs, i = [], 0
        while os.path.exists(os.path.join(work, "input_%d.tensor" % i)):
            inputs.append(aiopt_e2e.read_tensor(os.path.join(work, "input_%d.tensor" % i)))
            i += 1
        ours, got = run_aiopt(work, name, args.repeat)
        ort32, want = run_onnxruntime(path, inputs, args.repeat, tf32=False)
        ort_tf32, want_tf32 = run_onnxruntime(path, inputs, args.repeat, tf32=True)
        prepared = dict(read_variants(work))
        runs = [(label, label, flags, {}) for label, flags in prepared.items()]
        for label, base, env in env_variants:
            if label in prepared:
                sys.exit("--env-variant %s: a prepared variant has that label" % label)
            if base and base not in prepared:
                sys.exit("--env-variant %s: %s has no prepared variant '%s'" % (label, name, base))
            shown = " ".join("%s=%s" % kv for kv in env.items())
            runs.append((label, base, (prepared[base] + " " if base else "") + shown, env))
        for label, base, flags, env in runs:
            ms, out = run_aiopt(variant_dir(work, base) if base else work, name, args.repeat, env)
            variant_rows.append((name, label, flags, ms, ms[0] / ours[0],
                                 relative_error(out, want), relative_error(out, want_tf32),
                                 args.tf32_tolerance if "--precision=tf32" in flags
                                 else args.tolerance))
            print("%s, %s: %.3f ms" % (name, label, ms[0]), flush=True)
        precision_file = os.path.join(work, "precision")
        if os.path.exists(precision_file):
            name += " (%s)" % open(precision_file).read().strip()
        rows.append((name, ours, ort32, ort_tf32, relative_error(got, want),
                     relative_error(want_tf32, want)))
        print("%s: aiopt %.3f ms, onnxruntime f32 %.3f ms, tf32 %.3f ms" % (
            name, ours[0], ort32[0], ort_tf32[0]), flush=True)
    lines = ["| model | aiopt-cuda ms (median / p90) | onnxruntime-gpu f32 ms | "
             "aiopt / ort f32 | onnxruntime-gpu default (TF32) ms | aiopt / ort TF32 | "
             "rel. error vs ort f32 | ort TF32 vs f32 |",
             "|---|---|---|---|---|---|---|---|"]
    for name, ours, o32, otf, err, err_tf32 in rows:
        lines.append("| %s | %.3f / %.3f | %.3f / %.3f | %.2f | %.3f / %.3f | %.2f | %.1e | %.1e |" % (
            name, ours[0], ours[1], o32[0], o32[1], ours[0] / o32[0], otf[0], otf[1],
            ours[0] / otf[0], err, err_tf32))
    if variant_rows:
        lines += ["", "| model | variant | aiopt-compile flags, environment | ms (median / p90) | "
                  "variant / aiopt | rel. error vs ort f32 | vs ort TF32 |",
                  "|---|---|---|---|---|---|---|"]
        for name, label, flags, ms, ratio, err, err_tf32, _ in variant_rows:
            lines.append("| %s | %s | `%s` | %.3f / %.3f | %.2f | %.1e | %.1e |" % (
                name, label, flags, ms[0], ms[1], ratio, err, err_tf32))
    try:
        device = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version",
                                 "--format=csv,noheader"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        device = ""
    header = ("GPU: %s; onnxruntime %s; %d timed runs after warm-up, host arrays to host "
              "arrays.\n\n" % (device.strip() or "unknown", ort.__version__, args.repeat))
    text = header + "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0 if all(r[4] < args.tolerance for r in rows) and all(
        r[5] < r[7] for r in variant_rows) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("dir")
    p.add_argument("--models", default="resnet50,bert_base")
    p.add_argument("--gpu-arch", default="sm_90")
    p.add_argument("--variant", action="append", default=[], metavar="LABEL=FLAGS",
                   help="also aiopt-cuda with these aiopt-compile flags (repeatable)")
    p.add_argument("--precision", default="f32", choices=["f32", "f16", "bf16", "tf32"],
                   help="aiopt's product precision (docs/precision.md); the error is still "
                        "measured against onnxruntime f32 (give run --tolerance to match)")
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("--models", default="resnet50,bert_base")
    r.add_argument("--repeat", type=int, default=50)
    r.add_argument("--markdown", help="also write the table to this file")
    r.add_argument("--tolerance", type=float, default=1e-3,
                   help="largest relative error against onnxruntime f32 (exit 1 above it)")
    r.add_argument("--tf32-tolerance", type=float, default=1e-2,
                   help="the same for variants built with --precision=tf32 (operands "
                        "rounded to 10 fraction bits: about 1e-4 on BERT-base's layer)")
    r.add_argument("--env-variant", action="append", default=[],
                   metavar="LABEL[@VARIANT]=VAR=VALUE",
                   help="also time the default program (or variant VARIANT's) with these "
                        "environment variables (repeatable)")
    args = parser.parse_args()
    return prepare(args) if args.step == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main())
