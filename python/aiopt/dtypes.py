"""Element types: aiopt_dtype codes (ONNX TensorProto codes) <-> numpy."""

import numpy as np

# The types numpy can hold; others (bfloat16, float8, int4) cross the C API
# but not this package.
_NUMPY = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
    7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64,
}


def to_numpy(code):
    """The numpy dtype of aiopt_dtype `code`, or None."""
    t = _NUMPY.get(code)
    return np.dtype(t) if t is not None else None

