"""Writes three cases in the ONNX backend test layout for the
conformance-tool test: relu (passes), wrong_reference (its stored output is
off by one) and unsupported_op (an operator ONNX does not have)."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def write_case(root, name, op, expected_offset=0.0):
    case = os.path.join(root, name)
    os.makedirs(os.path.join(case, "test_data_set_0"))
    node = helper.make_node(op, ["x"], ["y"], name="n")
    graph = helper.make_graph([node], name,
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.save(model, os.path.join(case, "model.onnx"))
    x = np.array([[-1, 0, 1], [2, -3, 4]], np.float32)
    y = np.maximum(x, 0) + np.float32(expected_offset)
    for kind, value in (("input_0", x), ("output_0", y)):
        with open(os.path.join(case, "test_data_set_0", kind + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(value).SerializeToString())


write_case(sys.argv[1], "relu", "Relu")
write_case(sys.argv[1], "wrong_reference", "Relu", expected_offset=1.0)
write_case(sys.argv[1], "unsupported_op", "NoSuchOperator")
