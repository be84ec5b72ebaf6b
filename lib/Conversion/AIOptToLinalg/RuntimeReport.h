//===- RuntimeReport.h - calls reporting run-time failures ------*- C++ -*-===//
//
// Private: the generated code reports what it finds wrong at run time (an
// index out of range, extents that do not broadcast) by calling a function
// of the runtime (lib/Runtime/Runtime.c) with the failing site's name; the
// runtime keeps the first report of a run and aiopt_run returns its status.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CONVERSION_AIOPTTOLINALG_RUNTIMEREPORT_H
#define AIOPT_LIB_CONVERSION_AIOPTTOLINALG_RUNTIMEREPORT_H

#include "mlir/IR/Builders.h"

#include <string>

namespace mlir::aiopt {

/// The runtime's report of gather/scatter indices out of range:
/// (site, index, extent).
inline constexpr StringLiteral kIndexErrorFn = "aiopt_rt_index_error";
/// The runtime's report of an operand extent that is not the expected one:
/// (site, operand, axis, extent, expected, whether 1 would broadcast).
inline constexpr StringLiteral kShapeErrorFn = "aiopt_rt_shape_error";

/// How a report names the op at `loc`: "node 'NAME'" for one imported from
/// the ONNX node NAME, else "an operation at FILE:LINE" (or "an operation").
std::string runtimeSite(Location loc);

/// Calls the runtime's `fn` with the C string `site` and `args` (i64 values),
/// declaring `fn` in the enclosing module if it is not there yet (`b` must
/// insert into a block of an op already in the module).
void callRuntimeReport(OpBuilder &b, Location loc, StringRef fn, StringRef site,
                       ValueRange args);

} // namespace mlir::aiopt

#endif
