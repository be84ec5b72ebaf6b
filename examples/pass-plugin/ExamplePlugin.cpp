//===- ExamplePlugin.cpp - an out-of-tree aiopt pass ----------------------===//
//
// A pass plugin for aiopt-opt: `aiopt-example-fold-double-relu` rewrites
// relu(relu(x)) into relu(x). It matches aiopt ops by name, so it needs only
// the MLIR core libraries, not aiopt's. Load it with
//   aiopt-opt --load-pass-plugin=AIOptExamplePlugin.so \
//             --pass-pipeline='builtin.module(aiopt-example-fold-double-relu)'
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Tools/Plugins/PassPlugin.h"

using namespace mlir;

namespace {
struct FoldDoubleReluPass
    : PassWrapper<FoldDoubleReluPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FoldDoubleReluPass)
  StringRef getArgument() const final { return "aiopt-example-fold-double-relu"; }
  StringRef getDescription() const final {
    return "Example plugin pass: relu(relu(x)) -> relu(x)";
  }
  void runOnOperation() override {
    getOperation().walk([](Operation *op) {
      if (op->getName().getStringRef() != "aiopt.relu")
        return;
      Operation *inner = op->getOperand(0).getDefiningOp();
      if (inner && inner->getName().getStringRef() == "aiopt.relu") {
        op->getResult(0).replaceAllUsesWith(inner->getResult(0));
        op->erase();
      }
    });
  }
};
} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "AIOptExamplePlugin", "0.1",
          []() { PassRegistration<FoldDoubleReluPass>(); }};
}
