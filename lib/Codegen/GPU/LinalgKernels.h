//===- LinalgKernels.h - building GPU kernels for linalg ops ----*- C++ -*-===//
//
// Private to the GPU code generator: what the passes that write a linalg
// op's kernel by hand (aiopt-gpu-tile-contractions, -row-kernels)
// share: a launch with workgroup buffers, loop dimensions recovered from a
// flattened index, operands read through their indexing maps, and the
// accesses to buffers that decide which ops may move around a kernel.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CODEGEN_GPU_LINALGKERNELS_H
#define AIOPT_LIB_CODEGEN_GPU_LINALGKERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir::aiopt {

/// A gpu.launch of `grid` workgroups (constants or host values) of
/// `threads` invocations with one
/// workgroup buffer per entry of `buffers` (shape and element type): the
/// launch's workgroup attributions (NVVM: shared memory), or with
/// `allocBuffers` memref.allocs in memory space 3 inside it (SPIR-V:
/// Workgroup variables). The builder is left inside the launch, before its
/// terminator; `workgroupBuffers` receives the buffers.
gpu::LaunchOp createKernelLaunch(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> grid,
                                 int64_t threads, ArrayRef<MemRefType> buffers,
                                 bool allocBuffers, SmallVectorImpl<Value> &workgroupBuffers);

/// The static loop ranges of `op` when a hand-written kernel can compute
/// it: buffers of integers or floats, one output indexed by exactly the
/// parallel dimensions (each output element is one place's) and certainly
/// apart from every input, static ranges, and a payload that is a pure
/// function of its arguments (no linalg.index, no regions). Nothing
/// otherwise. With `inPlace`, an input may also be a view of the whole
/// output buffer in row-major order with the output's identity map (each
/// element read and written by one invocation only: elementwise ops
/// bufferized in place).
/// With `allowDynamic`, dynamic ranges (ShapedType::kDynamic) are allowed
/// too.
std::optional<SmallVector<int64_t>> kernelLoopRanges(linalg::LinalgOp op, bool inPlace = false,
                                                     bool allowDynamic = false);

/// Whether `v` is `root` or a view of all of it in row-major order (an
/// identity layout over as many elements), so that an element's linear
/// index in `v` is its index in `root`.
bool viewsWhole(Value v, Value root);

/// A pass's `tile-memory` option: whether it asks for memref.allocs
/// ('alloc') rather than workgroup attributions ('attribution'); other
/// values are an error on `op`.
FailureOr<bool> allocWorkgroupBuffers(Operation *op, StringRef tileMemory);

/// The linalg ops under `root` that are not inside a kernel already.
SmallVector<linalg::LinalgOp> linalgOpsOutsideKernels(Operation *root);

/// Sets `dims[d]` for the loop dimensions `group` (the last varying
/// fastest, extents from `ranges`) at the flattened index `flat`.
void delinearizeDims(OpBuilder &b, Location loc, ArrayRef<unsigned> group,
                     ArrayRef<int64_t> ranges, Value flat, SmallVectorImpl<Value> &dims);

/// The indices `map` gives for the loop dimension values `dims`.
SmallVector<Value> indicesAtDims(OpBuilder &b, Location loc, AffineMap map, ArrayRef<Value> dims);

/// Loads `operand` of `op` at the loop dimension values `dims` (through its
/// indexing map).
Value loadAtDims(OpBuilder &b, Location loc, linalg::LinalgOp op, OpOperand *operand,
                 ArrayRef<Value> dims);

/// Whether `op` (or an op inside it) may write (or, unless `writesOnly`,
/// read) the buffer rooted at `root` (a viewedBuffer result).
bool touchesBuffer(Operation *op, Value root, bool writesOnly);

/// The constant `op` writes when it is a linalg.fill of exactly `buffer`
/// (that value) with a constant; null otherwise. A kernel that overwrites
/// all of `buffer` can start from it instead, and the fill go.
TypedAttr filledWith(Operation *op, Value buffer);

/// The payload of a linalg op with one output when it yields `comb(out, x)`
/// for a commutative, associative combination of its output argument
/// (used once) with a value not depending on it: the combining op, which
/// also combines partial results. Null otherwise.
Operation *combiningOp(linalg::LinalgOp op);

} // namespace mlir::aiopt

#endif // AIOPT_LIB_CODEGEN_GPU_LINALGKERNELS_H
