#!/usr/bin/env bash
# The whole test suite (scripts/test.sh) on an ASan + UBSan build of aiopt
# in build-asan/ (AIOPT_SANITIZE=address,undefined): the compiler's
# libraries and tools, the Python extension and the C runtime are
# instrumented; LLVM/MLIR and the generated model code are not.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AIOPT_BUILD_DIR="${AIOPT_SANITIZE_BUILD_DIR:-$ROOT/build-asan}"
export AIOPT_CMAKE_ARGS="-DAIOPT_SANITIZE=address,undefined"
exec "$ROOT/scripts/test.sh" "$@"
