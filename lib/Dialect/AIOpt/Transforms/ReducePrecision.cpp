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

#include <cmath>
#include <cstdio>

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

/// Operand `v` of a product: its values when it is a static constant.
struct ProductOperand {
  Value value;
  std::optional<SmallVector<double>> constant;

  explicit ProductOperand(Value v) : value(v) {
    FailureOr<SmallVector<double>> values = constantFloats(v);
    if (succeeded(values) && cast<RankedTensorType>(v.getType()).hasStaticShape())
      constant = std::move(*values);
  }

  /// The largest magnitude among its finite values (0 when not constant).
  double largestFinite() const {
    double m = 0;
    if (!constant)
      return m;
    for (double x : *constant)
      if (std::isfinite(x))
        m = std::max(m, std::abs(x));
    return m;
  }

  /// It with elements of type `to`: a new constant for a constant, else an
  /// aiopt.cast.
  Value narrowed(PatternRewriter &rewriter, Location loc, FloatType to) const {
    auto type = cast<RankedTensorType>(value.getType()).clone(to);
    if (constant)
      return createFloatConstant(rewriter, loc, type, *constant);
    return CastOp::create(rewriter, loc, type, value);
  }
};

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
      ProductOperand lhs(op->getOperand(0)), rhs(op->getOperand(1));
      if (double m = std::max(lhs.largestFinite(), rhs.largestFinite()); m > largest) {
        std::string name = layerName(op);
        op->emitWarning() << layerOpType(op)
                          << (name.empty() ? std::string() : " node '" + name + "'")
                          << " stays f32: its weights reach " << shortNumber(m) << ", beyond "
                          << type << "'s largest value " << shortNumber(largest);
        continue;
      }
      rewriter.setInsertionPoint(op);
      Value l = lhs.narrowed(rewriter, op->getLoc(), to);
      Value r = lhs.value == rhs.value ? l : rhs.narrowed(rewriter, op->getLoc(), to);
      rewriter.modifyOpInPlace(op, [&] {
        op->setOperand(0, l);
        op->setOperand(1, r);
        op->setAttr("accumulate", TypeAttr::get(Float32Type::get(ctx)));
      });
    }
  }
};

} // namespace
