#!/usr/bin/env bash
# Regenerates the conformance reports and the expected-results files CI
# checks, by running aiopt-conformance over
#  - the ONNX node test suite of the pinned onnx package, generated from its
#    test case definitions (docs/onnx-conformance.md),
#  - the node test suite of Debian's libonnx-testdata (onnx 1.12), and
#  - the model tests stored in the pinned onnx Python package
#    (pytorch-converted, pytorch-operator, simple).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AIOPT_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
PY="$ROOT/.venv/bin/python"
DATA="$("$PY" -c 'import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data"))')"
mkdir -p "$ROOT/docs/conformance"
"$PY" "$ROOT/tools/aiopt-conformance/onnx_node_suite.py" "$BUILD/onnx-node-suite"
"$BUILD/bin/aiopt-conformance" "$BUILD/onnx-node-suite" \
  --report "$ROOT/docs/onnx-conformance.md" \
  --write-expected "$ROOT/integration_test/onnx-node.expected" | tail -n 1 || true
"$BUILD/bin/aiopt-conformance" /usr/share/libonnx-testdata/data/node \
  --report "$ROOT/docs/conformance/onnx-node-debian.md" \
  --write-expected "$ROOT/integration_test/onnx-node-debian.expected" | tail -n 1 || true
"$BUILD/bin/aiopt-conformance" "$DATA/pytorch-converted" "$DATA/pytorch-operator" "$DATA/simple" \
  --report "$ROOT/docs/conformance/onnx-backend-models.md" \
  --write-expected "$ROOT/integration_test/onnx-backend-data.expected" | tail -n 1 || true
