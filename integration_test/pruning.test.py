"""Checks of pruning.test: pruned compiles compute what onnxruntime computes
on the same model with the same weights removed (pruned here with numpy),
sparse kernels (chosen for weights that arrive sparse) agree with
onnxruntime, and channel pruning makes the object smaller. The
AIOPT_TEST_TARGET environment variable (default cpu) compiles for another
target, e.g. vulkan."""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

build = os.environ["AIOPT_BUILD_DIR"]
sys.path.insert(0, os.path.join(build, "python_packages"))
import aiopt  # noqa: E402

work = sys.argv[1]
rng = np.random.default_rng(0)
TARGET = os.environ.get("AIOPT_TEST_TARGET", "cpu")


def compile_for_target(model, **kw):
    return aiopt.compile(model, target=TARGET, **kw)



def model(name, nodes, x_shape, y_shape, weights):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
        [numpy_helper.from_array(w, n) for n, w in weights.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 9
    return m


def mlp(weights):
    """gemm(transB) -> relu -> matmul -> add -> relu -> gemm: 64 -> 256 -> 256 -> 16."""
    nodes = [helper.make_node("Gemm", ["x", "w0", "b0"], ["h0"], name="fc0", transB=1),
             helper.make_node("Relu", ["h0"], ["r0"], name="relu0"),
             helper.make_node("MatMul", ["r0", "w1"], ["m1"], name="fc1"),
             helper.make_node("Add", ["m1", "b1"], ["h1"], name="bias1"),
             helper.make_node("Relu", ["h1"], ["r1"], name="relu1"),
             helper.make_node("Gemm", ["r1", "w2", "b2"], ["y"], name="fc2")]
    return model("mlp", nodes, [8, 64], [8, 16], weights)


def cnn(weights):
    """conv 3x3 -> relu -> conv 3x3 -> relu -> conv 1x1."""
    pads = dict(pads=[1, 1, 1, 1])
    nodes = [helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], name="conv0", **pads),
             helper.make_node("Relu", ["c0"], ["r0"], name="relu0"),
             helper.make_node("Conv", ["r0", "w1", "b1"], ["c1"], name="conv1", **pads),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2"], ["y"], name="conv2")]
    return model("cnn", nodes, [1, 8, 12, 12], [1, 4, 12, 12], weights)


MLP = {"w0": rng.standard_normal((256, 64)), "b0": rng.standard_normal(256) * 0.1,
       "w1": rng.standard_normal((256, 256)) * 0.1, "b1": rng.standard_normal(256) * 0.1,
       "w2": rng.standard_normal((256, 16)) * 0.1, "b2": rng.standard_normal(16) * 0.1}
CNN = {"w0": rng.standard_normal((32, 8, 3, 3)) * 0.3, "b0": rng.standard_normal(32) * 0.1,
       "w1": rng.standard_normal((32, 32, 3, 3)) * 0.1, "b1": rng.standard_normal(32) * 0.1,
       "w2": rng.standard_normal((4, 32, 1, 1)) * 0.3}
MLP = {k: v.astype(np.float32) for k, v in MLP.items()}
CNN = {k: v.astype(np.float32) for k, v in CNN.items()}
# The weights of each contraction: (name, output-channel axis, reduction axis).
MLP_LAYERS = [("w0", 0, 1), ("w1", 1, 0), ("w2", 1, 0)]
CNN_LAYERS = [("w0", 0, 1), ("w1", 0, 1), ("w2", 0, 1)]
# Whose output channels can go (the last layer's are the model's output),
# and the bias and consumer weight that follow them.
MLP_CHAINS = {"w0": ("b0", "w1", 0), "w1": ("b1", "w2", 0)}
CNN_CHAINS = {"w0": ("b0", "w1", 1), "w1": ("b1", "w2", 1)}


def magnitude(w, sparsity):
    w = w.copy()
    k = int(round(sparsity * w.size))
    w.flat[np.argsort(np.abs(w), axis=None, kind="stable")[:k]] = 0
    return w


def nm(w, axis, n, m):
    w = np.moveaxis(w.copy(), axis, -1)
    groups = w.reshape(-1, m)
    drop = np.argsort(np.abs(groups), axis=1, kind="stable")[:, :m - n]
    np.put_along_axis(groups, drop, 0, axis=1)
    return np.moveaxis(groups.reshape(w.shape), -1, axis)


