"""aiopt.compare: a compiled model against onnxruntime on the original."""

from dataclasses import dataclass

import numpy as np


@dataclass
class OutputError:
    name: str
    max_abs: float
    max_rel: float  # max |a - r| / max |r|


class Comparison(list):
    """One OutputError per output, in graph order."""

    @property
    def max_abs(self):
        return max((e.max_abs for e in self), default=0.0)

    def __str__(self):
        rows = ["%-24s %12s %12s" % ("output", "max abs", "max rel")]
        rows += ["%-24s %12.3g %12.3g" % (e.name, e.max_abs, e.max_rel) for e in self]
        return "\n".join(rows)


def output_errors(names, outputs, references):
    result = Comparison()
    for name, a, r in zip(names, outputs, references):
        a = np.asarray(a, dtype=np.float64)
        r = np.asarray(r, dtype=np.float64)
        if a.shape != r.shape:
            raise ValueError("output %r has shape %s, the reference %s" % (name, a.shape, r.shape))
        diff = float(np.max(np.abs(a - r))) if a.size else 0.0
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        result.append(OutputError(name, diff, diff / scale if scale else diff))
    return result


def reference_model_bytes(proto):
    """`proto` serialized for onnxruntime, whose pinned release reads IR
    versions up to 10 (newer onnx packages save 11+; the operator sets, not
    the IR version, decide the semantics)."""
    if proto.ir_version > 10:
        proto = type(proto).FromString(proto.SerializeToString())
        proto.ir_version = 10
    return proto.SerializeToString()


def compare(model, onnx_model, inputs):
    """Runs `model` (a CompiledModel) and onnxruntime on `onnx_model` (a
    path or ModelProto: the original) on the same `inputs` (a dict by name
    or a sequence in order); returns a Comparison of the outputs."""
    import onnxruntime as ort

    import onnx

    proto = onnx.load(onnx_model) if isinstance(onnx_model, str) else onnx_model
    source = reference_model_bytes(proto)
    if not isinstance(inputs, dict):
        inputs = dict(zip(model.input_names, inputs))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    references = session.run(None, inputs)
    return output_errors(model.output_names, model.run(inputs), references)
