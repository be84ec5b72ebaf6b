//===- LayerGuard.h - the layer-by-layer accuracy guard ---------*- C++ -*-===//
//
// Shared by quantization and mixed precision: each layer's sensitivity,
// then layers returned to full precision, the most sensitive first, until
// the accuracy drop is within budget.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_DRIVER_LAYERGUARD_H
#define AIOPT_LIB_DRIVER_LAYERGUARD_H

#include "Report.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::aiopt {

/// What a layer guard works on: the layers' names, and `measure(which)`,
/// the accuracy on the validation set with the layers `which[i]` reduced
/// (quantized, or in lower precision) and the others at full precision.
struct LayerGuardProblem {
  std::vector<std::string> layers;
  llvm::function_ref<FailureOr<double>(const std::vector<bool> &)> measure;
};

/// Measures each layer's sensitivity (the accuracy with it alone reduced),
/// then, from `reduced`, returns layers to full precision, the most
/// sensitive first, until the drop from `referenceAccuracy` is within the
/// budget of `q`; the last layer is never returned (a miss is reported
/// instead). `reduced` ends as the best set seen. Each step lists the
/// layers at full precision under `keptKey`; the report's "guard" entry
/// and the error on a miss are concludeGuard's (`what`, `reference`).
LogicalResult guardLayers(Location loc, const QuantizationOptions &q, StringRef what,
                          StringRef reference, StringRef keptKey, const DataSet &set,
                          double referenceAccuracy, const LayerGuardProblem &problem,
                          std::vector<bool> &reduced, llvm::json::Object &report);

} // namespace mlir::aiopt

#endif // AIOPT_LIB_DRIVER_LAYERGUARD_H
