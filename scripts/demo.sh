#!/usr/bin/env bash
# The README's demo command: idempotent setup and build, then the bundled
# example end to end. aiopt compiles examples/digits/digits_cnn.onnx (a CNN
# trained on scikit-learn's digits by examples/digits/train_digits.py) into
# an object file through the CMake package (find_package(AIOpt) +
# aiopt_add_model), links it into a C program, classifies the test set and
# prints outputs, accuracy and latency next to onnxruntime's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AIOPT_BUILD_DIR:-$ROOT/build}"
DEMO="$BUILD/demo"
PY="$ROOT/.venv/bin/python"
"$ROOT/scripts/setup.sh"

echo "== compiling the model (aiopt-compile, timed)"
mkdir -p "$DEMO"
start=$(date +%s%N)
"$BUILD/bin/aiopt-compile" "$ROOT/examples/digits/digits_cnn.onnx" -o "$DEMO/digits_cnn.o"
end=$(date +%s%N)
echo "aiopt-compile: $(( (end - start) / 1000000 )) ms, object $(stat -c %s "$DEMO/digits_cnn.o") bytes"

echo "== building the C program with CMake (find_package(AIOpt), aiopt_add_model)"
cmake -S "$ROOT/examples/digits" -B "$DEMO/build" -G Ninja \
  -DCMAKE_C_COMPILER=clang-22 -DAIOpt_DIR="$BUILD/lib/cmake/aiopt" > /dev/null
cmake --build "$DEMO/build"

echo "== running it on the digits test set"
"$PY" "$ROOT/examples/digits/evaluate.py" dump "$DEMO/digits_test.bin"
"$DEMO/build/digits_demo" "$DEMO/digits_test.bin"
echo "== onnxruntime on the same inputs"
"$PY" "$ROOT/examples/digits/evaluate.py" ort "$ROOT/examples/digits/digits_cnn.onnx" "$DEMO/digits_test.bin"
