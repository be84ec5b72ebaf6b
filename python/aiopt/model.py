"""CompiledModel: a compiled model's shared library, loaded, run on numpy."""

import ctypes
import json
import os
import shutil
from dataclasses import dataclass

import numpy as np

from . import _aiopt, dtypes


@dataclass(frozen=True)
class TensorInfo:
    """One input or output: its ONNX name, numpy dtype, shape (-1:
    dynamic) and, where the model names dynamic dimensions (ONNX dim_param),
    those names per dimension (None for the others; empty when none has
    one). Inputs' dimensions of one name must have one extent."""
    name: str
    dtype: np.dtype
    shape: tuple
    dims: tuple = ()


def _infos(entries):
    return [TensorInfo(e["name"], dtypes.to_numpy(e["dtype"]), tuple(e["shape"]),
                       tuple(n or None for n in e.get("dims", [])))
            for e in entries]


# DLPack (dlpack.h, version 0.8's unversioned capsule): device types and
# the tensor a "dltensor" capsule points to.
_DL_CPU, _DL_CUDA, _DL_CUDA_MANAGED = 1, 2, 13
_DL_DTYPES = {0: "int", 1: "uint", 2: "float", 6: "bool"}


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device_type", ctypes.c_int32),
                ("device_id", ctypes.c_int32), ("ndim", ctypes.c_int32),
                ("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p),
                ("deleter", ctypes.CFUNCTYPE(None, ctypes.c_void_p))]


_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_capsule_rename = ctypes.pythonapi.PyCapsule_SetName
_capsule_rename.restype = ctypes.c_int
_capsule_rename.argtypes = [ctypes.py_object, ctypes.c_char_p]
_USED = ctypes.c_char_p(b"used_dltensor")  # kept alive: the capsule keeps the pointer


def _dlpack_device(value):
    """The DLPack device type of `value`, or None when it exports none."""
    if isinstance(value, np.ndarray) or not hasattr(value, "__dlpack__"):
        return None
    return int(value.__dlpack_device__()[0])


def _is_cuda(value):
    return (hasattr(value, "__cuda_array_interface__") or
            _dlpack_device(value) in (_DL_CUDA, _DL_CUDA_MANAGED))


def _host_array(value):
    """`value` as a numpy array: CPU DLPack exports (PyTorch, JAX, ...) are
    viewed without a copy; other values are returned as they are."""
    if _dlpack_device(value) == _DL_CPU:
        return np.from_dlpack(value)
    return value


def _contiguity(shape, strides, itemsize, what):
    """Raises unless byte `strides` are C-contiguous for `shape`."""
    expected, step = [], itemsize
    for d in reversed(shape):
        expected.insert(0, step)
        step *= d
    if tuple(strides) != tuple(expected) and int(np.prod(shape)) > 1:
        raise ValueError("%s must be C-contiguous (strides %s, not %s)"
                         % (what, tuple(expected), tuple(strides)))


class _CudaArray:
    """What run needs of a CUDA array (CuPy, PyTorch, Numba, JAX arrays):
    its device address, dtype and shape, from `__cuda_array_interface__`
    or, without it, DLPack (`__dlpack__`, asked for on the legacy default
    stream, where the runtime reads and writes); it must be C-contiguous.
    `release()` hands a DLPack export back once the run is over."""

    def __init__(self, value, what):
        self._managed = None
        if hasattr(value, "__cuda_array_interface__"):
            interface = value.__cuda_array_interface__
            if interface.get("mask") is not None:
                raise ValueError("%s is a masked CUDA array" % what)
            self.dtype = np.dtype(interface["typestr"])
            self.shape = tuple(int(d) for d in interface["shape"])
            self.address = int(interface["data"][0])
            strides = interface.get("strides")
            if strides is not None:
                _contiguity(self.shape, strides, self.dtype.itemsize, what)
        else:
            self._from_dlpack(value.__dlpack__(stream=1), what)
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize

    def _from_dlpack(self, capsule, what):
        pointer = _capsule_pointer(capsule, b"dltensor")
        # Consumed: the capsule no longer deletes it, release() does.
        _capsule_rename(capsule, _USED)
        self._managed = _DLManagedTensor.from_address(pointer)
        t = self._managed.dl_tensor
        kind = _DL_DTYPES.get(t.code)
        if kind is None or t.lanes != 1:
            self.release()
            raise TypeError("%s has DLPack type code %d, %d bits, %d lanes: not a numpy type"
                            % (what, t.code, t.bits, t.lanes))
        self.dtype = np.dtype(np.bool_ if kind == "bool" else "%s%d" % (kind, t.bits))
        self.shape = tuple(int(t.shape[d]) for d in range(t.ndim))
        self.address = int(t.data or 0) + int(t.byte_offset)
        if t.strides:
            strides = [int(t.strides[d]) * self.dtype.itemsize for d in range(t.ndim)]
            try:
                _contiguity(self.shape, strides, self.dtype.itemsize, what)
            except ValueError:
                self.release()
                raise

    def release(self):
        if self._managed is not None and self._managed.deleter:
            self._managed.deleter(ctypes.addressof(self._managed))
        self._managed = None


