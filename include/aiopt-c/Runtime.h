/*===- aiopt-c/Runtime.h - C API of aiopt-compiled models ---------*- C -*-===*\
|*                                                                            *|
|* The stable C interface of models compiled by aiopt-compile. A compiled     *|
|* model is an object file exporting `<name>_entry` plus a generated header   *|
|* describing it (aiopt_model_info); programs call aiopt_run() from the       *|
|* static runtime library (libaiopt_runtime.a). No LLVM or MLIR is needed at  *|
|* run time.                                                                  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef AIOPT_C_RUNTIME_H
#define AIOPT_C_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version of this header; the runtime rejects models built for another.
 *  2: aiopt_model_info.features. 3: aiopt_model_info.device_runtime.
 *  4: aiopt_tensor_info.dim_names. */
#define AIOPT_ABI_VERSION 4

/** Largest tensor rank crossing the API. */
#define AIOPT_MAX_RANK 8

/** Element types; the values are ONNX TensorProto.DataType codes. */
typedef enum aiopt_dtype {
  AIOPT_F32 = 1,
  AIOPT_U8 = 2,
  AIOPT_I8 = 3,
  AIOPT_U16 = 4,
  AIOPT_I16 = 5,
  AIOPT_I32 = 6,
  AIOPT_I64 = 7,
  AIOPT_BOOL = 9,
  AIOPT_F16 = 10,
  AIOPT_F64 = 11,
  AIOPT_U32 = 12,
  AIOPT_U64 = 13,
  AIOPT_BF16 = 16,
  /* One element per byte, in the low bits for the 4- and 2-bit types. */
  AIOPT_F8E4M3FN = 17,
  AIOPT_F8E4M3FNUZ = 18,
  AIOPT_F8E5M2 = 19,
  AIOPT_F8E5M2FNUZ = 20,
  AIOPT_U4 = 21,
  AIOPT_I4 = 22,
  AIOPT_F4E2M1 = 23,
  AIOPT_U2 = 25,
  AIOPT_I2 = 26
} aiopt_dtype;

/** Status codes returned by every call. */
typedef enum aiopt_status {
  AIOPT_OK = 0,
  AIOPT_ERROR_NULL_ARGUMENT = 1,  /**< a required pointer was NULL */
  AIOPT_ERROR_ABI_MISMATCH = 2,   /**< model built for another ABI version */
  AIOPT_ERROR_ARGUMENT_COUNT = 3, /**< wrong number of inputs or outputs */
  AIOPT_ERROR_DTYPE = 4,          /**< element type differs from the model's */
  AIOPT_ERROR_RANK = 5,           /**< rank differs from the model's */
  AIOPT_ERROR_SHAPE = 6,          /**< a static dimension differs */
  AIOPT_ERROR_BUFFER_TOO_SMALL = 7, /**< an output buffer is too small */
  AIOPT_ERROR_OUT_OF_MEMORY = 8,
  AIOPT_ERROR_INVALID_ARGUMENT = 9, /**< an argument out of its range */
  AIOPT_ERROR_UNSUPPORTED = 10,     /**< not available in this program */
  AIOPT_ERROR_COMPILE = 11,         /**< the compiler rejected the model (aiopt-c/Compiler.h) */
  AIOPT_ERROR_IO = 12,              /**< a file could not be read or written */
  AIOPT_ERROR_INDEX_OUT_OF_RANGE = 13, /**< a gather/scatter index outside its dimension
                                            (models compiled with --runtime-checks) */
  AIOPT_ERROR_DEVICE = 14 /**< a GPU kernel could not run (no driver or device, a failed
                               call; models compiled with --target=vulkan) */
} aiopt_status;

/** A tensor crossing the API: dense, row-major (contiguous). */
typedef struct aiopt_tensor {
  void *data;                     /**< element storage */
  int32_t dtype;                  /**< an aiopt_dtype */
  int32_t rank;                   /**< number of dimensions */
  int64_t shape[AIOPT_MAX_RANK];  /**< extents, shape[0..rank) */
  size_t capacity;                /**< outputs: bytes available at data */
} aiopt_tensor;

/** Static description of one model input or output. */
typedef struct aiopt_tensor_info {
  const char *name;     /**< the ONNX value name */
  int32_t dtype;        /**< an aiopt_dtype */
  int32_t rank;
  const int64_t *shape; /**< extents; -1 marks a dynamic dimension */
  /** Per dimension, the name the ONNX model gives a dynamic one (its
   *  dim_param), or NULL; NULL when no dimension has one. Inputs'
   *  dimensions of one name must have one extent: aiopt_run checks it. */
  const char *const *dim_names;
} aiopt_tensor_info;

/** What a compiled model's object can do beyond aiopt_run (the bits of
 *  aiopt_model_info.features). */
enum {
  /** Compiled with --target=cuda and device-resident buffers (the
   *  default): aiopt_run_on takes CUDA device pointers. */
  AIOPT_MODEL_DEVICE_BUFFERS = 1
};

/** What aiopt_run_on needs of the runtime of a model's device (opaque: the
 *  CUDA runtime's is `aiopt_cuda_device_runtime`, in libaiopt_runtime_cuda.a
 *  and in every CUDA model's shared library). */
