//===- LoopBarriers.cpp - the aiopt-cpu-drop-loop-barriers pass -----------===//
//
// An OpenMP worksharing loop that ends its parallel region needs no barrier
// of its own: the region's join waits for every thread.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPULOOPBARRIERSPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {

struct LoopBarriersPass : aiopt::impl::CPULoopBarriersPassBase<LoopBarriersPass> {
  void runOnOperation() override {
    getOperation()->walk([](omp::WsloopOp loop) {
      Operation *next = loop->getNextNode();
      if (isa_and_nonnull<omp::ParallelOp>(loop->getParentOp()) && next &&
          next == loop->getBlock()->getTerminator() && isa<omp::TerminatorOp>(next))
        loop.setNowait(true);
    });
  }
};

} // namespace
