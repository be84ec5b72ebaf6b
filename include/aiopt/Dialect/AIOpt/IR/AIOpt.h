//===- AIOpt.h - aiopt dialect and operations --------------------*- C++ -*-===//
//
// Declares the aiopt dialect, its enums and its operations.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_IR_AIOPT_H
#define AIOPT_DIALECT_AIOPT_IR_AIOPT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "aiopt/Dialect/AIOpt/IR/AIOptDialect.h.inc"
#include "aiopt/Dialect/AIOpt/IR/AIOptEnums.h.inc"

#define GET_OP_CLASSES
#include "aiopt/Dialect/AIOpt/IR/AIOptOps.h.inc"

namespace mlir::aiopt {

/// Whether `operands` has as many values as op `OpT` declares (by its
/// OneOperand/NOperands/AtLeastNOperands trait); otherwise an error at
/// `loc`. Used by AIOpt_InferTypeOpAdaptor before the adaptor reads them.
template <typename OpT>
LogicalResult checkOperandCount(std::optional<Location> loc, ValueRange operands) {
  unsigned n = operands.size();
  // Without a count trait (variadic operands only) any count will do.
  unsigned want = 0;
  bool exact = false;
  if constexpr (OpT::template hasTrait<OpTrait::OneOperand>())
    want = 1, exact = true;
  else if constexpr (OpT::template hasTrait<OpTrait::NOperands<2>::Impl>())
    want = 2, exact = true;
  else if constexpr (OpT::template hasTrait<OpTrait::NOperands<3>::Impl>())
    want = 3, exact = true;
  else if constexpr (OpT::template hasTrait<OpTrait::NOperands<4>::Impl>())
    want = 4, exact = true;
  else if constexpr (OpT::template hasTrait<OpTrait::NOperands<5>::Impl>())
    want = 5, exact = true;
  else if constexpr (OpT::template hasTrait<OpTrait::AtLeastNOperands<1>::Impl>())
    want = 1;
  else if constexpr (OpT::template hasTrait<OpTrait::AtLeastNOperands<2>::Impl>())
    want = 2;
  else if constexpr (OpT::template hasTrait<OpTrait::AtLeastNOperands<3>::Impl>())
    want = 3;
  if (exact ? n == want : n >= want)
    return success();
  if (loc)
    emitError(*loc) << "'" << OpT::getOperationName() << "' op expected "
                    << (exact ? "" : "at least ") << want << " operands, but found " << n;
  return failure();
}

/// Broadcasts `shapes` with ONNX (numpy) rules. Dynamic dimensions broadcast
/// with 1 to dynamic and are assumed equal to other dynamic dimensions.
/// Returns failure when two static extents differ and neither is 1.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes);

/// Output extent of a sliding window over an input extent (ONNX pooling and
/// convolution arithmetic); ShapedType::kDynamic when `in` is dynamic.
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                         int64_t padBegin, int64_t padEnd, int64_t dilation,
                         bool ceilMode);

/// `x` (the result of a matmul, gemm or conv) through the epilogue
/// `activation` with its parameters, built from the aiopt activation ops;
/// `x` itself when there is none.
Value applyActivation(OpBuilder &b, Location loc, std::optional<Activation> activation,
                      std::optional<ArrayRef<double>> params, Value x);

/// Moves the padding of `conv` into an explicit aiopt.pad of its input
/// that fills with `value` (an 8-bit input's zero point: its real zero),
/// leaving the convolution unpadded. Nothing when it has no padding.
void padConvInput(OpBuilder &b, ConvOp conv, double value);

} // namespace mlir::aiopt

#endif // AIOPT_DIALECT_AIOPT_IR_AIOPT_H
