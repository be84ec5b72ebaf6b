//===- Quantization.h - which ops aiopt-quantize rewrites -------*- C++ -*-===//
//
// The ops int8 quantization applies to, shared by the aiopt-quantize pass,
// aiopt-fold-qdq (models that arrive quantized) and the compiler driver
// (which calibrates their activations and falls back to float layer by
// layer).
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_TRANSFORMS_QUANTIZATION_H
#define AIOPT_DIALECT_AIOPT_TRANSFORMS_QUANTIZATION_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace mlir::aiopt {

/// On an op to quantize statically: the calibrated range of its activation
/// operand, `array<f64: min, max>`.
inline constexpr llvm::StringLiteral kActivationRangeAttr = "aiopt.activation_range";

/// On a candidate the accuracy guard returned to float: not quantized.
inline constexpr llvm::StringLiteral kKeepFloatAttr = "aiopt.keep_float";

/// The ONNX node name a location carries (its name), or "" when it has
/// none; of an op, its location's.
std::string layerName(Location loc);
inline std::string layerName(Operation *op) { return layerName(op->getLoc()); }

/// The ONNX operator type an op was imported from, for the include and
/// exclude lists: Conv, MatMul or Gemm.
llvm::StringRef layerOpType(Operation *op);

/// Which ops to quantize: every candidate, or those whose node name or
/// ONNX op type is in `include` when it is not empty, less those whose name
/// or op type is in `exclude`, and those marked kKeepFloatAttr.
struct LayerSelection {
  std::vector<std::string> include, exclude;
  bool selects(Operation *op) const;
};

/// The ops under `root` that quantization rewrites, in walk order: conv
/// with one group, matmul with a 2-D right operand and gemm (A not
/// transposed), on f32 with constant f32 weights, selected by `selection`.
SmallVector<Operation *> quantizationCandidates(Operation *root, const LayerSelection &selection);

/// The activation operand of a quantization candidate (its input or left
/// operand): what is quantized at run time or calibrated.
Value quantizedActivation(Operation *op);

/// An 8-bit tensor and the per-tensor parameters that dequantize it:
/// `(data - zeroPoint) * scale`.
struct QuantizedTensor {
  Value data;
  int64_t zeroPoint = 0;
  double scale = 1.0;
};

/// `v` as a per-tensor dequantization of an 8-bit tensor, `(cast(q) - zp) *
/// scale` or `cast(q) * scale` with constant scalar parameters (an ONNX
/// DequantizeLinear as imported); nothing otherwise.
std::optional<QuantizedTensor> matchDequantize(Value v);

/// The values of weight operand `w`: a float constant, or a dequantization
/// (per tensor or per axis) of an 8-bit constant by constant parameters.
FailureOr<SmallVector<double>> weightValues(Value w);

/// Rewrites candidate `op` into an 8-bit contraction on `input` (the data
/// its activation dequantizes) with a float epilogue. Its weights become
/// int8 per tensor when they lie on one int8 grid (weights a QDQ model
/// quantized per tensor), else per output channel.
LogicalResult quantizeWithInput(PatternRewriter &rewriter, Operation *op,
                                const QuantizedTensor &input);

} // namespace mlir::aiopt

#endif // AIOPT_DIALECT_AIOPT_TRANSFORMS_QUANTIZATION_H
