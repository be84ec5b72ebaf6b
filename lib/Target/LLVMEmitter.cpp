//===- LLVMEmitter.cpp - LLVM dialect to objects, in process --------------===//
//
// MLIR LLVM dialect -> LLVM IR -> LLVM's -O pipeline -> TargetMachine.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Target/LLVMEmitter.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;
using namespace mlir::aiopt;

FailureOr<std::unique_ptr<llvm::TargetMachine>>
mlir::aiopt::createTargetMachine(const TargetOptions &options, Location loc) {
  static const bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    return true;
  }();
  (void)initialized;
  std::string tripleName = options.triple.empty()
                               ? llvm::sys::getDefaultTargetTriple()
                               : llvm::Triple::normalize(options.triple);
  llvm::Triple triple(tripleName);
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return emitError(loc) << errorTag(ErrorCode::InvalidOption) << "unknown target '" << tripleName << "': " << error;

  std::string cpu = options.cpu, features = options.features;
  bool host = cpu == "host" || cpu == "native";
  if (host) {
    if (!options.triple.empty() &&
        triple.getArch() != llvm::Triple(llvm::sys::getDefaultTargetTriple()).getArch()) {
      cpu = "generic"; // cross-compiling: no host CPU to tune for
    } else {
      cpu = llvm::sys::getHostCPUName().str();
      if (features.empty()) {
        llvm::SubtargetFeatures f;
        for (const auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
          f.AddFeature(name, enabled);
        features = f.getString();
      }
    }
  }
  llvm::TargetOptions to;
  std::optional<llvm::Reloc::Model> reloc = llvm::Reloc::PIC_;
  auto level = options.optLevel == 0   ? llvm::CodeGenOptLevel::None
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                       : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, to, reloc, std::nullopt, level));
  if (!tm)
    return emitError(loc) << errorTag(ErrorCode::InvalidOption)
                          << "cannot create a target machine for '"
                           << tripleName << "' (cpu " << cpu << ")";
  return tm;
}

unsigned mlir::aiopt::vectorRegisterBits(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
  if (!sti || !tm.getTargetTriple().isX86())
    return 128;
  if (sti->checkFeatures("+avx512f"))
    return 512;
  if (sti->checkFeatures("+avx"))
    return 256;
  return 128;
}

/// The widest vector size of `tiers` (bits, then the features that give an
/// instruction at that size: any one of the comma-joined feature sets) that
/// the x86 target `tm` has and whose registers are that wide; 0 otherwise.
static unsigned widestTier(const llvm::TargetMachine &tm,
                           ArrayRef<std::pair<unsigned, ArrayRef<const char *>>> tiers) {
  const llvm::MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
  if (!sti || !tm.getTargetTriple().isX86())
    return 0;
  unsigned vector = vectorRegisterBits(tm);
  for (auto [bits, features] : tiers)
    if (vector >= bits && llvm::any_of(features, [&](const char *f) { return sti->checkFeatures(f); }))
      return bits;
  return 0;
}

unsigned mlir::aiopt::vnniBits(const llvm::TargetMachine &tm) {
  static const char *const zmm[] = {"+avx512vnni"}, *const ymm[] = {"+avxvnni", "+avx512vnni,+avx512vl"};
  return widestTier(tm, {{512, zmm}, {256, ymm}});
}

unsigned mlir::aiopt::pairBits(const llvm::TargetMachine &tm) {
  static const char *const zmm[] = {"+avx512bw"}, *const ymm[] = {"+avx2"}, *const xmm[] = {"+sse2"};
  return widestTier(tm, {{512, zmm}, {256, ymm}, {128, xmm}});
}

namespace {
/// A weight blob moved around the MLIR -> LLVM IR translation.
struct DetachedConstant {
  std::string name;
  StringRef data;
  Type elementType;
  int64_t numElements;
};
} // namespace

/// The LLVM IR element type of a weight, or null if LLVM's ConstantDataArray
/// cannot hold it.
static llvm::Type *rawElementType(Type t, llvm::LLVMContext &ctx) {
  if (t.isF32()) return llvm::Type::getFloatTy(ctx);
  if (t.isF64()) return llvm::Type::getDoubleTy(ctx);
  if (t.isF16()) return llvm::Type::getHalfTy(ctx);
  if (t.isBF16()) return llvm::Type::getBFloatTy(ctx);
  if (t.isInteger(8) || t.isInteger(16) || t.isInteger(32) || t.isInteger(64))
    return llvm::Type::getIntNTy(ctx, t.getIntOrFloatBitWidth());
  return nullptr;
}

/// The translation turns a `dense_resource` global into one LLVM constant
/// per element, which takes minutes and gigabytes for a 100 MB model. So the
/// blobs of such globals are detached (the global gets a zero initializer)
/// and attached after translation as one raw ConstantDataArray each.
static SmallVector<DetachedConstant> detachWeights(ModuleOp module,
                                                   llvm::LLVMContext &ctx) {
  SmallVector<DetachedConstant> detached;
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    auto attr = dyn_cast_or_null<DenseResourceElementsAttr>(global.getValueOrNull());
    if (!attr || !rawElementType(attr.getElementType(), ctx))
      continue;
    AsmResourceBlob *blob = attr.getRawHandle().getBlob();
    if (!blob)
      continue;
    ArrayRef<char> bytes = blob->getData();
    detached.push_back({global.getSymName().str(),
                        StringRef(bytes.data(), bytes.size()),
                        attr.getElementType(), attr.getNumElements()});
    global.removeValueAttr();
    Block *body = new Block();
    global.getInitializerRegion().push_back(body);
    OpBuilder b = OpBuilder::atBlockEnd(body);
    Value zero = LLVM::ZeroOp::create(b, global.getLoc(), global.getGlobalType());
    LLVM::ReturnOp::create(b, global.getLoc(), zero);
  }
  return detached;
}

