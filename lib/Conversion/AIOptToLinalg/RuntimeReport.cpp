//===- RuntimeReport.cpp - calls reporting run-time failures --------------===//
//
// Implements RuntimeReport.h: report functions are declared as LLVM
// functions (so that no C-interface wrapper is asked of them) and sites are
// internal global strings.
//
//===----------------------------------------------------------------------===//

#include "RuntimeReport.h"

#include "aiopt/Dialect/AIOpt/Transforms/Quantization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::aiopt;

std::string mlir::aiopt::runtimeSite(Location loc) {
  std::string name = layerName(loc);
  if (!name.empty())
    return "node '" + name + "'";
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return ("an operation at " + file.getFilename().getValue() + ":" +
            std::to_string(file.getLine()))
        .str();
  return "an operation";
}

/// Declares `fn` (void, a pointer then `numArgs` i64) in `module` once.
static LLVM::LLVMFuncOp declareReportFn(OpBuilder &b, ModuleOp module, StringRef fn,
                                        unsigned numArgs) {
  if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(fn))
    return existing;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  MLIRContext *ctx = b.getContext();
  SmallVector<Type> params{LLVM::LLVMPointerType::get(ctx)};
  params.append(numArgs, b.getI64Type());
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), params);
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), fn, type);
}

/// The name of the global string holding `text` in `module` (one per
/// text): an existing one, or one not yet used.
static std::string siteGlobalName(ModuleOp module, StringRef text) {
  for (unsigned i = 0;; ++i) {
    std::string name = "aiopt_check_site_" + std::to_string(i);
    auto global = module.lookupSymbol<LLVM::GlobalOp>(name);
    if (!global && !module.lookupSymbol(name))
      return name;
    auto value = global ? dyn_cast_or_null<StringAttr>(global.getValueOrNull()) : StringAttr();
    if (value && value.getValue() == text)
      return name;
  }
}

void mlir::aiopt::callRuntimeReport(OpBuilder &b, Location loc, StringRef fn, StringRef site,
                                    ValueRange args) {
  auto module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  LLVM::LLVMFuncOp reportFn = declareReportFn(b, module, fn, args.size());
  std::string text = site.str();
  text.push_back('\0');
  std::string name = siteGlobalName(module, text);
  Value sitePtr;
  if (auto global = module.lookupSymbol<LLVM::GlobalOp>(name)) {
    Value address = LLVM::AddressOfOp::create(b, loc, global);
    sitePtr = LLVM::GEPOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()),
                                  global.getType(), address, ArrayRef<LLVM::GEPArg>{0, 0});
  } else {
    sitePtr = LLVM::createGlobalString(loc, b, name, text, LLVM::Linkage::Internal);
  }
  SmallVector<Value> operands{sitePtr};
  operands.append(args.begin(), args.end());
  LLVM::CallOp::create(b, loc, reportFn, operands);
}
