#!/usr/bin/env bash
# Regenerates the conformance reports (docs/conformance/*.md) and the
# expected-results files CI checks, by running aiopt-conformance over
#  - the ONNX node test suite of Debian's libonnx-testdata (onnx 1.12), and
#  - the model tests stored in the pinned onnx Python package
#    (pytorch-converted, pytorch-operator, simple).
# The pinned onnx wheel carries no node tests (onnx/backend/test/data/node).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AIOPT_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
DATA="$("$ROOT/.venv/bin/python" -c 'import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data"))')"
mkdir -p "$ROOT/docs/conformance"
"$BUILD/bin/aiopt-conformance" /usr/share/libonnx-testdata/data/node \
  --report "$ROOT/docs/conformance/onnx-node-debian.md" \
  --write-expected "$ROOT/integration_test/onnx-node-debian.expected" | tail -n 1 || true
"$BUILD/bin/aiopt-conformance" "$DATA/pytorch-converted" "$DATA/pytorch-operator" "$DATA/simple" \
  --report "$ROOT/docs/conformance/onnx-backend-models.md" \
  --write-expected "$ROOT/integration_test/onnx-backend-data.expected" | tail -n 1 || true
