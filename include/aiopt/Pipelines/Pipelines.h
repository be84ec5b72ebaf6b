//===- Pipelines.h - aiopt's named compilation phases -----------*- C++ -*-===//
//
// The phases of the compiler (import, graph, linalg, codegen, llvm), the
// pipeline between each pair, and their registration for aiopt-opt.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_PIPELINES_PIPELINES_H
#define AIOPT_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <optional>

namespace mlir::aiopt {

/// Named phase boundaries: the IR after each can be written and resumed.
enum class Phase { Import = 0, Graph, Linalg, Codegen, LLVM };

/// Parses "import", "graph", "linalg", "codegen" or "llvm".
std::optional<Phase> parsePhase(StringRef name);
StringRef phaseName(Phase phase);

/// The optimization level of the graph and linalg phases:
///  0: none (lowering only);
///  1: canonicalization, folding and CSE;
///  2: 1 + operator recognition, batch-norm folding, epilogue fusion, and
///     elementwise fusion after lowering (the default);
///  3: as 2 (aiopt-compile then asks LLVM for -O3).
struct OptLevelOptions : public PassPipelineOptions<OptLevelOptions> {
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("Optimization level 0..3 (default 2)"),
                            llvm::cl::init(2)};
};

/// Options of the CPU pipelines.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> modelName{
      *this, "model-name",
      llvm::cl::desc("Model function; its exported entry is <name>_entry"),
      llvm::cl::init("main")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("Optimization level 0..3 (default 2)"),
                            llvm::cl::init(2)};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the contraction blocks on threads (OpenMP regions; see thread-pool)"),
      llvm::cl::init(false)};
  Option<std::string> threadPool{
      *this, "thread-pool",
      llvm::cl::desc("With parallel, whose threads run the regions: aiopt (the runtime's pool, "
                     "which balances loops at their end; link with -lpthread) or openmp "
                     "(libomp; link with -fopenmp)"),
      llvm::cl::init("aiopt")};
  Option<unsigned> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Vector register width the tiles are sized for: 128 (SSE, NEON: register "
                     "tile 8x8, vectors of 4), 256 (AVX2: 6x16, 8) or 512 (AVX-512: 8x32, 16)"),
      llvm::cl::init(256)};
  Option<unsigned> vnniBits{
      *this, "vnni-bits",
      llvm::cl::desc("Width of the target's 8-bit dot-product instruction vpdpbusd, which 8-bit "
                     "matmuls use: 0 (none), 256 (AVX-VNNI) or 512 (AVX512-VNNI)"),
      llvm::cl::init(0)};
  Option<unsigned> pairBits{
      *this, "pair-bits",
      llvm::cl::desc("Width of the target's 16-bit pair dot-product instruction vpmaddwd, which "
                     "8-bit matmuls use without vnni-bits: 0 (none), 128 (SSE2), 256 (AVX2) or "
                     "512 (AVX512-BW)"),
      llvm::cl::init(0)};
  ListOption<std::string> skip{
      *this, "skip",
      llvm::cl::desc("Optional passes of the device's pipeline to leave out, by name "
                     "(optionalPasses: each one's effect can then be measured "
                     "against the full pipeline)")};
  Option<std::string> winograd{
      *this, "winograd",
      llvm::cl::desc("From -O2 on CPUs, options of the aiopt-winograd pass that starts the linalg "
                     "phase (e.g. 'tile=4'; empty: its defaults, 3x3 convolutions chosen per "
                     "layer); 'off' keeps every convolution direct"),
      llvm::cl::init("")};
  Option<std::string> quantize{
      *this, "quantize",
      llvm::cl::desc("Options of an aiopt-quantize pass that ends the graph phase, e.g. "
                     "'mode=dynamic' (empty: no quantization)"),
      llvm::cl::init("")};
  Option<std::string> prune{
      *this, "prune",
      llvm::cl::desc("Options of an aiopt-prune pass in the graph phase, before quantization, "
                     "e.g. 'mode=magnitude sparsity=0.8' (empty: no pruning)"),
      llvm::cl::init("")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("Options of an aiopt-reduce-precision pass that ends the graph phase, "
                     "after quantization, e.g. 'type=f16' (empty: products stay f32)"),
      llvm::cl::init("")};
  Option<std::string> device{
      *this, "device",
      llvm::cl::desc("Where the model's loop nests run: 'cpu', 'vulkan' (SPIR-V kernels "
                     "launched through aiopt's Vulkan runtime) or 'cuda' (PTX kernels launched "
                     "through aiopt's CUDA runtime); the host code stays on the CPU"),
      llvm::cl::init("cpu")};
  Option<std::string> gpuArch{
      *this, "gpu-arch",
      llvm::cl::desc("With device=cuda: the NVIDIA GPU architecture (sm_80, sm_90, ...)"),
      llvm::cl::init("sm_90")};
  Option<bool> deviceResident{
      *this, "device-resident",
      llvm::cl::desc("GPU devices: buffers stay on the device between kernel launches "
                     "(aiopt-gpu-device-residency), and copies run as kernels; false copies "
                     "each launch's buffers in and its written ones back"),
      llvm::cl::init(true)};
  Option<std::string> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("With a GPU device: products of f16 or bf16 operands (--precision) on "
                     "tensor cores: 'auto' (cuda: WMMA for f16, mma.sync for bf16; vulkan: "
                     "none), 'off', or "
                     "'emulate' (the same kernels with each lane's fragment elements in "
                     "scalar arithmetic, to check them where no tensor cores are)"),
      llvm::cl::init("auto")};
  Option<bool> tf32{
      *this, "tf32",
      llvm::cl::desc("With a GPU device: f32 products round their operands to TF32 (10 "
                     "fraction bits) and accumulate in f32, on TF32 tensor cores where "
                     "tensor-cores gives them (cuda: mma.sync; --precision=tf32)"),
      llvm::cl::init(false)};
  Option<std::string> gpuTiles{
      *this, "gpu-tiles",
      llvm::cl::desc("With a GPU device: aiopt-gpu-tile-contractions options that replace the "
                     "target's choices, e.g. 'thread-tile=4 vector-loads=none' (a developer's "
                     "option, to measure each choice; see checkGPUTileOptions)"),
      llvm::cl::init("")};
  Option<std::string> cudaToolkit{
      *this, "cuda-toolkit",
      llvm::cl::desc("With device=cuda: the CUDA toolkit's folder (libdevice, ptxas, "
                     "fatbinary); empty: PTX only, compiled by the driver at load time"),
      llvm::cl::init("")};
  Option<std::string> kernelDumpDir{
      *this, "kernel-dump-dir",
      llvm::cl::desc("With a GPU device: also write each kernel module's binary to this "
                     "folder (.spv for vulkan; .ptx and .cubin for cuda)"),
      llvm::cl::init("")};
  Option<bool> runtimeChecks{
      *this, "runtime-checks",
      llvm::cl::desc("Check gather/scatter indices at run time (aiopt-insert-index-checks "
                     "before the lowering): an index out of range fails the run"),
      llvm::cl::init(false)};
};

