"""Random valid ONNX models for differential testing (scripts/random-check.py):
each seed gives a small graph of a few to a dozen ops drawn from what
networks are made of (products by constant weights with biases and
activations, products of two activations, softmax, reductions, layer
normalization, transposes, reshapes, concatenations, slices, gathers of
rows, selections, functions (exp, log, sqrt, reciprocal, clip) and a round
trip through f16; and for images, convolutions, poolings, batch normalization and residual
additions), with sides picked around the GPU kernels' thresholds (16 and 32
rows and columns, 8 and 256 deep, tiles of 64), values shared by several
consumers, an intermediate value among the outputs, and sometimes a batch
of rows of a size left open (a symbolic leading dimension).

    model, inputs = random_models.build(seed)

Every op is in opset 17 and f32; weights are scaled so that values stay of
order one, so that outputs compare with a relative tolerance."""

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h

from models import Graph

# Row and column counts near the thresholds the kernels choose by.
SIDES = (1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 96, 100, 127, 128,
         129, 200, 255, 256, 257, 300)
CHANNELS = (1, 3, 4, 8, 15, 16, 17, 24, 32, 33, 48, 64)
# The most elements a value may have: lavapipe runs every kernel on the CPU.
MAX_ELEMENTS = 1 << 17


class NoValue(Exception):
    """No value has the shape an op needs."""


class Builder:
    """A graph under construction and its values with their shapes."""

    def __init__(self, seed):
        self.g = Graph(seed)
        self.rng = self.g.rng
        self.values = []  # (name, shape), in order of definition
        self.inputs = []  # (name, shape)

    def choice(self, items):
        return items[int(self.rng.integers(len(items)))]

    def side(self, low=1, high=300):
        return self.choice([s for s in SIDES if low <= s <= high])

    def add(self, name, shape):
        self.values.append((name, tuple(shape)))
        return name, tuple(shape)

    def input(self, shape):
        name = "in%d" % len(self.inputs)
        self.inputs.append((name, tuple(shape)))
        return self.add(name, shape)

    def find(self, accept=lambda shape: len(shape) >= 1):
        """A value whose shape `accept`s (of rank 1 or more unless told),
        the latest ones likelier; None if there is none."""
        found = [v for v in self.values if accept(v[1])]
        if not found:
            return None
        weights = np.arange(1, len(found) + 1, dtype=np.float64) ** 2
        return found[int(self.rng.choice(len(found), p=weights / weights.sum()))]

    def pick(self, accept=lambda shape: len(shape) >= 1):
        """As find, but raises NoValue where there is none."""
        value = self.find(accept)
        if value is None:
            raise NoValue()
        return value

    def op(self, op_type, inputs, shape, **attrs):
        return self.add(self.g.op(op_type, inputs, **attrs), shape)

    def const(self, array):
        return self.g.const(np.asarray(array, dtype=np.float32))


def fits(shape):
    return int(np.prod(shape)) <= MAX_ELEMENTS


# Ops on values of rank 2 or 3 ([..., rows, columns]).

def activation(b, x):
    """`x` through a random activation (or none)."""
    name, shape = x
    kind = b.choice(("none", "Relu", "Tanh", "Sigmoid", "gelu", "Abs"))
    if kind == "none":
        return x
    if kind == "gelu":
        erf = b.g.op("Erf", [b.g.op("Mul", [name, b.const(0.70710678)])])
        half = b.g.op("Mul", [name, b.const(0.5)])
        return b.op("Mul", [half, b.g.op("Add", [erf, b.const(1.0)])], shape)
    return b.op(kind, [name], shape)


def dense(b, x=None, n=None):
    """A product by constant weights, a bias (usually) and an activation."""
    x = x or b.pick(lambda s: len(s) >= 2)
    name, shape = x
    n = n or b.side(1, 300)
    out = shape[:-1] + (n,)
    if not fits(out):
        return None
    y = b.op("MatMul", [name, b.g.weight(shape[-1], n)], out)
    if b.rng.random() < 0.8:
        y = b.op("Add", [y[0], b.g.weight(n)], out)
    return activation(b, y)


def shared_dense(b):
    """Two or three products of one value by constant weights (attention's
    projections), each with its bias."""
    x = b.pick(lambda s: len(s) >= 2)
    results = [dense(b, x, b.side(8, 300)) for _ in range(int(b.rng.integers(2, 4)))]
    return results[-1] if all(results) else None


