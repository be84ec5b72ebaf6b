//===- ImportFuzzer.cpp - libFuzzer target: the ONNX importer --------------===//
//
// Any bytes as a model: the importer must return IR that verifies or emit
// diagnostics, never crash, hang or read outside the model's folder.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "mlir/IR/DialectRegistry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::DialectRegistry registry = [] {
    mlir::DialectRegistry r;
    mlir::aiopt::registerONNXImportDialects(r);
    return r;
  }();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  (void)mlir::aiopt::fuzz::importForFuzzing(context, data, size, int64_t(1) << 20);
  return 0;
}
