"""lit configuration shared by test/ and integration_test/."""

import os

import lit.formats
import lit.llvm
from lit.llvm.subst import ToolSubst


def configure(config, lit_config, name, suffixes):
    # Each suite's lit.site.cfg.py makes its own llvm_config: read it now,
    # not at import (both suites share this module in one lit run).
    llvm_config = lit.llvm.llvm_config
    config.name = name
    config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
    config.suffixes = suffixes
    config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "aiopt_lit.py", "lib",
                       "Inputs", "CMakeLists.txt"]
    config.environment["AIOPT_BUILD_DIR"] = config.aiopt_obj_root
    config.environment["PYTHONPATH"] = os.path.join(
        config.aiopt_src_root, "integration_test", "lib")
    llvm_config.with_system_environment(["HOME", "TMPDIR"])
    llvm_config.use_default_substitutions()

    opt = "aiopt-opt"
    if config.verify_roundtrip or lit_config.params.get("verify_roundtrip"):
        # Every aiopt-opt run also checks the printed IR parses back the same.
        opt = ToolSubst("aiopt-opt", extra_args=["--verify-roundtrip"])
    tools = [opt, "aiopt-translate", "aiopt-compile", "aiopt-conformance"]
    llvm_config.add_tool_substitutions(tools, [config.aiopt_tools_dir])
    llvm_config.add_tool_substitutions(
        ["FileCheck", "not", "split-file", "llvm-readobj", "llvm-objdump", "llvm-dwarfdump", "count"],
        [config.llvm_tools_dir])
    # Splits .onnxtxt files into models at "# -----" lines (the marker must
    # not appear in the RUN line itself).
    config.substitutions.append(("%split_onnx", "'--split-input-file=# -----'"))
    python = config.aiopt_python
    cc = config.c_compiler
    if config.asan_runtime:
        # A sanitized build (AIOPT_SANITIZE): programs linking the runtime
        # need the sanitizer flags, and Python needs the ASan runtime
        # preloaded to load the extension and compiled models (CPython's own
        # allocations at exit are not leaks worth reporting).
        config.available_features.add("sanitizer")
        config.environment["AIOPT_SANITIZE_LINK_FLAGS"] = config.sanitize_link_flags
        python = "env LD_PRELOAD=%s ASAN_OPTIONS=detect_leaks=0 %s" % (
            config.asan_runtime, python)
        cc = "%s %s" % (cc, config.sanitize_link_flags)
        # A leak inside Mesa's Vulkan driver (lavapipe's own allocation, seen
        # in the Vulkan conformance run) is not aiopt's to fix.
        config.environment["LSAN_OPTIONS"] = "suppressions=" + os.path.join(
            config.aiopt_src_root, "test", "lsan.supp")
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    config.substitutions.insert(0, ("%python", python))
    # %cc_path: the compiler alone (a CMake project's CMAKE_C_COMPILER; the
    # installed AIOpt::runtime brings the sanitizer flags itself).
    config.substitutions.append(("%cc_path", config.c_compiler))
    config.substitutions.append(("%cc", cc))
    config.substitutions.append(("%aiopt_src", config.aiopt_src_root))
    config.substitutions.append(("%aiopt_lib", config.aiopt_lib_dir))
    config.substitutions.append(("%aiopt_obj", config.aiopt_obj_root))
    configure_cuda(config)


def _cuda_toolkit():
    """The CUDA toolkit's folder as aiopt-compile finds it, or None."""
    import shutil
    candidates = [os.environ.get(v) for v in ("CUDA_PATH", "CUDA_HOME", "CUDA_ROOT")]
    ptxas = shutil.which("ptxas")
    if ptxas:
        candidates.append(os.path.dirname(os.path.dirname(os.path.realpath(ptxas))))
    candidates.append("/usr/local/cuda")
    for path in filter(None, candidates):
        if all(os.path.exists(os.path.join(path, part))
               for part in ("bin/ptxas", "bin/fatbinary", "nvvm/libdevice")):
            return path
    return None


def _cuda_gpus():
    """How many GPUs the CUDA driver sees (0 without a driver)."""
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return 0
    count = ctypes.c_int(0)
    if cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0
    return count.value


def configure_cuda(config):
    """Features cuda-toolkit (ptxas, fatbinary, libdevice; %cuda_path is its
    folder and %ptxas its assembler) and cuda-gpu (a driver and a device:
    the tests that run CUDA kernels are UNSUPPORTED without one)."""
    toolkit = _cuda_toolkit()
    if toolkit:
        config.available_features.add("cuda-toolkit")
        config.substitutions.append(("%cuda_path", toolkit))
        config.substitutions.append(("%ptxas", os.path.join(toolkit, "bin", "ptxas")))
    if _cuda_gpus() > 0:
        config.available_features.add("cuda-gpu")
