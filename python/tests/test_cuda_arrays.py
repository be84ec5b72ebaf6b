"""CUDA arrays in and out of CompiledModel.run, on the unit tests' fake CUDA
driver (libaiopt_fake_cuda_driver.so: "device memory" is host memory, every
copy is counted, kernels do not run). The model's reductions are too short
for kernels, so its host code reads the device input. Each check runs in a
child process whose CUDA runtime loads the fake driver
(AIOPT_CUDA_LIBRARY)."""

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h

import aiopt

BUILD = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(aiopt.__file__))))
FAKE_DRIVER = os.path.join(BUILD, "lib", "libaiopt_fake_cuda_driver.so")

pytestmark = [
    pytest.mark.skipif(shutil.which("ptxas") is None and not os.path.isdir("/usr/local/cuda"),
                       reason="no CUDA toolkit on this machine"),
    pytest.mark.skipif(not os.path.exists(FAKE_DRIVER), reason="no fake CUDA driver built"),
]

# The child: "device" arrays are fake-driver allocations behind
# __cuda_array_interface__; prints what the driver counted.
CHILD = textwrap.dedent("""
    import ctypes, json, sys
    import numpy as np
    import aiopt

    driver = ctypes.CDLL(sys.argv[2])
    stats = (ctypes.c_size_t * 7).in_dll(driver, "fake_cuda_stats")

    class DeviceArray:
        def __init__(self, shape, dtype=np.float32):
            self.shape, self.dtype = tuple(shape), np.dtype(dtype)
            nbytes = max(int(np.prod(self.shape)) * self.dtype.itemsize, 1)
            ptr = ctypes.c_ulonglong()
            assert driver.cuMemAlloc_v2(ctypes.byref(ptr), ctypes.c_size_t(nbytes)) == 0
            self.ptr, self.nbytes = ptr.value, nbytes

        @property
        def __cuda_array_interface__(self):
            return {"shape": self.shape, "typestr": self.dtype.str, "data": (self.ptr, False),
                    "strides": None, "version": 3}

        def write(self, a):  # the fake device memory is this process's memory
            ctypes.memmove(self.ptr, np.ascontiguousarray(a, self.dtype).ctypes.data, a.nbytes)

        def read(self):
            out = np.empty(self.shape, self.dtype)
            ctypes.memmove(out.ctypes.data, self.ptr, out.nbytes)
            return out

    class DLDevice(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int32), ("id", ctypes.c_int32)]

    class DLTensor(ctypes.Structure):
        _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                    ("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16),
                    ("shape", ctypes.POINTER(ctypes.c_int64)),
                    ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]

    Deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)

    class DLManaged(ctypes.Structure):
        _fields_ = [("tensor", DLTensor), ("ctx", ctypes.c_void_p), ("deleter", Deleter)]

    new_capsule = ctypes.pythonapi.PyCapsule_New
    new_capsule.restype = ctypes.py_object
    new_capsule.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    NAME = ctypes.c_char_p(b"dltensor")

    # A fake-driver allocation exported only by DLPack (as JAX does): counts
    # its exports, the streams asked for and the deleter's calls.
    class DLPackArray(DeviceArray):
        def __init__(self, shape, dtype=np.float32, device=2, code=None, lanes=1, strides=None):
            super().__init__(shape, dtype)
            self.device, self.lanes, self.strides = device, lanes, strides
            self.code = code if code is not None else {"f": 2, "i": 0, "u": 1, "b": 6}[self.dtype.kind]
            self.streams, self.deleted, self.kept = [], 0, []

        @property
        def __cuda_array_interface__(self):  # only DLPack
            raise AttributeError("exported by DLPack only")

        def __dlpack_device__(self):
            return (self.device, 0)

        def __dlpack__(self, stream=None):
            self.streams.append(stream)
            shape = (ctypes.c_int64 * len(self.shape))(*self.shape)
            strides = (ctypes.c_int64 * len(self.shape))(*self.strides) if self.strides else None
            deleter = Deleter(lambda p: setattr(self, "deleted", self.deleted + 1))
            m = DLManaged(DLTensor(self.ptr, DLDevice(self.device, 0), len(self.shape), self.code,
                                   self.dtype.itemsize * 8, self.lanes, shape, strides, 0),
                          None, deleter)
            self.kept.append((shape, strides, deleter, m))
            return new_capsule(ctypes.addressof(m), NAME, None)

    def counted():
        return dict(zip(["h2d", "d2h", "d2d", "allocations", "launches", "syncs", "bad"],
                        list(stats)))

    m = aiopt.load(sys.argv[1])
    x = np.arange(32, dtype=np.float32).reshape(4, 8) / 7 - 2
    result = {"expected": [float(x.sum()), float(x.max())]}
    dx = DeviceArray((4, 8))
    dx.write(x)
    outs = [DeviceArray(()), DeviceArray(())]
    before = counted()
    exec(sys.argv[3])
    after = counted()
    result["counted"] = {k: after[k] - before[k] for k in after}
    print(json.dumps(result))
""")


