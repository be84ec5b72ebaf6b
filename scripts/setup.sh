#!/usr/bin/env bash
# Idempotent setup: installs the Debian packages and the pinned Python
# packages aiopt needs, then configures and builds it with CMake + Ninja.
# Called by both README commands (scripts/demo.sh and scripts/test.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AIOPT_BUILD_DIR:-$ROOT/build}"
LLVM_VERSION=22

DEB_PACKAGES=(
  "llvm-${LLVM_VERSION}-dev" "llvm-${LLVM_VERSION}-tools" "libmlir-${LLVM_VERSION}-dev"
  "mlir-${LLVM_VERSION}-tools" "clang-${LLVM_VERSION}" "lld-${LLVM_VERSION}" "libomp-${LLVM_VERSION}-dev"
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  cmake ninja-build ccache python3 python3-venv python3-dev libgtest-dev time
  "libclang-rt-${LLVM_VERSION}-dev"
  # --target=vulkan: the Vulkan headers and loader, Mesa's lavapipe (Vulkan
  # compute on the CPU, for the tests) and spirv-val.
  libvulkan-dev libvulkan1 mesa-vulkan-drivers spirv-tools
  # bench/node_profile.py: samples per ONNX node (perf report --sort srcline).
  linux-perf
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Project-local virtual environment with the pinned Python packages.
VENV="$ROOT/.venv"
REQ="$ROOT/python/requirements.txt"
if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating $VENV"
  python3 -m venv "$VENV"
fi
STAMP="$VENV/.requirements.sha"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing pinned Python packages"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r "$REQ"
  echo "$want" > "$STAMP"
fi

# Configure (once) and build.
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/aiopt-ccache}"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="clang-${LLVM_VERSION}" -DCMAKE_CXX_COMPILER="clang++-${LLVM_VERSION}" \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DAIOPT_PYTHON="$VENV/bin/python" ${AIOPT_CMAKE_ARGS:-}
fi
cmake --build "$BUILD"
# A sanitized build (scripts/sanitize.sh) is tested from its build folder,
# not installed into the venv.
if grep -q '^AIOPT_SANITIZE:STRING=.' "$BUILD/CMakeCache.txt"; then exit 0; fi
# The Python package (python/aiopt with the extension the build made), so
# that `import aiopt` and the `aiopt` console script work in the venv.
"$VENV/bin/python" -m pip install -q --no-build-isolation --no-deps "$ROOT/python"
rm -rf "$ROOT/python/build" "$ROOT"/python/*.egg-info
