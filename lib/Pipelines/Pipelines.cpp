//===- Pipelines.cpp - aiopt's named compilation phases -------------------===//
//
// Builds the pass pipeline of each phase. Each pass is added by its
// registered name (so `--print-pipeline` output can be pasted into
// `aiopt-opt --pass-pipeline=...`), with a note on why it is there.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Pipelines/Pipelines.h"

#include "aiopt/Codegen/GPU/GridLimits.h"
#include "aiopt/Codegen/GPU/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::aiopt;

static constexpr StringRef kPhaseNames[] = {"import", "graph", "linalg",
                                            "codegen", "llvm"};

std::optional<Phase> mlir::aiopt::parsePhase(StringRef name) {
  for (auto [i, n] : llvm::enumerate(kPhaseNames))
    if (n == name)
      return static_cast<Phase>(i);
  return std::nullopt;
}

StringRef mlir::aiopt::phaseName(Phase phase) {
  return kPhaseNames[static_cast<int>(phase)];
}

/// Appends registered passes, by textual name, to `pm`.
static void add(OpPassManager &pm, const std::string &passes) {
  if (failed(parsePassPipeline(passes, pm)))
    llvm::report_fatal_error(llvm::Twine("aiopt: bad built-in pipeline: ") + passes);
}

/// `value` as a pass option value: quoted, so that paths with spaces or
/// braces stay one value.
static std::string optionValue(llvm::StringRef value) {
  char quote = value.contains('"') ? '\'' : '"';
  return (llvm::Twine(quote) + value + llvm::Twine(quote)).str();
}

/// The GPU pipelines' optional pass of the linalg phase.
static constexpr StringRef kGPUFusion = "aiopt-gpu-fuse-producers";
static constexpr StringRef kGPUMergeProducts = "aiopt-merge-products";

void mlir::aiopt::buildGraphPipeline(OpPassManager &pm, unsigned optLevel) {
  if (optLevel == 0)
    return;
  // Folds the shape subgraphs and identities the importer left (folders and
  // canonicalization patterns of the aiopt ops), and the layout and
  // precision changes of weights of any size.
  add(pm, "canonicalize");
  add(pm, "aiopt-infer-shapes");
  add(pm, "aiopt-fold-constants");
  if (optLevel >= 2) {
    // Single ops for decomposed GELU/SiLU/LayerNorm first, so that the
    // activations they produce can become epilogues.
    add(pm, "aiopt-recognize-patterns");
    // Normalization into weights before the bias joins the contraction.
    add(pm, "aiopt-fold-batchnorm");
    add(pm, "aiopt-fuse-epilogue");
  }
  // Models that arrive quantized (QDQ) compile to the 8-bit kernels.
  add(pm, "aiopt-fold-qdq");
  add(pm, "canonicalize");
  add(pm, "cse");
}

void mlir::aiopt::buildQuantizePipeline(OpPassManager &pm, StringRef options) {
  // After fusion, so the bias and activation each contraction absorbed
  // move to its float epilogue; the weights' int8 copies replace them.
  add(pm, ("aiopt-quantize{" + options + "}").str());
  add(pm, "canonicalize");
  add(pm, "cse");
}

void mlir::aiopt::buildPrecisionPipeline(OpPassManager &pm, StringRef options) {
  // Last in the graph phase: after fusion (the epilogues stay f32) and
  // quantization (which leaves the layers it kept in float to it).
  add(pm, ("aiopt-reduce-precision{" + options + "}").str());
  add(pm, "canonicalize");
  add(pm, "cse");
}

void mlir::aiopt::buildPrunePipeline(OpPassManager &pm, StringRef options) {
  // After fusion (batch normalization folded into the weights it prunes,
  // biases and activations in the contractions) and before quantization,
  // which then quantizes the pruned weights. The weights it replaces, and
  // consumers left without uses, go.
  add(pm, ("aiopt-prune{" + options + "}").str());
  add(pm, "canonicalize");
  add(pm, "cse");
}