def _check_tensor(info, dtype, shape, what):
    """Raises when `dtype` and `shape` do not fit `info` (static extents
    equal)."""
    if info.dtype is None or dtype != info.dtype:
        raise TypeError("%s must have dtype %s, not %s" % (what, info.dtype, dtype))
    if len(shape) != len(info.shape):
        raise ValueError("%s must have rank %d (shape %s), not %d"
                         % (what, len(info.shape), list(info.shape), len(shape)))
    for d, (want, got) in enumerate(zip(info.shape, shape)):
        if want != -1 and want != got:
            raise ValueError("%s: dimension %d must be %d, not %d (shape %s)"
                             % (what, d, want, got, list(info.shape)))


class CompiledModel:
    """A model compiled by aiopt.compile or loaded by aiopt.load.

    m(x, ...) runs it on positional inputs and returns the output (a list
    when there are several); m.run(inputs) takes a dict by input name or a
    sequence in input order and returns the outputs in graph order. Inputs
    must have the model's dtype and rank (static dimensions equal, and
    dimensions the model names alike of one extent: see TensorInfo.dims); C-
    contiguous arrays are passed without a copy, others are copied first.
    Outputs are new numpy arrays the model wrote (no copy).

    Objects that export DLPack on the CPU (`__dlpack__`: PyTorch, JAX,
    CuPy host arrays...) are viewed as numpy arrays without a copy.

    CUDA models (target="cuda") also take CUDA arrays, any object with
    `__cuda_array_interface__` or a CUDA DLPack export on the device the
    runtime uses (AIOPT_CUDA_DEVICE, default 0), read in place: all inputs
    CUDA arrays, or none. m.run(inputs, outputs=[...]) writes the outputs
    into CUDA arrays of the outputs' dtype and shape instead (device to
    device) and returns them. The runtime works on the legacy default
    stream (what DLPack exports are asked to synchronize with).
    """

    def __init__(self, library, signature, workdir=None):
        self._library = os.path.abspath(library)  # dlopen searches for bare names
        self._signature = signature
        self._workdir = workdir  # keeps a temporary library alive
        self.name = signature["name"]
        self.inputs = _infos(signature["inputs"])
        self.outputs = _infos(signature["outputs"])
        self.parallel = bool(signature.get("parallel", False))
        # GPU models run here when the device is (their runtime says when not).
        self._runnable = signature.get("target", "cpu") in ("cpu", "vulkan", "cuda")
        self._model = None
        if self._runnable:
            spec = lambda es: [(e["name"], e["dtype"], list(e["shape"]), list(e.get("dims", [])))
                               for e in es]
            self._model = _aiopt.Model(self._library, self.name, spec(signature["inputs"]),
                                       spec(signature["outputs"]),
                                       bool(signature.get("device_buffers", False)))

    @property
    def input_names(self):
        return [t.name for t in self.inputs]

    @property
    def output_names(self):
        return [t.name for t in self.outputs]

    @property
    def library_size(self):
        """Bytes of the compiled shared library (code and weights)."""
        return os.path.getsize(self._library)

    @property
    def closed(self):
        return self._model is None or self._model.closed

    def _check_open(self):
        if not self._runnable:
            raise RuntimeError("model %r was compiled for %r and cannot run here"
                               % (self.name, self._signature.get("target")))
        if self.closed:
            raise RuntimeError("model %r is closed" % self.name)

    def _values(self, inputs):
        if isinstance(inputs, dict):
            unknown = sorted(set(inputs) - set(self.input_names))
            if unknown:
                raise ValueError("unknown input(s) %s; the model's inputs are %s"
                                 % (unknown, self.input_names))
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError("missing input(s) %s" % missing)
            values = [inputs[n] for n in self.input_names]
        else:
            values = list(inputs)
            if len(values) != len(self.inputs):
                raise ValueError("the model takes %d input(s) %s, got %d"
                                 % (len(self.inputs), self.input_names, len(values)))
        return values

    def _arrays(self, values):
        arrays = []
        for info, value in zip(self.inputs, values):
            if not isinstance(value, np.ndarray):
                raise TypeError("input %r must be a numpy array, not %s"
                                % (info.name, type(value).__name__))
            _check_tensor(info, value.dtype, value.shape, "input %r" % info.name)
            arrays.append(np.ascontiguousarray(value))
        return arrays

    def _device_buffers(self, what):
        if not self._model.device_buffers:
            raise TypeError("model %r does not take CUDA arrays (%s): compile it with "
                            "target='cuda'" % (self.name, what))

    def run(self, inputs, outputs=None):
        """Runs the model; `inputs` is a dict by name or a sequence in order
        (numpy arrays, or for CUDA models CUDA arrays). Returns the outputs
        in graph order: new numpy arrays, or `outputs` (CUDA arrays) written
        on the device."""
        self._check_open()
        values = [_host_array(v) for v in self._values(inputs)]
        on_device = [_is_cuda(v) for v in values]
        if not any(on_device) and outputs is None:
            return self._model.run(self._arrays(values))
        if any(on_device) and not all(on_device):
            raise TypeError("inputs must all be CUDA arrays or all numpy arrays")
        exports = []  # DLPack exports, released once the run is over
        try:
            return self._run_on(values, any(on_device), outputs, exports)
        finally:
            for c in exports:
                c.release()

    def _cuda_arrays(self, infos, values, kind, exports):
        arrays = []
        for info, value in zip(infos, values):
            what = "%s %r" % (kind, info.name)
            if not _is_cuda(value):
                raise TypeError("%s must be a CUDA array, not %s" % (what, type(value).__name__))
            c = _CudaArray(value, what)
            exports.append(c)
            _check_tensor(info, c.dtype, c.shape, what)
            arrays.append(c)
        return arrays

    def _run_on(self, values, on_device, outputs, exports):
        if on_device:
            self._device_buffers("inputs")
            cuda = self._cuda_arrays(self.inputs, values, "input", exports)
            given = [(c.address, list(c.shape)) for c in cuda]
        else:
            arrays = self._arrays(values)  # alive until the run returns
            given = [(a.ctypes.data, list(a.shape)) for a in arrays]
        if outputs is None:
            return self._model.run_on(given, on_device, [])
        self._device_buffers("outputs")
        outputs = list(outputs)
        if len(outputs) != len(self.outputs):
            raise ValueError("the model has %d output(s) %s, got %d output arrays"
                             % (len(self.outputs), self.output_names, len(outputs)))
        targets = self._cuda_arrays(self.outputs, outputs, "output", exports)
        shapes = self._model.run_on(given, on_device, [(c.address, c.nbytes) for c in targets])
        for info, c, shape in zip(self.outputs, targets, shapes):
            if tuple(shape) != c.shape:
                raise ValueError("output %r has shape %s, its array %s"
                                 % (info.name, list(shape), list(c.shape)))
        return outputs

    def __call__(self, *inputs):
        outputs = self.run(inputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def set_num_threads(self, n):
        """Threads for the runs that follow (models compiled with
        parallel=True; others run on one thread)."""
        self._check_open()
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError("the thread count must be an int")
        self._model.set_num_threads(n)

    def save(self, path):
        """Writes the shared library to `path` and its signature to
        `path` + ".json" (aiopt.load reads both)."""
        shutil.copyfile(self._library, path)
        with open(os.fspath(path) + ".json", "w") as f:
            json.dump(self._signature, f, indent=1)

    def close(self):
        """Unloads the library; later runs raise RuntimeError."""
        if self._model is not None:
            self._model.close()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<aiopt.CompiledModel %s: %s -> %s>" % (
            self.name, [(t.name, str(t.dtype), list(t.shape)) for t in self.inputs],
            [(t.name, str(t.dtype), list(t.shape)) for t in self.outputs])


def load(path):
    """Loads a model saved by CompiledModel.save."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError("no such compiled model: %r" % path)
    sidecar = path + ".json"
    if not os.path.isfile(sidecar):
        raise FileNotFoundError("%r has no signature file %r (written by CompiledModel.save)"
                                % (path, sidecar))
    with open(sidecar) as f:
        signature = json.load(f)
    return CompiledModel(path, signature)
