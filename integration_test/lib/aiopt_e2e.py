"""End-to-end test helpers: compile an ONNX model with aiopt-compile, link
it with the runtime and tools/aiopt-conformance/run_model.c, run it, and
compare its outputs with onnxruntime's."""

import os
import subprocess
import sys

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The driver's tensor files are read and written as aiopt-conformance does.
sys.path.insert(0, os.path.join(ROOT, "tools", "aiopt-conformance"))
from aiopt_conformance import read_tensor, write_tensor  # noqa: E402,F401


def tools():
    build = os.environ.get("AIOPT_BUILD_DIR", os.path.join(ROOT, "build"))
    return os.path.join(build, "bin"), os.path.join(build, "lib")


def compile_model(model_path, workdir, name="model", extra=(), quiet=False):
    """Compiles the model and links the driver; returns the executable.
    With `quiet`, the compiler's diagnostics are kept in the raised
    CalledProcessError instead of printed."""
    bindir, libdir = tools()
    obj = os.path.join(workdir, name + ".o")
    target = next((e.split("=", 1)[1] for e in extra if e.startswith("--target=")), "")
    gpu = target in ("vulkan", "cuda")
    kernel_dir = os.path.join(workdir, name + "-kernels")
    if gpu:
        os.makedirs(kernel_dir, exist_ok=True)
        extra = [*extra, "--kernel-dump-dir=" + kernel_dir]
    subprocess.run([os.path.join(bindir, "aiopt-compile"), model_path, "-o", obj,
                    "--name", name, *extra], check=True, capture_output=quiet,
                   text=True)
    # Every Vulkan kernel is valid SPIR-V for the API version the runtime
    # asks for (CUDA kernels went through ptxas in the compiler).
    for kernel in sorted(os.listdir(kernel_dir)) if target == "vulkan" else ():
        subprocess.run(["spirv-val", "--target-env", "vulkan1.2",
                        os.path.join(kernel_dir, kernel)], check=True)
    exe = os.path.join(workdir, name + ".exe")
    subprocess.run(["clang-22", "-O2", "-std=c11",
                    "-I", os.path.join(ROOT, "include"), "-I", workdir,
                    '-DMODEL_HEADER="%s.h"' % name, "-DMODEL_INFO=%s_model" % name,
                    os.path.join(ROOT, "tools", "aiopt-conformance", "run_model.c"),
                    obj,
                    # Models compiled for a GPU launch their kernels through
                    # its runtime.
                    *([os.path.join(libdir, "libaiopt_runtime_%s.a" % target), "-lpthread",
                       "-ldl"] if gpu else []),
                    os.path.join(libdir, "libaiopt_runtime.a"), "-lm",
                    # Models compiled with --parallel run on the runtime's
                    # thread pool, or with --thread-pool=openmp on libomp.
                    *(["-fopenmp"] if "--thread-pool=openmp" in extra else ["-lpthread"]),
                    # A sanitized build's runtime needs the sanitizers' libraries.
                    *os.environ.get("AIOPT_SANITIZE_LINK_FLAGS", "").split(),
                    "-o", exe], check=True)
    return exe


def run_compiled(exe, inputs, workdir, repeat=1, threads=None, device_buffers=False):
    """Runs a program of compile_model on `inputs`; with `device_buffers`,
    its inputs and outputs are CUDA device memory (aiopt_run_on)."""
    for i, a in enumerate(inputs):
        write_tensor(os.path.join(workdir, "input_%d.tensor" % i), a)
    extra = ["--threads", str(threads)] if threads else []
    extra += ["--device-buffers"] if device_buffers else []
    out = subprocess.run([exe, workdir, "--repeat", str(repeat), *extra], check=True,
                         capture_output=True, text=True, timeout=600).stdout
    outputs = []
    i = 0
    while os.path.exists(os.path.join(workdir, "output_%d.tensor" % i)):
        outputs.append(read_tensor(os.path.join(workdir, "output_%d.tensor" % i)))
        os.remove(os.path.join(workdir, "output_%d.tensor" % i))
        i += 1
    latency = float(out.split()[1])
    return outputs, latency


def run_onnxruntime(model_path, inputs):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_path, opts, providers=["CPUExecutionProvider"])
    feed = {i.name: a for i, a in zip(sess.get_inputs(), inputs)}
    return sess.run(None, feed)


def check(model, inputs, workdir, name="model", rtol=1e-4, atol=1e-5, extra=(), normwise=False,
          compile_only=False, run_only=False, device_buffers=False):
    """Compiles `model` (an onnx.ModelProto), runs it on each input set in
    `inputs` and compares with onnxruntime; prints one line per output and
    exits non-zero on a mismatch. With `compile_only`, it stops after
    linking the program and writing the first input set (for targets this
    machine cannot run); with `run_only`, it runs the program such a
    build left in `workdir` (on the machine that can). With `normwise`, the relative tolerance
    scales with the output's largest magnitude rather than each element's:
    deep networks with random weights produce outputs spanning many orders
    of magnitude, where small elements are differences of large ones.
    With `device_buffers`, the program runs on CUDA device memory."""
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, name + ".onnx")
    model.ir_version = min(model.ir_version, 10)  # what the pinned onnxruntime reads
    onnx.checker.check_model(model)
    onnx.save(model, path)
    if run_only:
        exe = os.path.join(workdir, name + ".exe")
        if not os.path.exists(exe):
            sys.exit("no %s: build it first with --compile-only" % exe)
    else:
        exe = compile_model(path, workdir, name, extra)
    if compile_only:
        for i, a in enumerate(inputs[0]):
            write_tensor(os.path.join(workdir, "input_%d.tensor" % i), a)
        print("BUILT %s" % name)
        return
    ok = True
    for k, ins in enumerate(inputs):
        got, _ = run_compiled(exe, ins, workdir, device_buffers=device_buffers)
        want = run_onnxruntime(path, ins)
        if len(got) != len(want):
            print("FAIL %s set %d: %d outputs, expected %d" % (name, k, len(got), len(want)))
            ok = False
            continue
        for j, (g, w) in enumerate(zip(got, want)):
            if g.shape != w.shape or g.dtype != w.dtype:
                print("FAIL %s set %d output %d: %s %s vs %s %s" % (name, k, j, g.shape, g.dtype, w.shape, w.dtype))
                ok = False
                continue
            err = np.abs(g.astype(np.float64) - w.astype(np.float64))
            scale = np.abs(w.astype(np.float64))
            if normwise and scale.size:
                scale = np.full_like(scale, scale.max())
            bound = atol + rtol * scale
            good = bool(np.all(err <= bound))
            ok &= good
            print("%s %s set %d output %d shape %s max_abs_err %.3g" % (
                "PASS" if good else "FAIL", name, k, j, list(g.shape),
                float(err.max()) if err.size else 0.0))
    if not ok:
        sys.exit(1)
