"""Real trained models for the quantization benchmark and tests.

Trains, with numpy and fixed seeds, an MLP (64-1024-1024-10) and a CNN
(two 3x3 convolutions, two fully connected layers) on scikit-learn's
digits data set (1797 8x8 handwritten digits, shipped inside the
scikit-learn package), and writes for each:

  DIR/<model>.onnx                     the float model (batch 1)
  DIR/calibration/x.npy                200 training images, stacked
  DIR/validation/x.npy, labels.npy     the held-out test images and labels

Usage: python bench/models/digits.py DIR [--epochs N]
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def load(seed=0):
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = int(len(x) * 0.7)
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def im2col(x, k, stride, pad):
    """x [N, C, H, W] -> columns [N, C*k*k, OH*OW]."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    cols = np.empty((n, c, k, k, oh, ow), x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
    return cols.reshape(n, c * k * k, oh * ow), oh, ow


def col2im(cols, shape, k, stride, pad, oh, ow):
    n, c, h, w = shape
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), cols.dtype)
    cols = cols.reshape(n, c, k, k, oh, ow)
    for i in range(k):
        for j in range(k):
            xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += cols[:, :, i, j]
    return xp[:, :, pad:pad + h, pad:pad + w]


class Net:
    """Layers: ("conv", W, b, stride, pad) on NCHW, ("fc", W[in,out], b)."""

    def __init__(self, spec, rng):
        self.layers = []
        for kind, *dims in spec:
            if kind == "conv":
                cin, cout, stride = dims
                w = rng.normal(0, np.sqrt(2.0 / (cin * 9)), (cout, cin, 3, 3))
                self.layers.append(["conv", w.astype(np.float32), np.zeros(cout, np.float32), stride, 1])
            else:
                fin, fout = dims
                w = rng.normal(0, np.sqrt(2.0 / fin), (fin, fout))
                self.layers.append(["fc", w.astype(np.float32), np.zeros(fout, np.float32)])
        self.m = [[np.zeros_like(p) for p in l[1:3]] for l in self.layers]
        self.v = [[np.zeros_like(p) for p in l[1:3]] for l in self.layers]
        self.t = 0

    def forward(self, x):
        cache = []
        for i, l in enumerate(self.layers):
            last = i == len(self.layers) - 1
            if l[0] == "conv":
                w, b, s, p = l[1:]
                cols, oh, ow = im2col(x, 3, s, p)
                out = np.einsum("mk,nkp->nmp", w.reshape(w.shape[0], -1), cols) + b[None, :, None]
                out = out.reshape(x.shape[0], w.shape[0], oh, ow)
                cache.append((x.shape, cols, oh, ow))
            else:
                x2 = x.reshape(x.shape[0], -1)
                out = x2 @ l[1] + l[2]
                cache.append((x.shape, x2))
            x = out if last else np.maximum(out, 0)
            cache[-1] += (out,)
        return x, cache

    def step(self, x, y, lr):
        logits, cache = self.forward(x)
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y] + 1e-12).mean()
        g = p
        g[np.arange(len(y)), y] -= 1
        g /= len(y)
        self.t += 1
        for i in reversed(range(len(self.layers))):
            l, c = self.layers[i], cache[i]
            if i != len(self.layers) - 1:
                g = g * (c[-1] > 0)
            if l[0] == "conv":
                shape, cols, oh, ow = c[:4]
                w = l[1]
                g2 = g.reshape(g.shape[0], w.shape[0], -1)
                gw = np.einsum("nmp,nkp->mk", g2, cols).reshape(w.shape)
                gb = g2.sum((0, 2))
                gcols = np.einsum("mk,nmp->nkp", w.reshape(w.shape[0], -1), g2)
                g = col2im(gcols, shape, 3, l[3], l[4], oh, ow)
            else:
                shape, x2 = c[:2]
                gw, gb = x2.T @ g, g.sum(0)
                g = (g @ l[1].T).reshape(shape)
            for j, grad in enumerate((gw, gb)):
                m, v = self.m[i], self.v[i]
                m[j] = 0.9 * m[j] + 0.1 * grad
                v[j] = 0.999 * v[j] + 0.001 * grad * grad
                mh, vh = m[j] / (1 - 0.9 ** self.t), v[j] / (1 - 0.999 ** self.t)
                l[1 + j] -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
        return loss

    def onnx(self, name, input_shape):
        nodes, inits, x = [], [], "x"
        for i, l in enumerate(self.layers):
            out = "y" if i == len(self.layers) - 1 else "h%d" % i
            if l[0] == "conv":
                inits += [numpy_helper.from_array(l[1], "w%d" % i), numpy_helper.from_array(l[2], "b%d" % i)]
                nodes.append(helper.make_node("Conv", [x, "w%d" % i, "b%d" % i], ["c%d" % i],
                                              name="conv%d" % i, strides=[l[3]] * 2, pads=[l[4]] * 4))
            else:
                if i and self.layers[i - 1][0] == "conv":
                    nodes.append(helper.make_node("Flatten", [x], ["flat%d" % i], name="flatten%d" % i))
                    x = "flat%d" % i
                elif i == 0:
                    nodes.append(helper.make_node("Flatten", [x], ["flat%d" % i], name="flatten%d" % i))
                    x = "flat%d" % i
                inits += [numpy_helper.from_array(l[1].T.copy(), "w%d" % i), numpy_helper.from_array(l[2], "b%d" % i)]
                nodes.append(helper.make_node("Gemm", [x, "w%d" % i, "b%d" % i], ["c%d" % i],
                                              name="fc%d" % i, transB=1))
            if out == "y":
                nodes[-1].output[0] = "y"
            else:
                nodes.append(helper.make_node("Relu", ["c%d" % i], [out], name="relu%d" % i))
            x = out
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


