//===- InferShapes.cpp - the aiopt-infer-shapes pass ----------------------===//
//
// Forward shape refinement: each op that infers its result types gets the
// more static of its declared and inferred types; uses that cannot follow
// (ops with declared types, returns) read the old type through tensor.cast.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_INFERSHAPESPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {

/// `inferred` when it refines `current`: the same rank and element type,
/// equal where `current` is static, static somewhere `current` is not.
RankedTensorType refinement(Type current, Type inferred) {
  auto c = dyn_cast<RankedTensorType>(current);
  auto i = dyn_cast<RankedTensorType>(inferred);
  if (!c || !i || c == i || c.getRank() != i.getRank() ||
      c.getElementType() != i.getElementType() || c.getEncoding() != i.getEncoding())
    return {};
  bool gained = false;
  for (auto [cd, id] : llvm::zip(c.getShape(), i.getShape())) {
    if (!ShapedType::isDynamic(cd) && cd != id)
      return {};
    gained |= ShapedType::isDynamic(cd) && !ShapedType::isDynamic(id);
  }
  return gained ? i : RankedTensorType();
}

struct InferShapesPass : aiopt::impl::InferShapesPassBase<InferShapesPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation()->walk<WalkOrder::PreOrder>([&](InferTypeOpInterface op) {
      if (!isa<AIOptDialect>(op->getDialect()))
        return;
      // Read through casts that only forget static dimensions.
      for (OpOperand &operand : op->getOpOperands())
        if (auto cast = operand.get().getDefiningOp<tensor::CastOp>())
          if (refinement(cast.getType(), cast.getSource().getType()))
            operand.set(cast.getSource());
      SmallVector<Type> inferred;
      if (failed(op.inferReturnTypes(&getContext(), op->getLoc(), op->getOperands(),
                                     op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
                                     op->getRegions(), inferred)) ||
          inferred.size() != op->getNumResults())
        return;
      for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
        RankedTensorType refined = refinement(result.getType(), type);
        if (!refined)
          continue;
        Type old = result.getType();
        // Users that do not infer their types read the old type.
        SmallVector<OpOperand *> fixed;
        for (OpOperand &use : result.getUses())
          if (!isa<InferTypeOpInterface>(use.getOwner()) ||
              !isa<AIOptDialect>(use.getOwner()->getDialect()))
            fixed.push_back(&use);
        result.setType(refined);
        if (fixed.empty())
          continue;
        b.setInsertionPointAfter(op);
        Value cast = tensor::CastOp::create(b, op->getLoc(), old, result);
        for (OpOperand *use : fixed)
          use->set(cast);
      }
    });
  }
};

} // namespace
