//===- WidenActivations.cpp - the aiopt-cpu-widen-activations pass --------===//
//
// Mixed-precision contractions on CPUs read their 16-bit activations as an
// f32 copy (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "aiopt/Dialect/AIOpt/Transforms/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUWIDENACTIVATIONSPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

bool isHalf(Type t) { return t.isF16() || t.isBF16(); }

/// Whether `op` multiplies and adds two inputs into one f32 output: a
/// contraction, or a convolution reading shifted windows (a generic whose
/// input map is not a permutation).
bool isProductIntoF32(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 || op.getNumDpsInputs() != 2 ||
      op.getNumReductionLoops() == 0 ||
      !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32())
    return false;
  return linalg::isaContractionOpInterface(op) ||
         (isa<linalg::GenericOp>(op.getOperation()) &&
          linalg::detail::isContractionBody(*op.getBlock(), [](Operation *mul, Operation *add) {
            return isa<arith::MulFOp>(mul) && isa<arith::AddFOp>(add);
          }));
}

/// Whether input `i` of `op` is the operand its register tiles broadcast:
/// it does not vary along the output's innermost loop (the tiles' vector
/// lanes).
bool isBroadcastOperand(linalg::LinalgOp op, unsigned i) {
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  auto lane = out.getNumResults() ? dyn_cast<AffineDimExpr>(out.getResults().back()) : nullptr;
  return lane && !op.getMatchingIndexingMap(op.getDpsInputOperand(i))
                      .isFunctionOfDim(lane.getPosition());
}

/// The inputs of product `op` (accumulating in f32) to read in f32: the
/// 16-bit ones that are not constants, and constant ones the register
/// tiles would broadcast element by element (a convolution's filter).
SmallVector<unsigned> inputsToWiden(linalg::LinalgOp op) {
  SmallVector<unsigned> inputs;
  if (!isProductIntoF32(op))
    return inputs;
  for (auto [i, v] : llvm::enumerate(op.getDpsInputs()))
    if (isHalf(getElementTypeOrSelf(v.getType())) &&
        (failed(aiopt::constantBytes(v)) || isBroadcastOperand(op, i)))
      inputs.push_back(i);
  return inputs;
}

/// `v` (a 16-bit tensor) widened to f32 by an elementwise generic.
Value widened(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
  Value init = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{v}, ValueRange{init},
             ArrayRef<AffineMap>{id, id},
             SmallVector<utils::IteratorType>(type.getRank(), utils::IteratorType::parallel),
             [](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nl, arith::ExtFOp::create(nb, nl, nb.getF32Type(), args[0]).getResult());
             })
      .getResult(0);
}

/// Generic `op` reading its inputs `wide` (f32 copies where the input was
/// 16-bit): the body takes their elements where it widened the 16-bit
/// ones.
void replaceInputs(RewriterBase &rewriter, linalg::GenericOp op, ArrayRef<Value> wide) {
  rewriter.setInsertionPoint(op);
  auto widenedOp = linalg::GenericOp::create(
      rewriter, op.getLoc(), op.getResultTypes(), wide, op.getDpsInits(),
      op.getIndexingMapsArray(), op.getIteratorTypesArray(),
      [&](OpBuilder &b, Location, ValueRange args) {
        Block *body = op.getBody();
        IRMapping map;
        map.map(body->getArguments(), args);
        for (Operation &inner : body->getOperations()) {
          auto ext = dyn_cast<arith::ExtFOp>(inner);
          if (ext && map.lookupOrDefault(ext.getIn()).getType() == ext.getType()) {
            map.map(ext.getResult(), map.lookupOrDefault(ext.getIn()));
            continue;
          }
          b.clone(inner, map);
        }
      });
  rewriter.replaceOp(op, widenedOp.getResults());
}

struct CPUWidenActivationsPass
    : aiopt::impl::CPUWidenActivationsPassBase<CPUWidenActivationsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!inputsToWiden(op).empty())
        contractions.push_back(op);
    });
    // One f32 copy per activation, shared by the contractions reading it.
    DenseMap<Value, Value> copies;
    for (linalg::LinalgOp op : contractions) {
      SmallVector<Value> inputs(op.getDpsInputs());
      for (unsigned i : inputsToWiden(op)) {
        // A constant is widened where it is used, so that its f32 copy
        // lives only as long as the product (weights of the whole model
        // would otherwise be live at once).
        if (succeeded(aiopt::constantBytes(inputs[i]))) {
          rewriter.setInsertionPoint(op);
          inputs[i] = widened(rewriter, op.getLoc(), inputs[i]);
          continue;
        }
        Value &copy = copies[inputs[i]];
        if (!copy) {
          rewriter.setInsertionPointAfterValue(inputs[i]);
          copy = widened(rewriter, op.getLoc(), inputs[i]);
        }
        inputs[i] = copy;
      }
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> g =
            linalg::generalizeNamedOp(rewriter, cast<linalg::LinalgOp>(op.getOperation()));
        if (failed(g))
          continue;
        generic = *g;
      }
      replaceInputs(rewriter, generic, inputs);
    }
  }
};

} // namespace