def pairwise(b):
    """A product of two values: x by the transpose of a value shaped as x
    (attention's scores), or by a value whose rows are x's columns."""
    x = b.pick(lambda s: len(s) >= 2)
    name, shape = x
    perm = list(range(len(shape) - 2)) + [len(shape) - 1, len(shape) - 2]
    y = b.find(lambda s: s == shape and s[-2] * s[-2] * int(np.prod(s[:-2])) <= MAX_ELEMENTS)
    if y and b.rng.random() < 0.6:
        out = shape[:-1] + (shape[-2],)
        t = b.g.op("Transpose", [y[0]], perm=perm)
        return b.op("MatMul", [name, t], out)
    y = b.find(lambda s: len(s) == len(shape) and s[:-2] == shape[:-2] and s[-2] == shape[-1])
    if not y or not fits(shape[:-1] + (y[1][-1],)):
        return None
    return b.op("MatMul", [name, y[0]], shape[:-1] + (y[1][-1],))


def unary(b):
    return activation(b, b.pick())


def math(b):
    """A function on a domain where it stays finite and smooth: exp of
    tanh, log and square root of |x| + 1, reciprocal, clip."""
    name, shape = b.pick()
    kind = b.choice(("exp", "log", "sqrt", "reciprocal", "clip"))
    if kind == "exp":
        return b.op("Exp", [b.g.op("Tanh", [name])], shape)
    if kind == "clip":
        return b.op("Clip", [name, b.const(-1.0), b.const(1.0)], shape)
    positive = b.g.op("Add", [b.g.op("Abs", [name]), b.const(1.0)])
    return b.op({"log": "Log", "sqrt": "Sqrt", "reciprocal": "Reciprocal"}[kind], [positive], shape)


def select(b):
    """Where(x > t, x, y): y a constant or a value of x's shape."""
    name, shape = b.pick()
    other = b.find(lambda s: s == shape)
    y = other[0] if other and b.rng.random() < 0.5 else b.const(np.float32(b.rng.standard_normal()))
    mask = b.g.op("Greater", [name, b.const(np.float32(b.rng.standard_normal() * 0.5))])
    return b.op("Where", [mask, name, y], shape)


def round_trip(b):
    """An input through f16 and back: rounding to f16's precision (of an
    input only: a computed value that differs from onnxruntime's in its
    last bit may round to the other f16 neighbour, a difference of 2^-11
    of itself that no tolerance for f32 would pass)."""
    name, shape = b.choice(b.inputs)
    half = b.g.op("Cast", [name], to=T.FLOAT16)
    return b.op("Cast", [half], shape, to=T.FLOAT)


def gather_rows(b):
    """Rows picked by constant indices (some repeated, some negative)."""
    name, shape = b.pick(lambda s: len(s) >= 2)
    axis = len(shape) - 2
    count = b.side(1, 300)
    out = shape[:axis] + (count,) + shape[axis + 1:]
    if not fits(out):
        return None
    indices = b.rng.integers(-shape[axis], shape[axis], size=count).astype(np.int64)
    return b.op("Gather", [name, b.g.const(indices)], out, axis=axis)


def binary(b):
    """x with a value of its shape, a row or column of constants, or a
    scalar."""
    name, shape = b.pick()
    kind = b.choice(("Add", "Sub", "Mul"))
    other = b.find(lambda s: s == shape)
    form = b.choice(("same", "row", "column", "scalar"))
    if form == "same" and other and other[0] != name:
        operand = other[0]
    elif form == "row":
        operand = b.const(b.rng.standard_normal(shape[-1:]))
    elif form == "column" and len(shape) >= 2:
        operand = b.const(b.rng.standard_normal(shape[-2:-1] + (1,)))
    else:
        operand = b.const(np.float32(b.rng.standard_normal()))
    return b.op(kind, [name, operand], shape)


def softmax(b):
    name, shape = b.pick()
    axis = b.choice((-1, -1, -1, -2 if len(shape) >= 2 else -1))
    return b.op("Softmax", [name], shape, axis=axis)