void mlir::aiopt::buildLinalgPipeline(OpPassManager &pm, unsigned optLevel, bool gpu,
                                       StringRef winograd, ArrayRef<std::string> skip) {
  // Matrix products whose constant weights are sparse enough (pruned, or
  // sparse on arrival) take sparse kernels: a choice made on the weights'
  // data, before they become linalg constants.
  if (optLevel >= 1)
    add(pm, "aiopt-sparse-weights");
  // GPUs: products of one input by constant weights (attention's query,
  // key and value projections) as one wider product: one kernel (or, with
  // K split, one fill, product and epilogue) for three.
  if (optLevel >= 2 && gpu && !llvm::is_contained(skip, kGPUMergeProducts))
    add(pm, kGPUMergeProducts.str());
  // CPUs: 3x3 convolutions whose multiplications Winograd's transforms
  // save take them (their filters transformed here, as constants).
  if (optLevel >= 2 && !gpu && winograd != "off")
    add(pm, ("aiopt-winograd{" + winograd + "}").str());
  // Every aiopt op becomes linalg/tensor/arith/math on tensors (attention
  // in blocks of query rows for CPUs, whole for GPUs).
  add(pm, gpu ? "convert-aiopt-to-linalg{blocked-attention=false window-copies=false}" : "convert-aiopt-to-linalg");
  if (optLevel == 0)
    return;
  // Run-time broadcasting decisions (Broadcast.cpp) fold away before
  // fusion wherever aiopt-tie-named-extents resolves both extents to one
  // input extent (or one name); cse merges what that leaves equal.
  add(pm, "canonicalize");
  add(pm, "func.func(aiopt-tie-named-extents)");
  add(pm, "cse");
  add(pm, "canonicalize");
  if (optLevel >= 2) {
    // CPUs: mixed-precision contractions read their rounded activations in
    // f32, the widening joining the rounding in the fusion that follows.
    if (!gpu)
      add(pm, "aiopt-cpu-widen-activations");
    // Producer/consumer fusion of elementwise generics (bias, activation,
    // broadcast chains) so they become one loop nest, where that computes
    // each element once; on GPUs (where each nest is a launch) also
    // transposes into their consumers, and small producers into each user
    // that computes them again cheaply.
    add(pm, "aiopt-cpu-fuse-elementwise");
    if (gpu && !llvm::is_contained(skip, kGPUFusion))
      add(pm, kGPUFusion.str());
    add(pm, "canonicalize");
  }
  add(pm, "cse");
}

/// Destination tensors that are fully overwritten become allocations, then
/// whole-module bufferization with contiguous memrefs at function
/// boundaries; kernels with sparse weights become loops over their nonzeros
/// there (the sparsifier), whose contiguous inner loops LLVM vectorizes.
/// Intermediate buffers are freed; returned ones are owned by the caller.
static void addBufferization(OpPassManager &pm, bool parallel) {
  add(pm, "empty-tensor-to-alloc-tensor");
  add(pm, std::string("aiopt-cpu-bufferize{parallel=") + (parallel ? "true" : "false") + "}");
  add(pm, "buffer-deallocation-pipeline");
  add(pm, "convert-bufferization-to-memref");
}

static constexpr StringRef kOptionalCPUPasses[] = {
    "aiopt-cpu-pad-in-place", "aiopt-cpu-distribute", "aiopt-cpu-forward-splats",
    "aiopt-cpu-forward-copies", "aiopt-cpu-prefetch-weights", "aiopt-cpu-drop-loop-barriers"};

// The GPU pipelines' merged products and fusion of transposes and small
// producers (linalg phase), and their optimizations of windows (depthwise
// convolutions, poolings): reading padded inputs around the padding (both
// targets), and more outputs per invocation (Vulkan's).
static constexpr StringRef kOptionalVulkanPasses[] = {
    kGPUMergeProducts, kGPUFusion, "aiopt-gpu-read-around-padding", "aiopt-gpu-coarsen-threads"};
static constexpr StringRef kOptionalCUDAPasses[] = {kGPUMergeProducts, kGPUFusion,
                                                    "aiopt-gpu-read-around-padding"};

ArrayRef<StringRef> mlir::aiopt::optionalPasses(StringRef device) {
  if (device == "vulkan")
    return kOptionalVulkanPasses;
  if (device == "cuda")
    return kOptionalCUDAPasses;
  return kOptionalCPUPasses;
}

Phase mlir::aiopt::optionalPassPhase(StringRef name) {
  return name == kGPUFusion || name == kGPUMergeProducts ? Phase::Linalg : Phase::Codegen;
}

LogicalResult mlir::aiopt::checkSkippedPasses(ArrayRef<std::string> skip, StringRef device,
                                              Phase from, Phase to, std::string &why) {
  ArrayRef<StringRef> optional = optionalPasses(device);
  for (const std::string &name : skip) {
    if (!llvm::is_contained(optional, name)) {
      why = "'" + name + "' is not an optional " + device.str() + " pass (" +
            llvm::join(optional, ", ") + ")";
      return failure();
    }
    Phase phase = optionalPassPhase(name);
    if (!runsPhase(phase, from, to)) {
      why = "'" + name + "' runs in the " + phaseName(phase).str() + " phase, which this run (" +
            phaseName(from).str() + " -> " + phaseName(to).str() + ") does not";
      return failure();
    }
  }
  return success();
}

