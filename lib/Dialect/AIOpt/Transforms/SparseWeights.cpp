//===- SparseWeights.cpp - the aiopt-sparse-weights pass ------------------===//
//
// The sparse kernel does only the multiply-adds of nonzero weights, each
// at a lower rate than the dense kernel's (an index load per weight, rows
// of the activation addressed indirectly). The cost model weighs the two:
//
//   dense time  ~ M * K * N / R_dense
//   sparse time ~ M * nnz   / (rho(M) * R_dense)
//
// so the sparse kernel is faster by rho(M) / density. rho is measured by
// this project's benchmark (bench/pruning.py --rates), for one activation row
// (the dense kernel streams the weights with vector multiply-adds; the
// sparse one reads 8 bytes per nonzero and updates the output element by
// element) and for several (the dense kernel runs from registers close
// to the FMA peak; the sparse one loads and stores a vector of the result
// per nonzero, and transposes the activation and the result).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/SparseWeights.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "aiopt/Dialect/AIOpt/Transforms/Pruning.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_SPARSEWEIGHTSPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

/// rho: the sparse kernel's multiply-add rate relative to the dense one's,
/// as `bench/pruning.py --rates` measures it on 1024 and 2048 square layers
/// at 90-95% zeros: one row 0.12-0.16 (1024: the dense weights fit in
/// cache) to 0.16-0.28 (2048: the dense kernel streams them from memory);
/// 64 rows 0.14-0.24. The model takes the low end for one row.
static constexpr double kRelativeRateOneRow = 0.13;
static constexpr double kRelativeRateRows = 0.2;
/// The pass options' defaults: below this many weights the dense kernel
/// works from cache; what the estimate must show for the sparse kernel.
static constexpr int64_t kDefaultMinWeights = 16384;
static constexpr double kDefaultMinSpeedup = 1.2;

static SparseKernelChoice choose(Operation *op, double minSpeedup, int64_t minWeights) {
  SparseKernelChoice c;
  std::optional<WeightOperand> w = weightOperand(op);
  if (!w || isa<ConvOp>(op)) {
    c.reason = "convolutions run dense kernels";
    return c;
  }
  auto lhs = cast<RankedTensorType>(op->getOperand(0).getType());
  auto wt = cast<RankedTensorType>(w->operand->get().getType());
  if (auto gemm = dyn_cast<GemmOp>(op); gemm && gemm.getC() &&
                                        gemm.getBeta().convertToDouble() != 1.0) {
    c.reason = "gemm with beta other than 1";
    return c;
  }
  if (!lhs.getElementType().isF32() || !wt.getElementType().isF32() || !lhs.hasStaticShape()) {
    c.reason = "the sparse kernel takes static f32 operands";
    return c;
  }
  FailureOr<double> sparsity = constantSparsity(w->operand->get());
  if (failed(sparsity)) {
    c.reason = "its weight is not a constant";
    return c;
  }
  c.candidate = true;
  c.sparsity = *sparsity;
  int64_t rows = lhs.getNumElements() / lhs.getShape().back();
  double rho = rows == 1 ? kRelativeRateOneRow : kRelativeRateRows;
  double density = 1.0 - c.sparsity;
  c.estimatedSpeedup = density > 0 ? rho / density : INFINITY;
  if (wt.getNumElements() < minWeights) {
    c.reason = llvm::formatv("{0} weights: small enough for the dense kernel's cache tiles",
                             wt.getNumElements());
    return c;
  }
  c.sparse = c.estimatedSpeedup >= minSpeedup;
  c.reason = llvm::formatv("{0:f1}% zeros, {1} activation row{2}: the sparse kernel is "
                           "estimated {3:f2}x the dense one's speed ({4} {5:f2})",
                           100 * c.sparsity, rows, rows == 1 ? "" : "s", c.estimatedSpeedup,
                           c.sparse ? "at least" : "below", minSpeedup);
  return c;
}

SparseKernelChoice mlir::aiopt::chooseSparseKernel(Operation *op) {
  return choose(op, kDefaultMinSpeedup, kDefaultMinWeights);
}

namespace {

struct SparseWeightsPass : mlir::aiopt::impl::SparseWeightsPassBase<SparseWeightsPass> {
  using SparseWeightsPassBase::SparseWeightsPassBase;

  void runOnOperation() override {
    if (!(minSpeedup > 0)) {
      getOperation()->emitError("aiopt-sparse-weights: min-speedup must be positive");
      return signalPassFailure();
    }
    getOperation()->walk([&](Operation *op) {
      if (!isa<MatMulOp, GemmOp>(op) || !weightOperand(op))
        return;
      if (choose(op, minSpeedup, minWeights).sparse)
        op->setAttr(kSparseWeightAttr, UnitAttr::get(op->getContext()));
      else
        op->removeAttr(kSparseWeightAttr);
    });
  }
};

} // namespace
