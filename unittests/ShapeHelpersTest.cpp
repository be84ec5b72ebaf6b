//===- ShapeHelpersTest.cpp - broadcasting and window arithmetic ----------===//
//
// Unit tests of the shape rules the aiopt ops infer their types with.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::aiopt;

namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

SmallVector<int64_t> broadcast(std::initializer_list<ArrayRef<int64_t>> shapes) {
  FailureOr<SmallVector<int64_t>> r = broadcastShapes(shapes);
  EXPECT_TRUE(succeeded(r));
  return succeeded(r) ? *r : SmallVector<int64_t>();
}

TEST(BroadcastShapes, NumpyRules) {
  EXPECT_EQ(broadcast({{2, 3}, {3}}), (SmallVector<int64_t>{2, 3}));
  EXPECT_EQ(broadcast({{4, 1}, {1, 5}}), (SmallVector<int64_t>{4, 5}));
  EXPECT_EQ(broadcast({{}, {2, 2}}), (SmallVector<int64_t>{2, 2}));
  EXPECT_EQ(broadcast({{1, 3}, {2, 1}, {2, 3}}), (SmallVector<int64_t>{2, 3}));
}

TEST(BroadcastShapes, DynamicDimensions) {
  EXPECT_EQ(broadcast({{kDyn, 3}, {3}}), (SmallVector<int64_t>{kDyn, 3}));
  // A dynamic extent next to a static one takes the static one.
  EXPECT_EQ(broadcast({{kDyn, 3}, {4, 3}}), (SmallVector<int64_t>{4, 3}));
  EXPECT_EQ(broadcast({{4, 3}, {kDyn, 3}}), (SmallVector<int64_t>{4, 3}));
  EXPECT_EQ(broadcast({{1}, {kDyn}}), (SmallVector<int64_t>{kDyn}));
  EXPECT_EQ(broadcast({{kDyn}, {1}}), (SmallVector<int64_t>{kDyn}));
}

TEST(BroadcastShapes, Incompatible) {
  EXPECT_TRUE(failed(broadcastShapes({ArrayRef<int64_t>{2, 3}, ArrayRef<int64_t>{4}})));
  EXPECT_TRUE(failed(broadcastShapes({ArrayRef<int64_t>{2}, ArrayRef<int64_t>{3}})));
}

TEST(WindowOutputSize, Convolution) {
  // 224 input, 7x7 kernel, stride 2, pad 3: ResNet's stem gives 112.
  EXPECT_EQ(windowOutputSize(224, 7, 2, 3, 3, 1, false), 112);
  // Dilation widens the window: 3 taps at dilation 2 span 5.
  EXPECT_EQ(windowOutputSize(8, 3, 1, 0, 0, 2, false), 4);
  EXPECT_EQ(windowOutputSize(kDyn, 3, 1, 1, 1, 1, false), kDyn);
  // A window larger than the padded input yields an empty output.
  EXPECT_EQ(windowOutputSize(2, 5, 1, 0, 0, 1, false), 0);
}

TEST(WindowOutputSize, CeilMode) {
  EXPECT_EQ(windowOutputSize(5, 2, 2, 0, 0, 1, false), 2);
  EXPECT_EQ(windowOutputSize(5, 2, 2, 0, 0, 1, true), 3);
  // The last window may not start in the end padding only.
  EXPECT_EQ(windowOutputSize(4, 2, 2, 0, 1, 1, true), 2);
}
} // namespace
