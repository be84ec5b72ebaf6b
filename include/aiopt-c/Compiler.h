/*===- aiopt-c/Compiler.h - C API of the aiopt compiler ------------*- C -*-===*\
|*                                                                            *|
|* Compiles ONNX models in-process (what aiopt-compile does, without a        *|
|* subprocess), for bindings such as the Python package. Links against the    *|
|* compiler libraries (libMLIR, libLLVM); compiled models do not need them.   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef AIOPT_C_COMPILER_H
#define AIOPT_C_COMPILER_H

#include "aiopt-c/Runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/** aiopt_compile_options.parallel: blocks on the thread pool of the
 *  runtime (linked into the library). */
#define AIOPT_PARALLEL_POOL 1
/** aiopt_compile_options.parallel: blocks on libomp's threads. */
#define AIOPT_PARALLEL_OPENMP 2

/** How aiopt_compile_shared compiles (aiopt-compile's options of the same names). */
typedef struct aiopt_compile_options {
  int opt_level;        /**< 0..3 (-O0..-O3); default 2 */
  /** 0: one thread; AIOPT_PARALLEL_POOL: blocks run on the runtime's
   *  thread pool (--parallel); AIOPT_PARALLEL_OPENMP: on libomp's threads
   *  (--parallel --thread-pool=openmp) */
  int parallel;
  /** target triple (NULL: the host), or "vulkan" or "cuda": the model's
   *  loop nests run as kernels on that GPU API, the host code on this
   *  machine, and the library carries the device's runtime
   *  (docs/gpu.md) */
  const char *target;
  const char *cpu;      /**< target CPU; NULL: the host's */
  const char *features; /**< target features ("+avx2,-avx512f"); NULL: the CPU's */
  /** Int8 quantization as a JSON object (NULL: none), with the keys of
   *  aiopt-compile's options: "mode" ("dynamic" or "static"),
   *  "per_channel" (bool), "activation_type", "symmetric_activations",
   *  "ops" and "exclude" (lists of node names or op types),
   *  "calibration_data", "calibration_method", "calibration_percentile",
   *  "validation_data", "max_accuracy_drop", "allow_accuracy_miss",
   *  "report" (a JSON file to write). See docs/quantization.md. */
  const char *quantization;
  /** Pruning as a JSON object (NULL: none): "spec" (aiopt-compile's
   *  --prune spec, e.g. "magnitude:sparsity=0.9"), "ops" and "exclude",
   *  "report" and "sparsity_report" (JSON files to write), and the guard's
   *  "validation_data", "max_accuracy_drop", "allow_accuracy_miss" (shared
   *  with quantization). See docs/pruning.md. */
  const char *pruning;
  /** Mixed precision as a JSON object (NULL: products in f32): "type"
   *  ("f32", "f16" or "bf16": the operand type of Conv/MatMul/Gemm
   *  products, which accumulate in f32; or "tf32" with a GPU target, alone:
   *  the kernels round f32 products' operands to TF32), "ops" and
   *  "exclude", "report" (a
   *  JSON file to write), and the guard's "validation_data",
   *  "max_accuracy_drop", "allow_accuracy_miss" (shared with quantization
   *  and pruning). See docs/precision.md. */
  const char *precision;
  /** nonzero: gather/scatter indices are checked at run time; an index out
   *  of range fails the run with AIOPT_ERROR_INDEX_OUT_OF_RANGE
   *  (--runtime-checks) */
  int runtime_checks;
  /** nonzero: the library keeps a line table in which its code is
   *  attributed to the model file's line N, the graph's node N (1-based),
   *  for profilers and debuggers (-g) */
  int debug_info;
  /** target "cuda": the GPU architecture (NULL: "sm_90"; "sm_80", ...) */
  const char *gpu_arch;
  /** target "cuda": the CUDA toolkit's folder (NULL: as aiopt-compile
   *  --cuda-path finds it: $CUDA_PATH, ptxas on PATH, /usr/local/cuda) */
  const char *cuda_path;
  /** CPU targets from opt_level 2: 3x3 convolutions by Winograd's
   *  transforms, "auto" (NULL: chosen per layer), "off" (every convolution
   *  direct: the results closest to the reference), "2" or "4" (every
   *  eligible convolution with that tile) (--winograd) */
  const char *winograd;
  /** targets "vulkan" and "cuda": f16 and bf16 products on tensor cores,
   *  "auto" (NULL: cuda's WMMA and mma.sync, none on vulkan), "off", or
   *  "emulate" (the tensor-core kernels in scalar arithmetic, to check them
   *  on devices without tensor cores) (--tensor-cores) */
  const char *tensor_cores;
  /** Optional passes to leave out, comma-separated (NULL: none), to measure
   *  what each gives: those the target's pipeline takes (aiopt-compile
   *  --skip-pass; docs/user-guide.md, docs/gpu.md) */
  const char *skip_passes;
  /** targets "vulkan" and "cuda": aiopt-gpu-tile-contractions options that
   *  replace the target's, "key=value ..." (NULL: the target's; aiopt-compile
   *  --gpu-tiles, docs/gpu.md) */
  const char *gpu_tiles;
} aiopt_compile_options;

/** Sets `options` to the defaults (-O2, one thread, the host). */
void aiopt_compile_options_init(aiopt_compile_options *options);

/**
 * Compiles the ONNX model at `model_path` into the shared library
 * `output_path`, exporting `<name>_entry` (`name`: a C identifier; NULL:
 * the file name made one, as aiopt-compile does). On
 * success, when `signature_json` is not NULL, it receives a JSON object
 * {"name", "inputs", "outputs", "parallel", "device_buffers" (the library
 * exports aiopt_cuda_device_runtime for aiopt_run_on)} whose tensors are {"name",
 * "dtype" (an aiopt_dtype), "shape" (-1: dynamic)}. On failure the status
 * says what failed and, when `error` is not NULL, it receives the
 * compiler's diagnostics (file, ONNX node and op where known). Strings are
 * allocated with malloc; release them with aiopt_compiler_free(). Calls
 * may run concurrently from several threads.
 */
aiopt_status aiopt_compile_shared(const char *model_path, const char *name,
                                  const char *output_path,
                                  const aiopt_compile_options *options,
                                  char **signature_json, char **error);

/** Frees a string returned by aiopt_compile_shared. */
void aiopt_compiler_free(char *string);

#ifdef __cplusplus
}
#endif

#endif /* AIOPT_C_COMPILER_H */
