//===- Precision.h - which ops aiopt-reduce-precision rewrites --*- C++ -*-===//
//
// The products mixed precision applies to, shared by the
// aiopt-reduce-precision pass and the compiler driver's accuracy guard
// (which returns them to f32 one by one).
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_TRANSFORMS_PRECISION_H
#define AIOPT_DIALECT_AIOPT_TRANSFORMS_PRECISION_H

#include "aiopt/Dialect/AIOpt/Transforms/Quantization.h"

namespace mlir::aiopt {

/// The ops under `root` that aiopt-reduce-precision rewrites, in walk
/// order: conv with one group, matmul and gemm whose two product operands
/// and result are f32, selected by `selection` (which leaves out those
/// marked kKeepFloatAttr).
SmallVector<Operation *> precisionCandidates(Operation *root, const LayerSelection &selection);

} // namespace mlir::aiopt

#endif // AIOPT_DIALECT_AIOPT_TRANSFORMS_PRECISION_H
