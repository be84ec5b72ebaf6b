"""Bad input gets a Python exception with a clear message, never a crash."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

import aiopt


@pytest.fixture(scope="module")
def model(dense):
    m = aiopt.compile(dense[0])
    yield m
    m.close()


def test_wrong_dtype(model, x):
    with pytest.raises(TypeError, match="input 'x' must have dtype float32, not float64"):
        model(x.astype(np.float64))


def test_wrong_rank(model, x):
    with pytest.raises(ValueError, match="input 'x' must have rank 2"):
        model(x.reshape(16))


def test_wrong_shape(model):
    with pytest.raises(ValueError, match="input 'x': dimension 0 must be 2, not 3"):
        model(np.zeros((3, 8), np.float32))


def test_missing_and_unknown_inputs(model, x):
    with pytest.raises(ValueError, match="missing input"):
        model.run({})
    with pytest.raises(ValueError, match="unknown input"):
        model.run({"x": x, "y": x})
    with pytest.raises(ValueError, match="takes 1 input"):
        model.run([x, x])


def test_not_an_array(model):
    with pytest.raises(TypeError, match="must be a numpy array"):
        model([[0.0] * 8] * 2)


def test_threads_without_parallel(model):
    with pytest.raises(ValueError, match="compiled without parallel=True"):
        model.set_num_threads(2)
    with pytest.raises(ValueError, match="at least 1"):
        model.set_num_threads(0)


def test_closed_model(dense, x):
    m = aiopt.compile(dense[0])
    m.close()
    assert m.closed
    with pytest.raises(RuntimeError, match="is closed"):
        m(x)
    with aiopt.compile(dense[0]) as m2:
        pass
    with pytest.raises(RuntimeError, match="is closed"):
        m2(x)


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model file"):
        aiopt.compile(str(tmp_path / "absent.onnx"))
    with pytest.raises(FileNotFoundError, match="no such compiled model"):
        aiopt.load(str(tmp_path / "absent.so"))
    (tmp_path / "lonely.so").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="no signature file"):
        aiopt.load(str(tmp_path / "lonely.so"))


def test_not_onnx(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(aiopt.CompileError, match="bad.onnx.*not a valid ONNX model"):
        aiopt.compile(str(bad))


def test_unsupported_op_names_the_node(tmp_path):
    node = h.make_node("Frobnicate", ["x"], ["y"], name="the_node", domain="com.example")
    graph = h.make_graph([node], "g", [h.make_tensor_value_info("x", T.FLOAT, [2])],
                         [h.make_tensor_value_info("y", T.FLOAT, [2])])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17),
                                               h.make_opsetid("com.example", 1)])
    path = str(tmp_path / "custom.onnx")
    onnx.save(model, path)
    with pytest.raises(aiopt.CompileError) as info:
        aiopt.compile(path)
    assert "the_node" in str(info.value) and "Frobnicate" in str(info.value)
    assert "[E105]" in str(info.value)


def test_bad_options(dense):
    with pytest.raises(ValueError, match="opt_level"):
        aiopt.compile(dense[0], opt_level=5)
    with pytest.raises(ValueError, match="quantize"):
        aiopt.compile(dense[0], quantize="fast")
    with pytest.raises(ValueError, match="need quantize"):
        aiopt.compile(dense[0], calibration_data="x")
    with pytest.raises(aiopt.CompileError, match="unknown key 'bogus'"):
        aiopt.compile(dense[0], quantize="dynamic", quantization={"bogus": 1})
    with pytest.raises(aiopt.CompileError, match="expected boolean at quantization.per_channel"):
        aiopt.compile(dense[0], quantize="dynamic", quantization={"per_channel": "yes"})
    with pytest.raises(aiopt.CompileError, match="the method must be magnitude, nm or channels"):
        aiopt.compile(dense[0], prune="random")
    with pytest.raises(aiopt.CompileError, match="sparsity must be in"):
        aiopt.compile(dense[0], prune="magnitude:sparsity=1")
    with pytest.raises(aiopt.CompileError, match="unknown key 'bogus'"):
        aiopt.compile(dense[0], prune="nm:2:4", pruning={"bogus": 1})
    with pytest.raises(ValueError, match="need prune"):
        aiopt.compile(dense[0], pruning={"ops": ["MatMul"]})
    with pytest.raises(ValueError, match="precision must be 'f32', 'f16', 'bf16' or 'tf32'"):
        aiopt.compile(dense[0], precision="int8")
    with pytest.raises(aiopt.CompileError, match="--precision=tf32 is for GPU targets"):
        aiopt.compile(dense[0], precision="tf32")
    with pytest.raises(aiopt.CompileError, match="precision type tf32 takes no other keys"):
        aiopt.compile(dense[0], target="vulkan", precision="tf32",
                      precision_options={"exclude": ["Gemm"]})
    with pytest.raises(aiopt.CompileError, match="precision type tf32 takes no other keys"):
        aiopt.compile(dense[0], target="vulkan", precision="tf32", validation_data="x",
                      max_accuracy_drop=1)
    with pytest.raises(ValueError, match="precision_options need precision"):
        aiopt.compile(dense[0], precision_options={"ops": ["MatMul"]})
    with pytest.raises(aiopt.CompileError, match="unknown key 'bogus'"):
        aiopt.compile(dense[0], precision="f16", precision_options={"bogus": 1})
    with pytest.raises(aiopt.CompileError, match="--max-accuracy-drop needs --validation-data"):
        aiopt.compile(dense[0], precision="bf16", max_accuracy_drop=1)
    with pytest.raises(ValueError, match="gpu_arch and cuda_path need target='cuda'"):
        aiopt.compile(dense[0], gpu_arch="sm_80")
    with pytest.raises(ValueError, match="parallel is for CPUs"):
        aiopt.compile(dense[0], target="vulkan", parallel=True)
    with pytest.raises(aiopt.CompileError, match="sm_91 is not a known NVIDIA GPU architecture"):
        aiopt.compile(dense[0], target="cuda", gpu_arch="sm_91")
    with pytest.raises(ValueError, match="winograd must be 'auto', 'off', 2 or 4"):
        aiopt.compile(dense[0], winograd="6")
    with pytest.raises(ValueError, match="winograd is for CPUs"):
        aiopt.compile(dense[0], target="vulkan", winograd=2)
    with pytest.raises(ValueError, match="tensor_cores must be 'auto', 'off' or 'emulate'"):
        aiopt.compile(dense[0], target="vulkan", tensor_cores="wmma")
    with pytest.raises(ValueError, match="tensor_cores needs target='vulkan' or 'cuda'"):
        aiopt.compile(dense[0], tensor_cores="off")
    with pytest.raises(aiopt.CompileError,
                       match="skip_passes: 'cse' is not an optional cpu pass"):
        aiopt.compile(dense[0], skip_passes=["cse"])
    with pytest.raises(aiopt.CompileError, match="skip_passes: 'aiopt-cpu-distribute' is "
                                                 "not an optional vulkan pass"):
        aiopt.compile(dense[0], target="vulkan", skip_passes="aiopt-cpu-distribute")
    with pytest.raises(ValueError, match="skip_passes must be a list of pass names"):
        aiopt.compile(dense[0], skip_passes=["a,b"])
    with pytest.raises(ValueError, match="gpu_tiles needs target='vulkan' or 'cuda'"):
        aiopt.compile(dense[0], gpu_tiles={"thread-tile": 4})
    with pytest.raises(aiopt.CompileError, match="gpu_tiles: 'tile' is not one of fit-tiles"):
        aiopt.compile(dense[0], target="vulkan", gpu_tiles="tile=4")
    # Values the pass itself refuses reach it (E299).
    with pytest.raises(aiopt.CompileError, match="thread-tile powers of two"):
        aiopt.compile(dense[0], target="vulkan", gpu_tiles={"thread-tile": 3})
    with pytest.raises(aiopt.CompileError,
                       match="gpu_tiles: vector-loads=nvvm is for --target=cuda"):
        aiopt.compile(dense[0], target="vulkan", gpu_tiles={"vector-loads": "nvvm"})
    with pytest.raises(TypeError, match="path or an onnx.ModelProto"):
        aiopt.compile(42)


def test_runtime_checks_raise_index_error():
    table = np.arange(12, dtype=np.float32).reshape(6, 2)
    graph = h.make_graph([h.make_node("Gather", ["table", "ids"], ["y"], name="lookup")], "g",
                         [h.make_tensor_value_info("ids", T.INT64, [2])],
                         [h.make_tensor_value_info("y", T.FLOAT, [2, 2])],
                         [nh.from_array(table, "table")])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    model.ir_version = 10
    checked = aiopt.compile(model, runtime_checks=True)
    np.testing.assert_array_equal(checked(np.array([5, -6], np.int64)), table[[5, 0]])
    with pytest.raises(IndexError, match=r"node 'lookup' \(Gather\): index 6 is out of range"):
        checked(np.array([1, 6], np.int64))
    # Unchecked, the index is clamped: no error, nothing read out of bounds.
    unchecked = aiopt.compile(model)
    np.testing.assert_array_equal(unchecked(np.array([1, 6], np.int64)), table[[1, 5]])


def test_dynamic_extents(tmp_path):
    """Inputs naming a dimension alike must agree on it; extents the types
    leave dynamic broadcast at run time (1 stretches), and ones that do not
    broadcast raise, naming the node."""
    nodes = [h.make_node("Add", ["a", "b"], ["s"], name="add"),
             h.make_node("Add", ["s", "c"], ["out"], name="add_rows")]
    graph = h.make_graph(nodes, "g",
                         [h.make_tensor_value_info("a", T.FLOAT, ["batch", 4]),
                          h.make_tensor_value_info("b", T.FLOAT, ["batch", 4]),
                          h.make_tensor_value_info("c", T.FLOAT, ["rows", 4])],
                         [h.make_tensor_value_info("out", T.FLOAT, ["batch", 4])])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    path = str(tmp_path / "dynamic.onnx")
    onnx.save(model, path)
    with aiopt.compile(path) as m:
        assert m.inputs[0].dims == ("batch", None)
        assert m.inputs[2].dims == ("rows", None)
        assert m.outputs[0].dims == ()
        a, b = np.ones((3, 4), np.float32), np.full((3, 4), 2, np.float32)
        c = np.arange(4, dtype=np.float32).reshape(1, 4)
        np.testing.assert_array_equal(m(a, b, c), a + b + c)
        with pytest.raises(ValueError, match=r"input 1 \('b'\): dimension 0 \('batch'\) is 1, "
                                             r"but input 0 \('a'\) has 'batch' = 3"):
            m(a, b[:1], c)
        with pytest.raises(ValueError, match=r"node 'add_rows': operand 1 has extent 2 along its "
                                             r"axis 0, which does not broadcast with 3"):
            m(a, b, np.zeros((2, 4), np.float32))
