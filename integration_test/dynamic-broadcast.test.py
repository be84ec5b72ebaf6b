"""Broadcasting of extents the model's types leave dynamic, end to end:
operands whose extents are 1 at run time stretch (the results match
onnxruntime's), and operands whose extents neither match nor are 1 make
the run fail with AIOPT_ERROR_SHAPE naming the node, the operand and the
extents (where onnxruntime also refuses them). Usage: WORKDIR [FLAGS...],
the flags going to aiopt-compile."""

import os
import subprocess
import sys

import numpy as np
import onnxruntime
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

import aiopt_e2e

work = sys.argv[1]
flags = sys.argv[2:]
os.makedirs(work, exist_ok=True)
onnxruntime.set_default_logger_severity(4)  # its refusals are expected here

# x[N,K] + y[M,L] (no relation between the symbols), times v[P], plus
# x's own relu (one source: decided at compile time).
graph = h.make_graph(
    [h.make_node("Add", ["x", "y"], ["sum"], name="add"),
     h.make_node("Mul", ["sum", "v"], ["scaled"], name="scale"),
     h.make_node("Relu", ["x"], ["r"], name="relu"),
     h.make_node("Add", ["scaled", "r"], ["out"], name="residual")],
    "g",
    [h.make_tensor_value_info("x", T.FLOAT, ["N", "K"]),
     h.make_tensor_value_info("y", T.FLOAT, ["M", "L"]),
     h.make_tensor_value_info("v", T.FLOAT, ["P"])],
    [h.make_tensor_value_info("out", T.FLOAT, ["R", "S"])])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])

rng = np.random.default_rng(0)


def inputs(x, y, v):
    return [rng.standard_normal(s).astype(np.float32) for s in (x, y, v)]


# Valid: y's rows stretch, x's rows stretch (then the residual's r
# stretches too), columns stretch on both sides, v stretches, all equal.
sets = [inputs((3, 4), (1, 4), (4,)), inputs((1, 4), (3, 4), (1,)),
        inputs((3, 1), (3, 5), (5,)), inputs((2, 3), (2, 3), (3,))]
aiopt_e2e.check(model, sets[:1], work, name="model", extra=flags)
exe = os.path.join(work, "model.exe")
path = os.path.join(work, "model.onnx")
for k, ins in enumerate(sets):
    got, _ = aiopt_e2e.run_compiled(exe, ins, work)
    try:
        want = aiopt_e2e.run_onnxruntime(path, ins)
    except Exception as e:  # noqa: BLE001 - onnxruntime's refusal is the answer
        want = None
        print("onnxruntime refuses set %d: %s" % (k, type(e).__name__))
    same = want is not None and got[0].shape == want[0].shape and np.allclose(
        got[0], want[0], rtol=1e-5, atol=1e-6)
    print("%s set %d shape %s" % ("PASS" if same else "FAIL", k, list(got[0].shape)))


def run_failing(label, ins):
    for i, a in enumerate(ins):
        aiopt_e2e.write_tensor(os.path.join(work, "input_%d.tensor" % i), a)
    r = subprocess.run([exe, work], capture_output=True, text=True, timeout=60)
    try:
        aiopt_e2e.run_onnxruntime(path, ins)
        refused = "accepts"
    except Exception:  # noqa: BLE001
        refused = "refuses"
    print("%s: exit %d (onnxruntime %s): %s" % (label, r.returncode, refused, r.stderr.strip()))


run_failing("rows", inputs((3, 4), (5, 4), (4,)))
run_failing("scale", inputs((3, 4), (3, 4), (2,)))
run_failing("columns", inputs((3, 4), (3, 5), (4,)))

# Inputs that name their rows alike ("batch"): one extent, which aiopt_run
# checks before the run (the model's code takes it as one value).
named = h.make_graph(
    [h.make_node("Relu", ["a"], ["r"], name="relu"),
     h.make_node("Add", ["r", "b"], ["out"], name="residual")],
    "named",
    [h.make_tensor_value_info("a", T.FLOAT, ["batch", 4]),
     h.make_tensor_value_info("b", T.FLOAT, ["batch", 4])],
    [h.make_tensor_value_info("out", T.FLOAT, ["batch", 4])])
aiopt_e2e.check(h.make_model(named, opset_imports=[h.make_opsetid("", 17)]),
                [[rng.standard_normal(s).astype(np.float32) for s in ((5, 4), (5, 4))]],
                work, name="named", extra=flags)
exe = os.path.join(work, "named.exe")
path = os.path.join(work, "named.onnx")
run_failing("named", [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (1, 4))])

# A product's reduced extents, dynamic on both sides, and a batch that a
# reshape to constant extents fixes (2): required, not broadcast.
fixed = h.make_graph(
    [h.make_node("MatMul", ["p", "q"], ["pq"], name="product"),
     h.make_node("Reshape", ["z", "shape"], ["flat"], name="flatten"),
     h.make_node("Concat", ["p", "z"], ["joined"], name="join", axis=1)],
    "fixed",
    [h.make_tensor_value_info("p", T.FLOAT, ["N", "K"]),
     h.make_tensor_value_info("q", T.FLOAT, ["L", 3]),
     h.make_tensor_value_info("z", T.FLOAT, ["B", 6])],
    [h.make_tensor_value_info("pq", T.FLOAT, ["N", 3]),
     h.make_tensor_value_info("flat", T.FLOAT, [4, 3]),
     h.make_tensor_value_info("joined", T.FLOAT, ["N", "J"])],
    [nh.from_array(np.array([4, 3], np.int64), "shape")])


def fixed_inputs(p, q, z):
    return [rng.standard_normal(s).astype(np.float32) for s in (p, q, z)]


aiopt_e2e.check(h.make_model(fixed, opset_imports=[h.make_opsetid("", 17)]),
                [fixed_inputs((2, 4), (4, 3), (2, 6))], work, name="fixed", extra=flags)
exe = os.path.join(work, "fixed.exe")
path = os.path.join(work, "fixed.onnx")
run_failing("reduced", fixed_inputs((2, 4), (5, 3), (2, 6)))
run_failing("reduced_one", fixed_inputs((2, 4), (1, 3), (2, 6)))
run_failing("reshape", fixed_inputs((3, 4), (4, 3), (3, 6)))
run_failing("concat", fixed_inputs((5, 4), (4, 3), (2, 6)))
