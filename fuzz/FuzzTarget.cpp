//===- FuzzTarget.cpp - what the aiopt fuzz targets share -----------------===//

#include "FuzzTarget.h"
#include "ModelMutator.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace mlir;

const std::string &mlir::aiopt::fuzz::scratchModelPath() {
  static const std::string path = [] {
    char dir[] = "/tmp/aiopt-fuzz-XXXXXX";
    if (!mkdtemp(dir))
      std::abort();
    std::string weights = std::string(dir) + "/w.bin";
    if (FILE *f = std::fopen(weights.c_str(), "wb")) {
      float values[16] = {};
      std::fwrite(values, sizeof(values), 1, f);
      std::fclose(f);
    }
    return std::string(dir) + "/model.onnx";
  }();
  return path;
}

OwningOpRef<ModuleOp> mlir::aiopt::fuzz::importForFuzzing(MLIRContext &context, const uint8_t *data,
                                                    size_t size, int64_t maxTensorElements) {
  context.getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
  auto buffer = llvm::MemoryBuffer::getMemBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "model.onnx",
      /*RequiresNullTerminator=*/false);
  mlir::aiopt::ONNXImportOptions options;
  options.maxTensorElements = maxTensorElements;
  options.maxDimSize = maxTensorElements;
  OwningOpRef<ModuleOp> module =
      mlir::aiopt::importONNX(*buffer, scratchModelPath(), &context, options);
  if (module && failed(verify(*module))) {
    std::fprintf(stderr, "aiopt fuzz: the importer produced IR that does not verify\n");
    std::abort();
  }
  return module;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  return mlir::aiopt::fuzz::mutateModel(data, size, maxSize, seed);
}