/// Adds `pipeline` (by default the pass `name`), an optional pass of
/// `device`'s codegen phase, unless options.skip names it.
static void addOptional(OpPassManager &pm, const CPUPipelineOptions &options, StringRef device,
                        StringRef name, StringRef pipeline = "") {
  assert(llvm::is_contained(optionalPasses(device), name) &&
         optionalPassPhase(name) == Phase::Codegen && "not an optional codegen pass");
  if (!llvm::is_contained(options.skip, name))
    add(pm, (pipeline.empty() ? name : pipeline).str());
}

/// aiopt-gpu-tile-contractions' options and their defaults, as the pass
/// prints them, but for those the target decides (tile-memory) or other
/// options do (tensor-cores; tf32, by the precision): what
/// CPUPipelineOptions::gpuTiles may set.
static SmallVector<std::pair<std::string, std::string>> settableTileOptions() {
  std::string text;
  llvm::raw_string_ostream os(text);
  createGPUTileContractionsPass()->printAsTextualPipeline(os);
  // "aiopt-gpu-tile-contractions{key=value ...}"; no default has a space.
  SmallVector<StringRef> items;
  llvm::SplitString(StringRef(text).split('{').second.rsplit('}').first, items);
  SmallVector<std::pair<std::string, std::string>> options;
  for (StringRef item : items) {
    auto [key, value] = item.split('=');
    if (key != "tile-memory" && key != "tensor-cores" && key != "tf32")
      options.emplace_back(key.str(), value.str());
  }
  return options;
}

/// `overrides` ("key=value ...") applied to `defaults` (the same form): a
/// key in both keeps its place in the defaults with the override's value.
static std::string withOverrides(StringRef defaults, StringRef overrides) {
  SmallVector<std::pair<StringRef, StringRef>> merged;
  for (StringRef list : {defaults, overrides}) {
    SmallVector<StringRef> items;
    llvm::SplitString(list, items);
    for (StringRef item : items) {
      std::pair<StringRef, StringRef> option = item.split('=');
      auto *known =
          llvm::find_if(merged, [&](auto &kv) { return kv.first == option.first; });
      if (known != merged.end())
        known->second = option.second;
      else
        merged.push_back(option);
    }
  }
  return llvm::join(llvm::map_range(merged, [](auto &kv) { return (kv.first + "=" + kv.second).str(); }),
                    " ");
}

LogicalResult mlir::aiopt::checkGPUTileOptions(StringRef options, StringRef device,
                                               std::string &why) {
  SmallVector<StringRef> items;
  llvm::SplitString(options, items);
  if (!items.empty() && device != "vulkan" && device != "cuda") {
    why = "needs a GPU target (vulkan or cuda), not " + device.str();
    return failure();
  }
  static const SmallVector<std::pair<std::string, std::string>> settable = settableTileOptions();
  for (StringRef item : items) {
    if (!item.contains('=')) {
      why = "'" + item.str() + "' is not key=value";
      return failure();
    }
    StringRef key = item.split('=').first, value = item.split('=').second;
    const auto *option = llvm::find_if(settable, [&](auto &kv) { return kv.first == key; });
    if (option == settable.end()) {
      why = "'" + key.str() + "' is not one of " +
            llvm::join(llvm::map_range(settable, [](auto &kv) { return kv.first; }), ", ");
      return failure();
    }
    // The value takes its default's form: a number or a boolean (the pass
    // checks the numbers' bounds and the words' choices).
    StringRef byDefault = option->second;
    uint64_t number;
    if (!byDefault.getAsInteger(10, number) && value.getAsInteger(10, number)) {
      why = item.str() + ": not a number";
      return failure();
    }
    auto isBool = [](StringRef v) { return v == "true" || v == "false"; };
    if (isBool(byDefault) && !isBool(value)) {
      why = item.str() + ": not true or false";
      return failure();
    }
    // What the other GPU target's kernels do: CUDA's address tests.
    if (device == "vulkan" && item == "vector-loads=nvvm") {
      why = item.str() + " is for --target=cuda";
      return failure();
    }
    if (device == "cuda" && item == "vector-loads=spirv") {
      why = item.str() + " is for --target=vulkan";
      return failure();
    }
  }
  return success();
}

