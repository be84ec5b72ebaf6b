"""aiopt-conformance: compile, run and check models in the ONNX backend test
layout (a folder with model.onnx and test_data_set_*/input_*.pb, output_*.pb).

    aiopt-conformance [-j N] [--json FILE] [--opt-level N] [--timeout S]
                      [--expected FILE] [--write-expected FILE] [--report FILE]
                      [--target cpu|vulkan|cuda] [--gpu-arch sm_XY] PATH...

Each PATH is a case folder or a folder of case folders. Every case is
compiled by aiopt-compile, linked with the runtime and a small driver, and
run on each of its data sets, each step in a child process with a time
limit; float16 and bfloat16 outputs are compared within 4 units in the
last place (rtol 4 * machine epsilon). Graph inputs that the compiler needs as constants (shape-like
operands) are bound to the data set's values with --bind-input, and the case
is then compiled once per data set; its outputs are compared with the expected tensors (rtol 1e-3,
atol 1e-5; NaN where the reference has NaN). Each case ends as
  pass, mismatch (errors printed), compile_error (the diagnostic),
  unsupported (an operator, opset or type aiopt does not support), or
  crash (a signal or a time-out in the compiler or the compiled code), or
  device_error (with --target=vulkan|cuda: the kernels could not run, for
  want of a driver or device).
For a GPU this machine lacks, --build-only DIR compiles and links every
case into DIR without running it, and --run-built DIR (on the machine with
the GPU; no compiler needed there) runs and checks what DIR holds; the case
paths must be the same on both.
The exit status is 1 when a case does not pass; with --expected (a file of
"<case> <status>" lines, unlisted cases expected unsupported) it is 1 only
when a case does worse than listed, or crashes.
"""

import argparse
import collections
import concurrent.futures
import glob
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile

import ml_dtypes
import numpy as np
import onnx
from onnx import numpy_helper

STATUSES = ("pass", "mismatch", "compile_error", "unsupported", "crash", "device_error")
# The run status of a GPU kernel that could not run (AIOPT_ERROR_DEVICE):
# no driver or device, not a wrong result.
DEVICE_ERROR = "aiopt_run failed (14)"
RTOL, ATOL = 1e-3, 1e-5
# Half-precision outputs are compared within 4 units in the last place:
# rtol is max(RTOL, 4 * machine epsilon) for FLOAT16 (10) and BFLOAT16 (16).
HALF_EPS = {10: 2.0 ** -10, 16: 2.0 ** -7}
DTYPE_CODES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int8): 3,
               np.dtype(np.uint16): 4, np.dtype(np.uint32): 12, np.dtype(np.uint64): 13,
               np.dtype(np.int16): 5,
               np.dtype(np.int32): 6, np.dtype(np.int64): 7, np.dtype(np.bool_): 9,
               np.dtype(np.float16): 10, np.dtype(np.float64): 11}
# float8, float4 and 4-/2-bit integers: one element per byte (low bits).
SMALL_TYPES = {17: "float8_e4m3fn", 18: "float8_e4m3fnuz", 19: "float8_e5m2",
               20: "float8_e5m2fnuz", 21: "uint4", 22: "int4", 23: "float4_e2m1fn",
               25: "uint2", 26: "int2"}
SMALL_BITS = {21: 4, 22: 4, 23: 4, 25: 2, 26: 2}
for _code, _name in SMALL_TYPES.items():
    DTYPE_CODES[np.dtype(getattr(ml_dtypes, _name))] = _code
CODE_DTYPES = {v: k for k, v in DTYPE_CODES.items()}
UNSUPPORTED = re.compile(r"is not supported|is supported from opset|unsupported element type"
                         r"|not a tensor")


class Tools:
    def __init__(self, args):
        self.compile = os.path.join(args.tools_dir, "aiopt-compile")
        self.runtime = args.runtime
        self.include = args.include
        self.driver = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_model.c")
        self.cc = args.cc
        self.opt_level = args.opt_level
        self.timeout = args.timeout
        self.mode = "build" if args.build_only else "run" if args.run_built else "full"
        # GPU targets: the compiler's options and the target's runtime,
        # built next to the CPU one.
        self.target_options = []
        self.target_libraries = []
        if args.target != "cpu":
            self.target_options = ["--target=" + args.target]
            if args.target == "cuda":
                self.target_options.append("--gpu-arch=" + args.gpu_arch)
            self.target_libraries = [
                os.path.join(os.path.dirname(args.runtime), "libaiopt_runtime_%s.a" % args.target),
                "-lpthread", "-ldl"]


