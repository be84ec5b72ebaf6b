//===- TieNamedExtents.cpp - one value per named input extent -------------===//
//
// aiopt-tie-named-extents: extents are read where they come from (the
// inputs', through results, pads and reshapes), and those of input
// dimensions the model names alike (aiopt.dims, from ONNX dim_param) from
// the first input dimension of each name, which aiopt_run has checked them
// against.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_TIENAMEDEXTENTSPASS
#include "aiopt/Conversion/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
using ArgDim = std::pair<unsigned, int64_t>;

/// One tensor.dim per dynamic input extent (one per name for the named
/// ones), made at the function's start when first asked for, and forgotten
/// when the rewriter erases it.
struct InputExtents : RewriterBase::Listener {
  func::FuncOp func;
  DenseMap<ArgDim, ArgDim> tiedTo;
  DenseMap<ArgDim, Operation *> dims;

  void notifyOperationErased(Operation *op) override {
    for (auto it = dims.begin(); it != dims.end(); ++it)
      if (it->second == op) {
        dims.erase(it);
        return;
      }
  }

  Value get(PatternRewriter &rewriter, ArgDim at) {
    if (auto it = tiedTo.find(at); it != tiedTo.end())
      at = it->second;
    Operation *&op = dims[at];
    if (!op) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&func.getBody().front());
      op = tensor::DimOp::create(rewriter, func.getLoc(), func.getArgument(at.first), at.second);
    }
    return op->getResult(0);
  }
};

/// A tensor.dim of an input becomes the one InputExtents keeps for it.
struct CanonicalInputDim : OpRewritePattern<tensor::DimOp> {
  CanonicalInputDim(MLIRContext *ctx, InputExtents &extents)
      : OpRewritePattern(ctx), extents(extents) {}
  LogicalResult matchAndRewrite(tensor::DimOp dim, PatternRewriter &rewriter) const override {
    auto arg = dyn_cast<BlockArgument>(dim.getSource());
    std::optional<int64_t> d = dim.getConstantIndex();
    if (!arg || arg.getOwner() != &extents.func.getBody().front() || !d)
      return failure();
    Value canonical = extents.get(rewriter, {arg.getArgNumber(), *d});
    if (canonical == dim.getResult())
      return failure();
    rewriter.replaceOp(dim, canonical);
    return success();
  }
  InputExtents &extents;
};

struct TieNamedExtentsPass : aiopt::impl::TieNamedExtentsPassBase<TieNamedExtentsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    InputExtents extents;
    extents.func = func;
    // Each named input dimension after the first of its name is tied to it.
    llvm::StringMap<ArgDim> first;
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      auto dims = func.getArgAttrOfType<ArrayAttr>(i, "aiopt.dims");
      auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
      if (!dims || !type || dims.size() != static_cast<size_t>(type.getRank()))
        continue;
      for (auto [d, name] : llvm::enumerate(dims.getAsValueRange<StringAttr>())) {
        if (name.empty() || !type.isDynamicDim(d))
          continue;
        ArgDim here{i, static_cast<int64_t>(d)};
        auto [it, inserted] = first.try_emplace(name, here);
        if (!inserted)
          extents.tiedTo[here] = it->second;
      }
    }
    // Dims of results become dims of what their extents come from (a
    // generic's operands, an empty tensor's sizes, a pad's or reshape's
    // source) until they are the inputs' (or computed from them), each one
    // value; run-time decisions between equal extents then fold, which
    // lets the dims of their results resolve in turn.
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    tensor::DimOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::EmptyOp::getCanonicalizationPatterns(patterns, ctx);
    scf::IfOp::getCanonicalizationPatterns(patterns, ctx);
    patterns.add<CanonicalInputDim>(ctx, extents);
    if (failed(applyPatternsGreedily(func, std::move(patterns),
                                     GreedyRewriteConfig().setListener(&extents))))
      return signalPassFailure();
  }
};
} // namespace
