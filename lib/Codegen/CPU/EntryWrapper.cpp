//===- EntryWrapper.cpp - the uniform entry point of compiled models ------===//
//
// Generates `void <entry>(void **inputs, void *results)` over the C wrapper
// of the model function, so the runtime calls every model the same way.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CPUENTRYWRAPPERPASS
#include "aiopt/Codegen/CPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

/// Gives the external declaration `name`, when the module has one, a weak
/// body that forwards its arguments to the libc function `target` (same
/// signature).
static void defineWeakFallback(ModuleOp module, StringRef name, StringRef target) {
  auto decl = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
  if (!decl || !decl.isExternal())
    return;
  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  auto callee = module.lookupSymbol<LLVM::LLVMFuncOp>(target);
  if (!callee)
    callee = LLVM::LLVMFuncOp::create(b, decl.getLoc(), target, decl.getFunctionType());
  Block *body = decl.addEntryBlock(b);
  b.setInsertionPointToStart(body);
  auto call = LLVM::CallOp::create(b, decl.getLoc(), callee, body->getArguments());
  LLVM::ReturnOp::create(b, decl.getLoc(), call.getResults());
  decl.setLinkage(LLVM::Linkage::Weak);
}

LogicalResult mlir::aiopt::createEntryWrapper(ModuleOp module,
                                              StringRef funcName,
                                              StringRef entryName) {
  auto impl = module.lookupSymbol<LLVM::LLVMFuncOp>(funcName);
  std::string cifaceName = ("_mlir_ciface_" + funcName).str();
  auto ciface = module.lookupSymbol<LLVM::LLVMFuncOp>(cifaceName);
  if (!impl || !ciface)
    return module.emitError("no LLVM function '")
           << funcName << "' with a C wrapper (run llvm-request-c-wrappers "
           << "and the conversion to LLVM first)";
  if (module.lookupSymbol(entryName))
    return module.emitError("symbol '") << entryName << "' already exists";

  // The C wrapper takes a result pointer first when the function returns
  // values, then one descriptor pointer per input.
  LLVM::LLVMFunctionType cifaceType = ciface.getFunctionType();
  bool hasResults = !isa<LLVM::LLVMVoidType>(impl.getFunctionType().getReturnType());
  unsigned numInputs = cifaceType.getNumParams() - (hasResults ? 1 : 0);

  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = impl.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto entryType = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                               {ptr, ptr});
  auto entry = LLVM::LLVMFuncOp::create(b, loc, entryName, entryType);
  Block *body = entry.addEntryBlock(b);
  b.setInsertionPointToStart(body);
  SmallVector<Value> args;
  if (hasResults)
    args.push_back(body->getArgument(1));
  for (unsigned i = 0; i < numInputs; ++i) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, body->getArgument(0),
                                     ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
  }
  LLVM::CallOp::create(b, loc, ciface, args);
  LLVM::ReturnOp::create(b, loc, ValueRange());

  // Buffers come from _mlir_memref_to_llvm_alloc/free (finalize-memref-to-
  // llvm with use-generic-functions): the aiopt runtime defines them with a
  // per-thread cache of freed buffers, so repeated runs reuse memory
  // instead of mapping fresh pages. Weak definitions here fall back to
  // malloc/free where no runtime is linked (a shared library loaded on its
  // own); the runtime's strong definitions take precedence.
  defineWeakFallback(module, "_mlir_memref_to_llvm_alloc", "malloc");
  defineWeakFallback(module, "_mlir_memref_to_llvm_free", "free");

  // Only the entry is exported; the signature metadata (names) was for the
  // header and has no meaning in LLVM IR.
  for (LLVM::LLVMFuncOp f : {impl, ciface}) {
    f.setLinkage(LLVM::Linkage::Internal);
    f.removeArgAttrsAttr();
    f.removeResAttrsAttr();
  }
  return success();
}

namespace {
struct CPUEntryWrapperPass
    : aiopt::impl::CPUEntryWrapperPassBase<CPUEntryWrapperPass> {
  using Base::Base;
  void runOnOperation() override {
    std::string entry = entryName.empty() ? funcName + "_entry" : entryName;
    if (failed(createEntryWrapper(getOperation(), funcName, entry)))
      signalPassFailure();
  }
};
} // namespace
