//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//
//
// Passes of aiopt's CPU back end.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CODEGEN_CPU_PASSES_TD
#define AIOPT_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CPUEntryWrapperPass : Pass<"aiopt-cpu-entry-wrapper", "ModuleOp"> {
  let summary = "Export a model function through the uniform aiopt entry ABI";
  let description = [{
    Runs on the LLVM dialect, after `llvm-request-c-wrappers` and the
    conversion to LLVM. For the model function `func-name` it creates

    ```c
    void <entry-name>(void **inputs, void *results);
    ```

    where `inputs[i]` points to the memref descriptor of input `i` and
    `results` to storage for the result descriptors laid out one after the
    other (each `{allocated, aligned, offset, sizes[rank], strides[rank]}`,
    all 8-byte fields). The runtime (lib/Runtime) builds and reads these
    descriptors, so every model has the same calling convention. The model
    function and its C wrapper get internal linkage, so only the entry is
    exported from the object file.
  }];
  let options = [
    Option<"funcName", "func-name", "std::string", /*default=*/"\"main\"",
           "Name of the model function">,
    Option<"entryName", "entry-name", "std::string", /*default=*/"\"\"",
           "Exported symbol (default: <func-name>_entry)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def CPUApproximateMathPass : Pass<"aiopt-cpu-approximate-math"> {
  let summary = "Replace tanh, erf and exp by polynomial approximations";
  let description = [{
    LLVM has no inline lowering of `math.erf` and lowers `math.tanh` and
    `math.exp` to libm calls, one per element even of a vector (softmax,
    sigmoid and GELU spend most of their time in them). This pass rewrites
    them into arithmetic (MLIR's f32 polynomial approximations: absolute
    error about 1e-7 for tanh and erf, relative error about 2^-22 for exp,
    whose results below 2^-126 flush to zero), so compiled models need no
    libm for them and loops vectorize. f64 operations keep libm.
  }];
  let options = [
    Option<"exp", "exp", "bool", /*default=*/"true",
           "Also rewrite math.exp (targets with a native exp, such as "
           "SPIR-V's GLSL.std.450, keep it)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CPUForwardSplatsPass : Pass<"aiopt-cpu-forward-splats"> {
  let summary = "Start register tiles from their fill's constant instead of reloading it";
  let description = [{
    On tensors, after `loop-invariant-subset-hoisting`: a register tile
    whose accumulator a fill initializes writes the constant to its tile
    (`vector.transfer_write` of a splat over the whole tile), inserts the
    tile into its block (`tensor.insert_slice`), reads it back as its
    first accumulators and, after the reduction, writes the whole tile
    again. Two rewrites:

    - a `vector.transfer_read` (unmasked, in bounds, identity map) of
      exactly the box an insertion of such a splat tile inserted becomes
      that splat constant;
    - a `vector.transfer_write` (same conditions) of exactly the box an
      insertion inserted writes into the insertion's destination instead:
      the inserted values are all overwritten;
    - a `tensor.insert_slice` that replaces every element of a
      `linalg.fill`'s result inserts into the fill's destination instead.

    The splat's write and insertion, and such a fill, are then dead.
    `aiopt-cpu-tile-and-vectorize` makes a block's fill, sliced to the
    block's matrix (a batched product's unit batch dimension dropped), the
    register tiles' initializer for this. Without it, each register tile
    stored its zeros, which LLVM merged into one `memset` per block, and
    loaded them back: ResNet-50's Winograd products did 12.7 MB of such
    `memset` per inference, 7.4 MB with it (the blocks whose weights are
    packed per block still fill theirs).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CPUForwardCopiesPass : Pass<"aiopt-cpu-forward-copies"> {
  let summary = "Write into the destination of a copy instead of a temporary";
  let description = [{
    After bufferization, a `memref.copy` whose source is a `memref.alloc`
    of the same block is removed when

    - the allocation is used only between itself and the copy (directly,
      in nested regions or through subviews, by memory accesses, copies
      and linalg ops), apart from `memref.dealloc`s after the copy;
    - the destination exists at the allocation, or is an allocation or a
      subview of values that do (it then moves there), and its innermost
      dimension is contiguous;
    - no op between the allocation and the copy touches the destination's
      elements: every memory effect there is on the temporary, on another
      allocation, or on a subview of the destination's buffer that static
      offsets and sizes keep apart from the destination.

    The temporary's uses then take the destination (their subviews are
    taken anew from it), which ends up with the values the copy would have
    given it. One-shot bufferization leaves such temporaries where it cannot
    prove a write in place safe: a loop nest that carries several slices
    of one tensor, as a Winograd transform's row of tiles does, writes each
    but the first through a temporary, then copies it. Each removed copy is
    a pass over the data saved, and its loop nest one less to compile; a
    temporary inside a parallel loop is also one allocation less per
    iteration.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def CPULoopBarriersPass : Pass<"aiopt-cpu-drop-loop-barriers"> {
  let summary = "Drop the barrier of an OpenMP loop that ends its parallel region";
  let description = [{
    `convert-scf-to-openmp` turns each parallel loop into an `omp.parallel`
    region holding one `omp.wsloop`, whose implicit barrier at its end
    waits for every thread; the region's end (the join) then waits for
    them again. An `omp.wsloop` that is the last op of its `omp.parallel`
    region (only the terminator after it) gets `nowait`, so each parallel
    loop synchronizes its threads once. The saving is small: libomp's join
    right after a barrier is cheap, and `bench/omp_sync.c` measures 0-0.3
    us per loop on two cores (a barrier alone costs 0.5-1.4 us). A loop
    with other ops after it in its region keeps its barrier.
  }];
  let dependentDialects = ["::mlir::omp::OpenMPDialect"];
}

def CPUThreadPoolPass : Pass<"aiopt-cpu-thread-pool", "ModuleOp"> {
  let summary = "Run OpenMP parallel regions on the aiopt runtime's thread pool";
  let description = [{
    Marks the module `aiopt.thread_pool`: its translation to LLVM IR then
    calls the runtime's pool (`aiopt_omp_fork_call`, ...; lib/Runtime/
    ThreadPool.h) where OpenMP code calls libomp (`__kmpc_fork_call`, ...),
    and the object needs no OpenMP runtime. With `balance` (the default),
    every `omp.wsloop` without a schedule gets `schedule(dynamic)`, which
    the pool serves as the static shares with balancing at the end: a
    thread whose share is done takes the last block of another's. Blocks
    keep the thread they had in the previous loop (and so their data in its
    cache) unless the threads fall out of step; then the early one helps.
    Under libomp (`--thread-pool=openmp`) the pass does not run: libomp's
    dynamic schedules hand blocks out in order and were slower than static.
  }];
  let options = [
    Option<"balance", "balance", "bool", /*default=*/"true",
           "Give worksharing loops the pool's balancing schedule (false: static shares)">,
  ];
  let dependentDialects = ["::mlir::omp::OpenMPDialect"];
}

def CPUPlanMemoryPass : Pass<"aiopt-cpu-plan-memory", "ModuleOp"> {
  let summary = "Place intermediate buffers in one arena by liveness";
  let description = [{
    A static memory plan for each function, after bufferization: every
    `memref.alloc` of static shape in the function's body (not inside a
    loop or block) whose buffer and views of it are neither returned nor
    deallocated other than by one `memref.dealloc` of it in the body gets
    an offset in one arena, allocated on entry and freed before each
    return. A buffer is live from its allocation to the last top-level op
    that uses it or a view of it (ownership-based deallocation frees every
    buffer at the end of the function, so without the plan all of them are
    alive at once); buffers whose lifetimes overlap get disjoint ranges,
    placed largest first at the lowest offset that fits, each aligned to
    `alignment` bytes. The planned buffers become `memref.view`s of the
    arena.

    The module gets `aiopt.memory_plan`: the arena's size, the planned
    buffers (bytes, offset, type, first and last top-level op), and the
    allocations left to the runtime (dynamic shapes, temporaries inside
    loops). aiopt-compile prints the arena size in the model's header and
    `--memory-report` writes the plan as JSON.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Byte alignment of each buffer in the arena (a power of two)">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
}

def CPUPrefetchWeightsPass : Pass<"aiopt-cpu-prefetch-weights"> {
  let summary = "Prefetch the weights a register tile reads next, and its epilogue's activations";
  let description = [{
    After bufferization, for every vector read from a constant global
    (weights) inside a loop (the reduction) nested in an `scf.forall` of
    independent blocks, and whose view or indices change from block to
    block: a `memref.prefetch` of the same element in the next iteration of
    the innermost loop around the reduction that the read depends on (the
    next column panel of packed weights, the next register tile's rows of
    weights read in place), or of the next block along the innermost
    block dimension the read depends on when no such loop is inside the
    block; the last iteration prefetches its own. A contiguous
    read of at least a cache line (a row of a column panel packed at
    compile time) prefetches each line it spans; a read of one element in
    each of R rows (an R x 1 vector: a register tile's broadcasts from
    weights read in place, [m, k] rows) prefetches one of its rows per step
    of the reduction, the rows in turn, which reaches every line of the
    rows before the loop reads it. Views and indices are recomputed (cloned
    pure ops) for the next iteration. A tile reads its weights the first
    time from memory when they do not fit in the last-level cache
    (ResNet-50's 100 MB), faster than the hardware prefetchers fetch them;
    this way they arrive, into the cache level `locality` names, while the
    tile before it computes.

    With `epilogues` (the default), the same is done for a register tile's
    epilogue reads of other buffers (a residual sum's other operand): a
    read of R rows of at least a cache line each, after a loop that carries
    vectors (the tile's reduction) in its block and not inside such a
    loop, prefetches every line of every row for the next iteration of the
    tile's own loop (the next tile of rows). NCHW tiles read such operands
    as R rows a channel apart, more streams than the hardware prefetchers
    follow; ResNet-50's 64 -> 256 1x1 convolutions with their residual sum
    went from 1.30-1.45 to 1.10-1.23 ms each in `bench/node_profile.py`.
  }];
  let options = [
    Option<"locality", "locality", "int64_t", /*default=*/"2",
           "memref.prefetch locality hint, 0 (none) to 3 (all cache levels; x86: 2 is prefetcht1, into L2)">,
    Option<"lineBytes", "line-bytes", "int64_t", /*default=*/"64",
           "Cache line size in bytes: one prefetch per line a read spans">,
    Option<"epilogues", "epilogues", "bool", /*default=*/"true",
           "Also prefetch the activations register tiles' epilogues read (residual sums) for the next tile">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
}

def CPUStridedCopyToLoopsPass : Pass<"aiopt-cpu-strided-copy-to-loops"> {
  let summary = "Turn memref.copy between non-contiguous memrefs into linalg.copy";
  let description = [{
    The LLVM lowering of `memref.copy` calls `memrefCopy` from MLIR's runner
    library unless both sides are contiguous. Compiled models must not need
    that library, so strided copies become `linalg.copy`, which
    `convert-linalg-to-loops` turns into a loop nest. Contiguous copies stay
    `memref.copy` (they become `llvm.memcpy`).

    With `vector-size` N > 0, a strided copy of static shape whose
    innermost dimension is contiguous on both sides (im2col gathers, slices
    of padded images), or read at a stride of 2 to 4 into a contiguous one
    (the pieces of strided im2col gathers), becomes loops over its outer
    dimensions around vector reads and stores of N elements of the
    innermost one (a shorter vector for the remainder). LLVM would leave
    those loops scalar: after it unrolls a short run it cannot reorder
    loads and stores that it cannot prove disjoint.

    Also with `vector-size` N > 0, an in-bounds `vector.transfer_read` of
    one row (`[n]` or `[1, ..., 1, n]`) along a dimension of stride s, 2 to
    4 (strided depthwise convolution and pooling windows, the input rows of
    stride-2 first layers, strided gathers), which `convert-vector-to-scf`
    would lower to one scalar load per lane, becomes s contiguous
    `vector.load`s inside its span ((n - 1) s + 1 elements; the last one
    ends at its last element, so nothing past it is read) and s - 1
    `vector.shuffle`s taking each lane from the first load holding it.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"0",
           "Elements per vector for copies with a contiguous innermost "
           "dimension (0: linalg.copy loops)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def CPUFuseElementwisePass : Pass<"aiopt-cpu-fuse-elementwise"> {
  let summary = "Fuse elementwise producers into consumers that read each element once";
  let description = [{
    Elementwise producer/consumer fusion of linalg ops on tensors (upstream's
    elementwise fusion patterns) restricted to what cannot recompute: the
    producer has one use, and the consumer reads the fused operand through
    a permutation of its loops, so each produced element is computed once.
    A bias add feeding a matmul's operand therefore stays a separate loop
    nest (fused, it would be recomputed for every output column), while
    chains of elementwise ops and the operands of reductions fuse. Every
    target runs it; GPU targets then fuse more (`aiopt-gpu-fuse-producers`).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CPUWidenActivationsPass : Pass<"aiopt-cpu-widen-activations"> {
  let summary = "Mixed-precision products read their activations and broadcast operands in f32";
  let description = [{
    A product accumulating in f32 (a contraction, or a convolution reading
    shifted windows) from 16-bit (f16 or bf16) operands reads an f32 copy
    (`arith.extf`, exact) of:
    - each operand that is not a constant (an activation `--precision`
      rounded): one copy per value, shared by its products; run before
      elementwise fusion, the copy joins the producer of the rounded value
      (which then yields `extf(truncf(x))`);
    - a constant operand that the register tiles broadcast (one that does
      not vary along the output's innermost loop: a convolution's filter),
      copied right before the product so that the copy lives no longer
      than it.
    The same products, but the register tiles broadcast f32 elements
    rather than loading and converting 16-bit ones one at a time, which
    cost about as many instructions as the multiply-adds. Constant operands
    read as vectors (a matmul's weights) stay 16-bit: the tiles convert a
    whole vector at once. Named contractions so rewritten become generics.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CPUPadInPlacePass : Pass<"aiopt-cpu-pad-in-place"> {
  let summary = "Build padded tensors in place: the border filled, the interior written by its producer";
  let description = [{
    Rewrites every `tensor.pad` of static shapes and static low padding
    whose padding value is a constant (or defined outside the pad) into a
    `tensor.empty` of the padded shape, the border filled with the padding
    value by elementwise `linalg.generic`s on disjoint boxes (two per padded
    dimension; the innermost dimension's two are one box of seams when the
    dimension before it is padded on both sides: the high border of each
    row and the low border of the next are one run of memory, filled by one
    vector store per row through a view of the rows as rows of the padded
    width that start at a high border; a dimension padded by one on each
    side, a 3x3 window's top and bottom rows, has its two as one box
    strided by the interior plus one), and the source inserted into the
    interior:

    - when the source is computed by a linalg op on tensors into an unused
      `tensor.empty` and has no other use, that op writes the interior
      slice directly (its init becomes the slice), so the insertion
      bufferizes in place and no copy remains; except for an op reading a
      contraction's result through reshapes only, which
      `aiopt-cpu-tile-and-vectorize` makes the epilogue of the
      contraction's blocks, over the contraction's own shape;
    - otherwise an elementwise generic copies the source into the interior.

    Bufferized as is, a pad fills its whole buffer and then copies the
    source in, two scalar loop nests outside any parallel region. The
    generics this pass creates are vectorized and, with threads, shared out
    by the passes after it; convolutions and pooling over a layer's
    activation no longer pay a pass over the padded data.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

def CPUTileAndVectorizePass : Pass<"aiopt-cpu-tile-and-vectorize"> {
  let summary = "Tile contractions for threads, caches and registers and vectorize the register tiles";
  let description = [{
    For every linalg contraction on tensors (`linalg.matmul` and generics
    with a multiply-add body: batched and broadcast matmuls, convolutions
    lowered through im2col) with static shapes and f32 operands whose
    result is contiguous along an `n` dimension:

    1. drops unit batch loops and, for a plain matmul with a static number
       of columns that is a multiple of the register tile's, packs the
       right operand into column panels `[n/nr, k, nr]` (at compile time
       when it is a constant; constant weights with a remainder of columns
       fill up a last panel with zeros, the accumulator padded as much and
       the extra columns dropped). A batched product with constant
       weights in whole panels (Winograd's, one per transformed tile
       element) has each batch packed at compile time,
       `[b, n/nr, k, nr]`, its blocks one batch each; a fill it shares
       with other products is repeated for it, so its blocks still fuse
       it. With `read-in-place`, a right operand
       B[k, n] computed at run time (a 1x1 convolution's input, attention's
       values) is not packed but read where it is, unless its rows are a
       multiple of 512 bytes apart (they would share a few cache sets):
       each k step of a register tile reads a row's contiguous columns
       either way, and the packing copy is saved. A product of constant weights A[m, k]
       and a run-time B[k, n] with fewer than two register tiles of
       columns, not a whole number of them, while m is (NCHW convolutions
       over 7 x 7 positions), is computed transposed: B^T times the
       weights, which become the packed right operand, and the result
       transposed back;
    2. tiles the result into independent (m, n) blocks of at most
       `cache-tiles` m x n, as an `scf.forall` (threads share it with
       `aiopt-compile --parallel`; otherwise it runs in order). Block sizes
       divide the extents where a size in [max/2, max] does, so blocks
       have static sizes; along the columns, a divisor of up to twice the
       size is taken when it leaves fewer partial register tiles in all
       (784 columns: two blocks of 392, not four of 196 each ending in 4
       columns); with `min-blocks`, a contraction with fewer
       blocks (a small layer late in a network) gets smaller ones, halving
       the columns first, then the rows, while each block keeps 2^19
       multiply-adds; an odd count of three or more (nine blocks of 64
       rows: five and four on two threads) is doubled by one more halving
       when each block keeps 2^18 and the count comes out even. With
       `fuse-epilogues`, when the contraction's
       only user is an elementwise generic (bias, activation, residual
       add; reshapes in between are moved past it), the blocks are that
       epilogue's, and the contraction and its accumulator's initializer
       are fused into each: every block of the result goes through the
       epilogue while it is in cache, in one loop nest. An epilogue that
       reads the result expanded to an image (a 1x1 convolution's) and
       writes into a tensor it does not own (a padded tensor's interior,
       `aiopt-cpu-pad-in-place`) keeps its own shape: the blocks are whole
       image rows, the contraction fused into each through the reshape,
       and the epilogue writes its destination in place. Convolutions read
       through windows (shifted or direct) take their epilogue too; one
       that reads the result only through reshapes adding unit dimensions
       (a batch of one) reads the result itself, its unit loops left out,
       so it keeps its destination (a padded interior stays in place);
    3. tiles the reduction into steps of `cache-tiles` k;
    4. tiles each block into register tiles of `register-tile` m x n with
       the reduction innermost and of size one, and peels the register
       loops so every full tile, and in static blocks every remainder, has
       static sizes. When the reduction is one step and the accumulator's
       initializer is elementwise (a zero fill, a bias broadcast), the
       initializer is tiled and vectorized with each register tile, and
       with `fuse-epilogues` so is the block's elementwise epilogue (not
       the whole-row epilogues above): the accumulators start from the
       initializer's vectors and go through the epilogue in registers
       after the reduction, so the result is stored once (not written by
       the initializer, read and written by the product, read again by the
       epilogue). With `vector-size`, a remainder wider than one vector
       whose columns are not a whole number of vectors is split again into
       tiles of one vector and a last narrower one (a 17-column remainder
       becomes 16 + 1, not one 17-lane vector, which LLVM scalarizes);
    5. drops the other loops' unit dimensions, vectorizes the static tiles
       into `vector.contract` and lowers it to outer products (one
       broadcast-FMA per row and vector of columns).

    Shifted-window convolutions (what `convert-aiopt-to-linalg` makes of
    unit-stride convolutions: loops `(n, m, q | c, taps...)` reading the
    flattened padded input at `q + a . taps`) are tiled the same way,
    blocks over `(m, q)`, each reduction step one filter offset (tap) and
    up to `cache-tiles` channels, which is a matmul whose right operand is
    a slice of the input itself (no gathered or packed copy). A constant
    filter is laid out as `[taps..., m, c]` at compile time. The direct
    loops `convert-aiopt-to-linalg` keeps for stride-2 first layers
    (`(n, g, m, o_1, c, k_1, k_2, o_2)` reading `X[n, g, c, 2 o_1 + k_1,
    2 o_2 + k_2]`, input first) are recognised too: the rows `o_1` are
    tiled by one and the register tiles run along `o_2`. When a window's
    channels fit in one step, each register tile runs through its whole
    reduction, taps and channels (channels innermost, unless fewer than
    16: a first layer's colours), its accumulator in registers, and reads
    of the input at a stride become strided slices.

    `loop-invariant-subset-hoisting` afterwards keeps each accumulator tile
    in registers for the whole reduction step. The default register tile
    (6 x 16 for f32) uses 12 of AVX2's 16 vector registers as
    accumulators; aiopt-compile asks for 8 x 32 on AVX-512 targets and
    8 x 8 on 128-bit ones (the pipelines' `vector-bits` option).

    With `vnni-lanes` (x86 targets with AVX512-VNNI: 16, AVX-VNNI: 8),
    signed 8-bit matmuls with a constant right operand use the dot-product
    instruction `vpdpbusd` (four byte products summed into each i32 lane)
    instead of i32 multiplies: the right operand is packed at compile time
    into panels `[n/nr, k/4, nr, 4]` (k padded with zeros to a multiple of
    four), the left operand is offset by 128 (its top bit flipped) so it is
    unsigned as the instruction needs, and the accumulator's initializer
    subtracts 128 times each column's sum, which makes the result exact.
    Each register tile then broadcasts four bytes of a row to every lane
    and issues one `aiopt.dot_bytes` (`vpdpbusd`, made by
    `aiopt-cpu-lower-dot-bytes` after bufferization) per `vnni-lanes`
    columns. When the constant operand is the left one (an NCHW im2col
    convolution's weights), the right operand is the one made unsigned,
    packed at run time, and the correction uses the weights' row sums.

    Without VNNI, `pair-lanes` (x86: 16 with AVX512-BW, 8 with AVX2, 4
    with SSE2) does the same with `vpmaddwd` (`aiopt.dot_pairs`): two
    products of bytes sign-extended to 16 bits per i32 lane, so groups of
    two k, no sign offset and no correction, and either operand may be
    computed at run time.
  }];
  let options = [
    ListOption<"cacheTiles", "cache-tiles", "int64_t",
               "Block and step sizes for (m, k, n): default 64,256,256">,
    ListOption<"registerTile", "register-tile", "int64_t",
               "Register tile sizes for (m, n): default 6,16">,
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "Fuse each contraction into the blocks of its elementwise consumer">,
    Option<"vnniLanes", "vnni-lanes", "int64_t", /*default=*/"0",
           "i32 lanes of the target's 8-bit dot-product instruction vpdpbusd "
           "(0: none; 8: AVX-VNNI; 16: AVX512-VNNI)">,
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"0",
           "f32 lanes of the target's vectors: register tile remainders are split into "
           "whole vectors (0: not split)">,
    Option<"pairLanes", "pair-lanes", "int64_t", /*default=*/"0",
           "Without vnni-lanes, i32 lanes of the target's 16-bit pair dot-product "
           "instruction vpmaddwd (0: none, 8-bit contractions multiply in i32; 4: SSE2; "
           "8: AVX2; 16: AVX512-BW)">,
    Option<"minBlocks", "min-blocks", "int64_t", /*default=*/"1",
           "Blocks a contraction is split into at least, for threads to share, while "
           "each keeps 2^19 multiply-adds (aiopt-compile --parallel: 8)">,
    Option<"readInPlace", "read-in-place", "bool", /*default=*/"true",
           "Read f32 right operands computed at run time in place rather than packed, "
           "unless their rows are a multiple of 512 bytes apart">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::aiopt::AIOptDialect",
                           "::mlir::vector::VectorDialect", "::mlir::affine::AffineDialect"];
}

def CPUDistributePass : Pass<"aiopt-cpu-distribute"> {
  let summary = "Split large loop nests into independent chunks that threads can share";
  let description = [{
    For every linalg op on tensors with static shapes, not already inside an
    `scf.forall`, whose loop nest has at least `min-iterations` iterations,
    its innermost loop counted in whole 64-byte cache lines of its first
    result's elements (a nest writing two floats per row, a padded image's
    side borders, touches a line per row: as much traffic as 16 floats):
    tiles its outermost parallel loop of extent two or more into up to
    `chunks` tiles, as an `scf.forall`, of a size that divides the extent
    where one makes two chunks or more (49 rows: 7 chunks of 7, not 12 of 4
    and a last one of 1, whose dynamic size later passes would leave
    scalar). `aiopt-compile --parallel` runs it
    after `aiopt-cpu-tile-and-vectorize`, so elementwise epilogues, im2col
    gathers, packing copies, depthwise convolutions, pooling and row
    reductions (softmax, normalization) are shared by the OpenMP threads
    like the contraction blocks.
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"16384",
           "Smallest loop nest (iterations, the innermost loop in whole cache lines) "
           "worth splitting">,
    Option<"chunks", "chunks", "int64_t", /*default=*/"16",
           "Largest number of chunks per loop nest">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"];
}

def CPUVectorizeReductionsPass : Pass<"aiopt-cpu-vectorize-reductions"> {
  let summary = "Reduce innermost dimensions into vector-wide partial results";
  let description = [{
    A `linalg.generic` on static tensors that reduces its innermost loop
    (softmax's row maximum and sum, layer normalization's means, global
    pooling) and reads its inputs in loop order along it would otherwise
    become a scalar loop whose every step waits for the previous one.
    This pass splits such a reduction of at least two vectors' worth of
    elements: rows in groups of up to `rows` (a divisor of the row count,
    for static shapes), and in each group the reduction in pieces of
    `vector-size` elements, combined elementwise into a `rows` x
    `vector-size` partial result (upstream's partial-reduction tiling)
    that starts at the combiner's neutral element; a last piece shorter
    than a vector is peeled. The partial results are then reduced across
    the vector lanes and combined with the original initial value; that
    merge is vectorized here, and the elementwise pieces are left to
    `aiopt-cpu-vectorize-elementwise`.

    Combiners: addition, multiplication, maximum and minimum (floats and
    integers) and the bitwise ones. Float sums and products are
    reassociated (lanes then a tree): the result can differ from a
    sequential loop's in the last bits, as in every vectorized runtime.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"8",
           "Elements per vector (8 f32 for AVX2, 16 for AVX-512)">,
    Option<"rows", "rows", "int64_t", /*default=*/"8",
           "Most rows reduced together (independent dependency chains)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect", "::mlir::linalg::LinalgDialect"];
}

def CPUVectorizeElementwisePass : Pass<"aiopt-cpu-vectorize-elementwise"> {
  let summary = "Vectorize elementwise loop nests along their innermost loop";
  let description = [{
    For every all-parallel `linalg.generic` on f32 tensors with static
    shapes whose result is written in loop order (identity map) and whose
    inputs are read in loop order or broadcast along the innermost loop:
    when every map is the identity and the innermost extent is not a whole
    number of vectors (rows of 7 in a 7x7 image), collapses the innermost
    dimensions into one as far as every operand is contiguous across them
    (whole tensors, or slices that take the inner dimensions whole,
    followed through loop-carried values: not the interior of a padded
    tensor); then
    tiles the innermost loop by `vector-size` (every other loop by one),
    peels it so every tile has a static size, drops the unit loops and
    vectorizes each tile, so these loops become vector code whatever LLVM's
    loop vectorizer decides about them (fused depthwise-convolution taps
    read nine buffers it cannot prove disjoint).

    Two kinds of copies are tiled the same way: `linalg.transpose` ops that
    keep the innermost dimension (operand packing into column panels; any
    integer or float type), and copies whose input is a window read, the
    last index being the innermost loop plus outer loops (im2col gathers
    with unit column stride). A window tile bufferizes to a strided copy
    of a contiguous run, which `aiopt-cpu-strided-copy-to-loops` turns
    into vector loads and stores.

    Inputs read at a constant stride of 2 to 4 along the innermost loop
    (the im2col gathers of strided convolutions, whose last index is
    stride times the innermost loop plus outer loops) are candidates too:
    each tile reads them through a slice of that stride. Every vector read
    through slices that step by 2 to 4 along the innermost dimension (those
    tiles, and the strided taps of depthwise convolutions and pooling)
    reads the contiguous run from its first to its last element
    (`(lanes - 1) * stride + 1` of them) as `stride` whole vectors inside
    it, the last one ending with the run, and shuffles every stride-th
    element out of them, instead of one scalar load per element.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"8",
           "Elements per vector (8 f32 for AVX2, 16 for AVX-512)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def CPUVectorizeTransposesPass : Pass<"aiopt-cpu-vectorize-transposes"> {
  let summary = "Vectorize transposes that move the innermost dimension as square register tiles";
  let description = [{
    For every `linalg.transpose` on static tensors whose innermost
    dimension moves (a 2-D transpose, or NCHW <-> NHWC): tiles the two
    loops that are innermost in the input and in the result by
    `vector-size` (every other loop by one), peels them so every tile has
    a static size, and vectorizes each tile as row reads, one
    `vector.transpose` and row writes. Square tiles of 16 x 32-bit
    elements are transposed with AVX-512 shuffles (upstream's
    `shuffle_16x16` lowering), other tiles with one `vector.shuffle` each,
    which LLVM lowers for the target; remainder tiles one row or column
    wide are plain strided copies.

    Without this pass such transposes stay scalar loops, which LLVM
    vectorizes with gathers: a fifth of a 512 -> 2048 convolution over 7x7
    positions, whose product is computed transposed, went to its two
    transposed copies.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"8",
           "Elements per vector and side of the square tiles (8 f32 for AVX2, 16 for AVX-512)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect", "::mlir::ub::UBDialect"];
}

def CPUBufferizePass : Pass<"aiopt-cpu-bufferize", "ModuleOp"> {
  let summary = "Bufferize the module, sparsifying kernels with sparse operands";
  let description = [{
    Whole-module one-shot bufferization; function boundaries use plain
    contiguous memrefs (the layout the runtime's descriptors describe) and
    loops (imported Scan, Loop) may carry new buffers between iterations.

    When the module has sparse tensors (the compressed weights of the
    sparse kernels), upstream's sparsifier runs with the same bufferization
    options instead (`sparsification-and-bufferization`): dense ops
    bufferize, and each linalg op with a sparse operand becomes loops over
    its stored nonzeros (no runtime library: the compressed weights are
    constant buffers) and, with `parallel`, the outer loop shared by
    threads. Its storage specifiers are then lowered to LLVM structs.

    The sparsifier's own vectorization stays off: it masks every load and
    gathers the activation, which LLVM scalarizes lane by lane on CPUs
    without fast gathers, and enabling it (with these options, LLVM 22)
    crashes the sparsifier on the several-row kernel. LLVM vectorizes the
    contiguous inner loops itself.
  }];
  let options = [
    Option<"parallel", "parallel", "bool", /*default=*/"false",
           "Parallel outer loops in sparse kernels">,
  ];
}

def CPULowerDotBytesPass : Pass<"aiopt-cpu-lower-dot-bytes"> {
  let summary = "aiopt.dot_bytes and aiopt.dot_pairs as LLVM's x86 intrinsics";
  let description = [{
    Replaces every `aiopt.dot_bytes` (made by `aiopt-cpu-tile-and-vectorize`
    with `vnni-lanes`) by `llvm.call_intrinsic` of
    `llvm.x86.avx512.vpdpbusd.256` or `.512`, and every `aiopt.dot_pairs`
    (with `pair-lanes`) by `llvm.x86.sse2.pmadd.wd`,
    `llvm.x86.avx2.pmadd.wd` or `llvm.x86.avx512.pmaddw.d.512` plus an
    `arith.addi` of the accumulator. Runs after bufferization: the call has
    no declared memory effects, which buffer deallocation refuses.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect"];
}

#endif // AIOPT_CODEGEN_CPU_PASSES_TD
