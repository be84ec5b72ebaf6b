//===- Passes.h - CPU code generation passes --------------------*- C++ -*-===//
//
// Declarations of aiopt's CPU back-end passes.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CODEGEN_CPU_PASSES_H
#define AIOPT_CODEGEN_CPU_PASSES_H

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::aiopt {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "aiopt/Codegen/CPU/Passes.h.inc"

/// Creates `entryName(void **inputs, void *results)` calling the C wrapper
/// `_mlir_ciface_<funcName>` in an LLVM-dialect module.
LogicalResult createEntryWrapper(ModuleOp module, StringRef funcName,
                                 StringRef entryName);

/// Rewrites memref.copy between non-contiguous memrefs into linalg.copy,
/// or, with `vectorSize` > 0, static copies whose innermost dimension is
/// contiguous on both sides into loops of vector loads and stores.
void populateStridedCopyToLinalgPatterns(RewritePatternSet &patterns, int64_t vectorSize = 0);

/// Whether upstream elementwise fusion may fuse `operand`'s producer into
/// its owner at all: a linalg.generic producer, a linalg consumer, and no
/// sparse kernel (whose operands keep their layout: the activation
/// transposed for contiguous inner loops).
bool fusableElementwise(OpOperand *operand);

/// aiopt-cpu-fuse-elementwise's rule (also aiopt-gpu-fuse-producers'):
/// fusable, and fused it computes each produced element once (the
/// producer has no other use, and the consumer reads it through a
/// permutation of its loops).
bool fusesComputingOnce(OpOperand *operand);

} // namespace mlir::aiopt

#endif // AIOPT_CODEGEN_CPU_PASSES_H
