#!/usr/bin/env bash
# Longer fuzzing runs than the test suite's smoke test: each libFuzzer
# target for SECONDS (default 600) on a seed corpus from the ONNX node
# suite, keeping the grown corpus and any crash files under build/fuzz/.
#   scripts/fuzz.sh [SECONDS] [import|compile|both]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AIOPT_BUILD_DIR:-$ROOT/build}"
SECONDS_EACH="${1:-600}"
WHICH="${2:-both}"
OUT="$BUILD/fuzz"
mkdir -p "$OUT"
[ -d "$OUT/seeds" ] || "$ROOT/.venv/bin/python" "$ROOT/scripts/fuzz-corpus.py" "$OUT/seeds"
for target in import compile; do
  if [ "$WHICH" != both ] && [ "$WHICH" != "$target" ]; then continue; fi
  mkdir -p "$OUT/$target/corpus" "$OUT/$target/crashes"
  echo "[fuzz] aiopt-fuzz-$target for ${SECONDS_EACH}s"
  # Fork mode goes on past crashes, timeouts and out-of-memory inputs,
  # writing each to the crashes folder.
  "$BUILD/bin/aiopt-fuzz-$target" "$OUT/$target/corpus" "$OUT/seeds" \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 -max_len=262144 \
    -artifact_prefix="$OUT/$target/crashes/" -print_final_stats=1 2>&1 | tail -20 || true
  echo "[fuzz] $target: $(ls "$OUT/$target/crashes" | wc -l) crash/timeout/leak files in $OUT/$target/crashes"
done
