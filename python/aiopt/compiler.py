"""aiopt.compile: the compiler, in process (the C API of aiopt-compile)."""

import json
import os
import tempfile

from . import _aiopt
from .model import CompiledModel


def compile(model, target="cpu", opt_level=2, parallel=False, name=None, cpu=None,
            features=None, quantize=None, prune=None, calibration_data=None,
            max_accuracy_drop=None):
    """Compiles an ONNX model and returns a CompiledModel ready to run.

    model: a path to an .onnx file, or an onnx.ModelProto.
    target: "cpu" (this machine) or an LLVM target triple (such a model can
        be saved but runs only on that target).
    opt_level: 0..3, as aiopt-compile -O0..-O3 (default 2).
    parallel: run the blocks of matmuls and convolutions on OpenMP threads
        (see CompiledModel.set_num_threads).
    name: the model's C name (default: from the file name).
    cpu, features: LLVM CPU name and feature string (default: the host's).
    quantize, prune, calibration_data, max_accuracy_drop: the compression
        options of issues 5 and 6; not implemented by the compiler yet, so
        passing any of them raises NotImplementedError.

    Raises FileNotFoundError for a missing file, ValueError for bad options
    and aiopt.CompileError (with the compiler's diagnostics, naming the ONNX
    node and op) for models it rejects.
    """
    for option, value in (("quantize", quantize), ("prune", prune),
                          ("calibration_data", calibration_data),
                          ("max_accuracy_drop", max_accuracy_drop)):
        if value is not None:
            raise NotImplementedError(
                "aiopt.compile(%s=...): quantization and pruning are not implemented "
                "by the compiler yet" % option)
    if opt_level not in (0, 1, 2, 3):
        raise ValueError("opt_level must be 0, 1, 2 or 3, not %r" % (opt_level,))
    workdir = tempfile.TemporaryDirectory(prefix="aiopt-")
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            workdir.cleanup()
            raise FileNotFoundError("no such model file: %r" % path)
    elif hasattr(model, "SerializeToString"):
        path = os.path.join(workdir.name, "model.onnx")
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
    else:
        workdir.cleanup()
        raise TypeError("model must be a path or an onnx.ModelProto, not %s" % type(model).__name__)
    triple = None if target == "cpu" else target
    library = os.path.join(workdir.name, "model.so")
    signature = json.loads(_aiopt.compile_shared(path, name, library, opt_level, parallel,
                                                 triple, cpu, features))
    signature["target"] = target
    signature["opt_level"] = opt_level
    return CompiledModel(library, signature, workdir)