def reduce(b):
    """A reduction along the last axis, the one before it, or all; kept
    as a broadcast operand of x (x - mean, x / max|x|) or on its own."""
    name, shape = b.pick()
    kind = b.choice(("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"))
    axes = b.choice(([-1], [-1], [-2] if len(shape) >= 2 else [-1], list(range(len(shape)))))
    keep = b.rng.random() < 0.7 or len(axes) == len(shape)
    axes_norm = [a % len(shape) for a in axes]
    out = tuple(1 if i in axes_norm else d for i, d in enumerate(shape)) if keep else \
        tuple(d for i, d in enumerate(shape) if i not in axes_norm)
    if kind == "ReduceSum":
        r = b.op(kind, [name, b.g.const(np.array(axes, np.int64))], out, keepdims=int(keep))
    else:
        r = b.op(kind, [name], out, axes=axes, keepdims=int(keep))
    if keep and b.rng.random() < 0.6:
        return b.op("Sub", [name, r[0]], shape)
    return r


def layer_norm(b):
    name, shape = b.pick()
    n = shape[-1]
    if b.rng.random() < 0.5:
        return b.op("LayerNormalization", [name, b.const(b.rng.standard_normal(n)),
                                           b.const(b.rng.standard_normal(n))], shape, axis=-1)
    mean = b.g.op("ReduceMean", [name], axes=[-1])
    d = b.g.op("Sub", [name, mean])
    var = b.g.op("ReduceMean", [b.g.op("Mul", [d, d])], axes=[-1])
    std = b.g.op("Sqrt", [b.g.op("Add", [var, b.const(1e-5)])])
    return b.op("Add", [b.g.op("Mul", [b.g.op("Div", [d, std]), b.g.weight(n)]), b.g.weight(n)],
                shape)


def transpose(b):
    name, shape = b.pick(lambda s: len(s) >= 2)
    perm = list(range(len(shape) - 2)) + [len(shape) - 1, len(shape) - 2]
    return b.op("Transpose", [name], [shape[p] for p in perm], perm=perm)


