//===- CUDALaunchToRuntime.cpp - kernel launches as CUDA runtime calls ----===//
//
// Assembles each kernel module's PTX with the CUDA toolkit, embeds the image
// into the object and turns each gpu.launch_func into a call to
// aiopt_cuda_dispatch (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "KernelABI.h"

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_CUDALAUNCHTORUNTIMEPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

namespace {
/// A temporary file, removed when it goes out of scope.
struct TempFile {
  SmallString<128> path;
  ~TempFile() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};

/// Turns PTX into the image the object embeds.
class Assembler {
public:
  Assembler(StringRef toolkit, StringRef dumpDir, Location loc)
      : toolkit(toolkit), dumpDir(dumpDir), loc(loc) {}

  /// The image of kernel module `name` for `chip`: PTX text with a NUL, or
  /// (with a toolkit) a fatbin of the chip's cubin and the PTX.
  FailureOr<std::string> image(StringRef name, StringRef chip, StringRef ptx);

private:
  LogicalResult write(StringRef path, StringRef data);
  FailureOr<TempFile> temp(StringRef suffix);
  /// Runs the toolkit's `tool` with `args`; E305 with its output on failure.
  LogicalResult run(StringRef tool, ArrayRef<std::string> args, StringRef module);

  std::string toolkit, dumpDir;
  Location loc;
};
} // namespace

LogicalResult Assembler::write(StringRef path, StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (!ec)
    os << data;
  if (ec || os.has_error())
    return emitError(loc) << errorTag(ErrorCode::OutputUnwritable) << "cannot write '" << path
                          << "': " << (ec ? ec : os.error()).message();
  return success();
}

FailureOr<TempFile> Assembler::temp(StringRef suffix) {
  TempFile file;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("aiopt-cuda", suffix, file.path))
    return emitError(loc) << errorTag(ErrorCode::OutputUnwritable)
                          << "cannot create a temporary file: " << ec.message();
  return file;
}

LogicalResult Assembler::run(StringRef tool, ArrayRef<std::string> args, StringRef module) {
  SmallString<128> program(toolkit);
  llvm::sys::path::append(program, "bin", tool);
  if (!llvm::sys::fs::can_execute(program))
    return emitError(loc) << errorTag(ErrorCode::ToolMissing) << "the CUDA toolkit has no '"
                          << program << "' (give the toolkit's folder with --cuda-path)";
  FailureOr<TempFile> log = temp("log");
  if (failed(log))
    return failure();
  SmallVector<StringRef> argv{program};
  for (const std::string &arg : args)
    argv.push_back(arg);
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log->path),
                                          StringRef(log->path)};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(program, argv, /*Env=*/std::nullopt, redirects,
                                     /*SecondsToWait=*/0, /*MemoryLimit=*/0, &message);
  if (rc == 0)
    return success();
  auto output = llvm::MemoryBuffer::getFile(log->path);
  return emitError(loc) << errorTag(ErrorCode::ToolMissing) << tool << " failed on kernel module '"
                        << module << "'" << (message.empty() ? "" : ": ") << message << "\n"
                        << (output ? (*output)->getBuffer().trim() : StringRef());
}

FailureOr<std::string> Assembler::image(StringRef name, StringRef chip, StringRef ptx) {
  if (!dumpDir.empty()) {
    SmallString<128> path(dumpDir);
    llvm::sys::path::append(path, name + ".ptx");
    if (failed(write(path, ptx)))
      return failure();
  }
  if (toolkit.empty())
    return (ptx + Twine('\0')).str();
  FailureOr<TempFile> ptxFile = temp("ptx"), cubin = temp("cubin"), fatbin = temp("fatbin");
  if (failed(ptxFile) || failed(cubin) || failed(fatbin) || failed(write(ptxFile->path, ptx)))
    return failure();
  if (failed(run("ptxas", {"-arch=" + chip.str(), "-O3", ptxFile->path.str().str(), "-o",
                           cubin->path.str().str()},
                 name)))
    return failure();
  // The fatbin carries the chip's machine code and the PTX, which the
  // driver compiles for GPUs newer than the chip.
  std::string sm = chip.drop_front(3).str();
  if (failed(run("fatbinary",
                 {"-64", "--create=" + fatbin->path.str().str(),
                  "--image3=kind=elf,sm=" + sm + ",file=" + cubin->path.str().str(),
                  "--image3=kind=ptx,sm=" + sm + ",file=" + ptxFile->path.str().str()},
                 name)))
    return failure();
  if (!dumpDir.empty()) {
    SmallString<128> path(dumpDir);
    llvm::sys::path::append(path, name + ".cubin");
    if (std::error_code ec = llvm::sys::fs::copy_file(cubin->path, path))
      return emitError(loc) << errorTag(ErrorCode::OutputUnwritable) << "cannot write '" << path
                            << "': " << ec.message();
  }
  auto data = llvm::MemoryBuffer::getFile(fatbin->path, /*IsText=*/false);
  if (!data)
    return emitError(loc) << errorTag(ErrorCode::ToolMissing) << "fatbinary wrote no image for '"
                          << name << "'";
  return (*data)->getBuffer().str();
}

/// The image of kernel module `name` (a gpu.binary with the PTX of one
/// NVVM target) in a constant global `aiopt_cuda_<name>`.
static FailureOr<LLVM::GlobalOp> embedKernels(ModuleOp module, StringRef name, StringRef toolkit,
                                              StringRef dumpDir, Location loc) {
  std::string symbol = ("aiopt_cuda_" + name).str();
  if (auto global = module.lookupSymbol<LLVM::GlobalOp>(symbol))
    return global;
  auto binary = module.lookupSymbol<gpu::BinaryOp>(name);
  gpu::ObjectAttr object;
  if (binary && binary.getObjects().size() == 1)
    object = dyn_cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  auto target = object ? dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget()) : nullptr;
  if (!target || object.getFormat() != gpu::CompilationTarget::Assembly)
    return emitError(loc) << errorTag(ErrorCode::CannotLower) << "kernel module '" << name
                          << "' is not a gpu.binary with the PTX of one NVVM target (run "
                             "gpu-module-to-binary{format=isa} first)";
  FailureOr<std::string> image =
      Assembler(toolkit, dumpDir, loc).image(name, target.getChip(), object.getObject());
  if (failed(image))
    return failure();
  OpBuilder b(module.getContext());
  b.setInsertionPointToStart(module.getBody());
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), image->size());
  return LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true, LLVM::Linkage::Internal,
                                symbol, b.getStringAttr(*image), /*alignment=*/16);
}

namespace {
struct CUDALaunchToRuntimePass
    : aiopt::impl::CUDALaunchToRuntimePassBase<CUDALaunchToRuntimePass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    RuntimeDispatch dispatch;
    dispatch.function = "aiopt_cuda_dispatch";
    dispatch.indexBits = 64;
    // convert-gpu-to-nvvm's kernels take memref descriptors field by field.
    dispatch.expandDescriptors = true;
    dispatch.image = [&](StringRef name, Location loc) {
      return embedKernels(module, name, toolkit, dumpDir, loc);
    };
    if (failed(lowerLaunchesToRuntimeCalls(module, dispatch)))
      signalPassFailure();
  }
};
} // namespace
