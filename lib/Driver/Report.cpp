//===- Report.cpp - what the compression guards report --------------------===//

#include "Report.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include "aiopt/Support/ErrorCodes.h"

using namespace mlir;
using namespace mlir::aiopt;

std::string mlir::aiopt::layerListOptions(const std::vector<std::string> &ops,
                                          const std::vector<std::string> &exclude) {
  std::string s;
  if (!ops.empty())
    s += " ops=" + llvm::join(ops, ",");
  if (!exclude.empty())
    s += " exclude=" + llvm::join(exclude, ",");
  return s;
}

LogicalResult mlir::aiopt::checkGuardData(Location loc, const QuantizationOptions &q) {
  if (q.maxAccuracyDrop >= 0 && q.validationData.empty())
    return emitError(loc) << errorTag(ErrorCode::InvalidOption)
                          << "--max-accuracy-drop needs --validation-data=DIR";
  return success();
}

LogicalResult mlir::aiopt::concludeGuard(Location loc, const QuantizationOptions &q, StringRef what,
                                         StringRef reference, const DataSet &set,
                                         double referenceAccuracy, double best,
                                         llvm::json::Array sensitivity, llvm::json::Array steps,
                                         llvm::json::Object &report) {
  bool met = referenceAccuracy - best <= q.maxAccuracyDrop;
  report["guard"] = llvm::json::Object{
      {"max_accuracy_drop", q.maxAccuracyDrop},
      {"validation_samples", int64_t(set.inputs.size())},
      {"metric", set.labels.empty() ? "top-1 agreement with the reference outputs"
                                    : "top-1 accuracy"},
      {"reference", reference},
      {"reference_accuracy", referenceAccuracy},
      {"final_accuracy", best},
      {"final_drop", referenceAccuracy - best},
      {"met", met},
      {"sensitivity", std::move(sensitivity)},
      {"steps", std::move(steps)}};
  if (met || q.allowAccuracyMiss)
    return success();
  return emitError(loc) << errorTag(ErrorCode::AccuracyMissed) << llvm::formatv(
             "{0}: the accuracy drop cannot be brought within {1} points: the best is {2:f2} "
             "points ({3:f2}% against {4:f2}% {5}); pass --allow-accuracy-miss to keep it",
             what, q.maxAccuracyDrop, referenceAccuracy - best, best, referenceAccuracy,
             reference);
}

LogicalResult mlir::aiopt::writeJSONReport(Location loc, StringRef path, llvm::json::Value value) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return emitError(loc) << errorTag(ErrorCode::OutputUnwritable) << "cannot write '" << path << "': " << ec.message();
  os << llvm::formatv("{0:2}", value) << "\n";
  return success();
}
