//===- SmallFloat.h - 8- and 4-bit float conversions ------------*- C++ -*-===//
//
// Private: scalar conversions between f32 and the float8 (E4M3FN, E4M3FNUZ,
// E5M2, E5M2FNUZ) and float4 (E2M1FN) types as integer arithmetic, since
// LLVM has no such types. Decoding reads a table of every code; encoding
// rounds to nearest even with ONNX saturation.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CONVERSION_AIOPTTOLINALG_SMALLFLOAT_H
#define AIOPT_LIB_CONVERSION_AIOPTTOLINALG_SMALLFLOAT_H

#include "mlir/IR/Builders.h"

namespace mlir::aiopt {

/// Whether `t` is a float type of at most 8 bits that is converted here.
bool isSmallFloat(Type t);

/// The f32 value of scalar `v` of small float type `from`.
Value smallFloatToF32(OpBuilder &b, Location loc, Value v);

/// Scalar f32 `v` rounded to the small float type `to`. With `saturate`,
/// values beyond the largest finite one (infinities included) become it;
/// without, they become infinity where the type has one, else NaN.
Value f32ToSmallFloat(OpBuilder &b, Location loc, Value v, FloatType to, bool saturate);

} // namespace mlir::aiopt

#endif