def channels(weights, layers, chains, ratio):
    """Zeroes what channel pruning removes: the same outputs."""
    weights = {k: v.copy() for k, v in weights.items()}
    for name, out_axis, _ in layers:
        if name not in chains:
            continue
        w = weights[name]
        norms = np.abs(np.moveaxis(w, out_axis, 0)).reshape(w.shape[out_axis], -1).sum(1)
        drop = np.argsort(-norms, kind="stable")[w.shape[out_axis] - int(ratio * len(norms)):]
        bias, consumer, axis = chains[name]
        np.moveaxis(w, out_axis, 0)[drop] = 0
        weights[bias][drop] = 0
        np.moveaxis(weights[consumer], axis, 0)[drop] = 0
    return weights


def onnxruntime(m, x):
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {"x": x})[0]


def check(label, build_model, weights, spec, reference_weights, x):
    got = compile_for_target(build_model(weights), prune=spec)(x)
    want = onnxruntime(build_model(reference_weights), x)
    err = np.abs(got - want).max() / max(np.abs(want).max(), 1e-6)
    print(label, "ok" if err < 1e-4 else "FAIL: relative error %.2e" % err)


x_mlp = rng.standard_normal((8, 64)).astype(np.float32)
x_cnn = rng.standard_normal((1, 8, 12, 12)).astype(np.float32)
for label, build_model, weights, layers, chains, x in (
        ("mlp", mlp, MLP, MLP_LAYERS, MLP_CHAINS, x_mlp),
        ("cnn", cnn, CNN, CNN_LAYERS, CNN_CHAINS, x_cnn)):
    pruned = dict(weights)
    for name, _, _ in layers:
        pruned[name] = magnitude(weights[name], 0.8)
    check(label + " magnitude", build_model, weights, "magnitude:sparsity=0.8", pruned, x)
    pruned = dict(weights)
    for name, _, axis in layers:
        pruned[name] = nm(weights[name], axis, 2, 4)
    check(label + " nm", build_model, weights, "nm:2:4", pruned, x)
    check(label + " channels", build_model, weights, "channels:ratio=0.5",
          channels(weights, layers, chains, 0.5), x)

# A residual stream: conv0 and conv2 are added, so they keep the same
# channels (by their summed norms); conv1 is pruned on its own; conv3
# (the output) keeps its channels.
def residual(weights):
    pads = dict(pads=[1, 1, 1, 1])
    nodes = [helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], name="conv0", **pads),
             helper.make_node("Relu", ["c0"], ["r0"], name="relu0"),
             helper.make_node("Conv", ["r0", "w1", "b1"], ["c1"], name="conv1", **pads),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2", **pads),
             helper.make_node("Add", ["c2", "r0"], ["s"], name="add"),
             helper.make_node("Relu", ["s"], ["r2"], name="relu2"),
             helper.make_node("Conv", ["r2", "w3"], ["y"], name="conv3")]
    return model("residual", nodes, [1, 8, 10, 10], [1, 4, 10, 10], weights)


RES = {"w0": rng.standard_normal((16, 8, 3, 3)) * 0.3, "b0": rng.standard_normal(16) * 0.1,
       "w1": rng.standard_normal((16, 16, 3, 3)) * 0.1, "b1": rng.standard_normal(16) * 0.1,
       "w2": rng.standard_normal((16, 16, 3, 3)) * 0.1, "b2": rng.standard_normal(16) * 0.1,
       "w3": rng.standard_normal((4, 16, 1, 1)) * 0.3}
RES = {k: v.astype(np.float32) for k, v in RES.items()}


def l1(w):
    return np.abs(w).reshape(w.shape[0], -1).sum(1)


def residual_reference(weights):
    w = {k: v.copy() for k, v in weights.items()}
    drop = np.argsort(-(l1(w["w0"]) + l1(w["w2"])), kind="stable")[8:]
    for name in ("w0", "b0", "w2", "b2"):
        w[name][drop] = 0
    w["w1"][:, drop] = 0
    w["w3"][:, drop] = 0
    drop = np.argsort(-l1(w["w1"]), kind="stable")[8:]
    w["w1"][drop] = 0
    w["b1"][drop] = 0
    w["w2"][:, drop] = 0
    return w


