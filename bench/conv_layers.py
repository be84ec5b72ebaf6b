#!/usr/bin/env python3
"""Single convolution + bias + Relu layers of ResNet-50's shapes, aiopt
(-O2) next to onnxruntime (1 thread), in one run: median latency, GFLOP/s
and the ratio (above 1: aiopt faster). Shows where the CNN gap of
docs/performance.md lies, layer shape by layer shape. With --model, the
layers are the distinct convolutions of that benchmark model
(bench/perf_models.py: shapes, strides, pads, groups), each with its count
in the model and the count-weighted total, which tells how much of the
model's gap its convolutions explain. With --chain N, each layer that
keeps its shape (as many output channels as input, unit stride) runs as a
chain of N such layers, each with weights of its own (with
--shared-weights, all the same weights), and the times are per layer:
inside a network, a layer's weights come from memory rather than cache
when the network's weights do not fit in the last-level cache, and
onnxruntime converts to and from its blocked layout once per chain rather
than once per layer. Not a test.

    python bench/conv_layers.py [--repeat N] [--opt -O2] [--model resnet50]
                                [--chain N [--shared-weights]]
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
import perf_models  # noqa: E402
import ort_run  # noqa: E402


class Layer:
    """One convolution: input channels, output channels, input size,
    kernel size, stride, pad (all sides), groups."""

    def __init__(self, c, k, hw, ks, stride=1, pad=None, group=1):
        self.c, self.k, self.hw, self.ks, self.stride, self.group = c, k, hw, ks, stride, group
        self.pad = ks // 2 if pad is None else pad
        self.out = (hw + 2 * self.pad - ks) // stride + 1

    def key(self):
        return (self.c, self.k, self.hw, self.ks, self.stride, self.pad, self.group)

    def gflop(self):
        return 2 * self.c // self.group * self.k * self.ks ** 2 * self.out ** 2 / 1e9

    def label(self):
        return "| %d | %d | %dx%d | %dx%d/%d%s |" % (
            self.c, self.k, self.hw, self.hw, self.ks, self.ks, self.stride,
            " g%d" % self.group if self.group > 1 else "")

    def chains(self):
        """Whether layers of this shape can follow each other."""
        return self.c == self.k and self.out == self.hw

    def model(self, length=1, shared=False):
        """`length` Conv + bias + Relu layers of this shape in a row (one
        unless chains()), random weights (the same for every layer when
        `shared`), and an input."""
        rng = np.random.default_rng(0)
        nodes, weights, x = [], [], "x"
        for i in range(length):
            if i == 0 or not shared:
                w = nh.from_array((rng.standard_normal((self.k, self.c // self.group, self.ks,
                                                        self.ks))
                                   / np.sqrt(self.c // self.group * self.ks ** 2))
                                  .astype(np.float32), "w%d" % i)
                b = nh.from_array((rng.standard_normal(self.k) * 0.1).astype(np.float32),
                                  "b%d" % i)
                weights += [w, b]
            z = "z%d" % i
            nodes += [h.make_node("Conv", [x, weights[-2].name, weights[-1].name], ["y%d" % i],
                                  pads=[self.pad] * 4, strides=[self.stride] * 2,
                                  group=self.group),
                      h.make_node("Relu", ["y%d" % i], [z])]
            x = z
        g = h.make_graph(
            nodes, "conv", [h.make_tensor_value_info("x", T.FLOAT, [1, self.c, self.hw, self.hw])],
            [h.make_tensor_value_info(x, T.FLOAT, [1, self.k, self.out, self.out])], weights)
        m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
        m.ir_version = 10
        return m, [rng.standard_normal((1, self.c, self.hw, self.hw)).astype(np.float32)]


# ResNet-50's unit-stride shapes: (input channels, output channels, size, kernel)
SHAPES = [Layer(*s) for s in [
    (64, 64, 56, 3), (128, 128, 28, 3), (256, 256, 14, 3), (512, 512, 7, 3),
    (256, 64, 56, 1), (64, 256, 56, 1), (1024, 256, 14, 1), (256, 1024, 14, 1),
    (2048, 512, 7, 1)]]


def model_layers(name):
    """The distinct square convolutions of benchmark model `name`, with
    their counts, in order of first appearance."""
    model = onnx.shape_inference.infer_shapes(perf_models.MODELS[name]()[0])
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in list(model.graph.value_info) + list(model.graph.input)}
    weights = {t.name: list(t.dims) for t in model.graph.initializer}
    layers = {}
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        a = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
        n, c, hw, _ = shapes[node.input[0]]
        k, _, ks, _ = weights[node.input[1]]
        layer = Layer(c, k, hw, ks, a.get("strides", [1])[0], a.get("pads", [0])[0],
                      a.get("group", 1))
        layers.setdefault(layer.key(), [layer, 0])[1] += 1
    return list(layers.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--opt", default="-O2",
                        help="aiopt-compile flags, e.g. '-O2 --prefetch-weights=false'")
    parser.add_argument("--model", help="a model of bench/perf_models.py")
    parser.add_argument("--chain", type=int, default=1,
                        help="layers per chain (layers that keep their shape only)")
    parser.add_argument("--shared-weights", action="store_true",
                        help="with --chain, every layer of a chain has the same weights")
    args = parser.parse_args()
    if args.chain < 1:
        parser.error("--chain takes a positive number of layers")
    layers = model_layers(args.model) if args.model else [[s, 1] for s in SHAPES]
    if args.chain > 1:
        layers = [[layer, count] for layer, count in layers if layer.chains()]
        print("Chains of %d layers, %s weights; times per layer."
              % (args.chain, "shared" if args.shared_weights else "distinct"))
    print("| in | out | size | kernel/stride | count | aiopt ms | GFLOP/s | onnxruntime ms "
          "| GFLOP/s | ort/aiopt |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    total = [0.0, 0.0]
    with tempfile.TemporaryDirectory() as work:
        for layer, count in layers:
            model, inputs = layer.model(args.chain, args.shared_weights)
            d = os.path.join(work, "_".join(map(str, layer.key())))
            os.makedirs(d)
            path = os.path.join(d, "conv.onnx")
            onnx.save(model, path)
            exe = aiopt_e2e.compile_model(path, d, "conv", tuple(args.opt.split()), quiet=True)
            got, _ = aiopt_e2e.run_compiled(exe, inputs, d)  # warm-up, and the check
            want = aiopt_e2e.run_onnxruntime(path, inputs)
            assert np.abs(got[0] - want[0]).max() <= 1e-3 * np.abs(want[0]).max()
            _, ours = aiopt_e2e.run_compiled(exe, inputs, d, repeat=args.repeat)
            theirs = float(np.median(ort_run.latencies(path, inputs, 1, args.repeat)))
            ours, theirs = ours / args.chain, theirs / args.chain
            total[0] += count * ours
            total[1] += count * theirs
            print("%s %d | %.3f | %.1f | %.3f | %.1f | %.2f |"
                  % (layer.label(), count, ours, layer.gflop() / ours * 1e3, theirs,
                     layer.gflop() / theirs * 1e3, theirs / ours))
    print("| total (count-weighted) | | | | | %.3f | | %.3f | | %.2f |"
          % (total[0], total[1], total[1] / total[0]))


if __name__ == "__main__":
    main()