SPECS = {
    "digits_mlp": ([("fc", 64, 1024), ("fc", 1024, 1024), ("fc", 1024, 10)], [1, 8, 8]),
    "digits_cnn": ([("conv", 1, 32, 1), ("conv", 32, 64, 2), ("fc", 64 * 16, 256), ("fc", 256, 10)],
                   [1, 1, 8, 8]),
}


def train(name, epochs, out):
    (xt, yt), (xv, yv) = load()
    spec, shape = SPECS[name]
    rng = np.random.default_rng(1)
    net = Net(spec, rng)
    prep = (lambda x: x[:, None]) if name == "digits_cnn" else (lambda x: x)
    for epoch in range(epochs):
        order = rng.permutation(len(xt))
        for i in range(0, len(xt), 32):
            idx = order[i:i + 32]
            net.step(prep(xt[idx]), yt[idx], 1e-3)
    logits, _ = net.forward(prep(xv))
    acc = (logits.argmax(1) == yv).mean() * 100
    onnx.save(net.onnx(name, shape), os.path.join(out, name + ".onnx"))
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    (xt, _), (xv, yv) = load()
    os.makedirs(args.out, exist_ok=True)
    for kind, x, batch in (("mlp", None, [1, 8, 8]), ("cnn", None, [1, 1, 8, 8])):
        cal = os.path.join(args.out, "digits_%s_calibration" % kind)
        val = os.path.join(args.out, "digits_%s_validation" % kind)
        os.makedirs(cal, exist_ok=True)
        os.makedirs(val, exist_ok=True)
        np.save(os.path.join(cal, "x.npy"), xt[:200].reshape([200] + batch))
        np.save(os.path.join(val, "x.npy"), xv.reshape([len(xv)] + batch))
        np.save(os.path.join(val, "labels.npy"), yv)
    for name in SPECS:
        print("%s: float accuracy %.2f%% (numpy)" % (name, train(name, args.epochs, args.out)))


if __name__ == "__main__":
    main()
