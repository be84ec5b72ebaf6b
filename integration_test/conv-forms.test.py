"""The CPU forms of convolutions and small products keep numerics: each
case is compiled at -O2 and compared with onnxruntime, and the form its
convolution took in convert-aiopt-to-linalg is printed (shifted windows
read in place, or the im2col lowering: a gather, or for 1x1 convolutions
the input read in place as a matrix)."""

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
rng = np.random.default_rng(15)


def model(nodes, inputs, output, weights):
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in inputs],
                     [h.make_tensor_value_info(output, T.FLOAT, None)],
                     [nh.from_array(w, n) for n, w in weights.items()])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
    return onnx.shape_inference.infer_shapes(m)


def conv(name, x, w, bias=True, **attrs):
    weights = {"w": (rng.standard_normal(w) * 0.1).astype(np.float32)}
    ins = ["x", "w"]
    if bias:
        weights["b"] = rng.standard_normal(w[0]).astype(np.float32)
        ins.append("b")
    return name, model([h.make_node("Conv", ins, ["y"], **attrs)], [("x", x)], "y", weights), [x]


cases = [
    conv("conv2d_bias", [2, 8, 32, 32], [16, 8, 3, 3], pads=[1, 1, 1, 1]),
    conv("conv2d_dilated", [1, 4, 40, 40], [8, 4, 3, 3], pads=[2, 2, 2, 2], dilations=[2, 2]),
    conv("conv1d", [1, 6, 64], [10, 6, 5], pads=[2, 2]),
    conv("conv2d_asymmetric", [1, 5, 24, 30], [7, 5, 3, 2], bias=False, pads=[0, 0, 2, 1]),
    conv("conv3d", [1, 3, 4, 50, 50], [4, 3, 3, 3, 3], pads=[1, 1, 1, 1, 1, 1]),
    conv("conv2d_narrow", [1, 4, 6, 6], [8, 4, 3, 3], pads=[1, 1, 1, 1]),
    # 7x7 positions: computed transposed (weights the packed operand).
    conv("conv1x1_7x7", [1, 32, 7, 7], [64, 32, 1, 1]),
    conv("conv3x3_7x7", [1, 16, 7, 7], [64, 16, 3, 3], pads=[1, 1, 1, 1]),
    # First layers (stride 2, three channels): direct loops, the input read
    # in place at a stride of two; a row of 18 outputs is a tile of 16 and
    # one of 2.
    conv("conv_stem7x7", [1, 3, 64, 64], [16, 3, 7, 7], pads=[3, 3, 3, 3], strides=[2, 2]),
    conv("conv_stem3x3", [2, 3, 35, 35], [24, 3, 3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
    # Stride-2 windows: two contiguous loads and a shuffle per vector.
    conv("depthwise_stride2", [1, 32, 40, 40], [32, 1, 3, 3], pads=[1, 1, 1, 1], strides=[2, 2],
         group=32),
]
# A 1000-class Gemm (B[n, k]): a last panel filled up with zero columns.
cases.append(("gemm_1000", model(
    [h.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)], [("x", [3, 64])], "y",
    {"w": (rng.standard_normal((1000, 64)) * 0.1).astype(np.float32),
     "b": rng.standard_normal(1000).astype(np.float32)}), [[3, 64]]))
cases.append(("maxpool_stride2", model(
    [h.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])],
    [("x", [1, 16, 33, 33])], "y", {}), [[1, 16, 33, 33]]))



def expand_then_window(name, x, expanded, group, extra=()):
    """A 1x1 convolution with Relu6 feeding a padded 3x3 convolution (a
    MobileNetV2 or ResNet block): the Relu6 writes the padded input's
    interior in whole rows of each block of the 1x1 convolution."""
    c = x[1]
    weights = {"w1": (rng.standard_normal((expanded, c, 1, 1)) * 0.3).astype(np.float32),
               "b1": rng.standard_normal(expanded).astype(np.float32),
               "w2": (rng.standard_normal((expanded, expanded // group, 3, 3)) * 0.3).astype(np.float32),
               "lo": np.array(0, np.float32), "hi": np.array(6, np.float32)}
    nodes = [h.make_node("Conv", ["x", "w1", "b1"], ["c"]),
             h.make_node("Clip", ["c", "lo", "hi"], ["r"]),
             h.make_node("Conv", ["r", "w2"], ["y"], pads=[1, 1, 1, 1], group=group)]
    return name, model(nodes, [("x", x)], "y", weights), [x], list(extra)


cases = [(*case, []) for case in cases]
cases += [
    # Rows of 56: blocks of four (224 columns, seven register tiles).
    expand_then_window("rows_depthwise", [1, 8, 40, 56], 48, 48),
    # 29 rows of 56: blocks of four and a last one of one row.
    expand_then_window("rows_partial", [1, 8, 29, 56], 16, 1),
    # Rows of 13 (one block: the whole image), and blocks shared by threads.
    expand_then_window("rows_whole", [1, 16, 11, 13], 32, 32),
    expand_then_window("rows_parallel", [1, 8, 30, 56], 48, 48, ["--parallel"]),
]

bindir, _ = aiopt_e2e.tools()
for name, m, shapes, extra in cases:
    d = os.path.join(work, name)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    aiopt_e2e.check(m, [inputs], d, name, rtol=1e-4, atol=1e-5, normwise=True, extra=extra)
    if name.startswith("conv"):
        linalg = subprocess.run([os.path.join(bindir, "aiopt-compile"), os.path.join(d, name + ".onnx"),
                                 "--compile-to=linalg", "-o", "-"], check=True, capture_output=True,
                                text=True).stdout
        # Shifted windows read the flat input X[n, c, q + offsets . strides]
        # over loops (n, m, q, c, offsets...); an im2col gather reads
        # X[n, c, o_1 + k_1, ...] instead.
        # Direct loops read X[n, g, c, 2 o_1 + k_1, 2 o_2 + k_2] over loops
        # (n, g, m, o_1, c, k_1, k_2, o_2).
        shifted = "-> (d0, d3, d2 + d" in linalg
        direct = "d3 * 2 + d5, d7 * 2 + d6" in linalg
        print("FORM %s %s" % (name, "shifted" if shifted else "direct" if direct else "im2col"))
