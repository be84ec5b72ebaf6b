"""Checks of quantization.test: int8 compiles of the digits models keep
top-1 accuracy within a point of the float compile, with smaller objects."""

import os
import subprocess
import sys

import numpy as np

build = os.environ["AIOPT_BUILD_DIR"]
sys.path.insert(0, os.path.join(build, "python_packages"))
import aiopt  # noqa: E402

work = sys.argv[1]
VARIANTS = {
    "digits_mlp": [("dynamic", {}), ("static-minmax", {}),
                   ("static-entropy-uint8", {"calibration_method": "entropy",
                                             "activation_type": "uint8"})],
    "digits_cnn": [("dynamic", {}), ("static-minmax", {}),
                   ("static-percentile-per-tensor", {"calibration_method": "percentile",
                                                     "per_channel": False})],
}
for name, variants in VARIANTS.items():
    onnx_path = os.path.join(work, name + ".onnx")
    val = os.path.join(work, name + "_validation")
    cal = os.path.join(work, name + "_calibration")
    xs, ys = np.load(os.path.join(val, "x.npy")), np.load(os.path.join(val, "labels.npy"))

    def acc(m):
        return 100.0 * np.mean([int(np.argmax(m(x))) == y for x, y in zip(xs, ys)])

    def size(args):
        out = os.path.join(work, name + "-size.o")
        subprocess.run([os.path.join(build, "bin", "aiopt-compile"), onnx_path, "-o", out] + args,
                       check=True)
        return os.path.getsize(out)

    base = acc(aiopt.compile(onnx_path))
    float_size = size([])
    for label, extra in variants:
        mode = label.split("-")[0]
        kw = {"quantize": mode, "quantization": extra}
        if mode == "static":
            kw["calibration_data"] = cal
        a = acc(aiopt.compile(onnx_path, **kw))
        int8_size = size(["--quantize=dynamic"])
        ok = base - a <= 1.0 and int8_size <= 0.3 * float_size
        print(name, label, "ok" if ok else "FAIL: accuracy %.2f vs %.2f, %d vs %d bytes"
              % (a, base, int8_size, float_size))
