//===- Passes.td - GPU code generation passes --------------*- tablegen -*-===//
//
// Passes of aiopt's GPU back ends: loop nests onto workgroups, kernels to
// SPIR-V for Vulkan, and the host's kernel launches as runtime calls.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_CODEGEN_GPU_PASSES_TD
#define AIOPT_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def GPUMapParallelLoopsPass : Pass<"aiopt-gpu-map-parallel-loops", "func::FuncOp"> {
  let summary = "Shape parallel loop nests into grids of workgroups";
  let description = [{
    Runs on bufferized code after `convert-linalg-to-parallel-loops`. Each
    outermost `scf.parallel` becomes a grid of workgroups over a workgroup
    of invocations, ready for `gpu-map-parallel-loops` (innermost-first) and
    `convert-parallel-loops-to-gpu`:

    - nests of more than three dimensions have their leading dimensions
      collapsed into one, so that every dimension maps to a grid axis;
    - the nest is tiled by a workgroup of at most `workgroup-size`
      invocations: along the innermost dimension first (the one that is
      contiguous in memory), as far as its extent asks (a power of two), and
      the rest along the dimension before it. Invocations past the end of a
      dimension are masked (`no-min-max-bounds` tiling), so the workgroup
      has a static size;
    - a dimension whose workgroups may outnumber what a grid axis takes
      (`max-grid-x` for the innermost dimension, which becomes the grid's
      x axis, `max-grid-yz` for the others; a dynamic extent may) is run
      in chunks of at most that many workgroups by a loop on the host, one
      launch per chunk.

    Loops without parallel dimensions are left to run on the host.
  }];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int64_t", /*default=*/"64",
           "Invocations per workgroup (a power of two)">,
    Option<"maxGridX", "max-grid-x", "int64_t", /*default=*/"::mlir::aiopt::kPortableGridAxis",
           "Most workgroups along the grid's x axis (Vulkan guarantees 65535; CUDA "
           "takes 2147483647)">,
    Option<"maxGridYZ", "max-grid-yz", "int64_t", /*default=*/"::mlir::aiopt::kPortableGridAxis",
           "Most workgroups along the grid's y and z axes">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}

