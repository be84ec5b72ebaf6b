//===- aiopt-opt.cpp - aiopt's optimizer driver ---------------------------===//
//
// mlir-opt with aiopt's dialects, passes and pipelines registered, plus the
// upstream ones. Out-of-tree passes load with --load-pass-plugin.
//
//===----------------------------------------------------------------------===//

#include "aiopt/InitAll.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::aiopt::registerAllDialects(registry);
  mlir::aiopt::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "aiopt optimizer driver\n", registry));
}