static void attachWeights(llvm::Module &module,
                          ArrayRef<DetachedConstant> detached) {
  for (const DetachedConstant &c : detached) {
    llvm::GlobalVariable *old = module.getGlobalVariable(c.name, true);
    if (!old)
      continue;
    llvm::Constant *init = llvm::ConstantDataArray::getRaw(
        c.data, c.numElements, rawElementType(c.elementType, module.getContext()));
    auto *gv = new llvm::GlobalVariable(
        module, init->getType(), /*isConstant=*/true, old->getLinkage(), init,
        "", old, old->getThreadLocalMode(), old->getAddressSpace());
    gv->setAlignment(old->getAlign());
    gv->setUnnamedAddr(old->getUnnamedAddr());
    gv->takeName(old);
    old->replaceAllUsesWith(gv);
    old->eraseFromParent();
  }
}

/// The libomp entry points that LLVM's OpenMP lowering emits for aiopt's
/// parallel loops, all of which the runtime's thread pool implements with
/// the same arguments (lib/Runtime/ThreadPool.h) under the aiopt_omp_ name.
static constexpr StringRef kPoolEntryPoints[] = {
    "__kmpc_fork_call",          "__kmpc_global_thread_num",  "__kmpc_for_static_init_8u",
    "__kmpc_for_static_fini",    "__kmpc_dispatch_init_8u",   "__kmpc_dispatch_next_8u",
    "__kmpc_barrier"};

/// The most arguments a parallel region passes (AIOPT_POOL_MAX_ARGS).
static constexpr uint64_t kPoolMaxArgs = 16;

/// Points the OpenMP runtime calls of `module` at the aiopt thread pool;
/// fails on a call the pool does not implement.
static LogicalResult callThreadPool(llvm::Module &module, Location loc) {
  for (llvm::Function &f : llvm::make_early_inc_range(module)) {
    StringRef name = f.getName();
    if (!f.isDeclaration() || !(name.starts_with("__kmpc_") || name.starts_with("omp_")))
      continue;
    if (!llvm::is_contained(kPoolEntryPoints, name))
      return emitError(loc) << errorTag(ErrorCode::CannotLower) << "the aiopt thread pool has no '"
                            << name << "' (compile with --thread-pool=openmp to call libomp)";
    if (name == "__kmpc_fork_call")
      for (llvm::User *user : f.users()) {
        auto *call = dyn_cast<llvm::CallBase>(user);
        auto *argc = call ? dyn_cast<llvm::ConstantInt>(call->getArgOperand(1)) : nullptr;
        if (!argc || argc->getZExtValue() > kPoolMaxArgs)
          return emitError(loc) << errorTag(ErrorCode::CannotLower)
                                << "a parallel region passes more than " << kPoolMaxArgs
                                << " arguments, the most the aiopt thread pool takes";
      }
    f.setName("aiopt_omp_" + name.drop_front(strlen("__kmpc_")));
  }
  return success();
}

FailureOr<std::unique_ptr<llvm::Module>>
mlir::aiopt::translateAndOptimize(ModuleOp module, llvm::LLVMContext &ctx,
                                  llvm::TargetMachine &tm, unsigned optLevel,
                                  bool lineTables) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  // Models compiled with --parallel: omp.parallel and omp.wsloop become
  // calls into the OpenMP runtime (libomp), or into the aiopt runtime's
  // thread pool where aiopt-cpu-thread-pool marked the module.
  registerOpenMPDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);
  if (lineTables) {
    PassManager pm(module->getContext());
    pm.addPass(LLVM::createDIScopeForLLVMFuncOpPass());
    if (failed(pm.run(module)))
      return module.emitError("adding debug line tables failed");
  }
  SmallVector<DetachedConstant> weights = detachWeights(module, ctx);
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, ctx);
  if (!llvmModule)
    return module.emitError("translation to LLVM IR failed");
  attachWeights(*llvmModule, weights);
  if (module->hasAttr("aiopt.thread_pool") && failed(callThreadPool(*llvmModule, module.getLoc())))
    return failure();
  llvmModule->setDataLayout(tm.createDataLayout());
  llvmModule->setTargetTriple(tm.getTargetTriple());
  if (optLevel == 0)
    return llvmModule;

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel == 1   ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
  mpm.run(*llvmModule, mam);
  return llvmModule;
}

LogicalResult mlir::aiopt::emitMachineCode(llvm::Module &module,
                                           llvm::TargetMachine &tm,
                                           llvm::raw_pwrite_stream &os,
                                           bool assembly, Location loc) {
  llvm::legacy::PassManager pm;
  auto type = assembly ? llvm::CodeGenFileType::AssemblyFile
                       : llvm::CodeGenFileType::ObjectFile;
  if (tm.addPassesToEmitFile(pm, os, nullptr, type))
    return emitError(loc) << errorTag(ErrorCode::InvalidOption)
                          << "the target cannot emit this file type";
  pm.run(module);
  return success();
}