BFLOAT16 = 16


def bf16_bits_to_f32(bits):
    """bfloat16 is the upper half of a float32."""
    return (np.asarray(bits, np.uint16).astype(np.uint32) << 16).view(np.float32)


def write_tensor(path, array, onnx_type=None):
    """Writes a driver tensor file. bfloat16 data arrives as ml_dtypes
    bfloat16 or as its uint16 bits (older numpy_helper)."""
    array = np.asarray(array, order="C")  # ascontiguousarray would make 0-d 1-d
    bf16 = array.dtype.name == "bfloat16" or onnx_type == BFLOAT16
    with open(path, "wb") as f:
        f.write(struct.pack("<ii", BFLOAT16 if bf16 else DTYPE_CODES[array.dtype], array.ndim))
        f.write(struct.pack("<%dq" % array.ndim, *array.shape))
        f.write(array.tobytes())


def read_tensor(path):
    with open(path, "rb") as f:
        dtype, rank = struct.unpack("<ii", f.read(8))
        shape = struct.unpack("<%dq" % rank, f.read(8 * rank))
        data = f.read()
    if dtype == BFLOAT16:
        return bf16_bits_to_f32(np.frombuffer(data, dtype=np.uint16)).reshape(shape)
    if dtype in SMALL_BITS:
        # Only the low bits of each byte are defined; signed types extend.
        bits = SMALL_BITS[dtype]
        raw = np.frombuffer(data, dtype=np.uint8) & ((1 << bits) - 1)
        if SMALL_TYPES[dtype] in ("int4", "int2"):
            half = 1 << (bits - 1)
            raw = ((raw.astype(np.int16) ^ half) - half).astype(np.int8)
        return raw.view(CODE_DTYPES[dtype]).reshape(shape)
    return np.frombuffer(data, dtype=CODE_DTYPES[dtype]).reshape(shape)


def find_cases(paths):
    cases = []
    for p in paths:
        if os.path.exists(os.path.join(p, "model.onnx")):
            cases.append(p)
        else:
            cases.extend(sorted(d for d in glob.glob(os.path.join(p, "*"))
                                if os.path.exists(os.path.join(d, "model.onnx"))))
    return cases


def describe(model_path):
    """(operator, opset, inputs, output types) of a case: its last node's op
    type, (name, ONNX element type, declared static shape or None) of its
    graph inputs (without initializers) and the element types of its
    outputs."""
    try:
        model = onnx.load(model_path, load_external_data=False)
    except Exception:  # noqa: BLE001 - the compiler reports bad files itself
        return "(unreadable)", 0, [], []
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                default=0)
    inits = {t.name for t in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in inits]
    types = lambda vs: [v.type.tensor_type.elem_type for v in vs]
    ops = [n.op_type for n in model.graph.node]
    return (ops[-1] if ops else "(no nodes)", opset,
            [(v.name, t, declared_shape(v)) for t, v in zip(types(inputs), inputs)],
            types(model.graph.output))


def declared_shape(value_info):
    """The static shape a graph input declares, or None."""
    tt = value_info.type.tensor_type
    if not tt.HasField("shape"):
        return None
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
    return None if None in dims else dims


def signal_name(code):
    return "signal %d" % -code if code < 0 else "exit %d" % code


BIND = re.compile(r"graph input '([^']*)', which can be bound to a value")


