//===- CopiesToLinalg.cpp - buffer copies as linalg.copy ------------------===//
//
// memref.copy of rank 1 or more becomes linalg.copy, whose parallel loop
// nest becomes a kernel; copies of no elements go (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUCOPIESTOLINALGPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
struct GPUCopiesToLinalgPass
    : aiopt::impl::GPUCopiesToLinalgPassBase<GPUCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (cast<MemRefType>(copy.getSource().getType()).getRank() > 0)
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      // A copy of no elements does nothing (and would be a kernel of
      // empty buffers, which SPIR-V cannot declare).
      if (llvm::is_contained(cast<MemRefType>(copy.getSource().getType()).getShape(), 0)) {
        copy.erase();
        continue;
      }
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace
