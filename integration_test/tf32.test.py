"""--precision=tf32 on the GPU targets: the kernels of f32 products round
their operands to TF32 (10 fraction bits, to nearest with ties away from
zero, as PTX's cvt.rna.tf32.f32) and accumulate in f32, as TF32 tensor
cores do. Each case runs on the device and is compared twice with
onnxruntime: with the model's inputs and weights rounded to TF32 first
(the TF32 reference: each product is then exact in f32, and only the order
of the additions differs), and as given (the f32 reference). The output
must be close to the first and measurably apart from the second, which
only the rounding explains.

Arguments: WORKDIR [aiopt-compile options], e.g. `--tensor-cores=emulate`
for CUDA's mma.sync fragments emulated on any device."""

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

work, extra = sys.argv[1], sys.argv[2:]
rng = np.random.default_rng(32)


def tf32(a):
    """`a` (f32) rounded to TF32 as the kernels round it (finite values:
    add half of the dropped unit, clear the 13 dropped bits)."""
    bits = np.ascontiguousarray(a, np.float32).view(np.uint32).astype(np.uint64)
    finite = (bits & 0x7F800000) != 0x7F800000
    rounded = ((bits + 0x1000) & 0xFFFFE000).astype(np.uint32)
    return np.where(finite, rounded, bits.astype(np.uint32)).view(np.float32)


def model(nodes, inputs, weights):
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in inputs],
                     [h.make_tensor_value_info("y", T.FLOAT, None)],
                     [nh.from_array(w, n) for n, w in weights.items()])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
    m.ir_version = 8
    return onnx.shape_inference.infer_shapes(m)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


cases = [
    ("mm_tiles", model([h.make_node("MatMul", ["a", "b"], ["y"])], [("a", [128, 256])],
                       {"b": rand(256, 128)}), [[128, 256]]),
    ("mm_ragged", model([h.make_node("MatMul", ["a", "b"], ["y"])], [("a", [37, 300]), ("b", [300, 45])],
                        {}), [[37, 300], [300, 45]]),
    ("mm_batched", model([h.make_node("MatMul", ["a", "b"], ["y"])], [("a", [3, 40, 96]), ("b", [3, 96, 50])],
                         {}), [[3, 40, 96], [3, 96, 50]]),
    ("gemm_transb_bias", model([h.make_node("Gemm", ["a", "w", "c"], ["y"], transB=1)], [("a", [50, 200])],
                               {"w": rand(70, 200), "c": rand(70)}), [[50, 200]]),
    ("conv3x3", model([h.make_node("Conv", ["x", "w", "bias"], ["y"], pads=[1, 1, 1, 1])], [("x", [1, 16, 20, 20])],
                      {"w": rand(32, 16, 3, 3), "bias": rand(32)}), [[1, 16, 20, 20]]),
    ("conv1x1_relu", model([h.make_node("Conv", ["x", "w"], ["c"]), h.make_node("Relu", ["c"], ["y"])],
                           [("x", [2, 64, 14, 14])], {"w": rand(48, 64, 1, 1)}), [[2, 64, 14, 14]]),
]

def fragment_kernels(path, flags):
    """How many kernels of the compiled model are fragment kernels (three
    workgroup buffers: A's and B's tiles and the sums'), of how many."""
    bindir, _ = aiopt_e2e.tools()
    outlined = subprocess.run([os.path.join(bindir, "aiopt-compile"), path, *flags, "-o",
                               path + ".o", "--mlir-print-ir-after=gpu-kernel-outlining",
                               "--mlir-elide-elementsattrs-if-larger=4"],
                              check=True, capture_output=True, text=True).stderr
    kernels = outlined.split("gpu.func @")[1:]
    # Workgroup buffers: attributions (CUDA) or allocations in memory
    # space 3 (Vulkan).
    buffers = [k.split("{")[0].count("address_space<workgroup>") +
               len(re.findall(r"memref\.alloc\(\) : memref<[^>]*(?:, 3|address_space<workgroup>)>", k))
               for k in kernels]
    return sum(1 for b in buffers if b == 3), len(kernels)


for name, m, shapes in cases:
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name + ".onnx")
    onnx.save(m, path)
    inputs = [rand(*s) for s in shapes]
    exe = aiopt_e2e.compile_model(path, d, name, extra=["--precision=tf32", *extra])
    (got,), _ = aiopt_e2e.run_compiled(exe, inputs, d)
    exact = aiopt_e2e.run_onnxruntime(path, inputs)[0]
    rounded_model = onnx.ModelProto()
    rounded_model.CopyFrom(m)
    # The products' weights (a bias is added in f32, not multiplied).
    for init in rounded_model.graph.initializer:
        if init.name in ("b", "w"):
            init.CopyFrom(nh.from_array(tf32(nh.to_array(init)), init.name))
    rounded_path = os.path.join(d, name + "-tf32.onnx")
    onnx.save(rounded_model, rounded_path)
    reference = aiopt_e2e.run_onnxruntime(rounded_path, [tf32(x) for x in inputs])[0]
    scale = float(np.abs(reference).max())
    to_tf32 = float(np.abs(got - reference).max()) / scale
    to_f32 = float(np.abs(got - exact).max()) / scale
    # The TF32 reference differs by the order of f32 additions (some 1e-7
    # of the output's scale); the f32 one by the operands' rounding (2^-11
    # relative per operand: some 1e-4 of the scale over these sums).
    ok = got.shape == reference.shape and to_tf32 < 5e-6 and to_f32 > 20 * to_tf32
    print("%s %s shape %s tf32 error %.1e f32 error %.1e" %
          ("PASS" if ok else "FAIL", name, list(got.shape), to_tf32, to_f32))
    print("FRAGMENTS %s %d of %d kernels" % (name, *fragment_kernels(path, ["--precision=tf32", *extra])))