LogicalResult mlir::aiopt::checkThreadPool(StringRef pool, std::string &why) {
  static constexpr StringRef kThreadPools[] = {"aiopt", "openmp"};
  if (llvm::is_contained(kThreadPools, pool))
    return success();
  why = "is not one of " + llvm::join(ArrayRef<StringRef>(kThreadPools), ", ");
  return failure();
}

void mlir::aiopt::buildCPUCodegenPipeline(OpPassManager &pm,
                                          const CPUPipelineOptions &options) {
  unsigned lanes = std::max(4u, options.vectorBits / 32);
  auto optional = [&](StringRef name) { addOptional(pm, options, "cpu", name); };
  if (options.optLevel >= 1) {
    // Padded activations are written in place by their producers, only
    // their borders filled.
    optional("aiopt-cpu-pad-in-place");
    // Contractions (matmuls, im2col convolutions) become cache tiles around
    // vectorized register tiles; each accumulator tile then stays in
    // registers for its whole reduction loop.
    // Register tiles use 12-16 of the vector registers as accumulators.
    std::string registerTile = options.vectorBits >= 512   ? "8,32"
                               : options.vectorBits >= 256 ? "6,16"
                                                           : "8,8";
    // From -O2, each block of a contraction's result also goes through its
    // elementwise epilogue (bias, activation, residual add) while in cache.
    add(pm, "aiopt-cpu-tile-and-vectorize{register-tile=" + registerTile +
                " fuse-epilogues=" + (options.optLevel >= 2 ? "true" : "false") +
                " vector-size=" + std::to_string(lanes) +
                " vnni-lanes=" + std::to_string(options.vnniBits / 32) +
                " pair-lanes=" + std::to_string(options.pairBits / 32) +
                // With threads, small contractions still make blocks for
                // each to share: sixteen, which the thread pool's
                // balancing evens out better than eight.
                " min-blocks=" + (options.parallel ? "16" : "1") + "}");
    // With threads, the other large loop nests are split into chunks too.
    if (options.parallel)
      optional("aiopt-cpu-distribute");
    // Innermost reductions (softmax, normalization means) reduce a vector
    // at a time into partial results per lane.
    add(pm, "aiopt-cpu-vectorize-reductions{vector-size=" + std::to_string(lanes) + "}");
    // Elementwise nests (epilogues, fused depthwise-convolution taps, the
    // reductions' pieces) are vectorized along their innermost loop.
    add(pm, "aiopt-cpu-vectorize-elementwise{vector-size=" + std::to_string(lanes) + "}");
    // Transposes that move the innermost dimension (transposed products'
    // copies, NCHW <-> NHWC) become square tiles transposed in registers
    // (with threads, within each chunk).
    add(pm, "aiopt-cpu-vectorize-transposes{vector-size=" + std::to_string(lanes) + "}");
    add(pm, "loop-invariant-subset-hoisting");
    // Register tiles start from their fill's constant (hoisted above their
    // reductions) instead of storing and reloading it.
    optional("aiopt-cpu-forward-splats");
    add(pm, "canonicalize");
  }
  addBufferization(pm, options.parallel);
  // Temporaries that bufferization fills and then copies whole into their
  // destination (slices of one tensor written by one loop nest) become
  // that destination.
  if (options.optLevel >= 1)
    optional("aiopt-cpu-forward-copies");
  // Intermediate buffers share one arena, placed by liveness.
  add(pm, "aiopt-cpu-plan-memory");
  // From -O2, the register tiles that read weights also prefetch the next
  // block's, which then come from memory while this block computes.
  if (options.optLevel >= 2)
    optional("aiopt-cpu-prefetch-weights");
  // The independent blocks of tiled contractions: shared by OpenMP threads,
  // or run in order.
  if (options.parallel) {
    add(pm, "scf-forall-to-parallel");
    add(pm, "convert-scf-to-openmp");
    // Each loop's threads meet once, at the end of its parallel region.
    optional("aiopt-cpu-drop-loop-barriers");
    if (options.threadPool == "aiopt")
      add(pm, "aiopt-cpu-thread-pool");
  } else {
    add(pm, "scf-forall-to-for");
  }
  // Strided copies become loops instead of calls into a runner library,
  // vectorized along a contiguous innermost dimension.
  add(pm, "aiopt-cpu-strided-copy-to-loops{vector-size=" +
              std::to_string(options.optLevel >= 1 ? lanes : 0) + "}");
  // Loop nests; LLVM's vectorizer and unroller work on them after
  // translation.
  add(pm, "convert-linalg-to-loops");
  // Vector transfers of more than one dimension become loops of 1-D ones.
  add(pm, "convert-vector-to-scf{full-unroll}");
  add(pm, "lower-affine");
  add(pm, "canonicalize");
  add(pm, "cse");
}

