"""Where aiopt's time goes against onnxruntime's, by layer, inside the whole
network (not a timed test):

    python bench/node_profile.py --model resnet50 [--repeat 100]
    python bench/node_profile.py --model path/to/model.onnx

(--model: a model of bench/perf_models.py, or an ONNX file, whose float
inputs are then random normal values of the shapes the file declares)

aiopt: the model compiled with `-O2 -g` (node N of the graph is line N of
the model file in the line table), its test driver sampled by `perf record`
and the samples' share of each line times the driver's median latency.
onnxruntime: its own per-node profile (SessionOptions.enable_profiling),
averaged over the runs. Both are summed per layer: a convolution, Gemm,
MatMul or pooling node with the nodes after it up to the next such node
(batch norm, activation, residual sum), which is what either runtime fuses
with it. One thread each. Prints the layers by aiopt's excess over
onnxruntime, largest first; the samples not on any node line (the kernel,
the driver) are one row. Needs Linux perf (Debian's linux-perf,
installed by scripts/setup.sh).
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import aiopt_e2e  # noqa: E402
import perf_models  # noqa: E402

ANCHORS = ("Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool",
           "GlobalAveragePool", "QLinearConv", "QLinearMatMul")


def layers(graph):
    """Each node's layer (the index of the anchor node it follows) and a
    description of each layer."""
    inits = {i.name: i for i in graph.initializer}
    layer, what, current = {}, {}, None
    for i, node in enumerate(graph.node):
        if node.op_type in ANCHORS or current is None:
            current = i
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            weight = inits.get(node.input[1]) if len(node.input) > 1 else None
            shape = "x".join(map(str, weight.dims)) if weight is not None else ""
            what[i] = " ".join(filter(None, [node.op_type, shape,
                                             "s%d" % attrs["strides"][0] if "strides" in attrs else "",
                                             "g%d" % attrs["group"] if attrs.get("group", 1) > 1 else ""]))
        layer[i] = current
    return layer, what


def file_model(path):
    """The model in the ONNX file `path` and random normal inputs (seed 0)
    for its graph inputs that are not initializers, float tensors of
    static shapes only."""
    model = onnx.load(path)
    initializers = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(0)
    inputs = []
    for value in model.graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else 0 for d in tensor.shape.dim]
        if tensor.elem_type != onnx.TensorProto.FLOAT or 0 in shape:
            sys.exit("node_profile.py: %s: input %s is not a float tensor of a static shape"
                     % (path, value.name))
        inputs.append(rng.standard_normal(shape).astype(np.float32))
    return model, inputs


def aiopt_profile(path, inputs, work, repeat):
    """ms per model line (1-based node index; 0: no node) and the latency."""
    exe = aiopt_e2e.compile_model(path, work, "model", ["-O2", "-g"], quiet=True)
    for i, a in enumerate(inputs):
        aiopt_e2e.write_tensor(os.path.join(work, "input_%d.tensor" % i), a)
    data = os.path.join(work, "perf.data")
    subprocess.run(["perf", "record", "-q", "-F", "2000", "-o", data, exe, work, "--repeat",
                    str(repeat), "--threads", "1"], check=True, capture_output=True)
    report = subprocess.run(["perf", "report", "-i", data, "--sort", "srcline", "--stdio"],
                            check=True, capture_output=True, text=True).stdout
    latency = float(subprocess.run([exe, work, "--repeat", str(repeat), "--threads", "1"],
                                   check=True, capture_output=True, text=True).stdout.split()[1])
    shares = collections.defaultdict(float)
    model_file = os.path.basename(path)
    for line in report.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(\S+)", line)
        if not m:
            continue
        source = m.group(2)
        node = int(source.rsplit(":", 1)[1]) if source.startswith(model_file + ":") else 0
        shares[node] += float(m.group(1)) * latency / 100
    return shares, latency


def ort_profile(path, inputs, work, repeat):
    """ms per onnxruntime node name, averaged over the runs."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(work, "ort")
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {i.name: a for i, a in zip(session.get_inputs(), inputs)}
    for _ in range(repeat):
        session.run(None, feed)
    times = collections.defaultdict(float)
    for event in json.load(open(session.end_profiling())):
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            times[event["name"][: -len("_kernel_time")]] += event["dur"] / 1000 / repeat
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resnet50",
                        help="%s, or an .onnx file" % ", ".join(sorted(perf_models.MODELS)))
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--rows", type=int, default=25, help="layers to print")
    args = parser.parse_args()
    if not shutil.which("perf"):
        sys.exit("node_profile.py: needs Linux perf (Debian's linux-perf)")

    if args.model in perf_models.MODELS:
        model, inputs = perf_models.MODELS[args.model]()
        model_name = args.model
    elif args.model.endswith(".onnx") and os.path.isfile(args.model):
        model, inputs = file_model(args.model)
        model_name = os.path.splitext(os.path.basename(args.model))[0]
    else:
        sys.exit("node_profile.py: --model is one of %s or an .onnx file, not %s"
                 % (", ".join(sorted(perf_models.MODELS)), args.model))
    model.ir_version = min(model.ir_version, 10)
    work = tempfile.mkdtemp(prefix="aiopt-node-profile-")
    path = os.path.join(work, model_name + ".onnx")
    onnx.save(model, path)
    graph = model.graph
    layer, what = layers(graph)
    # onnxruntime names fused nodes after one of them or after an output.
    index = {n.name: i for i, n in enumerate(graph.node)}
    for i, n in enumerate(graph.node):
        for out in n.output:
            index.setdefault(out, i)

    shares, latency = aiopt_profile(path, inputs, work, args.repeat)
    ours = collections.defaultdict(float)
    for line, ms in shares.items():
        ours[layer[line - 1] if 0 < line <= len(graph.node) else None] += ms
    theirs = collections.defaultdict(float)
    for name, ms in ort_profile(path, inputs, work, args.repeat).items():
        base = re.sub(r"_nchwc$", "", name)
        theirs[layer[index[base]] if base in index else name] += ms

    keys = sorted(set(ours) | set(theirs), key=lambda k: theirs.get(k, 0) - ours.get(k, 0))
    print("%s: aiopt %.2f ms (-O2, one thread; %.2f in samples), onnxruntime %.2f ms in nodes"
          % (model_name, latency, sum(ours.values()), sum(theirs.values())))
    print("%-6s %-28s %9s %9s %9s" % ("node", "layer", "aiopt ms", "ort ms", "excess"))
    for k in keys[: args.rows]:
        label = ("n%d" % k, what[k]) if isinstance(k, int) else ("-", k or "(no node line)")
        a, o = ours.get(k, 0.0), theirs.get(k, 0.0)
        print("%-6s %-28s %9.3f %9.3f %+9.3f" % (*label, a, o, a - o))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
