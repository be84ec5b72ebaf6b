//===- FlattenStridedBuffers.cpp - strided views as flat kernel buffers ---===//
//
// Rewrites the loads and stores of strided memrefs inside gpu.launch
// regions into accesses of flat views of their buffers (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUFLATTENSTRIDEDBUFFERSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// A strided memref's flat view and the layout to index it with.
struct FlatView {
  Value flat;
  Value offset;
  SmallVector<Value> strides;
};
} // namespace

/// Makes the flat view of `view` before `launch`.
static FlatView flatten(OpBuilder &b, gpu::LaunchOp launch, Value view) {
  Location loc = launch.getLoc();
  b.setInsertionPoint(launch);
  auto type = cast<MemRefType>(view.getType());
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, view);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  // The elements from the base to the last one the view reaches.
  Value span = arith::AddIOp::create(b, loc, meta.getOffset(), one);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value last = arith::SubIOp::create(b, loc, meta.getSizes()[d], one);
    Value reach = arith::MulIOp::create(b, loc, last, meta.getStrides()[d]);
    span = arith::AddIOp::create(b, loc, span, reach);
  }
  // A view with an empty dimension reaches nothing.
  span = arith::MaxSIOp::create(b, loc, span, zero);
  auto flatType = MemRefType::get({ShapedType::kDynamic}, type.getElementType(),
                                  MemRefLayoutAttrInterface(), type.getMemorySpace());
  Value flat = memref::ReinterpretCastOp::create(b, loc, flatType, meta.getBaseBuffer(),
                                                 /*offset=*/OpFoldResult(b.getIndexAttr(0)),
                                                 ArrayRef<OpFoldResult>{span},
                                                 ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return {flat, meta.getOffset(), SmallVector<Value>(meta.getStrides())};
}

/// `offset + sum(indices[i] * strides[i])` at `b`'s insertion point.
static Value linearize(OpBuilder &b, Location loc, const FlatView &view, ValueRange indices) {
  Value index = view.offset;
  for (auto [i, stride] : llvm::zip(indices, view.strides))
    index = arith::AddIOp::create(b, loc, index, arith::MulIOp::create(b, loc, i, stride));
  return index;
}

namespace {
struct GPUFlattenStridedBuffersPass
    : aiopt::impl::GPUFlattenStridedBuffersPassBase<GPUFlattenStridedBuffersPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation().walk([&](gpu::LaunchOp launch) {
      llvm::MapVector<Value, FlatView> views;
      auto isStridedFromAbove = [&](Value v) {
        auto type = dyn_cast<MemRefType>(v.getType());
        return type && !type.getLayout().isIdentity() &&
               !launch.getBody().isAncestor(v.getParentRegion());
      };
      auto viewOf = [&](Value v) -> FlatView & {
        auto it = views.find(v);
        if (it == views.end())
          it = views.insert({v, flatten(b, launch, v)}).first;
        return it->second;
      };
      launch.getBody().walk([&](Operation *op) {
        if (auto load = dyn_cast<memref::LoadOp>(op); load && isStridedFromAbove(load.getMemRef())) {
          FlatView &view = viewOf(load.getMemRef());
          b.setInsertionPoint(load);
          Value index = linearize(b, load.getLoc(), view, load.getIndices());
          load->replaceAllUsesWith(
              memref::LoadOp::create(b, load.getLoc(), view.flat, index)->getResults());
          load->erase();
        } else if (auto store = dyn_cast<memref::StoreOp>(op);
                   store && isStridedFromAbove(store.getMemRef())) {
          FlatView &view = viewOf(store.getMemRef());
          b.setInsertionPoint(store);
          Value index = linearize(b, store.getLoc(), view, store.getIndices());
          memref::StoreOp::create(b, store.getLoc(), store.getValueToStore(), view.flat, index);
          store->erase();
        }
      });
    });
  }
};
} // namespace