/// The GPU back ends' common start: the CPU's buffers (kernels read and
/// write the host's memrefs, which the runtimes copy to and from the device
/// per launch), every linalg op's parallel dimensions as a grid of
/// workgroups (its reductions loop inside each invocation; a nest with no
/// parallel dimension stays on the host), outlined into kernels.
static void addKernelOutlining(OpPassManager &pm, const CPUPipelineOptions &options,
                               bool spirv) {
  StringRef device = spirv ? "vulkan" : "cuda", tensorCores = options.tensorCores;
  // Each op gets an output buffer of its own: products start from their
  // zeros, and elementwise ops can join the product before them.
  add(pm, "func.func(aiopt-gpu-split-inits)");
  addBufferization(pm, /*parallel=*/false);
  // Copies between buffers too, where their operands live on the device.
  if (options.deviceResident)
    add(pm, "func.func(aiopt-gpu-copies-to-linalg)");
  // Contractions (matmuls, convolutions) become kernels of their own that
  // stage operand tiles in workgroup memory and keep blocks of accumulators
  // in registers.
  // K splits over workgroups for CUDA (their sums meet by atomic f32
  // additions, as measured on an H100); Vulkan splits only when asked, and
  // then sums the parts by a kernel, which needs no extension (and on
  // lavapipe costs less than atomics: docs/performance.md, session 40).
  // f16 and bf16 products on tensor cores: WMMA and mma.sync on CUDA
  // (SPIR-V's cooperative matrices are not lowered here), or emulated when
  // asked.
  // (Other values reach the pass, which names them in its error.) With
  // tf32, f32 products round their operands to TF32 and, on tensor cores,
  // multiply by mma.sync's TF32 form.
  StringRef fragments = tensorCores == "auto"  ? (spirv ? "none" : "nvvm")
                        : tensorCores == "off" ? "none"
                                               : tensorCores;
  // Operand tiles load 16 bytes at a time where the layout allows (SPIR-V
  // through vector views of the buffers, which the runtime binds at 16-byte
  // boundaries; CUDA where the kernel finds the address aligned).
  // Vulkan's invocations keep 8 x 8 blocks of outputs (1.4-1.9x faster
  // than 4 x 4 on lavapipe, bench/vulkan.py --variant, docs/performance.md);
  // CUDA's keep 4 x 4, so
  // that small products still fill the multiprocessors with warps.
  // gpu-tiles' options, a developer's, replace these choices.
  std::string tiles = std::string("tile-memory=") +
                      (spirv ? "alloc split-k=false split-k-sums=kernel vector-loads=spirv "
                               "thread-tile=8"
                             : "attribution split-k=true split-k-sums=atomic vector-loads=nvvm") +
                      " tensor-cores=" + fragments.str() + (options.tf32 ? " tf32=true" : "");
  add(pm, "func.func(aiopt-gpu-tile-contractions{" + withOverrides(tiles, options.gpuTiles) + "})");
  // Reductions along rows (normalization statistics, softmax's maximum and
  // sum) take a workgroup per row, and the elementwise ops around them
  // (the residual add before a layer normalization, softmax's division)
  // join their kernel: a layer normalization is one launch, not four.
  add(pm, std::string("func.func(aiopt-gpu-row-kernels{tile-memory=") +
              (spirv ? "alloc" : "attribution") + "})");
  // The fills left (a split product's zeros) are made by the kernel before
  // them, not by a launch of their own.
  add(pm, "func.func(aiopt-gpu-fills-into-kernels)");
  // Every parallel dimension of the other ops becomes part of the grid,
  // also those the CPU's forms iterate inside a reduction.
  // Windows (depthwise convolutions, poolings) read their padded inputs
  // around the padding, as the tiled kernels do: no fill and copy kernels.
  addOptional(pm, options, device, "aiopt-gpu-read-around-padding",
              "func.func(aiopt-gpu-read-around-padding)");
  add(pm, "func.func(aiopt-gpu-parallel-dims-first)");
  add(pm, "func.func(convert-linalg-to-parallel-loops)");
  // Reduction loops keep their output element in a register rather than
  // loading and storing it on every iteration.
  add(pm, "func.func(aiopt-gpu-promote-accumulators)");
  // On Vulkan, each invocation of a window (a depthwise convolution's nine
  // taps) computes four outputs along a dimension whose copies share
  // loads: the rows of a 3x3 window overlap. (Unmeasured on CUDA, where
  // coarsening reductions made ResNet-50 and BERT slower.)
  if (spirv)
    addOptional(pm, options, device, "aiopt-gpu-coarsen-threads",
                "func.func(aiopt-gpu-coarsen-threads{reductions=false})");
  // Grids larger than an axis takes (CUDA's x takes 2^31 - 1 workgroups,
  // its y and z and Vulkan's axes 65535, the least Vulkan guarantees) run
  // in chunks, a launch each.
  add(pm, std::string("func.func(aiopt-gpu-map-parallel-loops{max-grid-x=") +
              std::to_string(spirv ? kPortableGridAxis : kCUDAGridX) + "})");
  add(pm, "func.func(gpu-map-parallel-loops{mapping-policy=innermost-first})");
  add(pm, "func.func(convert-parallel-loops-to-gpu)");
  // Parallel loops inside kernels (after a reduction loop, e.g. pooling
  // windows) run sequentially in each invocation.
  add(pm, "func.func(scf-parallel-for-to-nested-fors)");
  add(pm, "lower-affine");
  add(pm, "canonicalize");
  // Strided views (subviews of padded buffers) reach kernels as flat
  // buffers indexed with their strides; for SPIR-V, whose buffers are
  // indexed with constant strides, so do buffers with dynamic inner extents.
  add(pm, std::string("func.func(aiopt-gpu-flatten-strided-buffers{dynamic-strides=") +
              (spirv ? "true" : "false") + "})");
  // Static layouts fold to constants; equal extents become one value.
  add(pm, "canonicalize");
  add(pm, "cse");
  // Constants move into the kernels instead of becoming arguments; dynamic
  // extents stay host values (SPIR-V kernels cannot read buffer sizes).
  add(pm, "func.func(aiopt-gpu-sink-arithmetic)");
  add(pm, "gpu-kernel-outlining");
}

