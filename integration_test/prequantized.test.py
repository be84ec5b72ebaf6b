"""Checks of prequantized.test: quantized ONNX models (onnxruntime's
quantizer output, and one model per QOperator contrib operator) compiled
by aiopt agree with onnxruntime on the same inputs."""

import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import onnxruntime.quantization as oq
from onnx import TensorProto, helper, numpy_helper

build = os.environ["AIOPT_BUILD_DIR"]
sys.path.insert(0, os.path.join(build, "python_packages"))
import aiopt  # noqa: E402

work = sys.argv[1]
rng = np.random.default_rng(0)
U8, I8, I32, F32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32, TensorProto.FLOAT


def ort_session(path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    # Unoptimized: the quantized operators as the model states them.
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def check_op(label, node, inputs, initializers, out_type, out_shape, tolerance=1):
    """A one-node model: aiopt's output within `tolerance` (integer units,
    or relative for float outputs) of onnxruntime's."""
    graph_inputs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype),
                                                  a.shape) for n, a in inputs.items()]
    graph = helper.make_graph([node], label, graph_inputs,
                              [helper.make_tensor_value_info("y", out_type, out_shape)],
                              initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              ir_version=9)
    path = os.path.join(work, label + ".onnx")
    onnx.save(model, path)
    expected = ort_session(path).run(None, inputs)[0]
    got = aiopt.compile(path)(*inputs.values())
    got = got[0] if isinstance(got, (list, tuple)) else got
    if out_type == F32:
        diff = np.max(np.abs(got - expected)) / max(1e-6, np.max(np.abs(expected)))
    else:
        diff = np.max(np.abs(got.astype(np.int64) - expected.astype(np.int64)))
    print("op", label, "ok" if got.shape == expected.shape and diff <= tolerance
          else "FAIL: max difference %s" % diff)


def u8(*shape):
    return rng.integers(0, 256, shape, dtype=np.uint8)


def i8(*shape):
    # 7-bit weights: onnxruntime's uint8 x int8 kernels on AVX2 add pairs of
    # products in saturating int16 (vpmaddubsw), which full-range weights
    # overflow; aiopt accumulates exactly in i32.
    return rng.integers(-63, 64, shape, dtype=np.int8)


# QLinearConv, padded and strided, per-channel weight scales, uint8 input
# with a zero point, int32 bias.
check_op("QLinearConv-per-channel",
         helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"],
                          pads=[1, 1, 1, 1], strides=[2, 1]),
         {"x": u8(2, 3, 7, 6)},
         [init("xs", np.float32(0.02)), init("xz", np.uint8(120)), init("w", i8(4, 3, 3, 3)),
          init("ws", np.array([0.01, 0.02, 0.005, 0.03], np.float32)),
          init("wz", np.zeros(4, np.int8)), init("ys", np.float32(0.05)), init("yz", np.uint8(128)),
          init("b", rng.integers(-500, 500, 4, dtype=np.int32))],
         U8, [2, 4, 4, 6])
# Weights with a zero point (uint8): the exact i32 path.
check_op("QLinearConv-uint8-weights",
         helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["y"],
                          pads=[0, 1, 0, 1]),
         {"x": u8(1, 2, 5, 5)},
         [init("xs", np.float32(0.02)), init("xz", np.uint8(7)), init("w", u8(3, 2, 2, 3)),
          init("ws", np.float32(0.004)), init("wz", np.uint8(130)), init("ys", np.float32(0.1)),
          init("yz", np.uint8(3))],
         U8, [1, 3, 4, 5])
check_op("ConvInteger",
         helper.make_node("ConvInteger", ["x", "w", "xz"], ["y"], pads=[1, 1, 1, 1]),
         {"x": u8(1, 3, 6, 6)},
         [init("w", u8(2, 3, 3, 3)), init("xz", np.uint8(100))], I32, [1, 2, 6, 6], 0)
check_op("MatMulInteger",
         helper.make_node("MatMulInteger", ["a", "b", "az", "bz"], ["y"]),
         {"a": u8(5, 16)},
         [init("b", i8(16, 7)), init("az", np.uint8(9)), init("bz", np.int8(-4))],
         I32, [5, 7], 0)
qgemm_inputs = ["a", "as", "az", "b", "bs", "bz", "c"]
qgemm_inits = [init("as", np.float32(0.03)), init("az", np.uint8(128)), init("b", i8(6, 10)),
               init("bs", np.float32(0.02)), init("bz", np.int8(0)),
               init("c", rng.integers(-900, 900, 6, dtype=np.int32))]
check_op("QGemm-transB",
         helper.make_node("QGemm", qgemm_inputs + ["ys", "yz"], ["y"], domain="com.microsoft",
                          transB=1, alpha=0.5),
         {"a": u8(3, 10)}, qgemm_inits + [init("ys", np.float32(0.1)), init("yz", np.uint8(100))],
         U8, [3, 6])
check_op("QGemm-float",
         helper.make_node("QGemm", qgemm_inputs, ["y"], domain="com.microsoft", transB=1),
         {"a": u8(3, 10)}, qgemm_inits, F32, [3, 6], 1e-5)
