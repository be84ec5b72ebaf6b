"""`aiopt report`: its JSON checked against values measured separately."""

import json
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pytest

import aiopt


def run_report(*args):
    return subprocess.run([sys.executable, "-m", "aiopt", "report", *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def report(dense, tmp_path_factory):
    path, w, b = dense
    out = tmp_path_factory.mktemp("report")
    data = out / "data"
    data.mkdir()
    x = np.random.default_rng(7).standard_normal((2, 8)).astype(np.float32)
    np.save(data / "input_0.npy", x)
    np.save(data / "output_0.npy", np.maximum(x @ w + b, 0))  # numpy's answer
    proc = run_report(path, "--data", str(data), "--repeat", "3", "--json", str(out / "r.json"),
                      "--markdown", str(out / "r.md"), "--chart", str(out / "r.png"))
    assert proc.returncode == 0, proc.stderr
    with open(out / "r.json") as f:
        return json.load(f), out, x


def test_rows(report):
    r, _, _ = report
    assert [row["variant"] for row in r["rows"]] == ["onnxruntime", "aiopt -O0", "aiopt -O2"]
    for row in r["rows"]:
        assert 0 < row["latency_p50_ms"] <= row["latency_p90_ms"]
        assert row["peak_memory_mib"] >= 0


def test_sizes(report, dense):
    r, _, _ = report
    _, w, b = dense
    rows = {row["variant"]: row for row in r["rows"]}
    assert rows["onnxruntime"]["size_bytes"] == w.nbytes + b.nbytes
    assert rows["aiopt -O2"]["size_bytes"] > 0


def test_errors_match_separate_runs(report, dense):
    r, _, x = report
    path, w, b = dense
    rows = {row["variant"]: row for row in r["rows"]}
    expected = np.maximum(x @ w + b, 0)
    with aiopt.compile(path, opt_level=2) as m:
        ours = m(x)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    theirs = session.run(None, {"x": x})[0]
    assert rows["aiopt -O2"]["max_abs_error_vs_reference"] == pytest.approx(
        float(np.max(np.abs(ours.astype(np.float64) - expected))), abs=1e-12)
    assert rows["aiopt -O2"]["max_abs_error_vs_onnxruntime"] == pytest.approx(
        float(np.max(np.abs(ours.astype(np.float64) - theirs))), abs=1e-12)
    assert rows["onnxruntime"]["max_abs_error_vs_reference"] == pytest.approx(
        float(np.max(np.abs(theirs.astype(np.float64) - expected))), abs=1e-12)


def test_files(report):
    _, out, _ = report
    md = (out / "r.md").read_text()
    assert md.startswith("| variant |") and "aiopt -O2" in md
    assert (out / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_arguments(dense, tmp_path):
    proc = run_report(dense[0], "--quantize", "static")
    assert proc.returncode == 2 and "--calibration-data" in proc.stderr
    proc = run_report(str(tmp_path / "absent.onnx"))
    assert proc.returncode == 2 and "no such model file" in proc.stderr
    proc = run_report(dense[0], "--data", str(tmp_path))
    assert proc.returncode == 1 and "aiopt report: error:" in proc.stderr and "input_0" in proc.stderr
