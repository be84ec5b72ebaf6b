"""Converts an ONNX model from protobuf text format to binary (test helper)."""
import sys

import onnx
from google.protobuf import text_format

model = onnx.ModelProto()
with open(sys.argv[1]) as f:
    text_format.Parse(f.read(), model)
onnx.save(model, sys.argv[2])
