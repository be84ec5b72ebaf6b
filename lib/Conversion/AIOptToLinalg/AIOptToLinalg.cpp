//===- AIOptToLinalg.cpp - the convert-aiopt-to-linalg pass ---------------===//
//
// Wires the per-family lowering patterns into a full dialect conversion.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Conversion/AIOptToLinalg/AIOptToLinalg.h"
#include "LoweringUtils.h"
#include "PopulatePatterns.h"

#include "aiopt/Conversion/Passes.h"
#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CONVERTAIOPTTOLINALGPASS
#include "aiopt/Conversion/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

void mlir::aiopt::populateAIOptToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwisePatterns(patterns);
  populateContractionPatterns(patterns);
  populateWindowPatterns(patterns);
  populateReductionPatterns(patterns);
  populateDataMovementPatterns(patterns);
  populateInterpolationPatterns(patterns);
  populateScatterPatterns(patterns);
  populateEinsumPatterns(patterns);
}

void mlir::aiopt::configureAIOptToLinalgTarget(ConversionTarget &target) {
  target.addIllegalDialect<AIOptDialect>();
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         math::MathDialect, scf::SCFDialect, tensor::TensorDialect,
                         func::FuncDialect>();
}

namespace {
struct ConvertAIOptToLinalgPass
    : aiopt::impl::ConvertAIOptToLinalgPassBase<ConvertAIOptToLinalgPass> {
  void runOnOperation() override {
    ConversionTarget target(getContext());
    configureAIOptToLinalgTarget(target);
    RewritePatternSet patterns(&getContext());
    populateAIOptToLinalgPatterns(patterns);
    // Function signatures lose unsigned integer types with the ops.
    TypeConverter signlessTypes;
    signlessTypes.addConversion([](Type t) { return signless(t); });
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, signlessTypes);
    populateReturnOpTypeConversionPattern(patterns, signlessTypes);
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp f) {
      return signlessTypes.isSignatureLegal(f.getFunctionType());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp r) { return signlessTypes.isLegal(r.getOperandTypes()); });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns)))) {
      signalPassFailure();
      return;
    }
    // Model inputs are read-only (the C API takes them const): ops that
    // update a tensor in place (scatters) must write to a copy.
    getOperation()->walk([](func::FuncOp f) {
      for (unsigned i = 0; i < f.getNumArguments(); ++i)
        if (isa<TensorType>(f.getArgument(i).getType()))
          f.setArgAttr(i, "bufferization.writable", BoolAttr::get(f.getContext(), false));
    });
  }
};
} // namespace