/// The aiopt-quantize pass with `options` and the cleanup after it.
void buildQuantizePipeline(OpPassManager &pm, StringRef options);

/// The aiopt-reduce-precision pass with `options` and the cleanup after
/// it.
void buildPrecisionPipeline(OpPassManager &pm, StringRef options);

/// The aiopt-prune pass with `options` and the cleanup after it.
void buildPrunePipeline(OpPassManager &pm, StringRef options);

/// import -> graph: graph-level simplification and fusion of the aiopt
/// dialect, as much as `optLevel` asks.
void buildGraphPipeline(OpPassManager &pm, unsigned optLevel = 2);
/// graph -> linalg: lowering to tensor-level linalg and fusion (`gpu`: the
/// forms GPU targets want, e.g. attention over whole tensors, and their
/// fusion, unless `skip` names aiopt-gpu-fuse-producers). On CPUs from
/// -O2, `winograd` holds the aiopt-winograd options ("off": no Winograd).
void buildLinalgPipeline(OpPassManager &pm, unsigned optLevel = 2, bool gpu = false,
                         StringRef winograd = "", ArrayRef<std::string> skip = {});
/// The passes of `device`'s pipeline (cpu, vulkan, cuda: the linalg and
/// codegen phases) that CPUPipelineOptions::skip may leave out:
/// optimizations that the pipeline still compiles correct code without.
ArrayRef<StringRef> optionalPasses(StringRef device);
/// The phase whose pipeline runs optional pass `name` (the one it makes:
/// Linalg for the graph -> linalg pipeline's, Codegen for the linalg ->
/// codegen pipeline's).
Phase optionalPassPhase(StringRef name);
/// Whether a run of the phases after `from` up to `to` makes `phase`.
inline bool runsPhase(Phase phase, Phase from, Phase to) { return from < phase && phase <= to; }
/// Fails with `why` set when `skip` names a pass that is not one of
/// optionalPasses(device), or one that a run of the phases after `from`
/// up to `to` does not run (leaving it out would change nothing).
LogicalResult checkSkippedPasses(ArrayRef<std::string> skip, StringRef device, Phase from,
                                 Phase to, std::string &why);

