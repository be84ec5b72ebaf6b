"""GPU kernels written by hand keep numerics: contractions
(aiopt-gpu-tile-contractions: products and convolutions of sizes that are
and are not multiples of the tiles, batched, with either operand contiguous
along K, the CPU's convolution forms) and reductions along rows with the
elementwise ops around them (aiopt-gpu-row-kernels: sums, maxima, softmax,
layer normalization),
compiled for the GPU target given, run on the device and compared with
onnxruntime. Each case prints how many of its kernels use workgroup memory
(their barriers).

With a third argument `split-k`, products and convolutions with long
reductions run instead, compiled as CUDA compiles them (K split over
workgroups whose partial sums meet by atomic additions, 4x4 blocks per
invocation), and each case prints how many of its kernels split K (their
atomic additions): on Vulkan this needs VK_EXT_shader_atomic_float, which
lavapipe has. `split-k-f16`: the same in f16 on the tensor-core kernels,
their fragments emulated (CUDA's f16 products). `split-k-kernel` and
`split-k-f16-kernel`: the same with the parts' sums stored in a workspace
and added up by a kernel of their own (split-k-sums=kernel), which also
computes the epilogue; each case prints how many kernels read the
workspace, and no kernel adds atomically. `split-k-tf32-kernel`: the
same in TF32 on emulated mma.sync fragments (--precision=tf32)."""

import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

import aiopt_e2e

work = sys.argv[1]
target = sys.argv[2] if len(sys.argv) > 2 else "vulkan"
mode = sys.argv[3] if len(sys.argv) > 3 else ""
split_k = mode.startswith("split-k")
rng = np.random.default_rng(8)


def model(nodes, inputs, weights, outputs=("y",)):
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in inputs],
                     [h.make_tensor_value_info(o, T.FLOAT, None) for o in outputs],
                     [nh.from_array(w, n) for n, w in weights.items()])
    return onnx.shape_inference.infer_shapes(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]))


