#!/usr/bin/env bash
# Longer fuzzing runs than the test suite's smoke test: each libFuzzer
# target for SECONDS (default 600) on a seed corpus from the ONNX node
# suite and composite models (scripts/fuzz-corpus.py), keeping the grown
# corpus and any crash files under build/fuzz/. The compile target runs
# once per device of DEVICES (default "cpu vulkan cuda": each device's
# whole pipeline; CUDA's kernels stay PTX), SECONDS each.
#   scripts/fuzz.sh [SECONDS] [import|compile|both] [DEVICES]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AIOPT_BUILD_DIR:-$ROOT/build}"
SECONDS_EACH="${1:-600}"
WHICH="${2:-both}"
DEVICES="${3:-cpu vulkan cuda}"
OUT="$BUILD/fuzz"
mkdir -p "$OUT"
[ -f "$OUT/seeds/composite_encoder" ] || "$ROOT/.venv/bin/python" "$ROOT/scripts/fuzz-corpus.py" "$OUT/seeds"
# fuzz NAME DEVICE: one libFuzzer run of aiopt-fuzz-NAME (DEVICE: the
# compile target's pipeline) with its own corpus and crash folder.
fuzz() {
  local target=$1 device=$2 dir="$OUT/$1${2:+-$2}"
  mkdir -p "$dir/corpus" "$dir/crashes"
  echo "[fuzz] aiopt-fuzz-$target${device:+ on $device} for ${SECONDS_EACH}s"
  # Fork mode goes on past crashes, timeouts and out-of-memory inputs,
  # writing each to the crashes folder.
  AIOPT_FUZZ_DEVICE="$device" "$BUILD/bin/aiopt-fuzz-$target" "$dir/corpus" "$OUT/seeds" \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 -max_len=262144 \
    -artifact_prefix="$dir/crashes/" -print_final_stats=1 2>&1 | tail -20 || true
  echo "[fuzz] $target${device:+ on $device}: $(ls "$dir/crashes" | wc -l) crash/timeout/leak files in $dir/crashes"
}
if [ "$WHICH" != compile ]; then fuzz import ""; fi
if [ "$WHICH" != import ]; then
  for device in $DEVICES; do fuzz compile "$device"; done
fi
