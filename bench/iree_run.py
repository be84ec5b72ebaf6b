"""IREE as a peer in bench/performance.py, where it installs (the
iree-base-compiler and iree-base-runtime wheels from PyPI).

    python bench/iree_run.py compile MODEL.onnx OUT.vmfb [vulkan]
    python bench/iree_run.py run OUT.vmfb INPUTS.npz THREADS REPEAT [vulkan] [OUTPUTS.npz]

`compile` imports the ONNX model with iree-import-onnx (upgrading it to
opset 17, which IREE's ONNX importer covers best) and compiles it with
iree-compile for the host CPU (llvm-cpu backend, target CPU host), or with
`vulkan` for Vulkan devices (vulkan-spirv backend; bench/vulkan.py).
`run` loads the module with the local-sync driver (one thread) or the
local-task driver limited to THREADS workers (or the vulkan driver, whose
device decides its threads), and prints the latency like bench/ort_run.py
(one warm-up, then REPEAT timed calls, outputs copied to the host), and
writes the last outputs to OUTPUTS.npz when given.
"""

import os
import subprocess
import sys
import time

import numpy as np


def available():
    try:
        import iree.compiler  # noqa: F401
        import iree.runtime  # noqa: F401
    except ImportError:
        return False
    return True


def tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def compile_model(onnx_path, vmfb, device="cpu"):
    """Compiles; returns None or the reason it failed (IREE's last error
    line)."""
    mlir = vmfb[:-5] + ".mlir"
    target = (["--iree-hal-target-backends=vulkan-spirv"] if device == "vulkan" else
              ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
               "--iree-llvmcpu-target-cpu=host"])
    for cmd in ([tool("iree-import-onnx"), onnx_path, "--opset-version", "17", "-o", mlir],
                [tool("iree-compile"), mlir] + target + ["-o", vmfb]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            lines = [l for l in proc.stderr.splitlines() if "error" in l] or proc.stderr.splitlines()
            return "%s: %s" % (os.path.basename(cmd[0]), lines[0][:200] if lines else "failed")
    return None


def vulkan_to_host(device, array):
    """`array`'s bytes on the host, through a mappable staging buffer: the
    Python package's own copy imports a numpy array, which Vulkan drivers
    refuse unless it is page aligned."""
    import iree.runtime as rt

    source = array._buffer_view.get_buffer()
    staging = device.allocator.allocate_buffer(
        memory_type=int(rt.MemoryType.HOST_LOCAL | rt.MemoryType.DEVICE_VISIBLE),
        allowed_usage=int(rt.BufferUsage.TRANSFER_TARGET | rt.BufferUsage.MAPPING_SCOPED),
        allocation_size=source.byte_length())
    done = device.create_semaphore(0)
    device.queue_copy(source, staging, wait_semaphores=rt.HalFence.create_at(done, 0),
                      signal_semaphores=rt.HalFence.create_at(done, 1))
    rt.HalFence.create_at(done, 1).wait()
    return np.array(staging.map().asarray(array.shape, array.dtype))


def run(vmfb, inputs, threads, repeat, device="cpu"):
    """Sorted latencies (ms) and the last outputs."""
    import iree.runtime as rt

    if device == "vulkan":
        config = rt.Config("vulkan")
    elif threads == 1:
        config = rt.Config("local-sync")
    else:
        rt.flags.parse_flags("--task_topology_max_group_count=%d" % threads)
        config = rt.Config("local-task")
    context = rt.SystemContext(config=config)
    module = rt.VmModule.mmap(config.vm_instance, vmfb)
    context.add_vm_module(module)
    name = [n for n in module.function_names if not n.endswith("$async") and n != "__init"][0]
    fn = getattr(context.modules.module, name)

    def to_host(o):
        return vulkan_to_host(config.device, o) if device == "vulkan" else o.to_host()

    def call():
        out = fn(*inputs)
        return [to_host(o) for o in (out if isinstance(out, (list, tuple)) else [out])]

    outputs = call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        outputs = call()
        times.append((time.perf_counter() - t0) * 1e3)
    return sorted(times), outputs


def main():
    if sys.argv[1] == "compile":
        error = compile_model(sys.argv[2], sys.argv[3], *sys.argv[4:5])
        if error:
            print(error, file=sys.stderr)
            sys.exit(1)
        return
    from ort_run import load_inputs, print_latencies

    vmfb, npz, threads, repeat = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    device = sys.argv[6] if len(sys.argv) > 6 else "cpu"
    times, outputs = run(vmfb, load_inputs(npz), threads, repeat, device)
    print_latencies(times)
    if len(sys.argv) > 7:
        np.savez(sys.argv[7], *outputs)


if __name__ == "__main__":
    main()
