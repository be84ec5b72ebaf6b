"""--runtime-checks end to end: gathers and scatters whose indices are model
inputs, run with indices in range (the results match onnxruntime), then
with an index out of range: the checked object's run fails with
AIOPT_ERROR_INDEX_OUT_OF_RANGE naming the node, the unchecked one clamps
(and so never reads out of bounds)."""

import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

import aiopt_e2e

work = sys.argv[1]
os.makedirs(work, exist_ok=True)

table = np.arange(40, dtype=np.float32).reshape(10, 4)
graph = h.make_graph(
    [h.make_node("Gather", ["table", "ids"], ["rows"], name="embed", axis=0),
     h.make_node("GatherND", ["table", "pairs"], ["picked"], name="pick"),
     h.make_node("ScatterElements", ["table", "cols", "upd"], ["scattered"], name="put", axis=1)],
    "g",
    [h.make_tensor_value_info("ids", T.INT64, [3]),
     h.make_tensor_value_info("pairs", T.INT64, [2, 2]),
     h.make_tensor_value_info("cols", T.INT32, [10, 1])],
    [h.make_tensor_value_info("rows", T.FLOAT, [3, 4]),
     h.make_tensor_value_info("picked", T.FLOAT, [2]),
     h.make_tensor_value_info("scattered", T.FLOAT, [10, 4])],
    [nh.from_array(table, "table"), nh.from_array(np.ones((10, 1), np.float32), "upd")])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
model.ir_version = 8

good = [np.array([0, 9, -10], np.int64), np.array([[9, 3], [-1, -4]], np.int64),
        np.array([[3], [-4]] * 5, np.int32)]
# Checked: indices in range give onnxruntime's results.
aiopt_e2e.check(model, [good], work, name="checked", extra=["--runtime-checks"])

path = os.path.join(work, "checked.onnx")
checked = os.path.join(work, "checked.exe")
unchecked = aiopt_e2e.compile_model(path, work, "unchecked")


def run(exe, inputs):
    for i, a in enumerate(inputs):
        aiopt_e2e.write_tensor(os.path.join(work, "input_%d.tensor" % i), a)
    r = subprocess.run([exe, work], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stderr.strip()


cases = [
    ("gather", [np.array([0, 10, 1], np.int64), good[1], good[2]]),
    ("gather_negative", [np.array([-11, 0, 1], np.int64), good[1], good[2]]),
    ("gather_nd", [good[0], np.array([[9, 4], [0, 0]], np.int64), good[2]]),
    ("scatter", [good[0], good[1], np.array([[3], [7]] * 5, np.int32)]),
]
for label, inputs in cases:
    code, err = run(checked, inputs)
    print("checked %s: exit %d: %s" % (label, code, err))
    code, err = run(unchecked, inputs)
    print("unchecked %s: exit %d" % (label, code))