check("residual channels", residual, RES, "channels:ratio=0.5", residual_reference(RES),
      rng.standard_normal((1, 8, 10, 10)).astype(np.float32))

# A BERT-style encoder layer (4 heads of 4): channel pruning removes half
# the attention heads (Q, K, V columns and output-projection rows, ranked
# by their summed norms) and half the MLP's hidden columns. onnxruntime
# runs the model with those weights zeroed: with Q, K and V of a head zero
# its output is zero, and GELU(0) = 0.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import models  # noqa: E402

bert, samples = models.transformer(layers=1, hidden=16, heads=4, seq=8)
bert.ir_version = 9
inits = {i.name: numpy_helper.to_array(i).copy() for i in bert.graph.initializer}
q, k, v, o, f1, f2 = [n for n in bert.graph.node
                      if n.op_type == "MatMul" and n.input[1] in inits]
bias_of = {n.input[0]: n.input[1] for n in bert.graph.node if n.op_type == "Add"}
ref = {name: w.copy() for name, w in inits.items()}
norms = sum(np.abs(inits[n.input[1]]).reshape(16, 4, 4).sum((0, 2)) for n in (q, k, v))
norms = norms + np.abs(inits[o.input[1]]).reshape(4, 4, 16).sum((1, 2))
for h in np.argsort(-norms, kind="stable")[2:]:
    cols = slice(4 * h, 4 * h + 4)
    for n in (q, k, v):
        ref[n.input[1]][:, cols] = 0
        ref[bias_of[n.output[0]]][cols] = 0
    ref[o.input[1]][cols, :] = 0
hidden = np.argsort(-np.abs(inits[f1.input[1]]).sum(0), kind="stable")[32:]
ref[f1.input[1]][:, hidden] = 0
ref[bias_of[f1.output[0]]][hidden] = 0
ref[f2.input[1]][hidden, :] = 0
zeroed = onnx.ModelProto()
zeroed.CopyFrom(bert)
for init in zeroed.graph.initializer:
    init.CopyFrom(numpy_helper.from_array(ref[init.name], init.name))
pruned_bert = compile_for_target(bert, prune="channels:ratio=0.5")
session = ort.InferenceSession(zeroed.SerializeToString(), providers=["CPUExecutionProvider"])
err = max(float(np.abs(g - w).max()) for ids in samples
          for g, w in zip(pruned_bert(*ids), session.run(None, {"ids": ids[0]})))
print("bert heads and mlp", "ok" if err < 1e-4 else "FAIL: error %.2e" % err)

# Channel pruning shrinks the weights the object carries: half the
# channels go, so the object loses at least 40% of the dense weights' bytes
# (the code, which differs by target, stays about the same).
for label, build_model, weights in (("mlp", mlp, MLP), ("cnn", cnn, CNN)):
    model_proto = build_model(weights)
    weight_bytes = sum(numpy_helper.to_array(t).nbytes for t in model_proto.graph.initializer)
    dense = compile_for_target(model_proto)
    pruned = compile_for_target(build_model(weights), prune="channels:ratio=0.5")
    saved = dense.library_size - pruned.library_size
    print(label, "smaller" if saved > 0.4 * weight_bytes
          else "FAIL: %d vs %d bytes (dense weights: %d bytes)"
          % (pruned.library_size, dense.library_size, weight_bytes))

# Weights that arrive sparse take the sparse kernel without any flag: a
# fully-connected layer of 64 rows at 90% zeros and of one row at 97%.
for rows, sparsity in ((64, 0.9), (1, 0.97)):
    w = magnitude(rng.standard_normal((512, 512)).astype(np.float32), sparsity)
    m = model("fc", [helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")], [rows, 512],
              [rows, 512], {"w": w})
    path = os.path.join(work, "sparse_fc_%d.onnx" % rows)
    onnx.save(m, path)
    x = rng.standard_normal((rows, 512)).astype(np.float32)
    err = np.abs(compile_for_target(path)(x) - x @ w).max()
    print("sparse fc rows=%d" % rows, "ok" if err < 1e-4 else "FAIL: error %.2e" % err)
