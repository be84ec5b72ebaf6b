//===- Bufferize.cpp - the aiopt-cpu-bufferize pass ------------------------===//
//
// One-shot bufferization of the whole module, through the sparsifier when
// sparse kernels are present (see the pass description).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/SparseTensor/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUBUFFERIZEPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

struct BufferizePass : aiopt::impl::CPUBufferizePassBase<BufferizePass> {
  using Base::Base;

  void runOnOperation() override {
    bool sparse = getOperation()
                      ->walk([](Operation *op) {
                        return sparse_tensor::hasAnySparseOperandOrResult(op)
                                   ? WalkResult::interrupt()
                                   : WalkResult::advance();
                      })
                      .wasInterrupted();
    OpPassManager pm(ModuleOp::getOperationName());
    if (!sparse) {
      bufferization::OneShotBufferizePassOptions dense;
      dense.bufferizeFunctionBoundaries = true;
      dense.allowReturnAllocsFromLoops = true;
      dense.functionBoundaryTypeConversion = bufferization::LayoutMapOption::IdentityLayoutMap;
      pm.addPass(bufferization::createOneShotBufferizePass(dense));
    } else {
      bufferization::OneShotBufferizationOptions options;
      options.bufferizeFunctionBoundaries = true;
      options.allowReturnAllocsFromLoops = true;
      options.setFunctionBoundaryTypeConversion(
          bufferization::LayoutMapOption::IdentityLayoutMap);
      // Identity layouts for memrefs the sparsifier creates, too.
      options.unknownTypeConverterFn = [](TensorType type, Attribute space,
                                          const bufferization::BufferizationOptions &) {
        return bufferization::getMemRefTypeWithStaticIdentityLayout(type, space);
      };
      auto strategy = parallel ? SparseParallelizationStrategy::kDenseOuterLoop
                               : SparseParallelizationStrategy::kNone;
      SparsificationOptions sparsification(
          strategy, SparseEmitStrategy::kFunctional, /*enableRT=*/false);
      pm.addPass(mlir::createSparsificationAndBufferizationPass(
          options, sparsification, /*createSparseDeallocs=*/false,
          /*enableRuntimeLibrary=*/false, /*enableBufferInitialization=*/false,
          /*vectorLength=*/0,
          /*enableVLAVectorization=*/false, /*enableSIMDIndex32=*/true,
          /*enableGPULibgen=*/false, SparseEmitStrategy::kFunctional, strategy));
      pm.addPass(mlir::createStorageSpecifierToLLVMPass());
    }
    if (failed(runPipeline(pm, getOperation())))
      signalPassFailure();
  }
};

} // namespace
