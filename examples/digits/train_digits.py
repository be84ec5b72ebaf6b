"""Trains the bundled example model: a small CNN on scikit-learn's digits
(8x8 grey images, 10 classes), in plain numpy with a fixed seed, and exports
it to ONNX with the onnx package's helpers.

    python examples/digits/train_digits.py [--out digits_cnn.onnx]

Architecture: Conv(1->8, 3x3, pad 1) -> BatchNorm -> Relu -> MaxPool 2x2
-> Conv(8->16, 3x3, pad 1) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm(64->10).
BatchNormalization is trained as a per-channel affine layer with running
statistics, so the exported graph looks like an exporter's.
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SEED = 0


def split():
    """The train/test split every script of this example uses."""
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    return train_test_split(x, digits.target, test_size=0.2, random_state=SEED,
                            stratify=digits.target)


def im2col(x, k=3, pad=1):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((n, c, k, k, h, w), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i:i + h, j:j + w]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * h * w, c * k * k)


def col2im(cols, shape, k=3, pad=1):
    n, c, h, w = shape
    cols = cols.reshape(n, h, w, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            xp[:, :, i:i + h, j:j + w] += cols[:, :, i, j]
    return xp[:, :, pad:pad + h, pad:pad + w]


def conv_forward(x, w, b):
    n, _, h, wd = x.shape
    cols = im2col(x)
    out = cols @ w.reshape(w.shape[0], -1).T + b
    return out.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols


def conv_backward(dout, cols, x_shape, w):
    m = w.shape[0]
    d = dout.transpose(0, 2, 3, 1).reshape(-1, m)
    dw = (d.T @ cols).reshape(w.shape)
    db = d.sum(axis=0)
    dx = col2im(d @ w.reshape(m, -1), x_shape)
    return dx, dw, db


def pool_forward(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    mask = r == out[:, :, :, None, :, None]
    return out, mask


def pool_backward(dout, mask):
    d = mask * dout[:, :, :, None, :, None]
    n, c, h2, _, w2, _ = d.shape
    return d.reshape(n, c, h2 * 2, w2 * 2)


class CNN:
    def __init__(self, rng):
        def he(*shape):
            return (rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))).astype(np.float32)
        self.p = {
            "w1": he(8, 1, 3, 3), "b1": np.zeros(8, np.float32),
            "gamma": np.ones(8, np.float32), "beta": np.zeros(8, np.float32),
            "w2": he(16, 8, 3, 3), "b2": np.zeros(16, np.float32),
            "w3": he(10, 64), "b3": np.zeros(10, np.float32),
        }
        self.mean = np.zeros(8, np.float32)
        self.var = np.ones(8, np.float32)

    def forward(self, x, train):
        p, c = self.p, {}
        a1, c["cols1"] = conv_forward(x, p["w1"], p["b1"])
        if train:
            mu, var = a1.mean(axis=(0, 2, 3)), a1.var(axis=(0, 2, 3))
            self.mean = 0.9 * self.mean + 0.1 * mu
            self.var = 0.9 * self.var + 0.1 * var
        else:
            mu, var = self.mean, self.var
        inv = 1.0 / np.sqrt(var + 1e-5)
        xhat = (a1 - mu[None, :, None, None]) * inv[None, :, None, None]
        bn = xhat * p["gamma"][None, :, None, None] + p["beta"][None, :, None, None]
        r1 = np.maximum(bn, 0)
        m1, c["mask1"] = pool_forward(r1)
        a2, c["cols2"] = conv_forward(m1, p["w2"], p["b2"])
        r2 = np.maximum(a2, 0)
        m2, c["mask2"] = pool_forward(r2)
        flat = m2.reshape(len(x), -1)
        logits = flat @ p["w3"].T + p["b3"]
        c.update(x=x, a1=a1, xhat=xhat, inv=inv, bn=bn, m1=m1, a2=a2, flat=flat)
        return logits, c

    def backward(self, dlogits, c):
        p, g = self.p, {}
        g["w3"] = dlogits.T @ c["flat"]
        g["b3"] = dlogits.sum(axis=0)
        dm2 = (dlogits @ p["w3"]).reshape(c["flat"].shape[0], 16, 2, 2)
        dr2 = pool_backward(dm2, c["mask2"]) * (c["a2"] > 0)
        dm1, g["w2"], g["b2"] = conv_backward(dr2, c["cols2"], c["m1"].shape, p["w2"])
        dbn = pool_backward(dm1, c["mask1"]) * (c["bn"] > 0)
        g["gamma"] = (dbn * c["xhat"]).sum(axis=(0, 2, 3))
        g["beta"] = dbn.sum(axis=(0, 2, 3))
        dxhat = dbn * p["gamma"][None, :, None, None]
        m = dxhat.shape[0] * dxhat.shape[2] * dxhat.shape[3]
        da1 = (c["inv"][None, :, None, None] / m) * (
            m * dxhat - dxhat.sum(axis=(0, 2, 3))[None, :, None, None]
            - c["xhat"] * (dxhat * c["xhat"]).sum(axis=(0, 2, 3))[None, :, None, None])
        _, g["w1"], g["b1"] = conv_backward(da1, c["cols1"], c["x"].shape, p["w1"])
        return g


def train(epochs=30, batch=32, lr=0.05):
    x_train, x_test, y_train, y_test = split()
    rng = np.random.default_rng(SEED)
    net = CNN(rng)
    velocity = {k: np.zeros_like(v) for k, v in net.p.items()}
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            logits, cache = net.forward(x_train[idx], train=True)
            prob = np.exp(logits - logits.max(axis=1, keepdims=True))
            prob /= prob.sum(axis=1, keepdims=True)
            prob[np.arange(len(idx)), y_train[idx]] -= 1
            grads = net.backward(prob / len(idx), cache)
            for k in net.p:
                velocity[k] = 0.9 * velocity[k] - lr * grads[k]
                net.p[k] += velocity[k]
        if epoch % 10 == 9 or epoch == epochs - 1:
            acc = (net.forward(x_test, train=False)[0].argmax(axis=1) == y_test).mean()
            print("epoch %d: test accuracy %.4f" % (epoch + 1, acc))
    return net


def export(net, path):
    p = net.p
    init = [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in [
        ("conv1.weight", p["w1"]), ("conv1.bias", p["b1"]),
        ("bn1.scale", p["gamma"]), ("bn1.bias", p["beta"]),
        ("bn1.mean", net.mean), ("bn1.var", net.var),
        ("conv2.weight", p["w2"]), ("conv2.bias", p["b2"]),
        ("fc.weight", p["w3"]), ("fc.bias", p["b3"])]]
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    pool = dict(kernel_shape=[2, 2], strides=[2, 2])
    nodes = [
        helper.make_node("Conv", ["image", "conv1.weight", "conv1.bias"], ["c1"], name="conv1", **conv),
        helper.make_node("BatchNormalization", ["c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
                         ["n1"], name="bn1", epsilon=1e-5),
        helper.make_node("Relu", ["n1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", **pool),
        helper.make_node("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], name="conv2", **conv),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2", **pool),
        helper.make_node("Flatten", ["p2"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "digits_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="aiopt examples/digits/train_digits.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "digits_cnn.onnx"))
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    export(train(epochs=args.epochs), args.out)
