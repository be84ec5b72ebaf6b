"""aiopt: compile ONNX models to fast native code and follow the
measure / optimize / compare workflow from Python.

    import aiopt
    m = aiopt.compile("model.onnx", opt_level=2)
    y = m(x)                       # one output: the array; several: a list
    outs = m.run({"input": x})     # outputs in graph order
    print(aiopt.compare(m, "model.onnx", {"input": x}))
    m.save("model.so"); m2 = aiopt.load("model.so")

See docs/python.md.
"""

from ._aiopt import CompileError
from .compare import Comparison, compare
from .compiler import compile
from .model import CompiledModel, TensorInfo, load

__version__ = "0.1.0"
__all__ = ["CompileError", "CompiledModel", "Comparison", "TensorInfo", "compare", "compile",
           "load", "__version__"]
