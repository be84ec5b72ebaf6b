"""aiopt.compile, CompiledModel.run and friends on real models."""

import glob
import os
import pathlib
import shutil

import numpy as np
import onnx
import pytest

import aiopt


def reference(x, w, b):
    return np.maximum(x @ w + b, 0)


def test_matches_numpy(dense, x):
    path, w, b = dense
    with aiopt.compile(path) as m:
        assert m.input_names == ["x"] and m.output_names == ["out"]
        assert m.inputs[0].dtype == np.float32 and m.inputs[0].shape == (2, 8)
        np.testing.assert_allclose(m(x), reference(x, w, b), rtol=1e-5, atol=1e-6)


def test_every_level_matches(dense, x):
    path, w, b = dense
    for level in (0, 1, 2, 3):
        with aiopt.compile(path, opt_level=level) as m:
            np.testing.assert_allclose(m(x), reference(x, w, b), rtol=1e-5, atol=1e-6)


def test_mixed_precision(dense, x):
    # f16 and bf16 products accumulate in f32: within the types' rounding
    # of the exact result, and not equal to the f32 compile's.
    path, w, b = dense
    want = reference(x, w, b)
    for precision, tolerance in (("f16", 1e-2), ("bf16", 5e-2)):
        with aiopt.compile(path, precision=precision) as m:
            got = m(x)
        error = np.abs(got - want).max() / np.abs(want).max()
        assert 0 < error <= tolerance, (precision, error)


def _build_dir():
    # The package runs from <build>/python_packages/aiopt.
    return pathlib.Path(aiopt.__file__).resolve().parents[2]


@pytest.mark.skipif(not ((_build_dir() / "lib" / "libaiopt_runtime_vulkan.a").exists()
                         and glob.glob("/usr/share/vulkan/icd.d/*.json")),
                    reason="no Vulkan runtime or driver on this machine")
def test_vulkan_target(dense, x):
    # The loop nests run as SPIR-V kernels (lavapipe here); the library
    # carries the Vulkan runtime.
    path, w, b = dense
    with aiopt.compile(path, target="vulkan") as m:
        np.testing.assert_allclose(m(x), reference(x, w, b), rtol=1e-5, atol=1e-6)
    with aiopt.compile(path, target="vulkan", precision="f16") as m:
        np.testing.assert_allclose(m(x), reference(x, w, b), rtol=1e-2, atol=1e-2)
    # bf16: Vulkan kernels keep it as the 16-bit integers of its bits.
    with aiopt.compile(path, target="vulkan", precision="bf16") as m:
        np.testing.assert_allclose(m(x), reference(x, w, b), rtol=5e-2, atol=5e-2)
    # tf32: operands rounded to 10 fraction bits in the kernels.
    with aiopt.compile(path, target="vulkan", precision="tf32") as m:
        np.testing.assert_allclose(m(x), reference(x, w, b), rtol=5e-3, atol=5e-3)


@pytest.mark.skipif(not ((_build_dir() / "lib" / "libaiopt_runtime_vulkan.a").exists()
                         and glob.glob("/usr/share/vulkan/icd.d/*.json")),
                    reason="no Vulkan runtime or driver on this machine")
def test_vulkan_variants(dense, x):
    # A baseline and the same model without one optimization, or with other
    # product tiles (what bench/vulkan.py --variant compares): the same
    # results (test_errors checks that the tiles reach the pass).
    path, w, b = dense
    for options in ({}, {"skip_passes": ["aiopt-gpu-fuse-producers"]},
                    {"gpu_tiles": {"thread-tile": 4, "fit-tiles": False}}):
        with aiopt.compile(path, target="vulkan", **options) as m:
            np.testing.assert_allclose(m(x), reference(x, w, b), rtol=1e-5, atol=1e-6)


def test_cpu_skip_passes(dense, x):
    path, w, b = dense
    with aiopt.compile(path, skip_passes=["aiopt-cpu-forward-copies",
                                          "aiopt-cpu-prefetch-weights"]) as m:
        np.testing.assert_allclose(m(x), reference(x, w, b), rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not ((_build_dir() / "lib" / "libaiopt_runtime_vulkan.a").exists()
                         and glob.glob("/usr/share/vulkan/icd.d/*.json")),
                    reason="no Vulkan runtime or driver on this machine")
def test_vulkan_tensor_cores_emulated(tmp_path):
    # f16 and bf16 products on the tensor-core kernels, their fragments
    # emulated (lavapipe has no tensor cores; bf16 in mma.sync's layout),
    # against numpy; off keeps the scalar kernel, a different library.
    rng = np.random.default_rng(3)
    w = rng.standard_normal((48, 40)).astype(np.float32) / 7
    b = rng.standard_normal(40).astype(np.float32)
    x = rng.standard_normal((32, 48)).astype(np.float32)
    nodes = [onnx.helper.make_node("MatMul", ["x", "W"], ["xw"], name="matmul"),
             onnx.helper.make_node("Add", ["xw", "b"], ["y"], name="bias"),
             onnx.helper.make_node("Relu", ["y"], ["out"], name="relu")]
    graph = onnx.helper.make_graph(
        nodes, "dense", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [32, 48])],
        [onnx.helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, [32, 40])],
        [onnx.numpy_helper.from_array(w, "W"), onnx.numpy_helper.from_array(b, "b")])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    model.ir_version = 10
    want = reference(x, w, b)
    sizes = {}
    for precision, tolerance in (("f16", 1e-2), ("bf16", 5e-2)):
        for choice in ("off", "emulate"):
            with aiopt.compile(model, target="vulkan", precision=precision,
                               tensor_cores=choice) as m:
                error = np.abs(m(x) - want).max() / np.abs(want).max()
                assert error < tolerance, (precision, choice, error)
                sizes[precision, choice] = m.library_size
        assert sizes[precision, "off"] != sizes[precision, "emulate"]


