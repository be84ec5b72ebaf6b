"""Checks of int8-dot.test and int8-pairs.test: the quantized digits
models compiled with x86's 8-bit dot-product instructions produce the
outputs of their -O0 compile (plain loops of i32 multiplies; its float
epilogues round differently in the last bits, see below) and, given both
instructions, exactly the same outputs.

    int8-dot.test.py DIR vpdpbusd|vpmaddwd...
"""

import os
import subprocess
import sys

import numpy as np

build = os.environ["AIOPT_BUILD_DIR"]
sys.path.insert(0, os.path.join(build, "python_packages"))
import aiopt  # noqa: E402

work, instructions = sys.argv[1], sys.argv[2:]
# vpdpbusd: the host's own features (it has VNNI); vpmaddwd: the host
# without VNNI, as on CPUs that lack it.
FEATURES = {"vpdpbusd": None, "vpmaddwd": "-avx512vnni,-avxvnni"}
for name in ("digits_mlp", "digits_cnn"):
    onnx_path = os.path.join(work, name + ".onnx")
    cal = os.path.join(work, name + "_calibration")
    xs = np.load(os.path.join(work, name + "_validation", "x.npy"))
    kw = {"quantize": "static", "calibration_data": cal}
    reference = aiopt.compile(onnx_path, opt_level=0, **kw)
    expected = [reference(x) for x in xs]
    scale = max(np.abs(e).max() for e in expected)
    outputs = {}
    for instruction in instructions:
        features = FEATURES[instruction]
        out = os.path.join(work, "%s-%s.s" % (name, instruction))
        subprocess.run([os.path.join(build, "bin", "aiopt-compile"), onnx_path,
                        "--quantize=static", "--calibration-data=" + cal, "--emit=asm", "-o", out]
                       + (["--mattr=" + features] if features else []), check=True)
        asm = open(out).read()
        # vpdpbusd wins where both apply: none without VNNI.
        if instruction not in asm or (features and "vpdpbusd" in asm):
            print(name, "FAIL: no %s in the code, or vpdpbusd without VNNI" % instruction)
            continue
        fast = aiopt.compile(onnx_path, features=features, **kw)
        outputs[instruction] = [fast(x) for x in xs]
        # Relative to the largest output: float rounding is ~1e-7; an
        # epilogue's last bit can flip a requantization's rounding, which
        # moves later outputs by a quantum (~5e-4) on a few images; a wrong
        # integer path moves all of them by far more.
        errors = [np.abs(o - e).max() / scale for o, e in zip(outputs[instruction], expected)]
        flipped = sum(e > 1e-5 for e in errors)
        ok = max(errors) <= 2e-3 and flipped <= 0.05 * len(xs)
        print(name, instruction, len(xs), "images", "match -O0" if ok else
              "FAIL: largest error %g, %d images over 1e-5" % (max(errors), flipped))
    if len(outputs) == 2:
        a, b = outputs.values()
        differ = [i for i in range(len(xs)) if not np.array_equal(a[i], b[i])]
        print(name, " and ".join(outputs), "identical" if not differ else
              "FAIL: %d of %d images differ" % (len(differ), len(xs)))