/// Fails with `why` set unless `options` (CPUPipelineOptions::gpuTiles)
/// is empty or, for a GPU `device` (vulkan or cuda), a space-separated
/// list of key=value options of aiopt-gpu-tile-contractions (as the
/// registered pass has them), other than those the target decides
/// (tile-memory) or another option does (tensor-cores), with values of
/// their defaults' types (numbers, booleans) that `device` can run:
/// vector-loads=nvvm is CUDA's, vector-loads=spirv
/// Vulkan's. The pass checks the numbers (powers of two, bounds) and the
/// words.
LogicalResult checkGPUTileOptions(StringRef options, StringRef device, std::string &why);

/// Fails, with `why` ("is not one of ..."), unless `pool` names a thread
/// pool of the CPU pipelines' thread-pool option (aiopt, openmp).
LogicalResult checkThreadPool(StringRef pool, std::string &why);

/// linalg -> codegen: tiling and vectorization (from -O1), bufferization
/// and loops (memref, scf, vector, arith, math; omp with `parallel`).
void buildCPUCodegenPipeline(OpPassManager &pm, const CPUPipelineOptions &options);
/// linalg -> codegen for Vulkan: bufferization, parallel loop nests as
/// SPIR-V kernels embedded in the module, launched by runtime calls; what
/// does not map onto a grid stays in host loops.
void buildVulkanCodegenPipeline(OpPassManager &pm, const CPUPipelineOptions &options);
/// linalg -> codegen for CUDA: as for Vulkan, with the kernels compiled to
/// PTX (and, with a toolkit, cubin in a fatbin) and launched by calls into
/// aiopt's CUDA runtime.
void buildCUDACodegenPipeline(OpPassManager &pm, const CPUPipelineOptions &options);
/// codegen -> llvm: the LLVM dialect with the exported entry point.
void buildCPULLVMPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// The phases after `from` up to and including `to`, for the CPU.
void buildCPUPipeline(OpPassManager &pm, Phase from, Phase to,
                      const CPUPipelineOptions &options);

/// Registers aiopt-graph-pipeline, aiopt-linalg-pipeline,
/// aiopt-cpu-codegen-pipeline, aiopt-cpu-llvm-pipeline and aiopt-cpu-pipeline.
void registerAIOptPipelines();

} // namespace mlir::aiopt

#endif // AIOPT_PIPELINES_PIPELINES_H
