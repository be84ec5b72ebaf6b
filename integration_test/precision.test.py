"""Checks of precision.test: f16 and bf16 compiles (mixed precision) of the
trained digits models stay within a relative 1e-2 (f16) or 5e-2 (bf16) of
the f32 compile's outputs, differ from them (the products did change
type), keep top-1 accuracy within a point, and shed at least 40 % of the
weights' bytes from the object; a model whose first product overflows f16
gets that layer back in f32 from the accuracy guard."""

import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

build = os.environ["AIOPT_BUILD_DIR"]
sys.path.insert(0, os.path.join(build, "python_packages"))
import aiopt  # noqa: E402

work = sys.argv[1]
COMPILER = os.path.join(build, "bin", "aiopt-compile")
TOLERANCE = {"f16": 1e-2, "bf16": 5e-2}


def object_size(path, args):
    out = os.path.join(work, "size.o")
    subprocess.run([COMPILER, path, "-o", out] + args, check=True)
    return os.path.getsize(out)


for name in ("digits_mlp", "digits_cnn"):
    path = os.path.join(work, name + ".onnx")
    val = os.path.join(work, name + "_validation")
    xs, ys = np.load(os.path.join(val, "x.npy")), np.load(os.path.join(val, "labels.npy"))
    weight_bytes = sum(numpy_helper.to_array(t).nbytes for t in onnx.load(path).graph.initializer)

    def outputs(model):
        return np.concatenate([model(x).reshape(1, -1) for x in xs])

    def accuracy(out):
        return 100.0 * np.mean(out.argmax(axis=1) == ys)

    ref = outputs(aiopt.compile(path))
    f32_size = object_size(path, [])
    for precision in ("f16", "bf16"):
        out = outputs(aiopt.compile(path, precision=precision))
        err = float(np.abs(out - ref).max() / np.abs(ref).max())
        saved = f32_size - object_size(path, ["--precision=" + precision])
        ok = (0 < err <= TOLERANCE[precision] and abs(accuracy(out) - accuracy(ref)) <= 1.0
              and saved >= 0.4 * weight_bytes)
        print(name, precision, "ok" if ok else "FAIL: error %.3g, accuracy %.2f vs %.2f, "
              "%d of %d weight bytes saved" % (err, accuracy(out), accuracy(ref), saved,
                                               weight_bytes))

# A model whose first product overflows in f16: its input is scaled by 1e5
# (beyond f16's 65504) and its weights by 1e-5, so f32 computes ordinary
# values; the guard returns that layer, and only it, to f32.
rng = np.random.default_rng(0)
w1 = (rng.standard_normal((16, 32)) * 1e-5 / 4).astype(np.float32)
w2 = (rng.standard_normal((32, 10)) / 6).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("Mul", ["x", "scale"], ["scaled"], name="scale_up"),
     helper.make_node("Relu", ["scaled"], ["r"], name="relu_in"),
     helper.make_node("MatMul", ["r", "w1"], ["h"], name="big_input"),
     helper.make_node("Relu", ["h"], ["hr"], name="relu"),
     helper.make_node("MatMul", ["hr", "w2"], ["y"], name="head")],
    "overflow",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
    [numpy_helper.from_array(np.array(1e5, np.float32), "scale"),
     numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 10
path = os.path.join(work, "overflow.onnx")
onnx.save(model, path)
xs = rng.random((64, 1, 16)).astype(np.float32)
labels = np.array([np.argmax(np.maximum(np.maximum(x * 1e5, 0) @ w1, 0) @ w2) for x in xs])
os.makedirs(os.path.join(work, "overflow_validation"), exist_ok=True)
np.save(os.path.join(work, "overflow_validation", "x.npy"), xs)
np.save(os.path.join(work, "overflow_validation", "labels.npy"), labels)
report = os.path.join(work, "overflow.json")
subprocess.run([COMPILER, path, "--precision=f16", "--max-accuracy-drop=1",
                "--validation-data=" + os.path.join(work, "overflow_validation"),
                "--precision-report=" + report, "-o", os.path.join(work, "overflow.o")],
               check=True)
r = json.load(open(report))
sensitivity = {s["layer"]: s["drop_alone"] for s in r["guard"]["sensitivity"]}
print("overflow layers", [(l["layer"], l["type"]) for l in r["layers"]],
      "met", r["guard"]["met"], "big_input drop", sensitivity["big_input"] > 50,
      "head drop", sensitivity["head"] <= 1)