/// The GPU back ends' common end: the host code's copies and the loops
/// left on the CPU.
static void addHostLoops(OpPassManager &pm) {
  add(pm, "aiopt-cpu-strided-copy-to-loops");
  add(pm, "convert-linalg-to-loops");
  add(pm, "lower-affine");
  add(pm, "canonicalize");
  add(pm, "cse");
}

void mlir::aiopt::buildVulkanCodegenPipeline(OpPassManager &pm,
                                             const CPUPipelineOptions &options) {
  addKernelOutlining(pm, options, /*spirv=*/true);
  // Buffers stay in device memory between launches, which the runtime
  // records into batches; the host code says when it touches them.
  if (options.deviceResident)
    add(pm, "aiopt-gpu-device-residency{function=aiopt_vk_host_access}");
  add(pm, "aiopt-gpu-spirv-kernel-abi");
  // bf16 arithmetic and math compute in f32, as on the CPU; bf16 and
  // sub-byte elements are then kept in the integers of their bits, which
  // SPIR-V stores at their size.
  add(pm, "gpu.module(math-extend-to-supported-types{extra-types=f16 target-type=f32})");
  add(pm, "gpu.module(arith-emulate-unsupported-floats{source-types=bf16 target-type=f32})");
  add(pm, "aiopt-gpu-spirv-narrow-types");
  // GLSL.std.450 has no erf: polynomial forms, as on the CPU (its exp is
  // native).
  add(pm, "gpu.module(aiopt-cpu-approximate-math{exp=false})");
  // Remainders by infinite divisors (OpFRem leaves them undefined) and
  // boolean minima and maxima (GLSL has none) computed as arith does.
  add(pm, "gpu.module(aiopt-gpu-spirv-exact-arith)");
  // f64 transcendental functions, which GLSL.std.450 lacks, from
  // arithmetic.
  add(pm, "gpu.module(aiopt-gpu-spirv-double-math)");
  add(pm, "gpu.module(convert-math-to-spirv)");
  // Upstream's conversion, and split products' f32 atomic additions.
  add(pm, "aiopt-gpu-convert-to-spirv");
  // f64 ops round once each (drivers would otherwise fuse and reassociate).
  add(pm, "spirv.module(aiopt-gpu-spirv-exact-doubles)");
  // Vector loads read vector views of their buffers (logical addressing has
  // no pointer casts).
  add(pm, "spirv.module(spirv-lower-abi-attrs,aiopt-gpu-spirv-vector-buffers,spirv-update-vce)");
  add(pm, "aiopt-vulkan-launch-to-runtime{dump-dir=" + optionValue(options.kernelDumpDir) + "}");
  addHostLoops(pm);
}

