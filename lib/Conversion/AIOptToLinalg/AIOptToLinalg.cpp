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
#include "aiopt/Support/ErrorCodes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CONVERTAIOPTTOLINALGPASS
#include "aiopt/Conversion/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

void mlir::aiopt::populateAIOptToLinalgPatterns(RewritePatternSet &patterns,
                                                 const AIOptToLinalgOptions &options) {
  populateElementwisePatterns(patterns);
  populateContractionPatterns(patterns);
  populateSparseContractionPatterns(patterns);
  populateWindowPatterns(patterns, options.windowCopies);
  populateWinogradPatterns(patterns);
  populateReductionPatterns(patterns);
  populateDataMovementPatterns(patterns);
  populateInterpolationPatterns(patterns);
  populateScatterPatterns(patterns);
  populateEinsumPatterns(patterns);
  populateSelectionPatterns(patterns);
  populateAttentionPatterns(patterns, options.blockedAttention);
  populateRuntimeCheckPatterns(patterns);
}

void mlir::aiopt::configureAIOptToLinalgTarget(ConversionTarget &target) {
  target.addIllegalDialect<AIOptDialect>();
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         math::MathDialect, scf::SCFDialect, tensor::TensorDialect,
                         func::FuncDialect, sparse_tensor::SparseTensorDialect,
                         LLVM::LLVMDialect>();
}

namespace {
/// Rebuilds a tensor dialect op (the slices of imported Scan and Loop
/// bodies) over unsigned element types with their signless equivalents.
struct SignlessTensorOp : ConversionPattern {
  SignlessTensorOp(const TypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isa<tensor::TensorDialect>(op->getDialect()) || op->getNumRegions() != 0)
      return failure();
    SmallVector<Type> types;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(), types)))
      return failure();
    Operation *copy = rewriter.clone(*op);
    rewriter.modifyOpInPlace(copy, [&] {
      copy->setOperands(operands);
      for (auto [r, t] : llvm::zip(copy->getResults(), types))
        r.setType(t);
    });
    rewriter.replaceOp(op, copy->getResults());
    return success();
  }
};

struct ConvertAIOptToLinalgPass
    : aiopt::impl::ConvertAIOptToLinalgPassBase<ConvertAIOptToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    ConversionTarget target(getContext());
    configureAIOptToLinalgTarget(target);
    RewritePatternSet patterns(&getContext());
    populateAIOptToLinalgPatterns(patterns, {blockedAttention, windowCopies});
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
    // So do the control flow and slices of imported If, Loop and Scan.
    scf::populateSCFStructuralTypeConversionsAndLegality(signlessTypes, patterns, target);
    patterns.add<SignlessTensorOp>(signlessTypes, &getContext());
    target.addDynamicallyLegalDialect<tensor::TensorDialect>(
        [&](Operation *op) { return signlessTypes.isLegal(op); });
    // What the conversion reports is an operation it cannot lower.
    ErrorCodeHandler cannotLower(&getContext(), ErrorCode::CannotLower);
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
