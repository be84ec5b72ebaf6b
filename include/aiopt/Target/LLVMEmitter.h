//===- LLVMEmitter.h - LLVM dialect to objects, in process ------*- C++ -*-===//
//
// Translates an LLVM-dialect module to LLVM IR, optimizes it and emits
// assembly or an object file through LLVM's TargetMachine.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_TARGET_LLVMEMITTER_H
#define AIOPT_TARGET_LLVMEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace mlir::aiopt {

/// Target selection; empty triple and "host" CPU mean this machine.
struct TargetOptions {
  std::string triple;
  std::string cpu = "host";
  std::string features;
  /// LLVM optimization level 0..3.
  unsigned optLevel = 3;
};

/// A TargetMachine for `options` (position-independent code, so objects
/// link into PIE executables and shared libraries). Emits an error at
/// `loc` on unknown triples.
FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetOptions &options, Location loc);

/// The width in bits of the widest vector registers of `tm`'s CPU for f32
/// arithmetic: 512 (AVX-512), 256 (AVX/AVX2) or 128 (SSE, NEON, others).
unsigned vectorRegisterBits(const llvm::TargetMachine &tm);

/// The width in bits of `tm`'s 8-bit dot-product instruction vpdpbusd: 512
/// (AVX512-VNNI on 512-bit registers), 256 (AVX-VNNI, or AVX512-VNNI with
/// AVX512-VL on 256-bit ones), or 0 (none: not x86, or no VNNI).
unsigned vnniBits(const llvm::TargetMachine &tm);

/// The width in bits of `tm`'s 16-bit pair dot-product instruction
/// vpmaddwd, which 8-bit matmuls use without VNNI: 512 (AVX512-BW on
/// 512-bit registers), 256 (AVX2), 128 (SSE2) or 0 (not x86).
unsigned pairBits(const llvm::TargetMachine &tm);

/// Translates `module` (LLVM dialect) to LLVM IR for `tm` and runs LLVM's
/// optimization pipeline at `optLevel`. With `lineTables`, the code keeps
/// a line table built from the ops' file:line locations (the importer
/// gives each ONNX node's ops line N for the graph's node N), so profilers
/// and debuggers attribute machine code to ONNX nodes.
FailureOr<std::unique_ptr<llvm::Module>>
translateAndOptimize(ModuleOp module, llvm::LLVMContext &ctx,
                     llvm::TargetMachine &tm, unsigned optLevel,
                     bool lineTables = false);

/// Writes `module` as an object file (or assembly) to `os`.
LogicalResult emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                              llvm::raw_pwrite_stream &os, bool assembly,
                              Location loc);

} // namespace mlir::aiopt

#endif // AIOPT_TARGET_LLVMEMITTER_H
