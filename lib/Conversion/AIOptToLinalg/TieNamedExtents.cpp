//===- TieNamedExtents.cpp - one value per named input extent -------------===//
//
// aiopt-tie-named-extents: the extents of input dimensions the model names
// alike (aiopt.dims, from ONNX dim_param) are read from the first input
// dimension of each name, which aiopt_run has checked them against.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_TIENAMEDEXTENTSPASS
#include "aiopt/Conversion/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
struct TieNamedExtentsPass : aiopt::impl::TieNamedExtentsPassBase<TieNamedExtentsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    // (argument, dimension) of each dynamic dimension, and the first one
    // of its name.
    using ArgDim = std::pair<unsigned, int64_t>;
    llvm::StringMap<ArgDim> first;
    DenseMap<ArgDim, ArgDim> tiedTo;
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
          tiedTo[here] = it->second;
      }
    }
    if (tiedTo.empty())
      return;
    OpBuilder b(func.getBody());
    b.setInsertionPointToStart(&func.getBody().front());
    DenseMap<ArgDim, Value> extents;
    auto extentOf = [&](ArgDim at) {
      Value &v = extents[at];
      if (!v)
        v = tensor::DimOp::create(b, func.getLoc(), func.getArgument(at.first), at.second);
      return v;
    };
    func.walk([&](tensor::DimOp dim) {
      auto arg = dyn_cast<BlockArgument>(dim.getSource());
      std::optional<int64_t> d = dim.getConstantIndex();
      if (!arg || arg.getOwner() != &func.getBody().front() || !d)
        return;
      auto it = tiedTo.find({arg.getArgNumber(), *d});
      if (it != tiedTo.end())
        dim.replaceAllUsesWith(extentOf(it->second));
    });
  }
};
} // namespace
