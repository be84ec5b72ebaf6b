//===- InsertIndexChecks.cpp - run-time checks of gather/scatter indices --===//
//
// aiopt-insert-index-checks (aiopt-compile --runtime-checks): every gather
// and scatter with computed indices gets an aiopt.check_indices naming its
// ONNX node, which the lowering turns into a range check that makes the
// model's run fail instead of clamping the bad index. Constant indices are
// checked here, at compile time.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h"
#include "aiopt/Dialect/AIOpt/Transforms/Quantization.h"
#include "aiopt/Support/ErrorCodes.h"
#include "mlir/IR/Matchers.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_INSERTINDEXCHECKSPASS
#include "aiopt/Dialect/AIOpt/Transforms/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {
/// What one indexing op's indices address: the data, the first dimension,
/// whether the last index dimension holds coordinate tuples, and the ONNX
/// operator's name.
struct IndexUse {
  Value data;
  OpOperand *indices;
  int64_t axis;
  bool tuple;
  StringRef onnxOp;
};
} // namespace

static std::optional<IndexUse> indexUse(Operation *op) {
  auto use = [&](Value data, int64_t axis, bool tuple, StringRef name) {
    return IndexUse{data, &op->getOpOperand(1), axis, tuple, name};
  };
  // The indices are operand 1 of each of these ops.
  if (auto g = dyn_cast<GatherOp>(op))
    return use(g.getData(), g.getAxis(), false, "Gather");
  if (auto g = dyn_cast<GatherElementsOp>(op))
    return use(g.getData(), g.getAxis(), false, "GatherElements");
  if (auto g = dyn_cast<GatherNDOp>(op))
    return use(g.getData(), g.getBatchDims(), true, "GatherND");
  if (auto s = dyn_cast<ScatterElementsOp>(op))
    return use(s.getData(), s.getAxis(), false, "ScatterElements");
  if (auto s = dyn_cast<ScatterNDOp>(op))
    return use(s.getData(), 0, true, "ScatterND");
  return std::nullopt;
}

/// Checks constant indices against static extents; false after an error.
static bool checkConstantIndices(Operation *op, const IndexUse &use, DenseIntElementsAttr values,
                                 StringRef site) {
  auto dataType = cast<RankedTensorType>(use.data.getType());
  int64_t tupleSize = use.tuple ? values.getType().getShape().back() : 1;
  int64_t position = 0;
  for (const APInt &value : values.getValues<APInt>()) {
    int64_t dim = use.axis + position;
    position = (position + 1) % tupleSize;
    int64_t extent = dataType.getDimSize(dim);
    int64_t index = value.getSExtValue();
    if (ShapedType::isDynamic(extent) || (index >= -extent && index < extent))
      continue;
    op->emitError() << errorTag(ErrorCode::IndexOutOfRange) << site << ": index " << index
                    << " is out of range for dimension " << dim << " of extent " << extent;
    return false;
  }
  return true;
}

namespace {
struct InsertIndexChecksPass
    : aiopt::impl::InsertIndexChecksPassBase<InsertIndexChecksPass> {
  void runOnOperation() override {
    bool ok = true;
    getOperation()->walk([&](Operation *op) {
      std::optional<IndexUse> use = indexUse(op);
      if (!use)
        return;
      std::string name = layerName(op);
      std::string site = name.empty() ? ("a " + use->onnxOp).str()
                                      : ("node '" + name + "' (" + use->onnxOp + ")").str();
      Value indices = use->indices->get();
      DenseIntElementsAttr values;
      if (matchPattern(indices, m_Constant(&values))) {
        ok &= checkConstantIndices(op, *use, values, site);
        return;
      }
      OpBuilder b(op);
      auto check = CheckIndicesOp::create(b, op->getLoc(), use->data, indices, use->axis,
                                          use->tuple, site);
      use->indices->set(check.getOutput());
    });
    if (!ok)
      signalPassFailure();
  }
};
} // namespace
