/*===- CUDADriver.h - the CUDA driver API as lib/Runtime's CUDA files see it ===*\
|*                                                                            *|
|* The CUDA runtime loads the driver (libcuda.so.1) with dlopen, so programs  *|
|* build and start without one: this header declares the few types of the    *|
|* driver API it uses, and one pointer per driver function, which            *|
|* CUDARuntime.c fills when it loads the driver (the CUDA headers are not     *|
|* needed to build). The required functions are AIOPT_CU_FUNCTIONS; the       *|
|* graph functions (AIOPT_CU_GRAPH_FUNCTIONS) are optional: a driver without  *|
|* them runs every launch on its own (CUDALaunchQueue.h). Private to          *|
|* lib/Runtime.                                                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef AIOPT_RUNTIME_CUDADRIVER_H
#define AIOPT_RUNTIME_CUDADRIVER_H

#include <stddef.h>

typedef int CUresult; /* 0 is CUDA_SUCCESS */
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphNode_st *CUgraphNode;
typedef struct CUgraphExec_st *CUgraphExec;
typedef unsigned long long CUdeviceptr;
enum { CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
       CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76 };
enum { AIOPT_CU_INVALID_VALUE = 1, AIOPT_CU_OUT_OF_MEMORY = 2 };

/* A kernel node's launch, as cuGraphAddKernelNode_v2 and
 * cuGraphExecKernelNodeSetParams_v2 take it (CUDA_KERNEL_NODE_PARAMS_v2):
 * the driver copies the parameters' values when called. */
typedef struct {
  CUfunction func;
  unsigned grid_x, grid_y, grid_z;
  unsigned block_x, block_y, block_z;
  unsigned shared_bytes;
  void **params;
  void **extra;
  void *kernel; /* CUkernel, unused: func is set */
  CUcontext context;
} aiopt_cu_kernel_node;

/* The driver functions every run needs: name, parameter list. */
#define AIOPT_CU_FUNCTIONS(X)                                                                 \
  X(cuInit, (unsigned))                                                                      \
  X(cuDeviceGetCount, (int *))                                                               \
  X(cuDeviceGet, (CUdevice *, int))                                                          \
  X(cuDeviceGetAttribute, (int *, int, CUdevice))                                            \
  X(cuDevicePrimaryCtxRetain, (CUcontext *, CUdevice))                                       \
  X(cuCtxSetCurrent, (CUcontext))                                                            \
  X(cuModuleLoadData, (CUmodule *, const void *))                                            \
  X(cuModuleGetFunction, (CUfunction *, CUmodule, const char *))                             \
  X(cuMemAlloc_v2, (CUdeviceptr *, size_t))                                                  \
  X(cuMemFree_v2, (CUdeviceptr))                                                             \
  X(cuMemcpyHtoD_v2, (CUdeviceptr, const void *, size_t))                                    \
  X(cuMemcpyDtoH_v2, (void *, CUdeviceptr, size_t))                                          \
  X(cuMemcpyDtoD_v2, (CUdeviceptr, CUdeviceptr, size_t))                                     \
  X(cuMemGetAddressRange_v2, (CUdeviceptr *, size_t *, CUdeviceptr))                         \
  X(cuLaunchKernel, (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,  \
                     unsigned, CUstream, void **, void **))                                   \
  X(cuCtxSynchronize, (void))                                                                \
  X(cuGetErrorName, (CUresult, const char **))

/* The graph functions (CUDA 12 and later drivers): optional. */
#define AIOPT_CU_GRAPH_FUNCTIONS(X)                                                           \
  X(cuGraphCreate, (CUgraph *, unsigned))                                                    \
  X(cuGraphAddKernelNode_v2,                                                                 \
    (CUgraphNode *, CUgraph, const CUgraphNode *, size_t, const aiopt_cu_kernel_node *))     \
  X(cuGraphInstantiateWithFlags, (CUgraphExec *, CUgraph, unsigned long long))               \
  X(cuGraphExecKernelNodeSetParams_v2,                                                       \
    (CUgraphExec, CUgraphNode, const aiopt_cu_kernel_node *))                                \
  X(cuGraphLaunch, (CUgraphExec, CUstream))                                                  \
  X(cuGraphExecDestroy, (CUgraphExec))                                                       \
  X(cuGraphDestroy, (CUgraph))

#define AIOPT_CU_DECLARE(name, params)                                                        \
  extern __attribute__((visibility("hidden"))) CUresult(*p_##name) params;
AIOPT_CU_FUNCTIONS(AIOPT_CU_DECLARE)
AIOPT_CU_GRAPH_FUNCTIONS(AIOPT_CU_DECLARE)
#undef AIOPT_CU_DECLARE

/* The driver's name for `r` (CUDARuntime.c). */
__attribute__((visibility("hidden"))) const char *aiopt_cu_error_name(CUresult r);

#endif /* AIOPT_RUNTIME_CUDADRIVER_H */
