//===- ReducePrecision.cpp - the aiopt-reduce-precision pass --------------===//
//
// Mixed precision: the selected products read f16 or bf16 operands and,
// with `accumulate = f32`, keep their f32 result (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/Transforms/Precision.h"

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"

#include <cstdio>

#include <cmath>

namespace mlir::aiopt {
#define GEN_PASS_DEF_REDUCEPRECISIONPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

static bool isF32(Value v) { return getElementTypeOrSelf(v.getType()).isF32(); }

SmallVector<Operation *> mlir::aiopt::precisionCandidates(Operation *root,
                                                          const LayerSelection &selection) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    auto conv = dyn_cast<ConvOp>(op);
    if (!(isa<MatMulOp, GemmOp>(op) || (conv && conv.getGroup() == 1)))
      return;
    if (isF32(op->getOperand(0)) && isF32(op->getOperand(1)) && isF32(op->getResult(0)) &&
        selection.selects(op))
      ops.push_back(op);
  });
  return ops;
}

namespace {

/// `v` with elements of type `to`: a new constant for a constant, else an
/// aiopt.cast.
Value narrowed(PatternRewriter &rewriter, Location loc, Value v, FloatType to) {
  auto type = cast<RankedTensorType>(v.getType()).clone(to);
  FailureOr<SmallVector<double>> values = constantFloats(v);
  if (succeeded(values) && type.hasStaticShape())
    return createFloatConstant(rewriter, loc, type, *values);
  return CastOp::create(rewriter, loc, type, v);
}

/// The largest magnitude among the finite values of constant `v` (0 when
/// it is not a constant).
double largestFinite(Value v) {
  FailureOr<SmallVector<double>> values = constantFloats(v);
  double m = 0;
  if (succeeded(values))
    for (double x : *values)
      if (std::isfinite(x))
        m = std::max(m, std::abs(x));
  return m;
}

/// `x` in at most six significant digits ("100000", "3.4e+38").
std::string shortNumber(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", x);
  return buffer;
}

struct ReducePrecisionPass : aiopt::impl::ReducePrecisionPassBase<ReducePrecisionPass> {
  using Base::Base;

  void runOnOperation() override {
    Operation *root = getOperation();
    MLIRContext *ctx = &getContext();
    FloatType to = type == "f16"    ? FloatType(Float16Type::get(ctx))
                   : type == "bf16" ? FloatType(BFloat16Type::get(ctx))
                                    : FloatType();
    if (!to) {
      root->emitError() << errorTag(ErrorCode::InvalidOption)
                        << "aiopt-reduce-precision: type '" << type << "' is not f16 or bf16";
      return signalPassFailure();
    }
    double largest = llvm::APFloat::getLargest(to.getFloatSemantics()).convertToDouble();
    LayerSelection selection{std::vector<std::string>(ops.begin(), ops.end()),
                             std::vector<std::string>(exclude.begin(), exclude.end())};
    PatternRewriter rewriter(ctx);
    for (Operation *op : precisionCandidates(root, selection)) {
      Value lhs = op->getOperand(0), rhs = op->getOperand(1);
      if (double m = std::max(largestFinite(lhs), largestFinite(rhs)); m > largest) {
        std::string name = layerName(op);
        op->emitWarning() << layerOpType(op)
                          << (name.empty() ? std::string() : " node '" + name + "'")
                          << " stays f32: its weights reach " << shortNumber(m) << ", beyond "
                          << type << "'s largest value " << shortNumber(largest);
        continue;
      }
      rewriter.setInsertionPoint(op);
      Value l = narrowed(rewriter, op->getLoc(), lhs, to);
      Value r = lhs == rhs ? l : narrowed(rewriter, op->getLoc(), rhs, to);
      rewriter.modifyOpInPlace(op, [&] {
        op->setOperand(0, l);
        op->setOperand(1, r);
        op->setAttr("accumulate", TypeAttr::get(Float32Type::get(ctx)));
      });
    }
  }
};

} // namespace
