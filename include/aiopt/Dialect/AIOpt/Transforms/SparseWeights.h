//===- SparseWeights.h - when a sparse kernel beats the dense one -*- C++ -*-===//
//
// The cost model that picks, per matrix product with constant weights, a
// sparse kernel (the weights compressed, only their nonzeros multiplied) or
// the dense one; shared by the aiopt-sparse-weights pass, which marks the
// choice for the lowering, and the driver's sparsity report.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_TRANSFORMS_SPARSEWEIGHTS_H
#define AIOPT_DIALECT_AIOPT_TRANSFORMS_SPARSEWEIGHTS_H

#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::aiopt {

/// On a matmul or gemm: lower it to a sparse kernel over its compressed
/// constant weights (set by aiopt-sparse-weights).
inline constexpr llvm::StringLiteral kSparseWeightAttr = "aiopt.sparse_weight";

/// The kernel choice for one layer and why.
struct SparseKernelChoice {
  bool candidate = false; ///< a layer with constant weights the model covers
  double sparsity = 0;    ///< fraction of zero weights
  bool sparse = false;    ///< the sparse kernel is expected to be faster
  double estimatedSpeedup = 1; ///< dense time / sparse time, by the model
  std::string reason;
};

/// The choice for `op` (a matmul with a 2-D constant f32 right operand, or
/// a gemm with A not transposed, constant f32 B and beta 1); for other ops
/// `candidate` is false and `reason` says why.
SparseKernelChoice chooseSparseKernel(Operation *op);

} // namespace mlir::aiopt

#endif // AIOPT_DIALECT_AIOPT_TRANSFORMS_SPARSEWEIGHTS_H