void mlir::aiopt::buildCUDACodegenPipeline(OpPassManager &pm,
                                           const CPUPipelineOptions &options) {
  addKernelOutlining(pm, options, /*spirv=*/false);
  // Buffers stay in device memory between launches; the host code says
  // when it touches them.
  if (options.deviceResident)
    add(pm, "aiopt-gpu-device-residency");
  add(pm, "aiopt-gpu-nvvm-kernel-abi{chip=" + optionValue(options.gpuArch) +
              " opt-level=" + std::to_string(options.optLevel) + "}");
  // Buffers pass as memref descriptors, field by field (bare pointers
  // would need static shapes); indices are 64-bit; math functions call
  // libdevice, linked from the toolkit when the module becomes PTX.
  add(pm, "gpu.module(convert-scf-to-cf)");
  add(pm, "gpu.module(convert-gpu-to-nvvm{index-bitwidth=64})");
  add(pm, "gpu.module(canonicalize,cse,reconcile-unrealized-casts)");
  std::string toolkit =
      options.cudaToolkit.empty() ? "" : " toolkit=" + optionValue(options.cudaToolkit);
  add(pm, "gpu-module-to-binary{format=isa" + toolkit + "}");
  add(pm, "aiopt-cuda-launch-to-runtime{dump-dir=" + optionValue(options.kernelDumpDir) + toolkit +
              "}");
  addHostLoops(pm);
}

void mlir::aiopt::buildCPULLVMPipeline(OpPassManager &pm,
                                       const CPUPipelineOptions &options) {
  // bf16 arithmetic and math compute in f32 (LLVM would otherwise promote
  // each op and round back through compiler-rt calls).
  add(pm, "math-extend-to-supported-types{target-type=f32}");
  add(pm, "arith-emulate-unsupported-floats{source-types=bf16 target-type=f32}");
  // tanh, erf and exp have no inline LLVM lowering (libm calls, one per
  // vector element): use polynomial forms.
  add(pm, "aiopt-cpu-approximate-math");
  // Ask for `_mlir_ciface_` wrappers taking descriptor pointers; the entry
  // wrapper below calls the model's one.
  add(pm, "func.func(llvm-request-c-wrappers)");
  add(pm, "convert-scf-to-cf");
  add(pm, "expand-strided-metadata");
  // Subviews with dynamic offsets (loop slices) leave affine maps behind.
  add(pm, "lower-affine");
  // Math first: libm calls for vector operands are made per element with
  // vector extracts and inserts, which the vector lowering then converts.
  add(pm, "convert-math-to-llvm");
  add(pm, "convert-math-to-libm");
  // 8-bit dot products (vpdpbusd, vpmaddwd) become their x86 intrinsics.
  add(pm, "aiopt-cpu-lower-dot-bytes");
  // Float vector reductions come from aiopt-cpu-vectorize-reductions,
  // which already reassociates: each reduces its lanes as a tree.
  add(pm, "convert-vector-to-llvm{reassociate-fp-reductions=true}");
  add(pm, "convert-ub-to-llvm");
  // Allocations call _mlir_memref_to_llvm_alloc/free, which the runtime
  // serves from a per-thread cache (see aiopt-cpu-entry-wrapper).
  add(pm, "finalize-memref-to-llvm{use-generic-functions=true}");
  // bf16 conversions in integer arithmetic: LLVM would call compiler-rt's
  // __truncsfbf2, which plain C links lack.
  add(pm, "arith-expand{include-bf16=true}");
  add(pm, "convert-arith-to-llvm");
  add(pm, "convert-index-to-llvm");
  add(pm, "convert-cf-to-llvm");
  add(pm, "convert-func-to-llvm");
  if (options.parallel)
    add(pm, "convert-openmp-to-llvm");
  add(pm, "reconcile-unrealized-casts");
  // The uniform `void <model>_entry(void **inputs, void *results)`.
  add(pm, "aiopt-cpu-entry-wrapper{func-name=" + options.modelName + "}");
}

void mlir::aiopt::buildCPUPipeline(OpPassManager &pm, Phase from, Phase to,
                                   const CPUPipelineOptions &options) {
  for (int p = static_cast<int>(from) + 1; p <= static_cast<int>(to); ++p) {
    switch (static_cast<Phase>(p)) {
    case Phase::Import:
      break;
    case Phase::Graph:
      buildGraphPipeline(pm, options.optLevel);
      if (!options.prune.empty())
        buildPrunePipeline(pm, options.prune);
      if (!options.quantize.empty())
        buildQuantizePipeline(pm, options.quantize);
      if (!options.precision.empty())
        buildPrecisionPipeline(pm, options.precision);
      break;
    case Phase::Linalg:
      // Checks go in after every graph pass, on the final gathers and
      // scatters, and are lowered with them.
      if (options.runtimeChecks)
        add(pm, "aiopt-insert-index-checks");
      buildLinalgPipeline(pm, options.optLevel,
                          options.device == "vulkan" || options.device == "cuda",
                          options.winograd, options.skip);
      break;
    case Phase::Codegen:
      if (options.device == "vulkan")
        buildVulkanCodegenPipeline(pm, options);
      else if (options.device == "cuda")
        buildCUDACodegenPipeline(pm, options);
      else
        buildCPUCodegenPipeline(pm, options);
      break;
    case Phase::LLVM:
      buildCPULLVMPipeline(pm, options);
      break;
    }
  }
}