def rand(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def matmul(name, a, b, weight=False):
    """A[a] x B[b]; B a weight (a constant) or a second input."""
    if weight:
        return name, model([h.make_node("MatMul", ["a", "b"], ["y"])], [("a", a)],
                           {"b": rand(*b, scale=0.1)}), [a]
    return name, model([h.make_node("MatMul", ["a", "b"], ["y"])], [("a", a), ("b", b)], {}), [a, b]


def conv(name, x, w, **attrs):
    return name, model([h.make_node("Conv", ["x", "w", "bias"], ["y"], **attrs)], [("x", x)],
                       {"w": rand(*w, scale=0.1), "bias": rand(w[0])}), [x]


cases = [
    # Whole tiles, and M, N, K that are not multiples of them.
    matmul("mm_tiles", [128, 64], [64, 128], weight=True),
    matmul("mm_ragged", [37, 70], [70, 45]),
    # Batched, both operands inputs: the batch is the grid's third axis.
    matmul("mm_batched", [3, 40, 24], [3, 24, 50]),
    # K below one tile step.
    matmul("mm_short_k", [64, 9], [9, 80], weight=True),
    # B[n, k] (contiguous along K): Gemm with transB.
    ("gemm_transb", model([h.make_node("Gemm", ["a", "w", "c"], ["y"], transB=1)], [("a", [50, 96])],
                          {"w": rand(70, 96, scale=0.1), "c": rand(70)}), [[50, 96]]),
    conv("conv3x3", [1, 16, 20, 20], [32, 16, 3, 3], pads=[1, 1, 1, 1]),
    conv("conv1x1", [2, 24, 14, 14], [40, 24, 1, 1]),
    conv("conv_stride2", [1, 8, 33, 33], [24, 8, 3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
    conv("conv_stem7x7", [1, 3, 40, 40], [16, 3, 7, 7], pads=[3, 3, 3, 3], strides=[2, 2]),
    conv("conv_grouped", [1, 32, 12, 12], [32, 8, 3, 3], pads=[1, 1, 1, 1], group=4),
    # Operands staged in 16-byte vectors: a 1x1 convolution's input along
    # its columns (16 wide), and a batched product of two inputs with M
    # (37) ending inside a tile, both operands' rows whole vectors.
    conv("conv1x1_vectors", [2, 24, 16, 16], [40, 24, 1, 1]),
    matmul("mm_batched_vectors", [2, 37, 64], [2, 64, 48]),
    # Narrow sides take narrow tiles (the other side's grow): projections
    # to 16 channels (16-row tiles) and to 24 (32-row tiles, rows and
    # columns ending inside them), and a product with 20 columns.
    conv("conv1x1_narrow16", [1, 32, 40, 40], [16, 32, 1, 1]),
    conv("conv1x1_narrow24", [1, 40, 23, 23], [24, 40, 1, 1]),
    matmul("mm_narrow_n", [300, 64], [64, 20], weight=True),
]

# Epilogues computed in the product's kernel: a convolution's bias and
# ReLU; a residual addition of another input then a ReLU; a product whose
# raw result is an output too (stored as well as its epilogue's).
cases += [
    ("conv_relu", model([h.make_node("Conv", ["x", "w", "bias"], ["c"], pads=[1, 1, 1, 1]),
                         h.make_node("Relu", ["c"], ["y"])], [("x", [1, 16, 20, 20])],
                        {"w": rand(32, 16, 3, 3, scale=0.1), "bias": rand(32)}),
     [[1, 16, 20, 20]]),
    ("mm_residual", model([h.make_node("MatMul", ["a", "w"], ["p"]),
                           h.make_node("Add", ["p", "r"], ["s"]),
                           h.make_node("Relu", ["s"], ["y"])], [("a", [48, 64]), ("r", [48, 80])],
                          {"w": rand(64, 80, scale=0.1)}), [[48, 64], [48, 80]]),
    ("mm_two_outputs", model([h.make_node("MatMul", ["a", "w"], ["p"]),
                              h.make_node("Sigmoid", ["p"], ["y"])], [("a", [40, 32])],
                             {"w": rand(32, 56, scale=0.1)}, outputs=("y", "p")), [[40, 32]]),
    # Three layers of one shape, whose zero fills and outputs CSE makes
    # one each (aiopt-gpu-split-inits gives every layer its own): a kernel
    # per layer, its ReLU at its stores.
    ("mm_chain", model([h.make_node("MatMul", ["a", "w0"], ["p0"]), h.make_node("Relu", ["p0"], ["r0"]),
                        h.make_node("MatMul", ["r0", "w1"], ["p1"]), h.make_node("Relu", ["p1"], ["r1"]),
                        h.make_node("MatMul", ["r1", "w2"], ["p2"]), h.make_node("Relu", ["p2"], ["y"])],
                       [("a", [32, 48])], {"w0": rand(48, 48, scale=0.2), "w1": rand(48, 48, scale=0.2),
                                           "w2": rand(48, 48, scale=0.2)}), [[32, 48]]),
]


def unary(name, op, x, **attrs):
    return name, model([h.make_node(op, ["x"], ["y"], **attrs)], [("x", x)], {}), [x]


cases += [
    # Whole tensors (one output: one workgroup, no longer the host's).
    unary("reduce_sum", "ReduceSum", [4, 1000], keepdims=0),
    unary("reduce_max", "ReduceMax", [3, 517], keepdims=1),
    # 5 x 3 outputs of 7 x 300 (not a multiple of the workgroup).
    unary("reduce_mean_axes", "ReduceMean", [5, 7, 3, 300], axes=[1, 3], keepdims=0),
    unary("softmax_long", "Softmax", [6, 1024], axis=-1),
    # Mean and variance of 32 rows of 768, as BERT-base's.
    ("layernorm", model([h.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1,
                                     epsilon=1e-5)], [("x", [2, 16, 768])],
                        {"g": rand(768), "b": rand(768)}), [[2, 16, 768]]),
    # More rows of workgroups than a grid axis takes (65535): chunks of the
    # grid, a launch each.
    unary("grid_chunks", "Relu", [70000, 64]),
]

# Long reductions over few outputs, which split K: whole and ragged tiles,
# batched, a convolution, and epilogues (which then run as kernels of
# their own, after the sums).
split_cases = [
    matmul("split_tiles", [64, 1024], [1024, 96], weight=True),
    matmul("split_ragged", [37, 1000], [1000, 45]),
    matmul("split_batched", [2, 40, 640], [2, 640, 50]),
    conv("split_conv", [1, 256, 8, 8], [32, 256, 3, 3], pads=[1, 1, 1, 1]),
    # Narrow sides (narrow tiles, split too): 20 columns, 16 channels.
    matmul("split_narrow_n", [96, 2048], [2048, 20], weight=True),
    conv("split_narrow16", [1, 512, 10, 10], [16, 512, 1, 1]),
    ("split_residual", model([h.make_node("MatMul", ["a", "w"], ["p"]),
                              h.make_node("Add", ["p", "r"], ["s"]),
                              h.make_node("Relu", ["s"], ["y"])], [("a", [48, 768]), ("r", [48, 80])],
                             {"w": rand(768, 80, scale=0.05)}), [[48, 768], [48, 80]]),
]
flags = ["--target=" + target]
rtol, atol = 1e-4, 1e-5
if split_k:
    cases = split_cases
    flags.append("--gpu-tiles=split-k=true thread-tile=4 split-k-sums=" +
                 ("kernel" if mode.endswith("-kernel") else "atomic"))
if mode.startswith("split-k-tf32"):
    flags += ["--precision=tf32", "--tensor-cores=emulate"]
    rtol, atol = 5e-3, 1e-3
if mode.startswith("split-k-f16"):
    flags += ["--precision=f16", "--tensor-cores=emulate"]
    rtol, atol = 2e-3, 1e-3

bindir, _ = aiopt_e2e.tools()
for name, m, shapes in cases:
    d = os.path.join(work, name)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    aiopt_e2e.check(m, [inputs], d, name, rtol=rtol, atol=atol, normwise=True, extra=flags)
    # The tiled kernels: those with barriers, after outlining; those that
    # split K add atomically.
    outlined = subprocess.run([os.path.join(bindir, "aiopt-compile"), os.path.join(d, name + ".onnx"),
                               *flags, "-o", os.path.join(d, "outlined.o"),
                               "--mlir-print-ir-after=gpu-kernel-outlining",
                               "--mlir-elide-elementsattrs-if-larger=4"],
                              check=True, capture_output=True, text=True).stderr
    kernels = outlined.split("gpu.func @")[1:]
    tiled = sum(1 for k in kernels if "gpu.barrier" in k)
    print("TILED %s %d of %d kernels" % (name, tiled, len(kernels)))
    if split_k:
        split = sum(1 for k in kernels if "memref.atomic_rmw addf" in k)
        print("SPLIT %s %d of %d kernels" % (name, split, len(kernels)))

# A BERT-base encoder layer (768 wide, 12 heads, 128 tokens), compiled with
# CUDA's tiles: its projections and attention products split K too.
if split_k:
    import models  # noqa: E402
    bert, _ = models.transformer(layers=1, hidden=768, heads=12, seq=128)
    tokens = rng.integers(0, 50, (1, 128)).astype(np.int64)
    aiopt_e2e.check(bert, [[tokens]], os.path.join(work, "bert_layer"), "bert_layer", rtol=rtol,
                    atol=atol, normwise=True, extra=flags)