def build(case, tools, work, data_set, input_names, bound):
    """Compiles and links the case. Graph inputs the compiler needs as
    constants (shape-like operands such as Reshape's shape or ReduceSum's
    axes) are bound to their values in `data_set`; their names are appended
    to `bound`. Returns (status, detail) on failure, else None."""
    obj, exe = os.path.join(work, "m.o"), os.path.join(work, "m.exe")
    while True:
        command = [tools.compile, os.path.join(case, "model.onnx"), "-o", obj,
                   "--name", "m", "-O%d" % tools.opt_level, *tools.target_options]
        for name in bound:
            command.append("--bind-input=%s=%s" % (name, os.path.join(
                data_set, "input_%d.pb" % input_names.index(name))))
        try:
            r = subprocess.run(command, capture_output=True, text=True, timeout=tools.timeout)
        except subprocess.TimeoutExpired:
            return "crash", "aiopt-compile timed out after %d s" % tools.timeout
        if r.returncode == 0:
            break
        errors = [l for l in r.stderr.splitlines() if "error:" in l]
        if r.returncode < 0 or not errors:
            return "crash", "aiopt-compile: %s: %s" % (signal_name(r.returncode),
                                                       r.stderr.strip()[-300:])
        message = errors[0].split("error: ", 1)[-1]
        m = BIND.search(message)
        if m and m.group(1) in input_names and m.group(1) not in bound:
            bound.append(m.group(1))
            continue
        return ("unsupported" if UNSUPPORTED.search(message) else "compile_error"), message
    r = subprocess.run([*shlex.split(tools.cc), "-O1", "-std=c11", "-I", tools.include, "-I", work,
                        '-DMODEL_HEADER="m.h"', "-DMODEL_INFO=m_model", tools.driver, obj,
                        *tools.target_libraries, tools.runtime, "-lm", "-o", exe],
                       capture_output=True, text=True, timeout=tools.timeout)
    if r.returncode != 0:
        return "compile_error", "linking failed: " + r.stderr.strip()[-300:]
    if bound:
        # A program compiled for this data set's values: named after it,
        # and the bound inputs recorded for --run-built.
        os.replace(exe, program(work, data_set, bound))
        with open(os.path.join(work, "bound.txt"), "w") as f:
            f.write("\n".join(bound) + "\n")
    return None


def program(work, data_set, bound):
    """The case's program: one per data set when inputs are bound."""
    if bound:
        return os.path.join(work, "m-%s.exe" % os.path.basename(data_set))
    return os.path.join(work, "m.exe")


def run_case(case, tools, work, inputs_info, output_types):
    """Returns (status, detail). A case that passes with bound inputs says
    which in its detail."""
    os.makedirs(work, exist_ok=True)
    input_names = [name for name, _, _ in inputs_info]
    data_sets = sorted(glob.glob(os.path.join(case, "test_data_set_*")))
    if not data_sets:
        return "compile_error", "no test_data_set_* folder"
    bound = []
    built = False
    if tools.mode == "run":
        # What --build-only left: its outcome when it built nothing, else
        # the programs and the inputs they bound.
        outcome = os.path.join(work, "build-failed.json")
        if os.path.exists(outcome):
            with open(outcome) as f:
                return tuple(json.load(f))
        if os.path.exists(os.path.join(work, "bound.txt")):
            with open(os.path.join(work, "bound.txt")) as f:
                bound = f.read().split()
        built = True
    for data_set in data_sets:
        ds = os.path.basename(data_set)
        exe = program(work, data_set, bound)
        # A compile with bound inputs holds one data set's values.
        if not built or (bound and tools.mode != "run"):
            failure = build(case, tools, work, data_set, input_names, bound)
            if failure:
                if tools.mode == "build":
                    with open(os.path.join(work, "build-failed.json"), "w") as f:
                        json.dump(list(failure), f)
                return failure
            built = True
            exe = program(work, data_set, bound)
        if tools.mode == "build":
            continue
        if not os.path.exists(exe):
            return "crash", "%s: no program %s (was it built with --build-only?)" % (ds, exe)
        inputs = [numpy_helper.to_array(onnx.load_tensor(f))
                  for f in sorted(glob.glob(os.path.join(data_set, "input_*.pb")))]
        expected = [numpy_helper.to_array(onnx.load_tensor(f))
                    for f in sorted(glob.glob(os.path.join(data_set, "output_*.pb")))]
        for f in glob.glob(os.path.join(work, "*.tensor")):
            os.remove(f)
        try:
            model_inputs = [(a, info) for a, info in zip(inputs, inputs_info)
                            if info[0] not in bound]
            for i, (a, (_, onnx_type, shape)) in enumerate(model_inputs):
                # Some stored data gives a scalar input as a 1-element 1-D
                # tensor: pass it in the declared shape.
                if shape is not None and list(a.shape) != shape and a.size == int(np.prod(shape)):
                    a = a.reshape(shape)
                write_tensor(os.path.join(work, "input_%d.tensor" % i), a, onnx_type)
        except KeyError as e:
            return "unsupported", "%s: input element type %s" % (ds, e)
        try:
            r = subprocess.run([exe, work], capture_output=True, text=True,
                               timeout=tools.timeout)
        except subprocess.TimeoutExpired:
            return "crash", "%s: the compiled model timed out after %d s" % (ds, tools.timeout)
        if r.returncode < 0:
            return "crash", "%s: the compiled model died (%s)" % (ds, signal_name(r.returncode))
        if r.returncode != 0 and DEVICE_ERROR in r.stderr:
            return "device_error", "%s: %s" % (ds, r.stderr.strip())
        if r.returncode != 0:
            return "mismatch", "%s: the model rejected the inputs: %s" % (ds, r.stderr.strip())
        got = []
        while os.path.exists(os.path.join(work, "output_%d.tensor" % len(got))):
            got.append(read_tensor(os.path.join(work, "output_%d.tensor" % len(got))))
        if len(got) != len(expected):
            return "mismatch", "%s: %d outputs, expected %d" % (ds, len(got), len(expected))
        for i, (g, w) in enumerate(zip(got, expected)):
            if g.shape != w.shape:
                return "mismatch", "%s: output %d has shape %s, expected %s" % (
                    ds, i, list(g.shape), list(w.shape))
            if w.dtype.name == "bfloat16":
                w = w.astype(np.float32)
            elif i < len(output_types) and output_types[i] == BFLOAT16:
                w = bf16_bits_to_f32(w)
            if g.dtype != w.dtype:
                return "mismatch", "%s: output %d has type %s, expected %s" % (ds, i, g.dtype, w.dtype)
            g64, w64 = g.astype(np.float64), w.astype(np.float64)
            nan = np.isnan(w64)
            if not np.array_equal(nan, np.isnan(g64)):
                return "mismatch", "%s: output %d has NaN in other places" % (ds, i)
            # Equal values (infinities included) have no error; inf - inf
            # of equal infinities is computed but not used.
            with np.errstate(invalid="ignore"):
                err = np.where(g64 == w64, 0.0, np.abs(g64 - w64))[~nan]
            ref = np.abs(w64)[~nan]
            rtol = max(RTOL, 4 * HALF_EPS.get(output_types[i] if i < len(output_types) else 0, 0))
            if np.any(err > ATOL + rtol * ref):
                rel = err / np.maximum(ref, 1e-30)
                return "mismatch", "%s: output %d: max abs error %.3g, max rel error %.3g" % (
                    ds, i, err.max(), rel.max())
    if tools.mode == "build":
        return "pass", "built"
    return "pass", ("inputs bound to their test values: " + ", ".join(bound)) if bound else ""


