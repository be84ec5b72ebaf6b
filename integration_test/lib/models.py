"""ONNX models of the three families the spine must compile (an MLP, a
ResNet/MobileNet-style CNN and a transformer encoder block), built with the
onnx package's helpers and fixed seeds. `python models.py FAMILY WORKDIR`
compiles one with aiopt, runs it and compares with onnxruntime."""

import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

import aiopt_e2e

OPSET = 17


class Graph:
    """Small builder: nodes with generated names, initializers from numpy."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def const(self, array, name=None):
        name = name or "c%d" % len(self.inits)
        self.inits.append(nh.from_array(np.asarray(array), name))
        return name

    def weight(self, *shape, scale=None):
        scale = scale or 1.0 / np.sqrt(np.prod(shape[1:]) if len(shape) > 1 else shape[0])
        return self.const((self.rng.standard_normal(shape) * scale).astype(np.float32))

    def op(self, op_type, inputs, outputs=1, **attrs):
        self.count += 1
        outs = ["%s_%d_out%d" % (op_type.lower(), self.count, i) for i in range(outputs)]
        self.nodes.append(h.make_node(op_type, inputs, outs,
                                      name="%s_%d" % (op_type.lower(), self.count), **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, inputs, outputs):
        g = h.make_graph(self.nodes, "g", inputs, outputs, self.inits)
        return h.make_model(g, opset_imports=[h.make_opsetid("", OPSET)])


def mlp():
    g = Graph(0)
    x = g.op("Gemm", ["x", g.weight(32, 64), g.weight(32)], transB=1)
    x = g.op("Relu", [x])
    x = g.op("MatMul", [x, g.weight(32, 16)])
    x = g.op("Add", [x, g.weight(16)])
    x = g.op("Sigmoid", [x])
    y = g.op("Softmax", [g.op("Gemm", [x, g.weight(16, 10), g.weight(10)], alpha=0.5, beta=2.0)], axis=-1)
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, ["N", 64])],
                [h.make_tensor_value_info(y, T.FLOAT, ["N", 10])])
    rng = np.random.default_rng(10)
    return m, [[rng.standard_normal((n, 64)).astype(np.float32)] for n in (1, 5)]


def conv_bn(g, x, cin, cout, k=3, stride=1, group=1, act="Relu"):
    pad = k // 2
    x = g.op("Conv", [x, g.weight(cout, cin // group, k, k), g.weight(cout)],
             kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group)
    x = g.op("BatchNormalization", [x, g.const((1 + 0.1 * g.rng.standard_normal(cout)).astype(np.float32)),
                                    g.weight(cout), g.weight(cout),
                                    g.const((0.5 + g.rng.random(cout)).astype(np.float32))], epsilon=1e-3)
    if act == "Relu":
        x = g.op("Relu", [x])
    elif act == "Relu6":
        x = g.op("Clip", [x, g.const(np.float32(0)), g.const(np.float32(6))])
    return x


def cnn():
    """ResNet basic block + MobileNetV2 inverted residual + pooling head."""
    g = Graph(1)
    x = conv_bn(g, "x", 3, 8, stride=2)
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    # ResNet basic block with identity shortcut.
    y = conv_bn(g, x, 8, 8)
    y = conv_bn(g, y, 8, 8, act=None)
    x = g.op("Relu", [g.op("Add", [x, y])])
    # MobileNetV2 inverted residual: expand 1x1, depthwise 3x3, project 1x1.
    y = conv_bn(g, x, 8, 24, k=1, act="Relu6")
    y = conv_bn(g, y, 24, 24, group=24, act="Relu6")
    y = conv_bn(g, y, 24, 8, k=1, act=None)
    x = g.op("Add", [x, y])
    x = g.op("AveragePool", [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    y = g.op("Gemm", [x, g.weight(10, 8), g.weight(10)], transB=1)
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, ["N", 3, 16, 16])],
                [h.make_tensor_value_info(y, T.FLOAT, ["N", 10])])
    rng = np.random.default_rng(11)
    return m, [[rng.standard_normal((n, 3, 16, 16)).astype(np.float32)] for n in (1, 2)]


def winograd():
    """3x3 convolutions the Winograd pass rewrites when told to (aiopt-compile
    --winograd=2|4): a batch of two, an image whose sides are no multiple of
    the tile, bias, batch normalization and ReLU, and a residual add."""
    g = Graph(3)
    x = conv_bn(g, "x", 16, 32)
    y = conv_bn(g, x, 32, 32, act=None)
    y = g.op("Relu", [g.op("Add", [x, y])])
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [2, 16, 11, 10])],
                [h.make_tensor_value_info(y, T.FLOAT, [2, 32, 11, 10])])
    rng = np.random.default_rng(13)
    return m, [[rng.standard_normal((2, 16, 11, 10)).astype(np.float32)]]


def layer_norm(g, x, hidden):
    """LayerNormalization spelled out in primitives, as exporters do."""
    mean = g.op("ReduceMean", [x], axes=[-1])
    d = g.op("Sub", [x, mean])
    var = g.op("ReduceMean", [g.op("Pow", [d, g.const(np.float32(2))])], axes=[-1])
    std = g.op("Sqrt", [g.op("Add", [var, g.const(np.float32(1e-5))])])
    x = g.op("Div", [d, std])
    return g.op("Add", [g.op("Mul", [x, g.weight(hidden)]), g.weight(hidden)])


def transformer(layers=1, hidden=16, heads=2, seed=2, seq=8, vocab=50):
    """BERT-style encoder layers (one by default) over token embeddings,
    with a padding mask, shape arithmetic (Shape/Gather/Unsqueeze/Concat/
    Reshape), GELU (erf form) and a tanh pooler."""
    g = Graph(seed)
    dh = hidden // heads
    x = g.op("Gather", [g.weight(vocab, hidden, scale=1.0), "ids"], axis=0)
    x = g.op("Add", [x, g.weight(seq, hidden, scale=0.1)])
    # Mask: -10000 where ids == 0, as [B, 1, 1, S].
    pad = g.op("Cast", [g.op("Equal", ["ids", g.const(np.int64(0))])], to=T.FLOAT)
    mask = g.op("Mul", [pad, g.const(np.float32(-10000))])
    mask = g.op("Unsqueeze", [mask, g.const(np.array([1, 2], np.int64))])

    # Target shape [B, S, heads, dh] computed from the input's shape.
    shape = g.op("Shape", [x])
    b = g.op("Unsqueeze", [g.op("Gather", [shape, g.const(np.int64(0))], axis=0),
                           g.const(np.array([0], np.int64))])
    split = g.op("Concat", [b, g.const(np.array([seq, heads, dh], np.int64))], axis=0)

    def heads_of(t, perm):
        return g.op("Transpose", [g.op("Reshape", [t, split])], perm=perm)

    for _ in range(layers):
        q = heads_of(g.op("Add", [g.op("MatMul", [x, g.weight(hidden, hidden)]), g.weight(hidden)]), [0, 2, 1, 3])
        k = heads_of(g.op("Add", [g.op("MatMul", [x, g.weight(hidden, hidden)]), g.weight(hidden)]), [0, 2, 3, 1])
        v = heads_of(g.op("Add", [g.op("MatMul", [x, g.weight(hidden, hidden)]), g.weight(hidden)]), [0, 2, 1, 3])
        scores = g.op("Div", [g.op("MatMul", [q, k]), g.const(np.float32(np.sqrt(dh)))])
        probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, g.const(np.array([0, 0, hidden], np.int64))])
        attn = g.op("Add", [g.op("MatMul", [ctx, g.weight(hidden, hidden)]), g.weight(hidden)])
        x = layer_norm(g, g.op("Add", [x, attn]), hidden)
        # Feed-forward with exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))).
        f = g.op("Add", [g.op("MatMul", [x, g.weight(hidden, 4 * hidden)]), g.weight(4 * hidden)])
        erf = g.op("Erf", [g.op("Div", [f, g.const(np.float32(np.sqrt(2)))])])
        f = g.op("Mul", [g.op("Mul", [f, g.const(np.float32(0.5))]), g.op("Add", [erf, g.const(np.float32(1))])])
        f = g.op("Add", [g.op("MatMul", [f, g.weight(4 * hidden, hidden)]), g.weight(hidden)])
        x = layer_norm(g, g.op("Add", [x, f]), hidden)
    # Pooler on the first token: Slice, Squeeze, Gemm, Tanh; and a Where.
    first = g.op("Squeeze", [g.op("Slice", [x, g.const(np.array([0], np.int64)),
                                            g.const(np.array([1], np.int64)),
                                            g.const(np.array([1], np.int64))]),
                             g.const(np.array([1], np.int64))])
    pooled = g.op("Tanh", [g.op("Gemm", [first, g.weight(hidden, hidden), g.weight(hidden)])])
    pooled = g.op("Where", [g.op("Greater", [pooled, g.const(np.float32(0.9))]),
                            g.const(np.float32(0.9)), pooled])
    m = g.model([h.make_tensor_value_info("ids", T.INT64, [1, seq])],
                [h.make_tensor_value_info(x, T.FLOAT, [1, seq, hidden]),
                 h.make_tensor_value_info(pooled, T.FLOAT, [1, hidden])])
    rng = np.random.default_rng(12)
    sets = []
    for n_pad in (0, 3):
        ids = rng.integers(1, vocab, size=(1, seq)).astype(np.int64)
        if n_pad:
            ids[0, -n_pad:] = 0
        sets.append([ids])
    return m, sets


def bert():
    """A BERT-style encoder of two layers (hidden 32, 4 heads)."""
    return transformer(layers=2, hidden=32, heads=4, seed=4)


def mobilenetv2():
    """A MobileNetV2-style network: stem, four inverted residual blocks
    (expand 1x1 + Relu6, depthwise 3x3 + Relu6, linear project 1x1; a
    residual where shapes allow), a 1x1 head, pooling and a classifier."""
    g = Graph(5)
    x = conv_bn(g, "x", 3, 16, stride=2, act="Relu6")
    cin = 16
    for cout, stride, expand in ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6)):
        mid = cin * expand
        y = x if expand == 1 else conv_bn(g, x, cin, mid, k=1, act="Relu6")
        y = conv_bn(g, y, mid, mid, stride=stride, group=mid, act="Relu6")
        y = conv_bn(g, y, mid, cout, k=1, act=None)
        x = g.op("Add", [x, y]) if stride == 1 and cin == cout else y
        cin = cout
    x = conv_bn(g, x, cin, 64, k=1, act="Relu6")
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)
    y = g.op("Gemm", [x, g.weight(10, 64), g.weight(10)], transB=1)
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [1, 3, 32, 32])],
                [h.make_tensor_value_info(y, T.FLOAT, [1, 10])])
    rng = np.random.default_rng(15)
    return m, [[rng.standard_normal((1, 3, 32, 32)).astype(np.float32)]]


def products():
    """Static products of sizes no tile divides: a MatMul with bias and
    Relu (K = 200, a grid of full 64 x 64 tiles), a Gemm with transB and
    bias (small: tiles shrink), a batched MatMul."""
    g = Graph(7)
    x = g.op("MatMul", ["x", g.weight(200, 1024)])
    x = g.op("Relu", [g.op("Add", [x, g.weight(1024)])])
    x = g.op("Gemm", [x, g.weight(144, 1024), g.weight(144)], transB=1)
    x = g.op("Reshape", [x, g.const(np.array([2, 256, 144], dtype=np.int64))])
    y = g.op("MatMul", [x, g.weight(144, 72)])
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [512, 200])],
                [h.make_tensor_value_info(y, T.FLOAT, [2, 256, 72])])
    rng = np.random.default_rng(17)
    return m, [[rng.standard_normal((512, 200)).astype(np.float32)]]


def aliasing():
    """Outputs that alias an input, a constant, each other or a view: the
    compiled code must hand back caller-owned copies (no double free, no
    free of a global)."""
    g = Graph(3)
    c = g.const(np.arange(6, dtype=np.float32).reshape(2, 3))
    t = g.op("Relu", [g.op("Transpose", ["x"], perm=[1, 0])])
    g.nodes.append(h.make_node("Identity", ["x"], ["same"], name="id_x"))
    g.nodes.append(h.make_node("Identity", [c], ["const"], name="id_c"))
    rev = g.op("Slice", ["x", g.const(np.array([3], np.int64)), g.const(np.array([-100], np.int64)),
                         g.const(np.array([1], np.int64)), g.const(np.array([-1], np.int64))])
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [4, 5])],
                [h.make_tensor_value_info("same", T.FLOAT, [4, 5]),
                 h.make_tensor_value_info("const", T.FLOAT, [2, 3]),
                 h.make_tensor_value_info(t, T.FLOAT, [5, 4]),
                 h.make_tensor_value_info(t, T.FLOAT, [5, 4]),
                 h.make_tensor_value_info(rev, T.FLOAT, [4, 4])])
    rng = np.random.default_rng(13)
    return m, [[rng.standard_normal((4, 5)).astype(np.float32)]]


def host_reduce():
    """Whole-tensor reductions too short for a GPU kernel: compiled for
    CUDA, the host code does all the work (so it runs on the fake CUDA
    driver of the unit tests, which runs no PTX)."""
    g = Graph(4)
    s = g.op("ReduceSum", ["x"], keepdims=0)
    m = g.op("ReduceMax", ["x"], keepdims=0)
    model = g.model([h.make_tensor_value_info("x", T.FLOAT, [4, 8])],
                    [h.make_tensor_value_info(s, T.FLOAT, []),
                     h.make_tensor_value_info(m, T.FLOAT, [])])
    rng = np.random.default_rng(15)
    return model, [[rng.standard_normal((4, 8)).astype(np.float32)]]


def light(name):
    """A real architecture from the onnx package's backend data
    (onnx/backend/test/data/light: ResNet-50, SqueezeNet, Inception, ...)
    with its constant-filled weights replaced by random ones, so the
    comparison with onnxruntime exercises real numerics."""
    import os
    import onnx
    path = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data",
                        "light", "light_%s.onnx" % name)
    model = onnx.load(path)
    # IR 3 lists initializers as graph inputs; from IR 4 they need not be.
    model.ir_version = max(model.ir_version, 7)
    rng = np.random.default_rng(14)
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    kept = []
    for node in graph.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in inits:
            shape = nh.to_array(inits[node.input[0]]).astype(np.int64)
            if len(shape) == 1:
                # Scales, biases, means and variances: positive, near 1.
                w = 0.5 + rng.random(shape)
            else:
                w = rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))
            graph.initializer.append(nh.from_array(w.astype(np.float32), node.output[0]))
        else:
            kept.append(node)
    # Compare logits: with random weights a final softmax is one-hot and
    # would hide errors.
    if kept[-1].op_type == "Softmax" and kept[-1].output[0] == graph.output[0].name:
        graph.output[0].name = kept.pop().input[0]
    del graph.node[:]
    graph.node.extend(kept)
    used = {i for n in graph.node for i in n.input}
    for t in list(graph.initializer):
        if t.name not in used:
            graph.initializer.remove(t)
    for i in list(graph.input):
        if i.name in inits or i.name not in used:
            graph.input.remove(i)
    inputs = []
    for i in graph.input:
        shape = [d.dim_value for d in i.type.tensor_type.shape.dim]
        inputs.append(rng.standard_normal(shape).astype(np.float32))
    return model, [inputs]


FAMILIES = {"mlp": mlp, "cnn": cnn, "transformer": transformer, "aliasing": aliasing,
            "bert": bert, "mobilenetv2": mobilenetv2, "winograd": winograd,
            "host_reduce": host_reduce, "products": products}
for _name in ("resnet50", "squeezenet", "inception_v1", "inception_v2", "densenet121",
              "shufflenet", "vgg19", "bvlc_alexnet", "zfnet512"):
    FAMILIES["light_" + _name] = lambda n=_name: light(n)

if __name__ == "__main__":
    # models.py FAMILY WORKDIR [--compile-only | --run-only] [--device-buffers]
    #           [aiopt-compile options, e.g. -O0]
    # --compile-only builds the program (for a GPU this machine lacks);
    # --run-only runs and checks that build (on the machine with the GPU);
    # --device-buffers runs it on CUDA device memory (aiopt_run_on).
    family, workdir, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    compile_only = "--compile-only" in extra
    run_only = "--run-only" in extra
    device_buffers = "--device-buffers" in extra
    extra = [e for e in extra if e not in ("--compile-only", "--run-only", "--device-buffers")]
    model, inputs = FAMILIES[family]()
    # Deep networks accumulate float rounding differently from onnxruntime.
    deep = family.startswith("light_") or family in ("bert", "mobilenetv2")
    rtol, atol = (1e-3, 1e-4) if deep else (1e-4, 1e-5)
    # Winograd's transforms round differently from a direct convolution
    # (F(4x4): about 5e-6 of the output's scale): compared normwise.
    normwise = family.startswith("light_") or family == "winograd"
    # Mixed precision (--precision=f16|bf16) rounds the products' operands
    # (11 and 8 significant bits): compared with onnxruntime's f32 relative
    # to each output's largest magnitude.
    precision = next((e.split("=", 1)[1] for e in extra if e.startswith("--precision=")), "f32")
    if precision != "f32":
        rtol, atol, normwise = {"f16": 1e-2, "bf16": 5e-2, "tf32": 5e-3}[precision], 0.0, True
    aiopt_e2e.check(model, inputs, workdir, name=family, rtol=rtol, atol=atol, extra=extra,
                    normwise=normwise, compile_only=compile_only, run_only=run_only,
                    device_buffers=device_buffers)
