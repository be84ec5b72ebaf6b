//===- FlattenStridedBuffers.cpp - strided views as flat kernel buffers ---===//
//
// Rewrites the loads and stores of strided memrefs (and, for SPIR-V,
// contiguous ones with dynamic strides) inside gpu.launch regions into
// accesses of flat views of their buffers (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/BufferViews.h"
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

/// The value `view` shares its base buffer with: what it is a view of,
/// through the views that keep their source's base buffer (not
/// memref.view, which shifts it).
static Value baseRoot(Value view) {
  while (Operation *def = view.getDefiningOp()) {
    if (!aiopt::keepsSourceElements(def) && !isa<memref::ReinterpretCastOp>(def))
      break;
    view = def->getOperand(0);
  }
  return view;
}

/// The flat views of `views`, which share a base buffer, made before
/// `launch`: one 1-D view of that buffer, from its base to the last element
/// any of them reaches, and each one's offset and strides into it.
static void flatten(OpBuilder &b, gpu::LaunchOp launch, ArrayRef<Value> views,
                    llvm::MapVector<Value, FlatView> &flat) {
  Location loc = launch.getLoc();
  b.setInsertionPoint(launch);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value span = zero, base;
  for (Value view : views) {
    auto type = cast<MemRefType>(view.getType());
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, view);
    base = base ? base : meta.getBaseBuffer();
    // The elements from the base to the last one the view reaches (a view
    // with an empty dimension may reach less than its offset: the span
    // starts at zero).
    Value reach = arith::AddIOp::create(b, loc, meta.getOffset(), one);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      Value last = arith::SubIOp::create(b, loc, meta.getSizes()[d], one);
      reach = arith::AddIOp::create(b, loc, reach,
                                    arith::MulIOp::create(b, loc, last, meta.getStrides()[d]));
    }
    span = arith::MaxSIOp::create(b, loc, span, reach);
    flat[view] = {Value(), meta.getOffset(), SmallVector<Value>(meta.getStrides())};
  }
  auto type = cast<MemRefType>(views.front().getType());
  auto flatType = MemRefType::get({ShapedType::kDynamic}, type.getElementType(),
                                  MemRefLayoutAttrInterface(), type.getMemorySpace());
  Value buffer = memref::ReinterpretCastOp::create(b, loc, flatType, base,
                                                   /*offset=*/OpFoldResult(b.getIndexAttr(0)),
                                                   ArrayRef<OpFoldResult>{span},
                                                   ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  for (Value view : views)
    flat[view].flat = buffer;
}

/// `offset + sum(indices[i] * strides[i])` at `b`'s insertion point.
static Value linearize(OpBuilder &b, Location loc, const FlatView &view, ValueRange indices) {
  Value index = view.offset;
  for (auto [i, stride] : llvm::zip(indices, view.strides))
    index = arith::AddIOp::create(b, loc, index, arith::MulIOp::create(b, loc, i, stride));
  return index;
}

/// Whether a contiguous `type` has a stride that is not a constant: a
/// dynamic extent after its first.
static bool hasDynamicStride(MemRefType type) {
  return type.getRank() > 1 && llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic);
}

namespace {
struct GPUFlattenStridedBuffersPass
    : aiopt::impl::GPUFlattenStridedBuffersPassBase<GPUFlattenStridedBuffersPass> {
  using Base::Base;
  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation().walk([&](gpu::LaunchOp launch) {
      auto isStridedFromAbove = [&](Value v) {
        auto type = dyn_cast<MemRefType>(v.getType());
        return type && (!type.getLayout().isIdentity() || (dynamicStrides && hasDynamicStride(type))) &&
               !launch.getBody().isAncestor(v.getParentRegion());
      };
      // The strided views the launch accesses, by the buffer they view:
      // views of one buffer (a convolution's taps, at offsets of one
      // element) share one kernel argument.
      llvm::MapVector<Value, SmallVector<Value>> byBuffer;
      launch.getBody().walk([&](Operation *op) {
        Value memref = aiopt::accessedMemRef(op);
        if (!memref || !isStridedFromAbove(memref))
          return;
        SmallVector<Value> &views = byBuffer[baseRoot(memref)];
        if (!llvm::is_contained(views, memref))
          views.push_back(memref);
      });
      llvm::MapVector<Value, FlatView> views;
      for (auto &group : byBuffer)
        flatten(b, launch, group.second, views);
      auto viewOf = [&](Value v) -> FlatView & { return views.find(v)->second; };
      launch.getBody().walk([&](Operation *op) {
        Value memref = aiopt::accessedMemRef(op);
        if (!memref || !isStridedFromAbove(memref))
          return;
        FlatView &view = viewOf(memref);
        b.setInsertionPoint(op);
        if (auto load = dyn_cast<memref::LoadOp>(op)) {
          Value index = linearize(b, load.getLoc(), view, load.getIndices());
          load->replaceAllUsesWith(
              memref::LoadOp::create(b, load.getLoc(), view.flat, index)->getResults());
        } else {
          auto store = cast<memref::StoreOp>(op);
          Value index = linearize(b, store.getLoc(), view, store.getIndices());
          memref::StoreOp::create(b, store.getLoc(), store.getValueToStore(), view.flat, index);
        }
        op->erase();
      });
    });
  }
};
} // namespace
