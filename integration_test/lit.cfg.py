# lit configuration of integration_test/: compile ONNX models to objects,
# link them with the runtime, run them and compare with onnxruntime.
import os
import sys

sys.path.insert(0, os.path.join(config.aiopt_src_root, "test"))
import aiopt_lit  # noqa: E402

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.aiopt_obj_root, "integration_test")
aiopt_lit.configure(config, lit_config, "aiopt-integration", [".test"])

# Debian's ONNX node test suite, when libonnx-testdata is installed.
if os.path.isdir("/usr/share/libonnx-testdata/data/node"):
    config.available_features.add("onnx-testdata")
    config.substitutions.append(("%node", "/usr/share/libonnx-testdata/data/node"))

# The libFuzzer targets, when the build made them (clang + libclang-rt).
if os.path.exists(os.path.join(config.aiopt_obj_root, "bin", "aiopt-fuzz-import")):
    config.available_features.add("fuzzer")

# Vulkan: the runtime was built (Vulkan headers) and a driver is installed
# (Mesa's lavapipe runs the kernels on the CPU).
import glob  # noqa: E402
if os.path.exists(os.path.join(config.aiopt_obj_root, "lib", "libaiopt_runtime_vulkan.a")) and \
        glob.glob("/usr/share/vulkan/icd.d/*.json"):
    config.available_features.add("vulkan")

# An x86 host; with VNNI (vpdpbusd), 8-bit matmuls compiled for it use that.
import platform  # noqa: E402
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("host-x86")
try:
    with open("/proc/cpuinfo") as f:
        flags = set(next((l for l in f if l.startswith("flags")), "").split())
except OSError:
    flags = set()
if flags & {"avx512_vnni", "avx_vnni"}:
    config.available_features.add("host-vnni")
