"""The models of the CPU performance benchmark (bench/performance.py), built
with the onnx package's helpers and fixed seeds:

- resnet50: ResNet-50 (1x3x224x224) from the onnx package's backend data
  with random weights (integration_test/lib/models.py `light`);
- mobilenetv2: MobileNetV2 (1x3x224x224, width 1.0: 17 inverted residual
  blocks, 1280-channel head, 1000 classes);
- bert_base: a BERT-base encoder (12 layers, hidden 768, 12 heads,
  sequence 128, exact GELU);
- mlp3: a 3-layer perceptron (batch 64: 1024 -> 4096 -> 4096 -> 1000);
- gemm256/gemm1024/gemm2048: square f32 MatMul with a constant right
  operand;
- chain20: 20 small layers (MatMul 64x256 by 256x256, then Relu), one
  kernel each on a GPU: what launching them costs (bench/vulkan.py).

Each function returns (onnx.ModelProto, [input arrays]).
"""

import os
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))
import models  # noqa: E402


def resnet50():
    m, sets = models.light("resnet50")
    return m, sets[0]


def mobilenetv2():
    g = models.Graph(21)
    x = models.conv_bn(g, "x", 3, 32, stride=2, act="Relu6")
    cin = 32
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            stride = s if i == 0 else 1
            mid = cin * t
            y = x if t == 1 else models.conv_bn(g, x, cin, mid, k=1, act="Relu6")
            y = models.conv_bn(g, y, mid, mid, stride=stride, group=mid, act="Relu6")
            y = models.conv_bn(g, y, mid, c, k=1, act=None)
            x = g.op("Add", [x, y]) if stride == 1 and cin == c else y
            cin = c
    x = models.conv_bn(g, x, cin, 1280, k=1, act="Relu6")
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)
    y = g.op("Gemm", [x, g.weight(1000, 1280), g.weight(1000)], transB=1)
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [1, 3, 224, 224])],
                [h.make_tensor_value_info(y, T.FLOAT, [1, 1000])])
    rng = np.random.default_rng(22)
    return m, [rng.standard_normal((1, 3, 224, 224)).astype(np.float32)]


def bert_base():
    m, sets = models.transformer(layers=12, hidden=768, heads=12, seed=23, seq=128, vocab=1000)
    return m, sets[1]  # with padding


def mlp3():
    g = models.Graph(24)
    x = g.op("Relu", [g.op("Gemm", ["x", g.weight(1024, 4096), g.weight(4096)])])
    x = g.op("Relu", [g.op("Gemm", [x, g.weight(4096, 4096), g.weight(4096)])])
    y = g.op("Gemm", [x, g.weight(4096, 1000), g.weight(1000)])
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [64, 1024])],
                [h.make_tensor_value_info(y, T.FLOAT, [64, 1000])])
    rng = np.random.default_rng(25)
    return m, [rng.standard_normal((64, 1024)).astype(np.float32)]


def gemm(n):
    def build():
        g = models.Graph(26)
        y = g.op("MatMul", ["x", g.weight(n, n)])
        m = g.model([h.make_tensor_value_info("x", T.FLOAT, [n, n])],
                    [h.make_tensor_value_info(y, T.FLOAT, [n, n])])
        rng = np.random.default_rng(27)
        return m, [rng.standard_normal((n, n)).astype(np.float32)]
    return build


def chain20():
    g = models.Graph(28)
    x = "x"
    for _ in range(20):
        x = g.op("Relu", [g.op("MatMul", [x, g.weight(256, 256, scale=0.088)])])
    m = g.model([h.make_tensor_value_info("x", T.FLOAT, [64, 256])],
                [h.make_tensor_value_info(x, T.FLOAT, [64, 256])])
    rng = np.random.default_rng(29)
    return m, [rng.standard_normal((64, 256)).astype(np.float32)]


MODELS = {
    "resnet50": resnet50,
    "mobilenetv2": mobilenetv2,
    "bert_base": bert_base,
    "mlp3": mlp3,
    "gemm256": gemm(256),
    "gemm1024": gemm(1024),
    "gemm2048": gemm(2048),
    "chain20": chain20,
}

# Multiply-adds x 2 of the square GEMMs, for the fraction of peak.
FLOPS = {"gemm256": 2 * 256 ** 3, "gemm1024": 2 * 1024 ** 3, "gemm2048": 2 * 2048 ** 3}
