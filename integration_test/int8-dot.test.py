"""Checks of int8-dot.test: the quantized digits models compiled with and
without VNNI produce identical outputs."""

import os
import subprocess
import sys

import numpy as np

build = os.environ["AIOPT_BUILD_DIR"]
sys.path.insert(0, os.path.join(build, "python_packages"))
import aiopt  # noqa: E402

work = sys.argv[1]
NO_VNNI = "-avx512vnni,-avxvnni"
for name in ("digits_mlp", "digits_cnn"):
    onnx_path = os.path.join(work, name + ".onnx")
    cal = os.path.join(work, name + "_calibration")
    xs = np.load(os.path.join(work, name + "_validation", "x.npy"))
    kw = {"quantize": "static", "calibration_data": cal}
    # The host's code must hold the instruction, the other must not.
    asm = {}
    for label, extra in (("vnni", []), ("plain", ["--mattr=" + NO_VNNI])):
        out = os.path.join(work, "%s-%s.s" % (name, label))
        subprocess.run([os.path.join(build, "bin", "aiopt-compile"), onnx_path,
                        "--quantize=static", "--calibration-data=" + cal, "--emit=asm",
                        "-o", out] + extra, check=True)
        asm[label] = "vpdpbusd" in open(out).read()
    if not asm["vnni"] or asm["plain"]:
        print(name, "FAIL: vpdpbusd in host code %s, in code without VNNI %s"
              % (asm["vnni"], asm["plain"]))
        continue
    vnni = aiopt.compile(onnx_path, **kw)
    plain = aiopt.compile(onnx_path, features=NO_VNNI, **kw)
    differ = [i for i, x in enumerate(xs) if not np.array_equal(vnni(x), plain(x))]
    if differ:
        print(name, "FAIL: %d of %d images differ, first %d" % (len(differ), len(xs), differ[0]))
    else:
        print(name, "vpdpbusd", len(xs), "images identical")
