"""Runs the model tests of the pinned onnx package's backend data
(onnx/backend/test/data/{pytorch-converted,pytorch-operator,simple}: a
model.onnx plus test_data_set_*/input_*.pb and output_*.pb) through aiopt
and compares with the stored reference outputs (rtol 1e-3, atol 1e-5, NaN
where the reference has NaN).

    backend_data.py EXPECTED WORKDIR

EXPECTED lists "<case> <status>" (pass or unsupported). The run fails when a
case does worse than listed (a pass that stops passing, any mismatch or
crash); a case doing better is reported so the file can be updated.
"""

import concurrent.futures
import glob
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

import aiopt_e2e

DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
SUITES = ("pytorch-converted", "pytorch-operator", "simple")


def run_case(case_dir, workdir):
    name = os.path.basename(case_dir)
    work = os.path.join(workdir, name)
    os.makedirs(work, exist_ok=True)
    try:
        exe = aiopt_e2e.compile_model(os.path.join(case_dir, "model.onnx"), work, "m",
                                      quiet=True)
    except subprocess.CalledProcessError as e:
        first = [l for l in (e.stderr or "").splitlines() if "error" in l][:1]
        if e.returncode < 0 or not first:
            return name, "crash", (e.stderr or "")[-300:]
        return name, "unsupported", first[0].split("error: ")[-1]
    for data_set in sorted(glob.glob(os.path.join(case_dir, "test_data_set_*"))):
        inputs = [numpy_helper.to_array(onnx.load_tensor(f))
                  for f in sorted(glob.glob(os.path.join(data_set, "input_*.pb")))]
        expected = [numpy_helper.to_array(onnx.load_tensor(f))
                    for f in sorted(glob.glob(os.path.join(data_set, "output_*.pb")))]
        try:
            got, _ = aiopt_e2e.run_compiled(exe, inputs, work)
        except subprocess.CalledProcessError as e:
            return name, "crash", (e.stderr or "")[-300:]
        if len(got) != len(expected):
            return name, "mismatch", "%d outputs, expected %d" % (len(got), len(expected))
        for i, (g, w) in enumerate(zip(got, expected)):
            if g.shape != w.shape:
                return name, "mismatch", "output %d shape %s, expected %s" % (i, g.shape, w.shape)
            g64, w64 = g.astype(np.float64), w.astype(np.float64)
            nan = np.isnan(w64)
            if not np.array_equal(nan, np.isnan(g64)):
                return name, "mismatch", "output %d: NaN in different places" % i
            err = np.abs(g64 - w64)[~nan]
            bound = (1e-5 + 1e-3 * np.abs(w64))[~nan]
            if np.any(err > bound):
                return name, "mismatch", "output %d: max abs error %.3g" % (i, err.max())
    return name, "pass", ""


def main():
    expected_path, workdir = sys.argv[1], sys.argv[2]
    expected = {}
    with open(expected_path) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line:
                case, status = line.split()
                expected[case] = status
    cases = sorted(d for s in SUITES for d in glob.glob(os.path.join(DATA, s, "*"))
                   if os.path.exists(os.path.join(d, "model.onnx")))
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda d: run_case(d, workdir), cases))
    worse = 0
    counts = {}
    for name, status, detail in results:
        counts[status] = counts.get(status, 0) + 1
        want = expected.get(name, "unsupported")
        if status == want:
            continue
        if status == "pass":
            print("NEWLY PASSING %s (listed as %s): update %s" % (name, want, expected_path))
        else:
            worse += 1
            print("REGRESSION %s: %s, expected %s: %s" % (name, status, want, detail))
    print("backend data: %s of %d cases" % (", ".join(
        "%d %s" % (n, s) for s, n in sorted(counts.items())), len(results)))
    sys.exit(1 if worse else 0)


if __name__ == "__main__":
    main()