/// Registers a pipeline of the CPU pipeline options whose `skip` and
/// `gpu-tiles` are checked (PassPipelineRegistration would pass any on)
/// against the device whose codegen phase it runs: `device`, or
/// options.device where `device` is "any"; empty where it runs none. It
/// makes the phases after `from` up to `to`, whose optional passes alone
/// `skip` may name.
static void registerCPUPipeline(
    StringRef arg, StringRef description, StringRef device, Phase from, Phase to,
    std::function<void(OpPassManager &, const CPUPipelineOptions &)> builder) {
  registerPassPipeline(
      arg, description,
      [builder, device, arg, from, to](OpPassManager &pm, StringRef text,
                                       function_ref<LogicalResult(const Twine &)> errorHandler) {
        CPUPipelineOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        if (device != "any" && !device.empty()) {
          // device=cpu is the default.
          if (options.device != "cpu" && options.device != device)
            return errorHandler("device: " + arg + " compiles for " + device + ", not " +
                                options.device);
          options.device = device.str();
        }
        std::string why;
        if (device.empty() && !options.gpuTiles.empty())
          return errorHandler("gpu-tiles: " + arg + " does not run a codegen phase");
        if (failed(checkSkippedPasses(options.skip, options.device, from, to, why)))
          return errorHandler("skip: " + why);
        if (failed(checkGPUTileOptions(options.gpuTiles, options.device, why)))
          return errorHandler("gpu-tiles: " + why);
        if (options.tf32 && options.device != "vulkan" && options.device != "cuda")
          return errorHandler("tf32: needs a GPU device (vulkan or cuda), not " + options.device);
        if (failed(checkThreadPool(options.threadPool, why)))
          return errorHandler("thread-pool: '" + options.threadPool + "' " + why);
        builder(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> handler) {
        handler(CPUPipelineOptions());
      });
}

void mlir::aiopt::registerAIOptPipelines() {
  PassPipelineRegistration<OptLevelOptions>(
      "aiopt-graph-pipeline", "import -> graph: simplify and fuse the aiopt dialect",
      [](OpPassManager &pm, const OptLevelOptions &o) { buildGraphPipeline(pm, o.optLevel); });
  PassPipelineRegistration<OptLevelOptions>(
      "aiopt-linalg-pipeline", "graph -> linalg: lower to linalg and fuse",
      [](OpPassManager &pm, const OptLevelOptions &o) { buildLinalgPipeline(pm, o.optLevel); });
  registerCPUPipeline("aiopt-cpu-codegen-pipeline",
                      "linalg -> codegen: tile, vectorize, bufferize, make loops",
                      /*device=*/"cpu", Phase::Linalg, Phase::Codegen, buildCPUCodegenPipeline);
  registerCPUPipeline("aiopt-vulkan-codegen-pipeline",
                      "linalg -> codegen for Vulkan: SPIR-V kernels and their launches on the host",
                      /*device=*/"vulkan", Phase::Linalg, Phase::Codegen,
                      buildVulkanCodegenPipeline);
  registerCPUPipeline("aiopt-cuda-codegen-pipeline",
                      "linalg -> codegen for CUDA: PTX kernels and their launches on the host",
                      /*device=*/"cuda", Phase::Linalg, Phase::Codegen,
                      buildCUDACodegenPipeline);
  registerCPUPipeline("aiopt-cpu-llvm-pipeline", "codegen -> llvm: LLVM dialect and entry point",
                      /*device=*/"", Phase::Codegen, Phase::LLVM, buildCPULLVMPipeline);
  registerCPUPipeline("aiopt-cpu-pipeline", "import -> llvm: the whole CPU pipeline",
                      /*device=*/"any", Phase::Import, Phase::LLVM,
                      [](OpPassManager &pm, const CPUPipelineOptions &options) {
                        buildCPUPipeline(pm, Phase::Import, Phase::LLVM, options);
                      });
}
