#!/usr/bin/env python3
"""Single convolution + bias + Relu layers of ResNet-50's shapes, aiopt
(-O2) next to onnxruntime (1 thread), in one run: median latency, GFLOP/s
and the ratio (above 1: aiopt faster). Shows where the CNN gap of
docs/performance.md lies, layer shape by layer shape. Not a test.

    python bench/conv_layers.py [--repeat N] [--opt -O2]
"""

import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import aiopt_e2e  # noqa: E402
import ort_run  # noqa: E402

# (input channels, output channels, spatial size, kernel size)
SHAPES = [(64, 64, 56, 3), (128, 128, 28, 3), (256, 256, 14, 3), (512, 512, 7, 3),
          (256, 64, 56, 1), (64, 256, 56, 1), (1024, 256, 14, 1), (256, 1024, 14, 1),
          (2048, 512, 7, 1)]


def conv_relu(c, k, hw, ks):
    rng = np.random.default_rng(0)
    w = nh.from_array((rng.standard_normal((k, c, ks, ks)) * 0.05).astype(np.float32), "w")
    b = nh.from_array(rng.standard_normal(k).astype(np.float32), "b")
    nodes = [h.make_node("Conv", ["x", "w", "b"], ["y"], pads=[ks // 2] * 4),
             h.make_node("Relu", ["y"], ["z"])]
    g = h.make_graph(nodes, "conv", [h.make_tensor_value_info("x", T.FLOAT, [1, c, hw, hw])],
                     [h.make_tensor_value_info("z", T.FLOAT, [1, k, hw, hw])], [w, b])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
    m.ir_version = 10
    return m, [rng.standard_normal((1, c, hw, hw)).astype(np.float32)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--opt", default="-O2")
    args = parser.parse_args()
    print("| in | out | size | kernel | aiopt ms | GFLOP/s | onnxruntime ms | GFLOP/s | ort/aiopt |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for c, k, hw, ks in SHAPES:
            model, inputs = conv_relu(c, k, hw, ks)
            d = os.path.join(work, "%d_%d_%d_%d" % (c, k, hw, ks))
            os.makedirs(d)
            path = os.path.join(d, "conv.onnx")
            onnx.save(model, path)
            exe = aiopt_e2e.compile_model(path, d, "conv", (args.opt,), quiet=True)
            got, _ = aiopt_e2e.run_compiled(exe, inputs, d)  # warm-up, and the check
            want = aiopt_e2e.run_onnxruntime(path, inputs)
            assert np.abs(got[0] - want[0]).max() <= 1e-3 * np.abs(want[0]).max()
            _, ours = aiopt_e2e.run_compiled(exe, inputs, d, repeat=args.repeat)
            theirs = float(np.median(ort_run.latencies(path, inputs, 1, args.repeat)))
            gflop = 2 * c * k * ks * ks * hw * hw / 1e9
            print("| %d | %d | %dx%d | %dx%d | %.3f | %.1f | %.3f | %.1f | %.2f |"
                  % (c, k, hw, hw, ks, ks, ours, gflop / ours * 1e3, theirs,
                     gflop / theirs * 1e3, theirs / ours))


if __name__ == "__main__":
    main()