@pytest.mark.skipif(shutil.which("ptxas") is None and not os.path.isdir("/usr/local/cuda"),
                    reason="no CUDA toolkit on this machine")
def test_cuda_target(dense, x):
    # Compiles anywhere the toolkit is; runs where a GPU and its driver are,
    # and elsewhere says what is missing.
    path, w, b = dense
    with aiopt.compile(path, target="cuda", gpu_arch="sm_80") as m:
        try:
            got = m(x)
        except RuntimeError as e:
            assert "CUDA kernel" in str(e) and ("driver" in str(e) or "device" in str(e)), e
        else:
            np.testing.assert_allclose(got, reference(x, w, b), rtol=1e-5, atol=1e-6)


def test_run_forms_agree(dense, x):
    with aiopt.compile(dense[0]) as m:
        by_name = m.run({"x": x})
        by_order = m.run([x])
        assert len(by_name) == 1
        np.testing.assert_array_equal(by_name[0], by_order[0])
        np.testing.assert_array_equal(by_name[0], m(x))


def test_noncontiguous_inputs_are_copied(dense, x):
    path, w, b = dense
    with aiopt.compile(path) as m:
        fortran = np.asfortranarray(x)
        strided = np.zeros((2, 16), np.float32)
        strided[:, ::2] = x
        np.testing.assert_array_equal(m(fortran), m(x))
        np.testing.assert_array_equal(m(strided[:, ::2]), m(x))


def test_outputs_are_owned_arrays(dense, x):
    with aiopt.compile(dense[0]) as m:
        first = m(x)
        expected = first.copy()
        first[:] = -1  # writable, and not shared with the next run
        np.testing.assert_array_equal(m(x), expected)


def test_compare_with_onnxruntime(cnn):
    path, inputs = cnn
    with aiopt.compile(path) as m:
        result = aiopt.compare(m, path, inputs)
        assert [e.name for e in result] == m.output_names
        assert result.max_abs < 1e-4
        assert "max abs" in str(result)


def test_winograd_choices(wino):
    """Each Winograd choice matches onnxruntime; F(4x4)'s transforms round
    differently from the direct convolution, so the choice reaches the
    compiler."""
    path, inputs = wino
    outputs = {}
    for choice in ("off", 2, "4", "auto"):
        with aiopt.compile(path, winograd=choice) as m:
            assert aiopt.compare(m, path, inputs).max_abs < 1e-4
            outputs[str(choice)] = m.run(inputs)[0]
    assert not np.array_equal(outputs["off"], outputs["4"])
    assert not np.array_equal(outputs["2"], outputs["4"])


def test_model_proto_input(x):
    import conftest

    model, (w, b) = conftest.dense_relu(seed=3)
    with aiopt.compile(model, name="from_proto") as m:
        assert m.name == "from_proto"
        np.testing.assert_allclose(m(x), reference(x, w, b), rtol=1e-5, atol=1e-6)


def test_save_and_load(dense, x, tmp_path):
    path, w, b = dense
    library = str(tmp_path / "dense.so")
    with aiopt.compile(path) as m:
        m.save(library)
        expected = m(x)
    loaded = aiopt.load(library)
    np.testing.assert_array_equal(loaded(x), expected)
    assert loaded.library_size > 0
    loaded.close()


def test_threads(cnn):
    path, inputs = cnn
    with aiopt.compile(path, parallel=True) as m:
        assert m.parallel
        m.set_num_threads(1)
        one = m.run(inputs)
        m.set_num_threads(2)
        two = m.run(inputs)
        for a, b in zip(one, two):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _matmul_model(path, n=256):
    """A model whose n x n MatMul --parallel shares between threads."""
    from onnx import helper, numpy_helper, TensorProto
    w = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "mm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])],
        [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return w


def test_closing_a_parallel_model_stops_its_threads(tmp_path):
    # A parallel library carries the thread pool: closing it (dlclose)
    # stops the pool's workers first, which would otherwise run on in
    # unloaded code; a model used and closed on another thread as well.
    import threading
    import time
    path = tmp_path / "mm.onnx"
    w = _matmul_model(path)
    x = np.random.default_rng(1).standard_normal((256, 256)).astype(np.float32)

    def run_and_close():
        m = aiopt.compile(str(path), parallel=True)
        m.set_num_threads(2)
        np.testing.assert_allclose(m.run([x])[0], x @ w, rtol=1e-4, atol=1e-3)
        m.close()

    run_and_close()
    time.sleep(0.2)  # the workers spin for 10 ms after a region
    caller = threading.Thread(target=run_and_close)
    caller.start()
    caller.join()
    time.sleep(0.2)


def test_load_relative_path(dense, x, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with aiopt.compile(dense[0]) as m:
        m.save("relative.so")
        expected = m(x)
    with aiopt.load("relative.so") as loaded:
        np.testing.assert_array_equal(loaded(x), expected)


def test_debug_info_keeps_a_line_table(dense, x, tmp_path):
    """debug_info=True (aiopt-compile -g) leaves the numbers as they are and
    keeps a line table naming the model file; the default keeps none."""
    path, w, b = dense
    sizes = {}
    for debug in (False, True):
        with aiopt.compile(path, debug_info=debug) as m:
            np.testing.assert_allclose(m(x), reference(x, w, b), rtol=1e-5, atol=1e-6)
            library = tmp_path / ("g.so" if debug else "plain.so")
            m.save(library)
        data = library.read_bytes()
        sizes[debug] = len(data)
        assert (b".debug_line" in data) == debug
        assert (path.encode() in data or path.split("/")[-1].encode() in data) == debug
    assert sizes[True] > sizes[False]