def reshape(b):
    """Leading dimensions merged, or the rows split into a batch."""
    name, shape = b.pick(lambda s: len(s) >= 2)
    if len(shape) == 3:
        out = (shape[0] * shape[1], shape[2])
    else:
        parts = [p for p in (2, 3, 4, 8) if shape[0] % p == 0 and shape[0] > p]
        if not parts:
            return None
        p = b.choice(parts)
        out = (p, shape[0] // p, shape[1])
    return b.op("Reshape", [name, b.g.const(np.array(out, np.int64))], out)


def concat(b):
    name, shape = b.pick(lambda s: len(s) >= 2)
    other = b.pick(lambda s: len(s) == len(shape) and s[:-1] == shape[:-1])
    out = shape[:-1] + (shape[-1] + other[1][-1],)
    if not fits(out):
        return None
    return b.op("Concat", [name, other[0]], out, axis=-1)


def slice_columns(b):
    name, shape = b.pick(lambda s: len(s) >= 1 and s[-1] >= 2)
    start = int(b.rng.integers(0, shape[-1] - 1))
    end = int(b.rng.integers(start + 1, shape[-1] + 1))
    return b.op("Slice", [name, b.g.const(np.array([start], np.int64)),
                          b.g.const(np.array([end], np.int64)),
                          b.g.const(np.array([-1], np.int64))], shape[:-1] + (end - start,))


# Ops on values of any shape, (op, weight).
ANY_OPS = ((unary, 2), (binary, 3), (math, 1), (select, 1), (round_trip, 1))
ROW_OPS = ANY_OPS + ((dense, 4), (shared_dense, 1), (pairwise, 2), (softmax, 2), (reduce, 2),
                     (layer_norm, 2), (transpose, 1), (reshape, 1), (concat, 1),
                     (slice_columns, 1), (gather_rows, 1))


# Ops on images ([batch, channels, height, width]).

def image(shape):
    return len(shape) == 4


def conv(b):
    name, shape = b.pick(image)
    n, c, hgt, wid = shape
    k = b.choice((1, 1, 3, 3, 5))
    stride = b.choice((1, 1, 2))
    pad = b.choice((0, k // 2, k // 2))
    depthwise = k > 1 and b.rng.random() < 0.3
    cout = c if depthwise else b.choice(CHANNELS)
    oh, ow = (hgt + 2 * pad - k) // stride + 1, (wid + 2 * pad - k) // stride + 1
    out = (n, cout, oh, ow)
    if oh < 1 or ow < 1 or not fits(out):
        return None
    inputs = [name, b.g.weight(cout, 1 if depthwise else c, k, k)]
    if b.rng.random() < 0.7:
        inputs.append(b.g.weight(cout))
    y = b.op("Conv", inputs, out, kernel_shape=[k, k], strides=[stride, stride],
             pads=[pad] * 4, group=c if depthwise else 1)
    return activation(b, y)


def pool(b):
    name, shape = b.pick(lambda s: image(s) and min(s[2:]) >= 3)
    kind = b.choice(("MaxPool", "AveragePool"))
    k, stride = b.choice((2, 3)), b.choice((1, 2))
    pad = b.choice((0, k // 2)) if k == 3 else 0
    out = shape[:2] + tuple((d + 2 * pad - k) // stride + 1 for d in shape[2:])
    return b.op(kind, [name], out, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)


def batch_norm(b):
    name, shape = b.pick(image)
    c = shape[1]
    params = [b.const(b.rng.standard_normal(c)), b.const(b.rng.standard_normal(c)),
              b.const(b.rng.standard_normal(c) * 0.1), b.const(b.rng.uniform(0.5, 2.0, c))]
    return b.op("BatchNormalization", [name, *params], shape)


def residual(b):
    name, shape = b.pick(image)
    other = b.pick(lambda s: s == shape)
    if other[0] == name:
        return None
    return activation(b, b.op("Add", [name, other[0]], shape))


def head(b):
    """Global pooling and a flattened classifier: the image becomes rows."""
    name, shape = b.pick(image)
    pooled = b.g.op("GlobalAveragePool", [name])
    flat = b.op("Flatten", [pooled], (shape[0], shape[1]), axis=1)
    return dense(b, flat)


IMAGE_OPS = ((conv, 5), (pool, 1), (batch_norm, 1), (residual, 2), (head, 1))


def build(seed):
    """(ModelProto, [input arrays]) for `seed`."""
    b = Builder(seed)
    images = b.rng.random() < 0.35
    if images:
        shape = (b.choice((1, 1, 2)), b.choice(CHANNELS), b.side(5, 48), b.side(5, 48))
        while not fits(shape):
            shape = (1, b.choice(CHANNELS), b.side(5, 48), b.side(5, 48))
        b.input(shape)
    else:
        rows = (b.side(1, 300), b.side(1, 300))
        shape = ((b.choice((2, 3, 4)),) + rows) if b.rng.random() < 0.4 else rows
        while not fits(shape):
            shape = shape[:-1] + (shape[-1] // 2,)
        b.input(shape)
        if b.rng.random() < 0.4:
            b.input(shape)
    steps = int(b.rng.integers(3, 13))
    done = 0
    while done < steps:
        in_images = any(image(s) for _, s in b.values)
        table = IMAGE_OPS + ANY_OPS if in_images and images else ROW_OPS
        ops, weights = zip(*table)
        weights = np.array(weights, dtype=np.float64)
        op = ops[int(b.rng.choice(len(ops), p=weights / weights.sum()))]
        try:
            made = op(b)
        except NoValue:
            made = None
        if made:
            done += 1
    outputs = [b.values[-1]]
    defined = [v for v in b.values[:-1] if v[0] not in dict(b.inputs)]
    if defined and b.rng.random() < 0.5:
        outputs.append(b.choice(defined))
    # A batch of rows whose size the model leaves open (one in three): the
    # inputs' leading dimension is symbolic, as is each output's of the
    # same rank and size.
    batch = b.inputs[0][1][0] if not images and len(b.inputs[0][1]) == 3 else None
    dynamic = batch is not None and b.rng.random() < 1 / 3

    def info(name, shape):
        dims = list(shape)
        if dynamic and len(dims) == 3 and dims[0] == batch:
            dims[0] = "N"
        return h.make_tensor_value_info(name, T.FLOAT, dims)

    model = b.g.model([info(n, s) for n, s in b.inputs], [info(n, s) for n, s in outputs])
    inputs = [b.rng.standard_normal(s).astype(np.float32) for _, s in b.inputs]
    return model, inputs
