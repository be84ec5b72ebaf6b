"""Models for the Python package's tests, built with onnx's helpers."""

import os
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))


def dense_relu(seed=0):
    """relu(x @ W + b), x: [2, 8], W: [8, 4]: small enough to check with
    numpy. Returns the model and (W, b)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((8, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    nodes = [h.make_node("MatMul", ["x", "W"], ["xw"], name="matmul"),
             h.make_node("Add", ["xw", "b"], ["y"], name="bias"),
             h.make_node("Relu", ["y"], ["out"], name="relu")]
    graph = h.make_graph(nodes, "dense_relu", [h.make_tensor_value_info("x", T.FLOAT, [2, 8])],
                         [h.make_tensor_value_info("out", T.FLOAT, [2, 4])],
                         [nh.from_array(w, "W"), nh.from_array(b, "b")])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    model.ir_version = 10
    return model, (w, b)


@pytest.fixture(scope="session")
def dense(tmp_path_factory):
    """(path, W, b) of the dense_relu model on disk."""
    model, (w, b) = dense_relu()
    path = str(tmp_path_factory.mktemp("models") / "dense_relu.onnx")
    onnx.save(model, path)
    return path, w, b


@pytest.fixture(scope="session")
def cnn(tmp_path_factory):
    """(path, inputs) of the integration tests' small CNN (conv, batch norm,
    pooling, gemm)."""
    import models

    model, sets = models.FAMILIES["cnn"]()
    model.ir_version = min(model.ir_version, 10)
    path = str(tmp_path_factory.mktemp("models") / "cnn.onnx")
    onnx.save(model, path)
    return path, sets[0]


@pytest.fixture(scope="session")
def wino(tmp_path_factory):
    """(path, inputs) of the integration tests' 3x3 convolutions that the
    Winograd pass rewrites when told to."""
    import models

    model, sets = models.FAMILIES["winograd"]()
    model.ir_version = min(model.ir_version, 10)
    path = str(tmp_path_factory.mktemp("models") / "winograd.onnx")
    onnx.save(model, path)
    return path, sets[0]


@pytest.fixture
def x():
    return np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32)
