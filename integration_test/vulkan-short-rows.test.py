"""Cases of vulkan-short-rows.test: reductions along rows shorter than a row
kernel's workgroup (128 invocations), joined by the elementwise op before
them (rows of 32 or more take a row kernel then), whose identity is not 0:
the maximum and minimum of values all of one sign, the product of values
near 1, and softmax of logits near -100, whose exponentials underflow
unless the row's maximum is subtracted first. Each compiled for Vulkan, run, and
compared with onnxruntime."""

import os
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import aiopt_e2e  # noqa: E402

work = sys.argv[1]
rng = np.random.default_rng(5)


def row_model(op, shift, rows, length, **attrs):
    """y = op(x + shift) along the last axis of [rows, length], and x +
    shift as an output too (so that the addition stays an op of its own,
    which joins the reduction's row kernel rather than being fused into
    it)."""
    nodes = [h.make_node("Add", ["x", "s"], ["t"]), h.make_node(op, ["t"], ["y"], **attrs)]
    shift = h.make_tensor("s", T.FLOAT, [], [shift])
    out = [rows, length] if op == "Softmax" else [rows, 1]
    g = h.make_graph(nodes, op.lower(), [h.make_tensor_value_info("x", T.FLOAT, [rows, length])],
                     [h.make_tensor_value_info("y", T.FLOAT, out),
                      h.make_tensor_value_info("t", T.FLOAT, [rows, length])], [shift])
    return h.make_model(g, opset_imports=[h.make_opsetid("", 17)])


cases = [
    ("max_negative", row_model("ReduceMax", -10.0, 40, 48, axes=[-1])),
    ("min_positive", row_model("ReduceMin", 10.0, 40, 33, axes=[-1])),
    ("prod_near_one", row_model("ReduceProd", 1.0, 24, 100, axes=[-1])),
    ("softmax_negative", row_model("Softmax", -100.0, 40, 64, axis=-1)),
]
for name, model in cases:
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    x = (rng.standard_normal(shape) * (0.01 if name == "prod_near_one" else 1.0)).astype(np.float32)
    aiopt_e2e.check(model, [[x]], os.path.join(work, name), name, rtol=1e-5, atol=1e-6,
                    normwise=True, extra=["--target=vulkan"])