struct aiopt_device_runtime;

/** Entry point exported by a compiled model (see aiopt-cpu-entry-wrapper). */
typedef void (*aiopt_entry_fn)(void **inputs, void *results);

/** Everything the runtime needs to call a model; emitted in its header. */
typedef struct aiopt_model_info {
  uint32_t abi_version;  /**< AIOPT_ABI_VERSION of the compiler */
  const char *name;
  size_t num_inputs;
  const aiopt_tensor_info *inputs;
  size_t num_outputs;
  const aiopt_tensor_info *outputs;
  aiopt_entry_fn entry;
  const char *compile_options; /**< how the object was compiled */
  uint32_t features;           /**< AIOPT_MODEL_* bits */
  /** With AIOPT_MODEL_DEVICE_BUFFERS: the device runtime that runs the
   *  model (the generated header sets &aiopt_cuda_device_runtime; for a
   *  shared library, the one it exports). NULL otherwise. */
  const struct aiopt_device_runtime *device_runtime;
} aiopt_model_info;

/**
 * Runs `model` on `inputs` (in the model's input order) and writes its
 * outputs. For each output, either set `data` to a buffer of `capacity`
 * bytes, or set `data` to NULL to receive a buffer from malloc() that the
 * caller releases with aiopt_tensor_free(). On return, each output's dtype,
 * rank and shape describe the result. Inputs are checked against the model
 * (dtype, rank, static extents, one extent per dimension name); on failure
 * nothing is written and the status says why (see aiopt_last_error()).
 * Extents that broadcast in the model are checked as it runs: where they
 * do not (neither equal nor 1), it fails with AIOPT_ERROR_SHAPE naming the
 * ONNX node, and the outputs are not to be used. Thread-safe: concurrent calls
 * on one model are allowed.
 */
aiopt_status aiopt_run(const aiopt_model_info *model, const aiopt_tensor *inputs,
                       size_t num_inputs, aiopt_tensor *outputs,
                       size_t num_outputs);

/** Where the data of the tensors given to aiopt_run_on lives (bits). */
enum {
  AIOPT_ON_HOST = 0,
  /** Each input's `data` is a device address (a CUdeviceptr of the
   *  model's CUDA device, cast to a pointer) of at least the input's bytes. */
  AIOPT_INPUTS_ON_DEVICE = 1,
  /** Each output's `data` is a device address with `capacity` bytes there;
   *  NULL is not allowed. */
  AIOPT_OUTPUTS_ON_DEVICE = 2
};

/**
 * aiopt_run with inputs and/or outputs in device memory, as `where` says
 * (AIOPT_INPUTS_ON_DEVICE | AIOPT_OUTPUTS_ON_DEVICE; AIOPT_ON_HOST is
 * aiopt_run). Needs a model with AIOPT_MODEL_DEVICE_BUFFERS and its
 * device_runtime; otherwise it fails with AIOPT_ERROR_UNSUPPORTED. Device inputs are read where they are, with no
 * copy through the host; device outputs are copied device to device from
 * the model's results. Every device address is checked against its CUDA
 * allocation before the run (AIOPT_ERROR_INVALID_ARGUMENT for an address
 * that is not device memory, AIOPT_ERROR_BUFFER_TOO_SMALL for an
 * allocation too small). The device memory must belong to the device the
 * runtime uses (AIOPT_CUDA_DEVICE, default 0; the CUDA runtime API's
 * cudaMalloc on that device gives such memory). The call returns when the
 * outputs are written.
 */
aiopt_status aiopt_run_on(const aiopt_model_info *model, const aiopt_tensor *inputs,
                          size_t num_inputs, aiopt_tensor *outputs, size_t num_outputs,
                          unsigned where);

/**
 * Sets how many threads models compiled with `aiopt-compile --parallel`
 * use in the aiopt_run() calls made from the calling thread (default:
 * OMP_NUM_THREADS, else one per processor the process may run on).
 * `num_threads` must be at least 1. The calling thread runs as one of
 * them; the others are workers of its own pool in this runtime (models
 * compiled with --thread-pool=openmp use the linked OpenMP runtime's
 * threads instead). Models compiled without --parallel always run on the
 * calling thread.
 */
aiopt_status aiopt_set_num_threads(int num_threads);

/**
 * Frees the buffers the calling thread keeps for reuse. Compiled models
 * allocate their intermediate tensors through the runtime, which keeps
 * freed buffers per thread (up to 512 buffers and 1 GiB) and hands them out
 * again for allocations of the same size, so repeated runs do not map
 * fresh memory; call this to return that memory to the system.
 */
void aiopt_release_cached_memory(void);

/** The message of the last failed call on this thread ("" if none). */
const char *aiopt_last_error(void);

/** Number of elements of `tensor` (product of its shape). */
int64_t aiopt_tensor_num_elements(const aiopt_tensor *tensor);

/** Bytes per element of `dtype`, 0 if unknown. */
size_t aiopt_dtype_size(int32_t dtype);

/** Frees an output buffer allocated by aiopt_run and clears `data`. */
void aiopt_tensor_free(aiopt_tensor *tensor);

#ifdef __cplusplus
}
#endif

#endif /* AIOPT_C_RUNTIME_H */
