//===- ThreadPool.cpp - the aiopt-cpu-thread-pool pass --------------------===//
//
// Parallel regions on the aiopt runtime's thread pool instead of libomp: a
// module attribute for the translation to LLVM IR (see LLVMEmitter.cpp),
// and the pool's balancing schedule for worksharing loops.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUTHREADPOOLPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

struct ThreadPoolPass : aiopt::impl::CPUThreadPoolPassBase<ThreadPoolPass> {
  using CPUThreadPoolPassBase::CPUThreadPoolPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    module->setAttr("aiopt.thread_pool", UnitAttr::get(ctx));
    if (!balance)
      return;
    auto dynamic = omp::ClauseScheduleKindAttr::get(ctx, omp::ClauseScheduleKind::Dynamic);
    module.walk([&](omp::WsloopOp loop) {
      if (!loop.getScheduleKindAttr())
        loop.setScheduleKindAttr(dynamic);
    });
  }
};

} // namespace
