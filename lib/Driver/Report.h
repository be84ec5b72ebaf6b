//===- Report.h - what the compression guards report ------------*- C++ -*-===//
//
// Shared by quantization, pruning and mixed precision: the layer lists of
// their passes' options, the end of an accuracy guard (its report entry
// and the error when it misses its budget) and the JSON report files.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_DRIVER_REPORT_H
#define AIOPT_LIB_DRIVER_REPORT_H

#include "DataSet.h"

#include "llvm/Support/JSON.h"

namespace mlir::aiopt {

/// The pass options " ops=A,B exclude=C" for the layer lists `ops` and
/// `exclude` (each left out when empty).
std::string layerListOptions(const std::vector<std::string> &ops,
                             const std::vector<std::string> &exclude);

/// An error at `loc` when the guard of `q` has a budget
/// (--max-accuracy-drop) but no validation data.
LogicalResult checkGuardData(Location loc, const QuantizationOptions &q);

/// The end of an accuracy guard (quantization's or pruning's): the
/// report's "guard" object (the budget, the reference and best accuracy
/// on `set`, each layer's sensitivity and every step), and an error at
/// `loc` when the best misses the budget of `q` (unless allowed).
/// `what` names the technique, `reference` how the reference was compiled.
LogicalResult concludeGuard(Location loc, const QuantizationOptions &q, StringRef what,
                            StringRef reference, const DataSet &set, double referenceAccuracy,
                            double best, llvm::json::Array sensitivity, llvm::json::Array steps,
                            llvm::json::Object &report);

/// Writes `value` as indented JSON to `path`; an error at `loc` when the
/// file cannot be written.
LogicalResult writeJSONReport(Location loc, StringRef path, llvm::json::Value value);

} // namespace mlir::aiopt

#endif // AIOPT_LIB_DRIVER_REPORT_H
