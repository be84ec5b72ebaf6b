"""aiopt.compile: the compiler, in process (the C API of aiopt-compile)."""

import json
import os
import tempfile

from . import _aiopt
from .model import CompiledModel


def _guarded(options, validation_data, max_accuracy_drop, **fixed):
    """The C API's JSON object for pruning or precision: the caller's dict,
    the technique's fixed keys and the accuracy guard's shared ones."""
    result = dict(options or {}, **fixed)
    if validation_data is not None:
        result["validation_data"] = os.fspath(validation_data)
    if max_accuracy_drop is not None:
        result["max_accuracy_drop"] = float(max_accuracy_drop)
    return result


def compile(model, target="cpu", opt_level=2, parallel=False, name=None, cpu=None,
            features=None, quantize=None, prune=None, calibration_data=None,
            validation_data=None, max_accuracy_drop=None, quantization=None, pruning=None,
            runtime_checks=False, debug_info=False, precision="f32", precision_options=None,
            gpu_arch=None, cuda_path=None, winograd="auto", tensor_cores="auto",
            skip_passes=None, gpu_tiles=None):
    """Compiles an ONNX model and returns a CompiledModel ready to run.

    model: a path to an .onnx file, or an onnx.ModelProto.
    target: "cpu" (this machine), an LLVM target triple (such a model can
        be saved but runs only on that target), or "vulkan" or "cuda": the
        model's loop nests run as kernels on a GPU through that API, the
        rest on this machine's CPU (docs/gpu.md); running it needs the
        device and its driver (a Vulkan loader, or libcuda).
    gpu_arch, cuda_path: with target="cuda", the GPU architecture
        ("sm_90" by default, "sm_80", ...) and the CUDA toolkit's folder
        (default: found as aiopt-compile --cuda-path finds it).
    tensor_cores: with target="vulkan" or "cuda", how products of f16 or
        bf16 operands (precision="f16"/"bf16") multiply: "auto" (CUDA:
        tensor cores, WMMA for f16 and mma.sync for bf16; Vulkan: the
        ordinary units), "off", or "emulate" (the tensor-core kernels in
        scalar arithmetic, to check them on devices without tensor cores);
        aiopt-compile --tensor-cores.
    skip_passes: optional passes to leave out (a list of names), to measure
        what each gives against the same model compiled with them; those
        the target's pipeline takes (aiopt-compile --skip-pass lists them;
        docs/user-guide.md).
    gpu_tiles: with target="vulkan" or "cuda", options of the product
        kernels that replace the target's choices, a dict such as
        {"thread-tile": 4} or a "key=value ..." string (aiopt-compile
        --gpu-tiles; docs/gpu.md).
    opt_level: 0..3, as aiopt-compile -O0..-O3 (default 2).
    winograd: CPU targets from opt_level 2: 3x3 convolutions by Winograd's
        transforms, "auto" (chosen per layer by their cost), "off" (every
        convolution direct: the results closest to the reference, at most
        a few 1e-6 of the output scale apart otherwise), "2" or "4" (every
        eligible convolution with that output tile); aiopt-compile
        --winograd.
    parallel: run the blocks of matmuls and convolutions on threads (the
        runtime's thread pool, which the library carries; see
        CompiledModel.set_num_threads).
    name: the model's C name (default: from the file name).
    cpu, features: LLVM CPU name and feature string (default: the host's).
    quantize: None, "dynamic" or "static" int8 quantization of Conv, MatMul
        and Gemm (docs/quantization.md).
    calibration_data: folder of samples (<input>.npy, stacked) for static
        quantization.
    validation_data, max_accuracy_drop: the accuracy guard: layers return
        to float, most sensitive first, until the top-1 accuracy on the
        folder's samples (with labels.npy or reference outputs) drops by at
        most max_accuracy_drop points.
    quantization: a dict of further options, with the keys of the C API
        (per_channel, activation_type, symmetric_activations, ops, exclude,
        calibration_method, calibration_percentile, allow_accuracy_miss,
        report).
    prune: None or a pruning spec, as aiopt-compile --prune
        (docs/pruning.md): "magnitude:sparsity=0.9", "magnitude:sparsity=0.9:global",
        "nm:2:4" or "channels:ratio=0.5". Pruning runs before quantization;
        validation_data and max_accuracy_drop guard both.
    pruning: a dict of further pruning options, with the keys of the C API
        (ops, exclude, report, sparsity_report, allow_accuracy_miss).
    precision: "f32", or "f16" or "bf16": Conv, MatMul and Gemm read their
        operands (weights stored) in that type and accumulate in f32 (mixed
        precision, docs/precision.md); validation_data and
        max_accuracy_drop guard it too, returning layers to f32. "tf32"
        (GPU targets): the kernels of f32 products round their operands to
        TF32 and accumulate in f32, on tensor cores on CUDA; it takes no
        precision_options or guard.
    precision_options: a dict of further precision options, with the keys
        of the C API (ops, exclude, report, allow_accuracy_miss).
    runtime_checks: check Gather/Scatter indices at run time; a run with an
        index out of range raises IndexError naming the node, instead
        of clamping the index (aiopt-compile --runtime-checks).
    debug_info: keep a line table in the library, in which the code of the
        graph's node N is line N of the model file, so that profilers
        (perf report --sort srcline) name the ONNX node behind a hot spot
        (aiopt-compile -g).

    Raises FileNotFoundError for a missing file, ValueError for bad options
    and aiopt.CompileError (with the compiler's diagnostics, naming the ONNX
    node and op) for models it rejects.
    """
    prune_options = None
    if prune is not None:
        if not isinstance(prune, str):
            raise ValueError("prune must be a spec string such as 'magnitude:sparsity=0.9', "
                             "not %r" % (prune,))
        prune_options = _guarded(pruning, validation_data, max_accuracy_drop, spec=prune)
    elif pruning is not None:
        raise ValueError("pruning options need prune='<spec>'")
    if precision not in ("f32", "f16", "bf16", "tf32"):
        raise ValueError("precision must be 'f32', 'f16', 'bf16' or 'tf32', not %r" % (precision,))
    precision_json = None
    if precision != "f32":
        precision_json = _guarded(precision_options, validation_data, max_accuracy_drop,
                                  type=precision)
    elif precision_options is not None:
        raise ValueError("precision_options need precision='f16' or 'bf16'")
    quant = None
    if quantize is not None:
        if quantize not in ("dynamic", "static"):
            raise ValueError("quantize must be 'dynamic' or 'static', not %r" % (quantize,))
        quant = dict(quantization or {})
        quant["mode"] = quantize
        for key, value in (("calibration_data", calibration_data),
                           ("validation_data", validation_data)):
            if value is not None:
                quant[key] = os.fspath(value)
        if max_accuracy_drop is not None:
            quant["max_accuracy_drop"] = float(max_accuracy_drop)
    elif (calibration_data, quantization) != (None,) * 2 or (
            prune is None and precision == "f32" and
            (validation_data, max_accuracy_drop) != (None,) * 2):
        raise ValueError("calibration_data, validation_data, max_accuracy_drop and "
                         "quantization need quantize='dynamic' or 'static' (the validation "
                         "options also serve prune=... and precision=...)")
    if winograd not in ("auto", "off", "2", "4", 2, 4):
        raise ValueError("winograd must be 'auto', 'off', 2 or 4, not %r" % (winograd,))
    if target in ("vulkan", "cuda") and winograd != "auto" and winograd != "off":
        raise ValueError("winograd is for CPUs: target=%r keeps convolutions direct" % target)
    if tensor_cores not in ("auto", "off", "emulate"):
        raise ValueError("tensor_cores must be 'auto', 'off' or 'emulate', not %r"
                         % (tensor_cores,))
    if target not in ("vulkan", "cuda") and tensor_cores != "auto":
        raise ValueError("tensor_cores needs target='vulkan' or 'cuda'")
    if isinstance(skip_passes, str):
        skip_passes = [skip_passes]
    if skip_passes is not None and not all(isinstance(n, str) and n and "," not in n
                                           for n in skip_passes):
        raise ValueError("skip_passes must be a list of pass names, not %r" % (skip_passes,))
    if isinstance(gpu_tiles, dict):
        gpu_tiles = " ".join("%s=%s" % (k, str(v).lower() if isinstance(v, bool) else v)
                             for k, v in gpu_tiles.items())
    if gpu_tiles is not None and target not in ("vulkan", "cuda"):
        raise ValueError("gpu_tiles needs target='vulkan' or 'cuda'")
    if opt_level not in (0, 1, 2, 3):
        raise ValueError("opt_level must be 0, 1, 2 or 3, not %r" % (opt_level,))
    workdir = tempfile.TemporaryDirectory(prefix="aiopt-")
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            workdir.cleanup()
            raise FileNotFoundError("no such model file: %r" % path)
    elif hasattr(model, "SerializeToString"):
        path = os.path.join(workdir.name, "model.onnx")
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
    else:
        workdir.cleanup()
        raise TypeError("model must be a path or an onnx.ModelProto, not %s" % type(model).__name__)
    if (gpu_arch, cuda_path) != (None, None) and target != "cuda":
        raise ValueError("gpu_arch and cuda_path need target='cuda'")
    if target in ("vulkan", "cuda") and parallel:
        raise ValueError("target=%r runs its loops as kernels: parallel is for CPUs" % target)
    triple = None if target == "cpu" else target
    library = os.path.join(workdir.name, "model.so")
    signature = json.loads(_aiopt.compile_shared(
        path, name, library, opt_level, parallel, triple, cpu, features,
        None if quant is None else json.dumps(quant),
        None if prune_options is None else json.dumps(prune_options),
        None if precision_json is None else json.dumps(precision_json), bool(runtime_checks),
        bool(debug_info), gpu_arch, None if cuda_path is None else os.fspath(cuda_path),
        None if winograd == "auto" else str(winograd),
        None if tensor_cores == "auto" else tensor_cores,
        None if not skip_passes else ",".join(skip_passes), gpu_tiles))
    signature["target"] = target
    signature["opt_level"] = opt_level
    return CompiledModel(library, signature, workdir)