def GPUFlattenStridedBuffersPass
    : Pass<"aiopt-gpu-flatten-strided-buffers", "func::FuncOp"> {
  let summary = "Pass strided views into GPU launches as flat buffers";
  let description = [{
    Runs on `gpu.launch` regions before outlining. A memref with a strided
    layout (a subview, e.g. the interior of a padded buffer) that a launch
    loads from or stores to becomes, on the host, a 1-D identity view of
    the span of its underlying buffer it can reach (from its base to its
    last element, `offset + sum((size_i - 1) * stride_i) + 1` elements);
    inside the launch each access indexes that view at
    `offset + sum(index_i * stride_i)`. Vulkan kernels take storage buffers
    without layouts, so this is what lets them use such views.

    With `dynamic-strides`, so do contiguous memrefs whose strides are not
    constants (a dynamic extent after the first, `memref<?x?xf32>`): SPIR-V
    storage buffers are indexed with constant strides.
  }];
  let options = [
    Option<"dynamicStrides", "dynamic-strides", "bool", /*default=*/"false",
           "Also flatten contiguous memrefs with a dynamic extent after the first">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def GPUSinkArithmeticPass : Pass<"aiopt-gpu-sink-arithmetic", "func::FuncOp"> {
  let summary = "Move constants and arithmetic on them into the GPU launches that use them";
  let description = [{
    Runs before `gpu-kernel-outlining`, in place of upstream's
    `gpu-launch-sink-index-computations`: constants and pure arith ops whose
    operands can follow them are recomputed inside each `gpu.launch` that
    uses them, so they do not become kernel arguments. Unlike upstream's
    pass it leaves `memref.dim` on the host: SPIR-V storage buffers have no
    sizes to read, so dynamic extents reach Vulkan kernels as scalar
    arguments.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def GPUSPIRVExactArithPass : Pass<"aiopt-gpu-spirv-exact-arith", "gpu::GPUModuleOp"> {
  let summary = "Arith ops whose SPIR-V forms differ from them, made exact for Vulkan";
  let description = [{
    Runs in Vulkan kernel modules before `convert-gpu-to-spirv`:

    - `arith.remf a, b` becomes SPIR-V's `OpFRem`, which leaves infinite
      divisors undefined; Mesa computes `a - b * trunc(a / b)`, a NaN where
      C's `fmod(a, ±inf)` (and so `arith.remf`, and ONNX's Mod) gives `a`.
      Each remainder is given C's results for them: when `|b|` is
      infinite, `a` if `|a|` is finite and a NaN otherwise; finite
      divisors are left to `OpFRem`.
    - The minimum and maximum of booleans (`i1`) have no GLSL.std.450
      instruction: unsigned they are `and` and `or`, signed (true is -1)
      `or` and `and`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def GPUSPIRVDoubleMathPass : Pass<"aiopt-gpu-spirv-double-math", "gpu::GPUModuleOp"> {
  let summary = "f64 transcendental functions and round-to-even for Vulkan kernels, from arithmetic";
  let description = [{
    Runs in Vulkan kernel modules before `convert-math-to-spirv`.
    GLSL.std.450 has its transcendental functions for 16- and 32-bit floats
    only, so f64 ones (Softmax and LogSumExp of doubles, Pow of integers,
    which ONNX raises in f64, the unary ops of a double model) are computed
    from arithmetic SPIR-V has for f64, as straight-line code that selects
    between its ranges' forms:

    - `math.exp`: x = k ln 2 + r (ln 2 in two parts, Cody and Waite), e^r
      by its Taylor series to degree 13, times 2^k built from its exponent
      bits in two factors (subnormal results included); infinity past
      709.78, 0 under -745.13, NaN for NaN. `math.expm1`: its Taylor
      series below 1 in magnitude.
    - `math.log`: x = 2^e m with m within a factor sqrt(2) of 1 (subnormals
      scaled by 2^54 first), ln m = 2 atanh((m - 1) / (m + 1)) by its series
      to degree 23, plus e ln 2, as a sum of two doubles (the quotient and
      e ln 2 to twice the precision); C's results for 0, infinity,
      negatives and NaN. `math.log1p`: ln u for u = 1 + x rounded, plus
      what the rounding took, (x - (u - 1)) / u.
    - `math.powf`: C's pow. Integer exponents up to 64 by squaring (exact
      where the result is representable, as integer Pow needs), others as
      e^(y ln |x|), y ln |x| to twice the precision (Dekker's product: its
      rounding alone would cost up to |y ln |x|| ulp), with x's sign for
      odd y and NaN for negative finite x and finite non-integer y; 1 for
      x = 1 and for |x| = 1 with an infinite y.
    - `math.erf`: its Maclaurin series below 1.5, 1 - erfc x from Laplace's
      continued fraction (100 levels) up to 6, 1 beyond.
    - `math.sinh`, `math.cosh`: Taylor series below 1 (sinh), from e^|x|
      below 22, e^(|x| - ln 2) above (finite up to their overflow);
      `math.tanh`: expm1(2|x|) / (expm1(2|x|) + 2); `math.asinh`,
      `math.acosh`, `math.atanh`: from log1p in forms without cancellation
      (ln 2|x| from 2^28).
    - `math.atan`: the nearest eighth c of |x| (or of 1 / |x|), atan c from
      a table in two parts plus atan((u - c) / (1 + u c)) by its Taylor
      series; `math.asin`, `math.acos`: from atan of sqrt forms whose
      differences are exact where the result is small.
    - `math.roundeven` (ONNX Round, and pow's own): below 2^52, x plus and
      minus 2^52 with x's sign (IEEE addition rounds ties to even), with
      x's sign; x itself above. GLSL has f64 RoundEven, but lavapipe (Mesa
      22.3 on an AVX2 host) rounds its ties toward zero.

    Measured on lavapipe against numpy (integration_test/vulkan-double-math.test):
    exp and log within 1 ulp, pow within 2, the others within the bounds
    that test states. The compensated steps need
    `aiopt-gpu-spirv-exact-doubles` after the conversion, and use no
    fused multiply-add (GLSL's Fma may round twice).

    Another math op on f64 that GLSL.std.450 lacks (sin, cos, tan, ...) is
    an E201 error naming the kernel and the op.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def GPUSPIRVExactDoublesPass : Pass<"aiopt-gpu-spirv-exact-doubles", "spirv::ModuleOp"> {
  let summary = "f64 arithmetic of Vulkan kernels rounds each op, as on the CPU";
  let description = [{
    Runs after `convert-gpu-to-spirv`. Every f64 addition, subtraction,
    multiplication, division, remainder, negation and fused multiply-add
    gets SPIR-V's `NoContraction` decoration: without it a Vulkan driver may
    fuse, reassociate and simplify them (Mesa does), which the compensated
    arithmetic of `aiopt-gpu-spirv-double-math` cannot survive (its
    rounding-error terms simplify to 0), and which the CPU's f64 code does
    not do either. f32 and f16 arithmetic stays free to contract.
  }];
}

def GPUSPIRVVectorBuffersPass : Pass<"aiopt-gpu-spirv-vector-buffers", "spirv::ModuleOp"> {
  let summary = "Vector loads of Vulkan kernels read vector views of their buffers";
  let description = [{
    Runs after `spirv-lower-abi-attrs`. `convert-gpu-to-spirv` turns a
    `vector.load` of a buffer of scalars into a pointer cast, which
    Vulkan's logical addressing forbids. Each such access (an access chain
    `[0, i]` into a variable's array, cast to a vector of its elements)
    becomes a read of a vector:

    - of a storage buffer: a second variable at the same descriptor set and
      binding whose array holds vectors, at `[0, i / lanes]`; both
      variables are decorated `Aliased`;
    - of workgroup memory: the variable itself becomes an array of vectors
      (its length must be whole vectors); the vector reads take
      `[0, i / lanes]`, its scalar accesses `[0, i / lanes, i % lanes]`.
      Every use of such a variable must be an access chain to an element,
      and it must be read as vectors of one length.

    The index must be a multiple of the lanes, and a storage buffer must be
    bound at an offset of a multiple of the vector's size, which is what
    `aiopt-gpu-tile-contractions{vector-loads=spirv}` and the Vulkan runtime
    guarantee. A pointer cast of another form, or a workgroup variable that
    cannot be retyped, is an E201 error.
  }];
}

def GPUSPIRVNarrowTypesPass : Pass<"aiopt-gpu-spirv-narrow-types", "ModuleOp"> {
  let summary = "Keep bf16 and sub-byte elements of Vulkan kernels in the integers of their bits";
  let description = [{
    Runs after `aiopt-gpu-spirv-kernel-abi` and the passes that make bf16
    arithmetic and math compute in f32, before `convert-gpu-to-spirv`,
    whose type conversion widens bf16, floats under 8 bits and integers of
    2 to 7 bits to 32 bits, buffers included: a kernel would read such a
    buffer at the wrong stride.

    In every kernel module, bf16 values and buffers become i16 (their
    bits; conversions from and to f32 are integer arithmetic on them), and
    the narrow types (i2 to i7, f4E2M1FN) become i8, one element per byte
    as the host stores them. A narrow value is kept sign-extended from its
    width: loads re-extend (the host may leave the upper bits anything),
    integer arithmetic wraps at the type's own width, and the unsigned ops
    (`extui`, `uitofp`, `index_castui`, unsigned division, remainders,
    shifts, minima, maxima and comparisons) read the zero-extended low
    bits. Bit casts between a type and its integer disappear.

    Launches pass the rewritten buffers through an
    `unrealized_conversion_cast` to the new type, which the runtime call
    lowering looks through. An op on such values outside what the rewrite
    covers (memory and views, `select`, constants, integer arithmetic,
    casts, `scf` structure) is an E201 error naming the kernel and the op.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def GPUSplitInitsPass : Pass<"aiopt-gpu-split-inits", "func::FuncOp"> {
  let summary = "Give each destination-style op its own empty tensor and fill";
  let description = [{
    Runs on tensors, before bufferization. CSE leaves one `tensor.empty`
    (and one `linalg.fill` of it) for every op of the same shape that
    starts from it, so bufferization gives them one buffer: a fill copied
    into each product's output (a copy kernel per product, and a product
    that cannot start from zero itself), and elementwise ops that write
    into the buffer of an earlier op's input (which keeps them from being
    computed at a product's stores). Each use of an empty tensor or of a
    fill as the destination (`outs`) of a destination-style op after the
    first gets a clone of it, placed just before that op, or before the op
    of the original's block that holds it (a use inside a loop gets one
    clone, not one per iteration); a fill's clone fills a clone of its
    empty tensor. Buffers freed after their last
    use keep the memory needed close to what it was.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

def GPUFuseProducersPass : Pass<"aiopt-gpu-fuse-producers"> {
  let summary = "Fuse transposes and small producers into their readers, for fewer kernels";
  let description = [{
    Runs on tensors after `aiopt-cpu-fuse-elementwise`, whose fusions it
    also makes. On a GPU each loop nest left is a kernel launch and a
    buffer written and read back, so two more kinds fuse:
    - transposes (linalg.transpose, generalized here) into any consumer,
      which then reads the transposed operand in place: nothing is
      recomputed (e.g. attention's products read the heads of the Q, K and
      V projections through permuted maps). Broadcasts are not taken: in a
      product's operand they would take away its M or N;
    - a producer of at most `max-recompute` payload ops into each of its
      users, where every user reads it either through a permutation of
      its loops or the same element throughout its reductions, and none
      of its inputs is a contraction's result (whose kernel computes it as
      an epilogue): e.g. softmax's exponentials, computed in the sum that
      reads them and again in the division, and never stored; a row's
      mean, computed in the variance's reduction and the normalization.

    A transpose left (one a reshape reads) of a generic's only result moves
    into that generic, which then writes the transposed layout (its output
    map composed with the transpose's, from a fill of the same constant in
    the transposed shape where its payload reads the output): attention's
    context, heads back into rows for the output projection, is written in
    place by its product rather than copied by a kernel.

    An optional pass of the GPU pipelines (`--skip-pass`), so that bench/
    can measure it.
  }];
  let options = [
    Option<"maxRecompute", "max-recompute", "unsigned", /*default=*/"8",
           "The most payload ops a producer computed again in its users may have">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def GPUCopiesToLinalgPass : Pass<"aiopt-gpu-copies-to-linalg", "func::FuncOp"> {
  let summary = "Make buffer copies linalg.copy ops, so that they run as kernels";
  let description = [{
    Runs after bufferization, before `convert-linalg-to-parallel-loops`.
    Each `memref.copy` of rank 1 or more (a padded buffer's interior, a
    slice of a concatenation) becomes a `linalg.copy`, whose loop nest is
    parallel and becomes a kernel like any other linalg op. Left alone, the
    copies run on the host, which (with device-resident buffers) means
    bringing their operands back from the device. A copy of a buffer with
    a static extent of 0 copies nothing and is erased.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def GPUParallelDimsFirstPass : Pass<"aiopt-gpu-parallel-dims-first", "func::FuncOp"> {
  let summary = "Order linalg.generic loops with every parallel dimension first";
  let description = [{
    Runs before `convert-linalg-to-parallel-loops`, which makes a grid only
    of the outermost parallel dimensions: a parallel dimension after a
    reduction (the CPU's convolution forms iterate output columns
    innermost) would become a sequential loop in each thread. Each
    `linalg.generic` whose iterators are not all parallel ones followed by
    reductions is interchanged so that they are, keeping the relative order
    of the parallel dimensions and of the reductions.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def GPUReadAroundPaddingPass : Pass<"aiopt-gpu-read-around-padding", "func::FuncOp"> {
  let summary = "Windows read padded inputs around their padding, without the padded copy";
  let description = [{
    Runs on bufferized code, before `convert-linalg-to-parallel-loops`, after
    the tiled passes (which read their own padded operands around their
    padding). A `linalg.generic` of parallel dimensions only, in the form
    a kernel can compute (one output apart from its inputs, static ranges,
    a pure payload without `linalg.index`), some of whose inputs view a
    padded buffer (a constant fill of a buffer, then a copy of the real
    input into a box of it; the input the buffer itself, an expand_shape
    or a subview of it with static offsets and strides: a depthwise
    convolution's or a pooling's taps), becomes the `scf.parallel` nest
    `convert-linalg-to-parallel-loops` would make, except that those
    inputs' elements come from the real input inside the box and are the
    fill's constant outside it: a load at indices clamped into the box and
    a select, no branch (so that `aiopt-gpu-coarsen-threads` can still
    unroll the nest), unless the op may write the real input (other
    invocations would read it changed). The fill and the copy are erased
    when nothing else
    reads the padded buffer: two kernels and a round trip of the input
    through memory fewer per padded window.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::affine::AffineDialect"];
}

def GPUTileContractionsPass : Pass<"aiopt-gpu-tile-contractions", "func::FuncOp"> {
  let summary = "Contractions as GPU kernels with shared-memory tiles and register blocks";
  let description = [{
    Runs on bufferized code, before `convert-linalg-to-parallel-loops`.
    A linalg op with two inputs, one output, static loop ranges (but for
    the outermost dimension of M, N or the batch, which may be dynamic: the
    grid is then computed on the host, tiles are not shrunk and K is not
    split) and at least one reduction dimension (matmul, batch matmul, and the
    convolutions' generic forms, whose input maps may be any affine
    expressions) becomes a `gpu.launch` computing the classic tiled
    product:

    - the parallel dimensions that only the first input uses form M, those
      that only the second uses form N (the side that holds the output's
      innermost dimension is N, so that stores are contiguous), those that
      both or neither use form a batch; the reduction dimensions form K.
      Each group is flattened and indices are recovered by division;
    - each workgroup owns a `tile-m` x `tile-n` block of one batch entry
      and walks K in steps of `tile-k`: its invocations copy the two
      operand slices into workgroup memory (along the operand's contiguous
      dimension, past-the-end elements as zero; up to 16 loads per
      invocation unrolled, more in a loop), wait at a barrier, and
      each invocation accumulates a `thread-tile` x `thread-tile` block of
      outputs in registers (every (tile / thread-tile)-th row and column,
      so that a warp's reads and stores are consecutive) by the op's own
      payload;
    - a side (M or N) whose extent fits in half its tile takes the
      smallest power-of-two tile that holds it (at least `thread-tile`),
      and the other side's tile doubles as often where its extent asks
      (scalar kernels only): a projection to 16 channels tiles 16 x 256,
      not 64 x 64 with three quarters of its rows past the end;
    - tiles shrink by halves (the larger side, not below 32, nor below 8
      invocations along it) while the grid has fewer than
      `target-workgroups` workgroups, so small products still spread over
      the device;
    - with `split-k`, a grid below `split-k-workgroups` (a few small
      workgroups per multiprocessor leave their latencies exposed) and a
      payload that adds to the output (`out + f(a, b)` in f32 or i32), K is
      split into parts of at least four steps along the grid's third axis,
      towards that many workgroups: each workgroup sums
      its part from zero and adds it to the output with atomic additions
      (the order of the parts' additions varies from run to run, so the
      last bits of such outputs may too). With `split-k-sums=kernel`, each
      part stores its sums in a workspace ([parts][batch][M][N], allocated
      before the kernel and freed after) instead, and a second kernel (an
      invocation per output) adds the parts up in order, then adds the
      output's initial value and stores the result and the epilogue's as
      an unsplit kernel does: the fill or broadcast before the product and
      the epilogue after it then need no kernels of their own, no atomic
      additions are needed, and the sums are the same on every run.

    With `fuse-epilogues` (and K not split), the elementwise op that
    reads the result next is computed at the kernel's stores and erased:
    the next op after the contraction that touches memory (views and
    allocations may come between), all parallel, reading the whole result
    (through views in row-major order, identity maps, no other view of
    it) and not its own output argument, and writing a buffer apart from
    the contraction's operands. Each invocation evaluates the epilogue's
    payload on its accumulators and the epilogue's other operands at the
    same element, and stores the epilogue's output; the raw result is
    stored too only when something after the epilogue reads it (a bias
    and activation after a convolution, a residual addition after a
    projection, then take no kernel and no round trip through memory of
    their own).

    With `tensor-cores`, products of f16 or bf16 operands into f32 whose
    payload is `out + extf(a) * extf(b)` (what `--precision=f16|bf16`
    leaves) are computed by warps of fragments instead: a workgroup of four
    warps in a 2 x 2 grid, each owning a quarter of the tile; K steps by
    `tile-k` (at least 32); the operand tiles are staged row-major (M's
    rows along K, K's rows along N, rows padded to multiples of 16 bytes)
    and each warp adds the products of their 16-deep slices to its
    fragments; the fragments' sums meet in a workgroup tile, from where
    every invocation adds the output's initial value to consecutive
    elements and stores them (and the epilogue's). A product whose tiles
    would need more than 48 KiB of workgroup memory (tile sizes above the
    defaults) keeps the scalar kernel. `nvvm` computes f16
    products by the gpu dialect's subgroup MMA ops (16 x 16 fragments,
    NVVM's WMMA) and bf16 ones by NVVM's `mma.sync` m16n8k16 (16 x 8
    fragments, N's tile staged [N][K], each lane loading and storing the
    elements of MLIR's nvgpu layout maps; MLIR's MMA matrix type has no
    bf16); `emulate` computes the fragments with scalar arithmetic, so that
    the same kernels run, and are checked, on devices without tensor cores:
    f16 products as 16 x 16 fragments of which each lane computes eight
    elements, bf16 ones as `nvvm`'s 16 x 8 fragments, from the same [N][K]
    tiles, each lane computing the four sums mma.sync's layout gives it.

    With `tf32`, products whose operands and output are f32 and whose
    payload is `out + a * b` round each operand element to TF32 (10
    fraction bits, to nearest with ties away from zero, as PTX's
    `cvt.rna.tf32.f32`) as it is staged in workgroup memory, so that each
    product is exact in f32 and the sums accumulate in f32: what TF32
    tensor cores compute, on every device. With `tensor-cores`, such
    products are computed by the bf16 products' 16 x 8 fragments from f32
    tiles (rows padded by four elements): `nvvm` by `mma.sync` m16n8k8
    with `.tf32` operands (two per 16-deep slice), `emulate` with scalar
    arithmetic.

    An operand's contiguous dimension is the innermost index of its
    indexing map, loop dimensions of extent 1 counting as 0 (a 1x1
    convolution's input is contiguous along the output columns, not
    along its channels).

    With `vector-loads`, an operand whose contiguous dimension is the last
    loop dimension of the tile's contiguous side (K's or its rows'), with a
    static extent, a buffer with an identity layout and rows of whole
    vectors, is staged a vector per load (each invocation takes that many
    consecutive elements, which share their bounds): `spirv` loads four
    32-bit elements, which `aiopt-gpu-spirv-vector-buffers` turns into
    reads of a vector view of the buffer; `nvvm` loads 16 bytes, under a
    test of the operand's address (a view at an odd offset keeps the
    scalar loads). Padded operands and other layouts keep scalar loads.
    Where both operands' elements load as vectors (f32 with `spirv`; 8-,
    16- and 32-bit elements with `nvvm`), each invocation's rows and
    columns of outputs are consecutive instead (`tm * thread-tile + i`),
    and each step of K reads its `thread-tile` elements of each workgroup
    tile in vectors of up to 16 bytes (and of at most `thread-tile`
    elements), the tiles' rows padded by one such vector (which keeps
    them aligned).

    The accumulators start from the output's values, as linalg's do; where
    the output was just written by a broadcast along one side (a bias per
    output channel), from the broadcast's input instead, loaded once per
    row (or column) of each invocation's block, and the broadcast is
    erased. Ops
    whose output may share a buffer with an input, whose payload reads
    `linalg.index` or has side effects, or whose M or N is under 16 or K
    under 8, are left to the loop path.
  }];
  let options = [
    Option<"tileM", "tile-m", "int64_t", /*default=*/"64", "Workgroup tile rows (largest)">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"64", "Workgroup tile columns (largest)">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"16", "Reduction step per shared-memory tile">,
    Option<"threadTile", "thread-tile", "int64_t", /*default=*/"4",
           "Rows and columns of outputs per invocation">,
    Option<"targetWorkgroups", "target-workgroups", "int64_t", /*default=*/"128",
           "Grid size below which tiles shrink (about the device's multiprocessors)">,
    Option<"splitK", "split-k", "bool", /*default=*/"false",
           "Split K over workgroups that add their partial sums atomically">,
    Option<"splitKWorkgroups", "split-k-workgroups", "int64_t", /*default=*/"512",
           "With split-k: grid size below which K splits, and towards which">,
    Option<"splitKSums", "split-k-sums", "std::string", /*default=*/"\"atomic\"",
           "With split-k: how the parts' sums meet: 'atomic' (added to the output, "
           "filled before, atomically; the epilogue a kernel of its own) or 'kernel' "
           "(stored in a workspace that a second kernel adds up in order, with the "
           "initial value and the epilogue)">,
    Option<"fitTiles", "fit-tiles", "bool", /*default=*/"true",
           "Scalar kernels: a side (M or N) whose extent fits in half its tile takes "
           "the smallest tile that holds it, and the other side's tile grows as much">,
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "Compute the elementwise op that reads a contraction's result next in "
           "the contraction's kernel">,
    Option<"tensorCores", "tensor-cores", "std::string", /*default=*/"\"none\"",
           "f16 and bf16 products by warps of fragments: 'none', 'nvvm' (f16: subgroup "
           "MMA ops; bf16: nvvm.mma.sync) or 'emulate' (each lane's fragment elements in "
           "scalar arithmetic; bf16 in mma.sync's layout)">,
    Option<"tf32", "tf32", "bool", /*default=*/"false",
           "f32 products (out + a * b, all f32) round their operands to TF32 as they "
           "are staged; with tensor-cores, they multiply by mma.sync m16n8k8 (nvvm) "
           "or its emulation">,
    Option<"tileMemory", "tile-memory", "std::string", /*default=*/"\"attribution\"",
           "Where the tiles live: 'attribution' (workgroup attributions of the launch, "
           "which NVVM makes shared memory) or 'alloc' (memref.alloc in memory space 3 "
           "inside the kernel, which SPIR-V makes Workgroup variables)">,
    Option<"vectorLoads", "vector-loads", "std::string", /*default=*/"\"none\"",
           "How invocations read operand tiles: 'none' (an element per load), 'spirv' "
           "(four 32-bit elements per load; the runtime binds buffers at 16-byte "
           "boundaries) or 'nvvm' (16 bytes of 8-, 16- or 32-bit elements per load, "
           "where the kernel finds the operand's address 16-byte aligned)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::vector::VectorDialect",
                           "::mlir::NVVM::NVVMDialect", "::mlir::LLVM::LLVMDialect"];
}

def GPUFillsIntoKernelsPass : Pass<"aiopt-gpu-fills-into-kernels", "func::FuncOp"> {
  let summary = "Fills made at the start of an earlier kernel rather than by one of their own";
  let description = [{
    Runs on bufferized code after the passes that write kernels by hand
    (`aiopt-gpu-tile-contractions`, `aiopt-gpu-row-kernels`), whose
    products and rows are `gpu.launch`es by then. A `linalg.fill` left (the
    zeros that a product whose K is split adds its parts to) would be a
    kernel launch of its own. Instead, the nearest `gpu.launch` above it in
    its block that can make it starts by storing the value: every
    invocation at its flat index (workgroups x-fastest, then the invocation
    in its workgroup), then every N-th element after it, N the kernel's
    invocations.

    The kernel must leave the fill's buffer alone, as must every op between
    them, which must have no regions (but linalg ops' payloads and other
    kernels); the buffer must be a function argument or a static
    allocation with an identity layout (which moves above the kernel when
    it was below), and the value a constant or defined above the kernel.
    The kernel's grid and workgroups must be constants with at least one
    invocation per `max-per-invocation` elements, so that a small kernel
    does not take a long fill: kernels that leave the buffer alone but are
    too small (or whose grid is computed at run time, or that come before
    the value) are passed over for one further up.
  }];
  let options = [
    Option<"maxPerInvocation", "max-per-invocation", "int64_t", /*default=*/"64",
           "The most elements a kernel's invocation may fill">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GPURowKernelsPass : Pass<"aiopt-gpu-row-kernels", "func::FuncOp"> {
  let summary = "Reductions along rows, and the elementwise ops around them, as one kernel "
                "with a workgroup per row";
  let description = [{
    Runs on bufferized code, before `convert-linalg-to-parallel-loops`
    (which would make each op a kernel of its own and give each output of
    a reduction one invocation that walks the whole reduction: a layer
    normalization's statistics, 128 rows of 768, keep 128 invocations busy
    on a device of thousands).

    A group is a run of linalg ops in one block over the same static loop
    ranges, at least one of them a reduction, with only ops without
    effects, allocations and fills between them:
    - each reduction has one output, indexed by the group's row
      dimensions (the first reduction's parallel dimensions, in its
      output's order), reduces the other dimensions (the row's elements),
      and its payload yields `comb(out, x)` for an associative, commutative
      `comb` (addition, multiplication, minimum, maximum, bitwise
      and/or/xor) of its output with a value not depending on it;
    - the other ops are elementwise over the whole space (softmax's
      normalization, a residual add before a layer normalization);
    - a buffer one member writes is accessed by the members only at the
      element the write touches (same view, same indexing map), so that the
      invocation that writes an element is the one that reads it, or, for
      a reduction's output, is the row's value; buffers that may share
      memory with it (function arguments) are not accessed at all.

    A group becomes a `gpu.launch` of one workgroup per row (rows beyond a
    grid axis' 65535 fold into a second axis) of `workgroup-size`
    invocations (fewer for rows shorter than that), when its rows have at
    least `min-reduction` elements, or, for a group with an elementwise
    op, `min-row-length`. (Shorter reductions keep the loop path: an
    invocation per output, or the host where they have no parallel
    dimension.) In the members' order:
    - an elementwise op: each invocation computes the row's elements
      tid, tid + workgroup-size, ...;
    - a reduction: each invocation folds the same elements into a partial
      result from `comb`'s identity; the partial results meet in workgroup
      memory and combine in a tree (halving the active invocations between
      barriers); every invocation then holds the row's value, which later
      members read instead of the output buffer, and the first invocation
      stores it.
    A constant fill of exactly a reduction's output, with nothing touching
    it since, is where the reduction starts, and the fill goes. Other fills
    between members, which no member touches, run before the kernel.

    Operands are read through their indexing maps, so broadcasts and
    strided views need nothing special. The tree reassociates floating-point
    sums, as parallel reductions do. Ops whose payload reads `linalg.index`
    or has side effects end a group.
  }];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int64_t", /*default=*/"128",
           "Invocations per row (a power of two, at least 2)">,
    Option<"minReduction", "min-reduction", "int64_t", /*default=*/"256",
           "Fewest elements per row for a lone reduction's kernel">,
    Option<"minRowLength", "min-row-length", "int64_t", /*default=*/"32",
           "Fewest elements per row for a group with an elementwise op">,
    Option<"tileMemory", "tile-memory", "std::string", /*default=*/"\"attribution\"",
           "Where the partial results live: 'attribution' or 'alloc' (as for "
           "aiopt-gpu-tile-contractions)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GPUPromoteAccumulatorsPass
    : Pass<"aiopt-gpu-promote-accumulators", "func::FuncOp"> {
  let summary = "Keep reduction accumulators in registers across their loops";
  let description = [{
    Runs after `convert-linalg-to-parallel-loops`, whose reduction loops
    load the output element, combine and store it back on every iteration
    (`C[i, j] += A[i, k] * B[k, j]`). On a GPU that is a global store per
    multiply-add. An `scf.for` whose body loads and stores one buffer
    element at the same loop-invariant indices, and touches that buffer
    nowhere else, carries the element as an iteration argument instead:
    one load before the loop, one store after it. Innermost loops go first,
    so nests of reduction loops (convolution windows) carry it through all
    of them.

    The buffer must not alias any other buffer the loop reads or writes:
    every buffer is traced through views to its allocation, global or
    function argument, and the rewrite is made only when the others come
    from different allocations or globals (two function arguments may be
    one buffer). Loops with operations of unknown effects are left alone.
  }];
}

def GPUCoarsenThreadsPass : Pass<"aiopt-gpu-coarsen-threads", "func::FuncOp"> {
  let summary = "Give each GPU thread several outputs that share loads";
  let description = [{
    Runs after `aiopt-gpu-promote-accumulators`, before the nests become
    grids. A parallel nest is unrolled by `factor` along one parallel
    dimension, so that each invocation computes `factor` outputs and the
    loads its copies have in common are made once:

    - a nest whose body is one reduction loop (with its accumulators as
      iteration arguments) between loads and stores (with `reductions`):
      the copies' reduction loops are jammed into one, and the loads that
      do not depend on the dimension (a matmul's right operand, a
      convolution's input) are shared;
    - a nest without loops (a window, e.g. a depthwise convolution's taps
      with its bias and activation: loads, pure ops, stores, no load of a
      buffer a store may write): its loads and stores of subviews first
      become accesses of the buffers they view (MLIR's memref alias
      folding), so that a window's taps are loads of one buffer at
      `affine.apply` indices; the copies' loads and computations all come
      before their stores, and the loads of one element become one (a
      3x3 window's four copies along its rows load 6 rows of taps, not
      12, and its nine weights once).

    The dimension is the one, other than the innermost (the threads of a
    warp, for coalesced accesses), after whose unrolling the fewest loads
    remain (those of the reduction loop, where there is one), counted on a
    trial copy of the nest; its trip count must be static and a multiple of
    `factor`, and the reduction loop's bounds must not depend on it. Nests
    whose copies would share nothing are left alone.

    In the Vulkan pipeline with `reductions=false`: on lavapipe it made
    MobileNetV2's depthwise convolutions 2-2.8x faster
    (docs/performance.md). Not in the CUDA pipeline: there, on an H100 at
    batch 1 (factor 4), coarsening reductions made ResNet-50 and BERT-base
    slower, the grids becoming too small to hide memory latency, and
    windows are unmeasured.
  }];
  let options = [
    Option<"factor", "factor", "int64_t", /*default=*/"4",
           "Outputs per invocation along the chosen dimension (1: off)">,
    Option<"reductions", "reductions", "bool", /*default=*/"true",
           "Also nests with a reduction loop (not only loop-free windows)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::affine::AffineDialect"];
}

def GPUDeviceResidencyPass : Pass<"aiopt-gpu-device-residency", "ModuleOp"> {
  let summary = "Keep the buffers that kernels use on the device between launches";
  let description = [{
    Runs on the host code after `gpu-kernel-outlining`, for the CUDA and
    Vulkan runtimes. Every `gpu.launch_func` of a single-block host function is
    marked `aiopt.resident`: the runtime keeps its buffers in device
    mirrors between launches and copies nothing back after a launch. The
    host code then says when it touches such memory, through calls of
    the runtime's `host_access(ptr, bytes, mode)` (option `function`:
    `aiopt_cuda_host_access`, `aiopt_vk_host_access`):

    - at the function's entry, for each buffer argument: the caller may
      have changed its contents (mode 1, the host wrote it; mode 4 in a
      public function, the model's own, which the runtime skips for device
      inputs of `aiopt_run_on`);
    - around each host operation that reads or writes a buffer (host loops
      left by reductions without parallel dimensions, copies of rank 0),
      mode 0 before it (the host bytes are brought up to date) and mode 1
      after it for the buffers it writes. The range is the whole
      allocation the buffer views; an operation with unknown effects, or a
      view of a buffer the pass cannot size, uses all memory (null
      pointer);
    - mode 3 after each `memref.alloc` (a mirror without a copy: the
      contents are undefined), mode 2 (drop the mirror without copying:
      the contents are dead, and nothing waits for the launches in flight)
      before each `memref.dealloc` (a buffer the pass cannot size: mode 0
      on all memory first);
    - before the return, for each buffer argument (outputs written in
      place): mode 0 (mode 5 in a public function: the caller's
      arguments go back to it and their mirrors go, but device inputs
      stay where they are); for each returned buffer: mode 0 then 2 (mode 6 in
      a public function: with `aiopt_run_on`'s device outputs, the mirror
      stays on the device and is copied from there).

    Public functions are rewritten even without launches, so that the host
    code of every CUDA model can take device inputs.

    Views of constant globals need nothing: they are never written and
    their device copies are kept apart.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"aiopt_cuda_host_access\"",
           "The runtime's host-access function (aiopt_cuda_host_access, aiopt_vk_host_access)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GPUSPIRVKernelABIPass : Pass<"aiopt-gpu-spirv-kernel-abi", "ModuleOp"> {
  let summary = "Give outlined kernels a SPIR-V target environment and entry ABI";
  let description = [{
    Runs after `gpu-kernel-outlining`. Every `gpu.module` gets the SPIR-V
    target environment `target-env` (unless it has one), and every kernel the
    `spirv.entry_point_abi` whose workgroup size is the kernel's
    `known_block_size`, which `convert-gpu-to-spirv` needs. A kernel without
    a static block size, or with an argument that is neither a memref of
    numbers nor an index, integer or float, is an error naming it. Each
    `gpu.launch_func` records which of its buffers the kernel may write
    (`aiopt.written_arguments`), the only ones the runtime copies back.
  }];
  let options = [
    Option<"targetEnv", "target-env", "std::string",
           /*default=*/"\"#spirv.target_env<#spirv.vce<v1.3, [Shader, Int64, Int16, Int8, "
                       "Float64, Float16, StorageBuffer16BitAccess, StorageBuffer8BitAccess, "
                       "AtomicFloat32AddEXT], "
                       "[SPV_KHR_storage_buffer_storage_class, SPV_KHR_16bit_storage, "
                       "SPV_KHR_8bit_storage, SPV_EXT_shader_atomic_float_add]>, api=Vulkan, "
                       "#spirv.resource_limits<>>\"",
           "The SPIR-V target environment (a #spirv.target_env attribute)">,
  ];
  let dependentDialects = ["::mlir::spirv::SPIRVDialect"];
}

def GPUConvertToSPIRVPass : Pass<"aiopt-gpu-convert-to-spirv", "ModuleOp"> {
  let summary = "Convert Vulkan kernel modules to SPIR-V, f32 atomic additions included";
  let description = [{
    Upstream's `convert-gpu-to-spirv` for Vulkan, with one more pattern:
    each `gpu.module` is copied into a `spirv.module` placed after it (the
    launches keep referring to the original), its memory spaces mapped to
    Vulkan's storage classes, and its ops converted by the GPU, SCF, arith,
    memref, func and vector patterns. `memref.atomic_rmw addf` on f32, which
    upstream does not convert, becomes `spirv.EXT.AtomicFAdd`
    (SPV_EXT_shader_atomic_float_add): the products whose K is split over
    workgroups add their partial sums to the output with it
    (`aiopt-gpu-tile-contractions{split-k=true}`). The module then needs
    the AtomicFloat32AddEXT capability, which the target environment
    allows and the Vulkan runtime checks against the device
    (VK_EXT_shader_atomic_float's shaderBufferFloat32AtomicAdd).

    Before converting, each `scf.for` with results whose trip count is not
    known to be at least one is wrapped in an `scf.if` on `lb < ub` that
    yields the loop's initial values otherwise: MLIR 22's SCF conversion
    reads a loop's results from variables that only the loop's body
    stores, so a loop that ran zero times returned undefined values (a
    row kernel's invocations past the end of a short row, whose reductions
    then started from 0 rather than their identity).
  }];
  let dependentDialects = ["::mlir::spirv::SPIRVDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def VulkanLaunchToRuntimePass : Pass<"aiopt-vulkan-launch-to-runtime", "ModuleOp"> {
  let summary = "Embed SPIR-V kernels and launch them through the Vulkan runtime";
  let description = [{
    Runs after `convert-gpu-to-spirv`. Each `spirv.module` is serialized into
    a constant global of the object (`aiopt_spirv_<module>`), and each
    `gpu.launch_func` becomes a call

    ```c
    void aiopt_vk_dispatch(const void *spirv, int64_t spirv_bytes,
                           const char *entry, int64_t groups_x,
                           int64_t groups_y, int64_t groups_z,
                           int64_t block_x, int64_t block_y,
                           int64_t block_z, int32_t num_args,
                           void *const *args, const int64_t *arg_bytes,
                           const int32_t *arg_kinds);
    ```

    into aiopt's Vulkan runtime (lib/Runtime/VulkanRuntime.c), the same
    signature as `aiopt_cuda_dispatch` (the block size is informative: the
    workgroup size is part of the SPIR-V). Each kernel argument is a
    storage buffer: a memref's data (its aligned pointer, and its size in
    bytes; kind 0: read, 1: written, the only ones copied back) or a scalar
    in a stack slot (kind 2; an index as 32 bits, the width of indices in
    the kernels). The GPU and SPIR-V modules are then erased: what remains
    is host code.

    With `dump-dir`, each kernel module's binary is also written to
    `<dump-dir>/<module>.spv`, for spirv-val or spirv-dis.
  }];
  let options = [
    Option<"dumpDir", "dump-dir", "std::string", /*default=*/"\"\"",
           "Folder to write each kernel module's SPIR-V binary to">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GPUNVVMKernelABIPass : Pass<"aiopt-gpu-nvvm-kernel-abi", "ModuleOp"> {
  let summary = "Give outlined kernels an NVVM target and check their arguments";
  let description = [{
    Runs after `gpu-kernel-outlining`, before `convert-gpu-to-nvvm`. Every
    `gpu.module` gets the target `#nvvm.target<chip = $chip, O = $opt-level>`
    (an unknown chip is an E301 error listing the known ones). A kernel
    argument that is neither a memref of numbers with the identity layout
    nor an index, integer or float scalar is an E201 error naming the
    kernel. Workgroup attributions are aligned to at least 32 bytes (the
    alignment WMMA's loads and stores of shared memory need; LLVM would
    otherwise align an array only to its element). Each `gpu.launch_func`
    records which
    of its buffers the kernel may write (`aiopt.written_arguments`), which
    `aiopt-cuda-launch-to-runtime` needs once the kernels are binaries.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90\"",
           "The NVIDIA GPU architecture (sm_80, sm_90, ...)">,
    Option<"optLevel", "opt-level", "unsigned", /*default=*/"3",
           "LLVM's optimization level for the device code">,
  ];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect"];
}

def CUDALaunchToRuntimePass : Pass<"aiopt-cuda-launch-to-runtime", "ModuleOp"> {
  let summary = "Embed CUDA kernels and launch them through the CUDA runtime";
  let description = [{
    Runs after `gpu-module-to-binary{format=isa}`, whose `gpu.binary` ops
    hold each kernel module's PTX. With `toolkit` (the CUDA toolkit's
    folder), the PTX is assembled by `<toolkit>/bin/ptxas` for the module's
    chip and packed with the PTX by `<toolkit>/bin/fatbinary`: the object
    carries machine code for that chip and PTX the driver compiles for newer
    ones. Without it, the PTX alone is embedded. The image becomes a constant
    global `aiopt_cuda_<module>`, and each `gpu.launch_func` a call

    ```c
    void aiopt_cuda_dispatch(const void *image, int64_t image_bytes,
                             const char *entry, int64_t grid_x,
                             int64_t grid_y, int64_t grid_z,
                             int64_t block_x, int64_t block_y,
                             int64_t block_z, int32_t num_args,
                             void *const *args, const int64_t *arg_bytes,
                             const int32_t *arg_kinds);
    ```

    into aiopt's CUDA runtime (lib/Runtime/CUDARuntime.c). A memref operand
    becomes the fields of its descriptor, as the kernels compiled by
    `convert-gpu-to-nvvm` take them: its data with its size in bytes (kind
    0: read, 1: written, copied back), the same device address again (kind
    3), then the offset 0, the sizes and the strides as scalars. A scalar
    is passed from a stack slot (kind 2; indices as 64 bits). The GPU
    modules are then erased: what remains is host code.

    With `dump-dir`, each kernel module's PTX (and cubin, with `toolkit`) is
    also written to `<dump-dir>/<module>.ptx` (`.cubin`). A missing or
    failing ptxas or fatbinary is an E305 error quoting its output.
  }];
  let options = [
    Option<"toolkit", "toolkit", "std::string", /*default=*/"\"\"",
           "The CUDA toolkit's folder, whose bin/ has ptxas and fatbinary "
           "(empty: embed PTX only)">,
    Option<"dumpDir", "dump-dir", "std::string", /*default=*/"\"\"",
           "Folder to write each kernel module's PTX (and cubin) to">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // AIOPT_CODEGEN_GPU_PASSES_TD