@pytest.fixture(scope="module")
def reductions(tmp_path_factory):
    """The sum of x and the max of y (both [4, 8]), compiled for CUDA and
    saved."""
    nodes = [h.make_node("ReduceSum", ["x"], ["s"], keepdims=0, name="sum"),
             h.make_node("ReduceMax", ["y"], ["m"], keepdims=0, name="max")]
    graph = h.make_graph(nodes, "reductions", [h.make_tensor_value_info("x", T.FLOAT, [4, 8]),
                                               h.make_tensor_value_info("y", T.FLOAT, [4, 8])],
                         [h.make_tensor_value_info("s", T.FLOAT, []),
                          h.make_tensor_value_info("m", T.FLOAT, [])])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 18)])
    model.ir_version = 10
    work = tmp_path_factory.mktemp("cuda_arrays")
    onnx.save(model, str(work / "reductions.onnx"))
    library = str(work / "reductions.so")
    with aiopt.compile(str(work / "reductions.onnx"), target="cuda", gpu_arch="sm_80") as m:
        m.save(library)
    return library


def child(library, code):
    env = dict(os.environ, AIOPT_CUDA_LIBRARY=FAKE_DRIVER)
    proc = subprocess.run([sys.executable, "-c", CHILD, library, FAKE_DRIVER, code], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    import json
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_device_inputs_and_outputs(reductions):
    # Device to device: the host code reads each input back once (32
    # floats), the results go to the output arrays on the device.
    r = child(reductions, textwrap.dedent("""
        got = m.run([dx, dx], outputs=outs)
        assert got is not None and got[0] is outs[0]
        result["got"] = [float(o.read()) for o in outs]
    """))
    np.testing.assert_allclose(r["got"], r["expected"], rtol=1e-6)
    assert r["counted"]["d2h"] == 2 * 32 * 4, r["counted"]
    assert r["counted"]["d2d"] + r["counted"]["h2d"] == 2 * 4, r["counted"]
    assert r["counted"]["bad"] == 0


def test_device_inputs_host_outputs(reductions):
    r = child(reductions, textwrap.dedent("""
        result["got"] = [float(o) for o in m.run([dx, dx])]
    """))
    np.testing.assert_allclose(r["got"], r["expected"], rtol=1e-6)
    assert r["counted"]["h2d"] == 0, r["counted"]


def test_host_inputs_device_outputs(reductions):
    r = child(reductions, textwrap.dedent("""
        m.run({"x": x, "y": x}, outputs=outs)
        result["got"] = [float(o.read()) for o in outs]
    """))
    np.testing.assert_allclose(r["got"], r["expected"], rtol=1e-6)


def test_bad_device_arguments(reductions):
    # Mixed inputs, a host output array, a wrong dtype or shape, too few
    # outputs, an address that is not device memory, strides: errors naming
    # the tensor.
    r = child(reductions, textwrap.dedent("""
        import pytest
        with pytest.raises(TypeError, match="inputs must all be CUDA arrays or all numpy"):
            m.run([dx, x])
        with pytest.raises(TypeError, match="output 'm' must be a CUDA array"):
            m.run([dx, dx], outputs=[outs[0], np.zeros((), np.float32)])
        with pytest.raises(TypeError, match="input 'y' must have dtype float32, not float64"):
            m.run([dx, DeviceArray((4, 8), np.float64)])
        with pytest.raises(ValueError, match="input 'x': dimension 1 must be 8, not 9"):
            m.run([DeviceArray((4, 9)), dx])
        with pytest.raises(ValueError, match="the model has 2 output"):
            m.run([dx, dx], outputs=[outs[0]])
        class NotDevice(DeviceArray):
            @property
            def __cuda_array_interface__(self):
                return dict(super().__cuda_array_interface__, data=(x.ctypes.data, False))
        with pytest.raises(ValueError, match="input 1 .'y'.: .* is not device memory"):
            m.run([dx, NotDevice((4, 8))])
        class Small(DeviceArray):  # a (2, 8) allocation said to be (4, 8)
            @property
            def __cuda_array_interface__(self):
                return dict(super().__cuda_array_interface__, shape=(4, 8))
        with pytest.raises(ValueError, match="input 0 .'x'.: needs 128 bytes at .*, its device "
                                             "allocation has 64 from there"):
            m.run([Small((2, 8)), dx])
        class Masked(DeviceArray):
            @property
            def __cuda_array_interface__(self):
                return dict(super().__cuda_array_interface__, mask=self)
        with pytest.raises(ValueError, match="input 'y' is a masked CUDA array"):
            m.run([dx, Masked((4, 8))])
        class Strided(DeviceArray):
            @property
            def __cuda_array_interface__(self):
                return dict(super().__cuda_array_interface__, strides=(4, 16))
        with pytest.raises(ValueError, match="input 'x' must be C-contiguous"):
            m.run([Strided((4, 8)), dx])
        result["got"] = "checked"
    """))
    assert r["got"] == "checked"


def test_dlpack_arrays(reductions):
    # DLPack exports in and out (no __cuda_array_interface__): asked for on
    # the legacy default stream (1), each handed back once after the run.
    r = child(reductions, textwrap.dedent("""
        dl = DLPackArray((4, 8))
        dl.write(x)
        douts = [DLPackArray(()), DLPackArray(())]
        got = m.run([dl, dl], outputs=douts)
        assert got[0] is douts[0]
        result["got"] = [float(o.read()) for o in douts]
        result["streams"] = dl.streams + douts[0].streams
        result["deleted"] = [dl.deleted, douts[0].deleted, douts[1].deleted]
        result["host"] = [float(v) for v in m.run([dl, dl])]
    """))
    np.testing.assert_allclose(r["got"], r["expected"], rtol=1e-6)
    np.testing.assert_allclose(r["host"], r["expected"], rtol=1e-6)
    assert r["streams"] == [1, 1, 1], r
    assert r["deleted"] == [2, 1, 1], r


def test_bad_dlpack_arrays(reductions):
    # Types numpy has not, vectors, strides, host-pinned memory: errors
    # naming the tensor; every export is handed back all the same.
    r = child(reductions, textwrap.dedent("""
        import pytest
        bf16 = DLPackArray((4, 8), np.float16, code=4)
        with pytest.raises(TypeError, match="input 'y' has DLPack type code 4, 16 bits, 1 lanes"):
            m.run([dx, bf16])
        lanes = DLPackArray((4, 8), lanes=2)
        with pytest.raises(TypeError, match="input 'x' has DLPack type code 2, 32 bits, 2 lanes"):
            m.run([lanes, dx])
        strided = DLPackArray((4, 8), strides=(1, 4))
        with pytest.raises(ValueError, match="input 'x' must be C-contiguous"):
            m.run([strided, dx])
        pinned = DLPackArray((4, 8), device=3)  # kDLCUDAHost: host memory
        with pytest.raises(TypeError, match="inputs must all be CUDA arrays or all numpy"):
            m.run([dx, pinned])
        with pytest.raises(TypeError, match="input 'y' must have dtype float32, not int32"):
            m.run([dx, DLPackArray((4, 8), np.int32)])
        result["deleted"] = [bf16.deleted, lanes.deleted, strided.deleted]
    """))
    assert r["deleted"] == [1, 1, 1], r


def test_cpu_dlpack(dense):
    # A CPU DLPack export (PyTorch, JAX) runs as the numpy array it views.
    class Exported:
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    x = np.linspace(-1, 1, 16, dtype=np.float32).reshape(2, 8)
    with aiopt.compile(dense[0]) as m:
        np.testing.assert_allclose(m(Exported(x)), m(x), rtol=0)


def test_cpu_models_take_no_cuda_arrays(dense):
    class Fake:
        __cuda_array_interface__ = {"shape": (2, 8), "typestr": "<f4", "data": (0, False),
                                    "version": 3}
    with aiopt.compile(dense[0]) as m:
        with pytest.raises(TypeError, match="does not take CUDA arrays .inputs.: compile it with "
                                            "target='cuda'"):
            m.run([Fake()])
