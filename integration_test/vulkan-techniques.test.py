"""Checks of vulkan-techniques.test: the digits models (bench/models/digits.py)
compiled for Vulkan, in float and int8 (dynamic and static quantization),
agree with the same compiles for the CPU: the same top-1 accuracy within
a point on the validation set, and outputs within 1 % of each output's
largest magnitude (one int8 step of an activation may round the other
way where the kernels contract multiply-adds differently)."""

import os
import sys

import numpy as np

build = os.environ["AIOPT_BUILD_DIR"]
sys.path.insert(0, os.path.join(build, "python_packages"))
import aiopt  # noqa: E402

work = sys.argv[1]
for name in ("digits_mlp", "digits_cnn"):
    path = os.path.join(work, name + ".onnx")
    val = os.path.join(work, name + "_validation")
    xs = np.load(os.path.join(val, "x.npy"))[:120]
    ys = np.load(os.path.join(val, "labels.npy"))[:120]
    for label, kw in (("float", {}), ("dynamic", {"quantize": "dynamic"}),
                      ("static", {"quantize": "static",
                                  "calibration_data": os.path.join(work, name + "_calibration")})):
        gpu, cpu = aiopt.compile(path, target="vulkan", **kw), aiopt.compile(path, **kw)
        g, c = [gpu(x) for x in xs], [cpu(x) for x in xs]
        err = max(float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-6)) for a, b in zip(g, c))
        acc_g = 100.0 * np.mean([int(np.argmax(a)) == y for a, y in zip(g, ys)])
        acc_c = 100.0 * np.mean([int(np.argmax(b)) == y for b, y in zip(c, ys)])
        ok = abs(acc_g - acc_c) <= 1.0 and err <= 1e-2
        print(name, label, "ok" if ok else "FAIL", "accuracy %.2f vs %.2f, error %.1e"
              % (acc_g, acc_c, err))
