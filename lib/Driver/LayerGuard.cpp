//===- LayerGuard.cpp - the layer-by-layer accuracy guard -----------------===//

#include "LayerGuard.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::aiopt;

LogicalResult mlir::aiopt::guardLayers(Location loc, const QuantizationOptions &q, StringRef what,
                                       StringRef reference, StringRef keptKey,
                                       const DataSet &set, double referenceAccuracy,
                                       const LayerGuardProblem &problem,
                                       std::vector<bool> &reduced, llvm::json::Object &report) {
  size_t n = problem.layers.size();
  // Each layer's sensitivity: the drop with it alone reduced.
  std::vector<double> drop(n);
  llvm::json::Array sensitivity;
  for (size_t i = 0; i < n; ++i) {
    std::vector<bool> only(n, false);
    only[i] = true;
    FailureOr<double> a = problem.measure(only);
    if (failed(a))
      return failure();
    drop[i] = referenceAccuracy - *a;
    sensitivity.push_back(llvm::json::Object{{"layer", problem.layers[i]},
                                             {"accuracy_alone", *a},
                                             {"drop_alone", drop[i]}});
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return drop[a] != drop[b] ? drop[a] > drop[b] : a < b;
  });

  llvm::json::Array steps;
  double best = -INFINITY;
  std::vector<bool> bestSet = reduced;
  for (size_t k = 0;; ++k) {
    FailureOr<double> a = problem.measure(reduced);
    if (failed(a))
      return failure();
    llvm::json::Array kept;
    for (size_t i = 0; i < n; ++i)
      if (!reduced[i])
        kept.push_back(problem.layers[i]);
    steps.push_back(llvm::json::Object{
        {keptKey, std::move(kept)}, {"accuracy", *a}, {"drop", referenceAccuracy - *a}});
    if (*a > best) {
      best = *a;
      bestSet = reduced;
    }
    if (referenceAccuracy - *a <= q.maxAccuracyDrop || k + 1 >= order.size())
      break;
    // Back to full precision: the most sensitive layer still reduced.
    reduced[order[k]] = false;
  }
  reduced = bestSet;
  return concludeGuard(loc, q, what, reference, set, referenceAccuracy, best,
                       std::move(sensitivity), std::move(steps), report);
}
