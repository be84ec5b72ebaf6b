"""IREE as a peer in bench/performance.py, where it installs (the
iree-base-compiler and iree-base-runtime wheels from PyPI).

    python bench/iree_run.py compile MODEL.onnx OUT.vmfb
    python bench/iree_run.py run OUT.vmfb INPUTS.npz THREADS REPEAT

`compile` imports the ONNX model with iree-import-onnx (upgrading it to
opset 17, which IREE's ONNX importer covers best) and compiles it with
iree-compile for the host CPU (llvm-cpu backend, target CPU host).
`run` loads the module with the local-sync driver (one thread) or the
local-task driver limited to THREADS workers, and prints the latency like
bench/ort_run.py (one warm-up, then REPEAT timed calls, outputs copied to
the host).
"""

import os
import subprocess
import sys
import time


def available():
    try:
        import iree.compiler  # noqa: F401
        import iree.runtime  # noqa: F401
    except ImportError:
        return False
    return True


def tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def compile_model(onnx_path, vmfb):
    """Compiles; returns None or the reason it failed (IREE's last error
    line)."""
    mlir = vmfb[:-5] + ".mlir"
    for cmd in ([tool("iree-import-onnx"), onnx_path, "--opset-version", "17", "-o", mlir],
                [tool("iree-compile"), mlir, "--iree-hal-target-device=local",
                 "--iree-hal-local-target-device-backends=llvm-cpu",
                 "--iree-llvmcpu-target-cpu=host", "-o", vmfb]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            lines = [l for l in proc.stderr.splitlines() if "error" in l] or proc.stderr.splitlines()
            return "%s: %s" % (os.path.basename(cmd[0]), lines[0][:200] if lines else "failed")
    return None


def run(vmfb, inputs, threads, repeat):
    import iree.runtime as rt

    if threads == 1:
        config = rt.Config("local-sync")
    else:
        rt.flags.parse_flags("--task_topology_max_group_count=%d" % threads)
        config = rt.Config("local-task")
    context = rt.SystemContext(config=config)
    module = rt.VmModule.mmap(config.vm_instance, vmfb)
    context.add_vm_module(module)
    name = [n for n in module.function_names if not n.endswith("$async") and n != "__init"][0]
    fn = getattr(context.modules.module, name)

    def call():
        out = fn(*inputs)
        return [o.to_host() for o in out] if isinstance(out, (list, tuple)) else [out.to_host()]

    call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1e3)
    return sorted(times)


def main():
    if sys.argv[1] == "compile":
        error = compile_model(sys.argv[2], sys.argv[3])
        if error:
            print(error, file=sys.stderr)
            sys.exit(1)
        return
    from ort_run import load_inputs, print_latencies

    vmfb, npz, threads, repeat = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    print_latencies(run(vmfb, load_inputs(npz), threads, repeat))


if __name__ == "__main__":
    main()
