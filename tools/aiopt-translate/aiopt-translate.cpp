//===- aiopt-translate.cpp - aiopt's translation driver -------------------===//
//
// mlir-translate style driver with `--import-onnx` (binary or .onnxtxt).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Import/ONNX/ONNXImporter.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::aiopt::registerONNXImportTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "aiopt translation driver"));
}
