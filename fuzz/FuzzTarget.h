//===- FuzzTarget.h - what the aiopt fuzz targets share ----------*- C++ -*-===//

#ifndef AIOPT_FUZZ_FUZZTARGET_H
#define AIOPT_FUZZ_FUZZTARGET_H

#include "aiopt/Import/ONNX/ONNXImporter.h"

#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <string>

namespace mlir::aiopt::fuzz {

/// A model path in a scratch folder holding `w.bin` (so that external data
/// inside the folder exists and every other location is refused).
const std::string &scratchModelPath();

/// Imports `data` as a binary model with the fuzzers' limits; diagnostics
/// are discarded. Aborts (a finding) when the import succeeds with IR that
/// does not verify.
mlir::OwningOpRef<mlir::ModuleOp> importForFuzzing(mlir::MLIRContext &context,
                                                   const uint8_t *data, size_t size,
                                                   int64_t maxTensorElements);

} // namespace mlir::aiopt::fuzz

#endif