def count_line(counts):
    """'N pass, N mismatch, ...': device_error only when a case has it (a
    GPU target without its device)."""
    return ", ".join("%d %s" % (counts[s], s) for s in STATUSES
                     if s != "device_error" or counts[s])


def read_expected(path):
    expected = {}
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line:
                case, status = line.split()
                expected[case] = status
    return expected


def write_report(path, results):
    by_op = collections.defaultdict(list)
    for r in results:
        by_op[r["operator"]].append(r)
    total = collections.Counter(r["status"] for r in results)
    lines = ["# ONNX conformance", "",
             "Generated by `aiopt-conformance --report`; do not edit. Each case is a",
             "model in the ONNX backend test layout, compiled by aiopt for the host",
             "CPU and compared with its reference outputs (rtol %g, atol %g;" % (RTOL, ATOL),
             "float16 and bfloat16 outputs within 4 units in the last place:",
             "rtol %g and %g)." % (4 * HALF_EPS[10], 4 * HALF_EPS[16]),
             "Stored inputs whose shape differs from the declared static shape but",
             "whose element count matches (scalars stored as 1-element 1-D tensors)",
             "are passed in the declared shape.", "",
             "Total: " + count_line(total) +
             " of %d cases." % len(results), "",
             "| operator | opsets | pass / total |", "|---|---|---|"]
    for op in sorted(by_op):
        rs = by_op[op]
        opsets = sorted({r["opset"] for r in rs})
        lines.append("| %s | %s | %d / %d |" % (op, ", ".join(map(str, opsets)),
                                               sum(r["status"] == "pass" for r in rs), len(rs)))
    bound = [r for r in results if r["status"] == "pass" and r["detail"]]
    if bound:
        lines += ["", "## Cases that pass with bound inputs", "",
                  "These cases feed a shape-like operand (Reshape's shape, the axes of a",
                  "reduction, Slice's bounds, ...) from a graph input. aiopt compiles such",
                  "operands as constants, so the runner binds those inputs to the values of",
                  "the data set (`aiopt-compile --bind-input NAME=FILE.pb`) and compiles the",
                  "case once per data set.", "",
                  "| case | operator | bound inputs |", "|---|---|---|"]
        for r in sorted(bound, key=lambda r: (r["operator"], r["name"])):
            lines.append("| %s | %s | %s |" % (r["name"], r["operator"],
                                               r["detail"].split(": ", 1)[-1]))
    lines += ["", "## Cases that do not pass", "",
              "| case | operator | status | reason |", "|---|---|---|---|"]
    for r in sorted(results, key=lambda r: (r["operator"], r["name"])):
        if r["status"] != "pass":
            lines.append("| %s | %s | %s | %s |" % (r["name"], r["operator"], r["status"],
                                                    r["detail"].replace("|", "\\|")[:200]))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="aiopt-conformance", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1, dest="jobs")
    parser.add_argument("--json", help="write the results as JSON")
    parser.add_argument("--opt-level", type=int, default=2, choices=range(4))
    parser.add_argument("--timeout", type=int, default=120, help="seconds per step")
    parser.add_argument("--expected", help="fail when a case does worse than this file lists")
    parser.add_argument("--write-expected", help="write the cases that pass to this file")
    parser.add_argument("--report", help="write a Markdown report")
    parser.add_argument("--keep", help="keep the work files in this folder")
    parser.add_argument("--target", default="cpu", choices=("cpu", "vulkan", "cuda"),
                        help="where the models' loop nests run (default: cpu)")
    parser.add_argument("--gpu-arch", default="sm_90",
                        help="with --target=cuda: the GPU architecture (default: sm_90)")
    staged = parser.add_mutually_exclusive_group()
    staged.add_argument("--build-only", metavar="DIR",
                        help="compile and link every case into DIR, run nothing")
    staged.add_argument("--run-built", metavar="DIR",
                        help="run and check the programs --build-only left in DIR")
    parser.add_argument("--tools-dir", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--runtime", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--include", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--cc", default="clang-22", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.target != "cpu" and not args.run_built:
        library = os.path.join(os.path.dirname(args.runtime),
                               "libaiopt_runtime_%s.a" % args.target)
        if not os.path.exists(library):
            print("aiopt-conformance: --target=%s needs %s, which this build did not make"
                  % (args.target, library), file=sys.stderr)
            return 2
    cases = find_cases(args.paths)
    if not cases:
        print("aiopt-conformance: no case (model.onnx) under %s" % " ".join(args.paths),
              file=sys.stderr)
        return 2
    tools = Tools(args)
    workroot = (args.build_only or args.run_built or args.keep
                or tempfile.mkdtemp(prefix="aiopt-conformance-"))

    def one(item):
        index, case = item
        operator, opset, in_types, out_types = describe(os.path.join(case, "model.onnx"))
        status, detail = run_case(case, tools, os.path.join(workroot, "%05d" % index),
                                  in_types, out_types)
        return {"name": os.path.basename(os.path.normpath(case)), "path": case,
                "operator": operator, "opset": opset, "status": status, "detail": detail}

    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = list(pool.map(one, enumerate(cases)))
    if not (args.keep or args.build_only or args.run_built):
        shutil.rmtree(workroot, ignore_errors=True)

    summary = collections.Counter(r["status"] for r in results)
    summary_dict = {s: summary[s] for s in STATUSES}
    summary_dict["total"] = len(results)
    for r in results:
        if r["status"] != "pass":
            print("%s %s: %s" % (r["status"].upper(), r["name"], r["detail"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"summary": summary_dict, "cases": results}, f, indent=1)
    if args.report:
        write_report(args.report, results)
    if args.write_expected:
        with open(args.write_expected, "w") as f:
            f.write("# Cases that pass (written by aiopt-conformance --write-expected);\n"
                    "# every other case is expected to be unsupported.\n")
            for r in sorted(results, key=lambda r: r["name"]):
                if r["status"] == "pass":
                    f.write("%s pass\n" % r["name"])
    worse = summary["crash"] if args.expected else len(results) - summary["pass"]
    if args.expected:
        expected = read_expected(args.expected)
        for r in results:
            want = expected.get(r["name"], "unsupported")
            if want == "pass" and r["status"] != "pass":
                worse += 1
                print("REGRESSION %s: %s, expected pass" % (r["name"], r["status"]))
            elif r["status"] == "pass" and want != "pass":
                print("NEWLY PASSING %s: update %s" % (r["name"], args.expected))
    print("aiopt-conformance%s: " % (" (built, not run)" if args.build_only else "") +
          count_line(summary) +
          " of %d cases" % len(results))
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
