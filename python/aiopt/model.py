"""CompiledModel: a compiled model's shared library, loaded, run on numpy."""

import json
import os
import shutil
from dataclasses import dataclass

import numpy as np

from . import _aiopt, dtypes


@dataclass(frozen=True)
class TensorInfo:
    """One input or output: its ONNX name, numpy dtype and shape (-1:
    dynamic)."""
    name: str
    dtype: np.dtype
    shape: tuple


def _infos(entries):
    return [TensorInfo(e["name"], dtypes.to_numpy(e["dtype"]), tuple(e["shape"]))
            for e in entries]


class _CudaArray:
    """What run needs of an object with `__cuda_array_interface__` (CuPy,
    PyTorch, Numba arrays): its device address, dtype and shape; it must be
    C-contiguous."""

    def __init__(self, value, what):
        interface = value.__cuda_array_interface__
        if interface.get("mask") is not None:
            raise ValueError("%s is a masked CUDA array" % what)
        self.dtype = np.dtype(interface["typestr"])
        self.shape = tuple(int(d) for d in interface["shape"])
        self.address = int(interface["data"][0])
        strides = interface.get("strides")
        if strides is not None:
            expected, step = [], self.dtype.itemsize
            for d in reversed(self.shape):
                expected.insert(0, step)
                step *= d
            if tuple(strides) != tuple(expected) and int(np.prod(self.shape)) > 1:
                raise ValueError("%s must be C-contiguous (strides %s, not %s)"
                                 % (what, tuple(expected), tuple(strides)))
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize


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
    must have the model's dtype and rank (static dimensions equal); C-
    contiguous arrays are passed without a copy, others are copied first.
    Outputs are new numpy arrays the model wrote (no copy).

    CUDA models (target="cuda") also take CUDA arrays, any object with
    `__cuda_array_interface__` on the device the runtime uses
    (AIOPT_CUDA_DEVICE, default 0), read in place: all inputs CUDA arrays,
    or none. m.run(inputs, outputs=[...]) writes the outputs into CUDA
    arrays of the outputs' dtype and shape instead (device to device) and
    returns them.
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
            spec = lambda es: [(e["name"], e["dtype"], list(e["shape"])) for e in es]
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
        values = self._values(inputs)
        on_device = [hasattr(v, "__cuda_array_interface__") for v in values]
        if not any(on_device) and outputs is None:
            return self._model.run(self._arrays(values))
        if any(on_device) and not all(on_device):
            raise TypeError("inputs must all be CUDA arrays or all numpy arrays")
        if any(on_device):
            self._device_buffers("inputs")
            cuda = [_CudaArray(v, "input %r" % info.name) for info, v in zip(self.inputs, values)]
            for info, c in zip(self.inputs, cuda):
                _check_tensor(info, c.dtype, c.shape, "input %r" % info.name)
            given = [(c.address, list(c.shape)) for c in cuda]
        else:
            arrays = self._arrays(values)  # alive until the run returns
            given = [(a.ctypes.data, list(a.shape)) for a in arrays]
        if outputs is None:
            return self._model.run_on(given, any(on_device), [])
        self._device_buffers("outputs")
        outputs = list(outputs)
        if len(outputs) != len(self.outputs):
            raise ValueError("the model has %d output(s) %s, got %d output arrays"
                             % (len(self.outputs), self.output_names, len(outputs)))
        targets = []
        for info, value in zip(self.outputs, outputs):
            what = "output %r" % info.name
            if not hasattr(value, "__cuda_array_interface__"):
                raise TypeError("%s must be a CUDA array, not %s" % (what, type(value).__name__))
            c = _CudaArray(value, what)
            _check_tensor(info, c.dtype, c.shape, what)
            targets.append(c)
        shapes = self._model.run_on(given, any(on_device),
                                    [(c.address, c.nbytes) for c in targets])
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
