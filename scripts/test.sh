#!/usr/bin/env bash
# The README's test command: idempotent setup and build, then every test:
# lit + FileCheck (test/), compile-and-run tests (integration_test/), the
# C++ unit tests (ctest) and the Python package's tests (pytest). Prints
# one closing line: "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AIOPT_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"

LIT=/usr/lib/llvm-22/bin/lit
JOBS="${AIOPT_TEST_JOBS:-$(nproc)}"
status=0
"$LIT" -sv -j "$JOBS" --output "$BUILD/lit-results.json" \
  "$BUILD/test" "$BUILD/integration_test" || status=1
# The FileCheck suite again with every aiopt-opt run checking that its
# output parses back to the same IR (--verify-roundtrip).
"$LIT" -s -j "$JOBS" --param verify_roundtrip=1 --output "$BUILD/lit-roundtrip-results.json" \
  "$BUILD/test" || status=1
(cd "$BUILD" && ctest --output-on-failure -j "$JOBS" --output-junit "$BUILD/ctest-results.xml") || status=1
# The Python package's tests, against the package the build just made (a
# sanitized build's extension needs the ASan runtime preloaded).
asan="$(sed -n 's/^AIOPT_ASAN_RUNTIME:INTERNAL=//p' "$BUILD/CMakeCache.txt")"
preload=()
if [ -n "$asan" ]; then preload=(env "LD_PRELOAD=$asan" ASAN_OPTIONS=detect_leaks=0); fi
PYTHONPATH="$BUILD/python_packages" "${preload[@]}" "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider \
  "$ROOT/python/tests" --junitxml="$BUILD/pytest-results.xml" || status=1

"$ROOT/.venv/bin/python" - "$BUILD" <<'PY'
import json, sys, xml.etree.ElementTree as ET
build = sys.argv[1]
passed = failed = 0
for results in ("/lit-results.json", "/lit-roundtrip-results.json"):
    for t in json.load(open(build + results))["tests"]:
        if t["code"] in ("PASS", "XFAIL"):
            passed += 1
        elif t["code"] not in ("UNSUPPORTED",):
            failed += 1
for case in ET.parse(build + "/ctest-results.xml").getroot().iter("testcase"):
    if case.get("status") == "run":
        passed += 1
    else:
        failed += 1
for case in ET.parse(build + "/pytest-results.xml").getroot().iter("testcase"):
    if any(child.tag in ("failure", "error") for child in case):
        failed += 1
    elif not any(child.tag == "skipped" for child in case):
        passed += 1
print("aiopt: %d passed, %d failed" % (passed, failed))
PY
exit $status