binary_inits = [init("as", np.float32(0.05)), init("az", np.uint8(100)),
                init("bs", np.float32(0.02)), init("bz", np.uint8(140)),
                init("cs", np.float32(0.07)), init("cz", np.uint8(120))]
for op in ("QLinearAdd", "QLinearMul"):
    check_op(op, helper.make_node(op, ["a", "as", "az", "b", "bs", "bz", "cs", "cz"], ["y"],
                                  domain="com.microsoft"),
             {"a": u8(2, 3, 4), "b": u8(3, 4)}, binary_inits, U8, [2, 3, 4])
unary_inits = [init("xs", np.float32(0.05)), init("xz", np.uint8(128)),
               init("ys", np.float32(1 / 256)), init("yz", np.uint8(0))]
check_op("QLinearSigmoid", helper.make_node("QLinearSigmoid", ["x", "xs", "xz", "ys", "yz"],
                                            ["y"], domain="com.microsoft"),
         {"x": u8(4, 9)}, unary_inits, U8, [4, 9])
check_op("QLinearLeakyRelu",
         helper.make_node("QLinearLeakyRelu", ["x", "xs", "xz", "ys", "yz"], ["y"],
                          domain="com.microsoft", alpha=0.1),
         {"x": u8(4, 9)}, unary_inits[:2] + [init("ys", np.float32(0.04)),
                                             init("yz", np.uint8(20))], U8, [4, 9])
pool_inits = unary_inits[:2] + [init("ys", np.float32(0.03)), init("yz", np.uint8(110))]
check_op("QLinearGlobalAveragePool",
         helper.make_node("QLinearGlobalAveragePool", ["x", "xs", "xz", "ys", "yz"], ["y"],
                          domain="com.microsoft"),
         {"x": u8(2, 3, 5, 5)}, pool_inits, U8, [2, 3, 1, 1])
check_op("QLinearAveragePool",
         helper.make_node("QLinearAveragePool", ["x", "xs", "xz", "ys", "yz"], ["y"],
                          domain="com.microsoft", kernel_shape=[3, 3], strides=[2, 2],
                          pads=[1, 1, 1, 1]),
         {"x": u8(1, 2, 6, 6)}, pool_inits, U8, [1, 2, 3, 3])
check_op("QLinearConcat",
         helper.make_node("QLinearConcat", ["ys", "yz", "a", "as", "az", "b", "bs", "bz"], ["y"],
                          domain="com.microsoft", axis=1),
         {"a": u8(2, 3), "b": u8(2, 5)},
         [init("ys", np.float32(0.06)), init("yz", np.uint8(90))] + binary_inits[:4], U8, [2, 8])


# The digits models through onnxruntime's quantizer.
class Reader(oq.CalibrationDataReader):
    def __init__(self, xs):
        self.it = iter([{"x": x} for x in xs])

    def get_next(self):
        return next(self.it, None)


def object_size(path):
    out = path + ".o"
    subprocess.run([os.path.join(build, "bin", "aiopt-compile"), path, "-o", out], check=True)
    return os.path.getsize(out)


for name in ("digits_mlp", "digits_cnn"):
    onnx_path = os.path.join(work, name + ".onnx")
    cal = np.load(os.path.join(work, name + "_calibration", "x.npy"))
    xs = np.load(os.path.join(work, name + "_validation", "x.npy"))
    labels = np.load(os.path.join(work, name + "_validation", "labels.npy"))
    float_size = object_size(onnx_path)
    variants = {
        "qdq-per-tensor": dict(quant_format=oq.QuantFormat.QDQ, per_channel=False),
        "qdq-per-channel": dict(quant_format=oq.QuantFormat.QDQ, per_channel=True,
                                activation_type=oq.QuantType.QInt8),
        "qoperator": dict(quant_format=oq.QuantFormat.QOperator, per_channel=False),
        "dynamic": None,
    }
    for label, kw in variants.items():
        qpath = os.path.join(work, "%s-%s.onnx" % (name, label))
        if kw is None:
            oq.quantize_dynamic(onnx_path, qpath, weight_type=oq.QuantType.QInt8)
        else:
            oq.quantize_static(onnx_path, qpath, Reader(cal), weight_type=oq.QuantType.QInt8, **kw)
        ref = ort_session(qpath)
        model = aiopt.compile(qpath)
        ref_out = np.concatenate([ref.run(None, {"x": x})[0] for x in xs])
        got = np.concatenate([model(x) for x in xs])
        agree = np.mean(np.argmax(got, 1) == np.argmax(ref_out, 1))
        acc_ref = np.mean(np.argmax(ref_out, 1) == labels)
        acc = np.mean(np.argmax(got, 1) == labels)
        problems = []
        if agree < 0.99:
            problems.append("top-1 agrees with onnxruntime on %.1f%%" % (100 * agree))
        if abs(acc - acc_ref) > 0.01:
            problems.append("accuracy %.2f%% vs onnxruntime's %.2f%%" % (100 * acc, 100 * acc_ref))
        if label.startswith("qdq") and object_size(qpath) > 0.3 * float_size:
            problems.append("object %d bytes, float %d" % (object_size(qpath), float_size))
        print(name, label, "ok" if not problems else "FAIL: " + "; ".join(problems))
