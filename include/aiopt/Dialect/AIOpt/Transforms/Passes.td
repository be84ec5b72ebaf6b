//===- Passes.td - aiopt graph passes ----------------------*- tablegen -*-===//
//
// Graph-level optimizations on the aiopt dialect: folding normalization
// into weights, fusing epilogues into contractions, and recognizing
// decomposed operators.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_TRANSFORMS_PASSES_TD
#define AIOPT_DIALECT_AIOPT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapesPass : Pass<"aiopt-infer-shapes"> {
  let summary = "Refine dynamic result shapes from the operands, through the whole graph";
  let description = [{
    Walks the graph in order and, for every op that infers its result types
    (InferTypeOpInterface), replaces a result type by the inferred one when
    that is more static (same rank and element type, dynamic dimensions
    made known). Refinements propagate to later ops in the same walk, so a
    static shape reaching a reshape, transpose, matmul or broadcast chain
    reaches codegen. A use that cannot take the refined type (an op that
    does not infer its types, a function return) keeps the old type
    through a `tensor.cast`; function signatures do not change.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def FoldConstantsPass : Pass<"aiopt-fold-constants"> {
  let summary = "Fold reshapes, transposes and float casts of constants of any size";
  let description = [{
    The op folders fold only small constants (shape arithmetic); this pass
    folds the layout and precision changes exporters apply to weights,
    whatever their storage (dense or resource blob): a reshape keeps the
    data, a transpose permutes it, a float-to-float cast rounds it. Constants
    above `max-elements` elements are left alone, bounding the compile-time
    memory this takes.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", "1 << 24",
           "Largest constant (in elements) to fold">
  ];
}

def FoldBatchNormPass : Pass<"aiopt-fold-batchnorm"> {
  let summary = "Fold inference batch normalization and per-channel scaling into weights";
  let description = [{
    Rewrites `batch_norm(conv(x, W, b))` into `conv(x, W * k, (b - mean) * k +
    beta)` with `k = scale / sqrt(var + epsilon)` per output channel, and
    likewise a batch normalization after a `gemm` (per output column) and a
    multiplication of a convolution by a per-channel constant. Fires only
    when the weights, bias and normalization parameters are constants, the
    contraction has no other use and no epilogue yet; otherwise the ops are
    left alone.
  }];
}

def FuseEpiloguePass : Pass<"aiopt-fuse-epilogue"> {
  let summary = "Fuse bias additions and activations into matmul, gemm and conv";
  let description = [{
    Absorbs into the `matmul`, `gemm` or `conv` that produces its operand:
    an addition of a constant bias that broadcasts along the output channels
    (the last dimension of a matmul or gemm, dimension 1 of a convolution),
    then an activation (relu, clip with both bounds, sigmoid, silu, gelu in
    both forms, hard_swish, leaky_relu, tanh) which becomes the op's
    epilogue. The contraction must have no other use. After lowering, the
    epilogue is one elementwise loop nest over the contraction's result.
  }];
}

def RecognizePatternsPass : Pass<"aiopt-recognize-patterns"> {
  let summary = "Recognize decomposed GELU, SiLU, layer normalization and attention";
  let description = [{
    Replaces the primitive-op spellings that exporters emit with the single
    ops: `0.5 * x * (1 + erf(x / sqrt(2)))` and the tanh approximation
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))` become
    `aiopt.gelu`; `x * sigmoid(x)` becomes `aiopt.silu`; the mean /
    centered-variance / normalize / scale / shift chain over trailing axes
    becomes `aiopt.layer_norm`; `MatMul(Softmax(Q KT * c + mask), V)` (the
    scale a scalar constant multiplying or dividing, or absent; the mask
    Add optional; the softmax along the last axis; Q, KT and V of one rank
    with equal static batch dimensions, the intermediates used once)
    becomes `aiopt.attention`. Constants must match to float precision
    (relative 1e-4).
  }];
}

def QuantizePass : Pass<"aiopt-quantize"> {
  let summary = "Quantize convolutions and matrix products to int8";
  let description = [{
    Rewrites each selected `conv` (one group), `matmul` (2-D right operand)
    and `gemm` (A not transposed) on f32 with constant weights into an
    8-bit integer contraction accumulating in i32, followed by a float
    epilogue: `acc * (s_x * s_w[c]) + bias'`, then the op's activation.

    Weights become int8 at compile time, symmetric (zero point 0), with one
    scale per output channel (`per-channel`, the default) or one per
    tensor: `s_w = max|w| / 127`, `q = clamp(round(w / s_w), -127, 127)`.

    Activations (the op's input or left operand) are quantized by ops
    inserted before it, which fuse with the producer's epilogue:
    - `mode=dynamic`: at run time, symmetric int8 with
      `s_x = max|x| / 127` over the whole tensor.
    - `mode=static`: with the range the op carries in
      `aiopt.activation_range` (calibration sets it; the range is widened
      to include 0), int8 or uint8 (`activation-type`), asymmetric (zero
      point from the range) or `symmetric-activations`. The zero point's
      contribution `z_x * sum(w[c])` is folded into the bias at compile
      time; convolution padding is done explicitly with the zero point.
      uint8 quantization is stored as int8 `q - 128` with zero point
      `z - 128` (the same real values), so every contraction is signed x
      signed and takes the tiled 8-bit kernels.

    `ops` and `exclude` select layers by ONNX node name or op type (Conv,
    MatMul, Gemm). A static candidate without a range is an error naming
    the node.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"dynamic\"",
           "dynamic (activation scales at run time) or static (calibrated ranges)">,
    Option<"perChannel", "per-channel", "bool", /*default=*/"true",
           "One weight scale per output channel (else per tensor)">,
    Option<"activationType", "activation-type", "std::string", /*default=*/"\"int8\"",
           "Static activations: int8 or uint8">,
    Option<"symmetricActivations", "symmetric-activations", "bool", /*default=*/"false",
           "Static activations with zero point 0 (int8) or 128 (uint8)">,
    ListOption<"ops", "ops", "std::string",
               "Quantize only these node names or op types (default: all)">,
    ListOption<"exclude", "exclude", "std::string",
               "Keep these node names or op types in float">,
  ];
}

def ReducePrecisionPass : Pass<"aiopt-reduce-precision"> {
  let summary = "Compute convolutions and matrix products in f16 or bf16, accumulating in f32";
  let description = [{
    Mixed precision: each selected `conv` (one group), `matmul` and `gemm`
    on f32 reads its two product operands in `type` (f16 or bf16) and, with
    `accumulate = f32`, keeps its f32 result, bias and epilogue: products
    accumulate in f32. Constant
    operands (weights) are rounded to nearest even at compile time and take
    half the bytes; the others are converted by an `aiopt.cast` before the
    op. Everything else stays f32.

    A layer whose constant operand holds a finite value beyond the largest
    finite value of `type` (65504 for f16) stays f32, with a warning naming
    its node. `ops` and `exclude` select layers by ONNX node name or op type
    (Conv, MatMul, Gemm); layers marked `aiopt.keep_float` (the accuracy
    guard's) stay f32.
  }];
  let options = [
    Option<"type", "type", "std::string", /*default=*/"\"f16\"",
           "The products' operand type: f16 or bf16">,
    ListOption<"ops", "ops", "std::string",
               "Reduce only these node names or op types (default: all)">,
    ListOption<"exclude", "exclude", "std::string",
               "Keep these node names or op types in f32">,
  ];
}

def FoldQDQPass : Pass<"aiopt-fold-qdq"> {
  let summary = "Compile QDQ-quantized convolutions and matrix products to 8-bit kernels";
  let description = [{
    For models that arrive quantized in the QDQ format (a QuantizeLinear /
    DequantizeLinear pair before each `conv`, `matmul` and `gemm`, weights
    stored as int8 behind a DequantizeLinear): each candidate of
    `aiopt-quantize` whose activation is a per-tensor dequantization
    `(cast(q) - zp) * s` of 8-bit data, with constant scalar `zp` and `s`,
    becomes the 8-bit contraction of `q` itself by int8 weights, with the
    float epilogue `acc * (s * s_w[c]) + bias'` (the zero point's term in
    the bias, padding explicit with the zero point). Weights may be float
    constants or dequantized 8-bit constants (per tensor or per axis); they
    are re-quantized per tensor when they lie on one int8 grid, which
    recovers a per-tensor model's integers exactly, else per output
    channel (exact for symmetric per-channel weights). uint8 data enters
    as int8 `q - 128` with zero point `zp - 128`. Other ops, and
    contractions whose input is not such a dequantization, are left as
    they are: they compute the model's own float arithmetic.
  }];
}

def PrunePass : Pass<"aiopt-prune"> {
  let summary = "Remove the weights of convolutions and matrix products that contribute least";
  let description = [{
    Prunes the constant float weights of `conv`, `matmul` (2-D right
    operand) and `gemm` (A not transposed), selected by `ops` and `exclude`
    (ONNX node names or op types: Conv, MatMul, Gemm):

    - `mode=magnitude`: sets the `sparsity` fraction of each layer's
      weights with the smallest magnitude to zero (`global`: one threshold
      for all selected layers together, so that sensitive layers keep more).
    - `mode=nm`: keeps the `n` largest of every `m` consecutive weights
      along the reduction dimension (input channels of a convolution, K of
      a matrix product), which must be a multiple of `m`.
    - `mode=channels`: removes the `ratio` fraction of output channels
      (filters, matrix columns) with the smallest L1 (or L2, `norm`) norm,
      and shrinks every consumer: channel-wise ops on the way (activations,
      bias and scale constants, batch normalization, pooling, a flatten)
      and the input channels of the next contractions. A layer whose output
      reaches anything else (a residual addition, a concatenation, a model
      output) keeps its channels; so does one whose weight is not constant.

    Layers left alone get a remark saying why. The accuracy guard sets
    `aiopt.prune_amount` on a layer to give it its own sparsity or ratio.

    ```mlir
    // aiopt-opt --aiopt-prune="mode=nm n=2 m=4"
    %y = aiopt.matmul %x, %w : tensor<1x8xf32>, tensor<8x16xf32>
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"magnitude\"",
           "magnitude, nm (N:M semi-structured) or channels (structured)">,
    Option<"sparsity", "sparsity", "double", /*default=*/"0.5",
           "magnitude: the fraction of weights set to zero, in [0, 1)">,
    Option<"global", "global", "bool", /*default=*/"false",
           "magnitude: one threshold for all selected layers">,
    Option<"n", "n", "int64_t", /*default=*/"2", "nm: weights kept in each group">,
    Option<"m", "m", "int64_t", /*default=*/"4", "nm: the group size">,
    Option<"ratio", "ratio", "double", /*default=*/"0.5",
           "channels: the fraction of output channels removed, in [0, 1)">,
    Option<"norm", "norm", "std::string", /*default=*/"\"l1\"",
           "channels: l1 or l2, the norm that ranks channels">,
    ListOption<"ops", "ops", "std::string",
               "Prune only these node names or op types (default: all)">,
    ListOption<"exclude", "exclude", "std::string", "Keep these node names or op types dense">,
  ];
}

def WinogradPass : Pass<"aiopt-winograd"> {
  let summary = "Compute 3x3 convolutions with Winograd's minimal filtering";
  let description = [{
    Rewrites each 2-D `conv` with a constant `F x C x 3 x 3` f32 filter,
    stride 1, dilation 1, one group and static shapes into Winograd's
    F(m x m, 3 x 3): `winograd_input` (each `(m + 2)^2` patch of the
    input transformed), one `matmul` per transformed position with the
    filter transformed at compile time (`(m + 2)^2 x C x F`, a constant),
    and `winograd_output` (with the bias; the activation follows as its
    own op). F(2x2) does 16 multiplications where the direct convolution
    does 36, F(4x4) 36 where it does 144; the transforms add work that
    grows with the channels, the transformed filter takes `(m + 2)^2 / 9`
    times the weights' memory, and the rounding error grows with m (about
    3e-7 of the output's scale for F(2x2), 5e-6 for F(4x4), measured on
    single layers against f64).

    `tile` fixes m (2 or 4; 0: per layer). Per layer, the pass estimates
    each choice's work in multiply-adds (the products; the transforms'
    nonzero coefficients, at half the products' rate; the weights' bytes,
    at a few multiply-adds each: they come from memory) and takes the
    cheapest, keeping the direct convolution unless Winograd's estimate is
    below it by the factor `min-speedup`. Layers with fewer than
    `min-channels` input or output channels, whose transforms would cost
    more than they save, stay direct.

    ```mlir
    %v = aiopt.winograd_input %x {kernel = 3 : i64, pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64}
        : tensor<1x64x56x56xf32>
    %m = aiopt.matmul %v, %u : tensor<36x196x64xf32>, tensor<36x64x64xf32>
    %y = aiopt.winograd_output %m, %b {kernel = 3 : i64, output_size = array<i64: 56, 56>, tile = 4 : i64}
        : tensor<36x196x64xf32>, tensor<64xf32>
    ```
  }];
  let options = [
    Option<"tile", "tile", "int64_t", /*default=*/"0",
           "Output tile m of F(m x m, 3 x 3): 2 or 4 for every eligible layer, 0 to choose per layer">,
    Option<"minSpeedup", "min-speedup", "double", /*default=*/"1.3",
           "Estimated speedup over the direct convolution needed to choose Winograd">,
    Option<"minChannels", "min-channels", "int64_t", /*default=*/"16",
           "Layers with fewer input or output channels stay direct">,
  ];
}

def MergeProductsPass : Pass<"aiopt-merge-products"> {
  let summary = "Products of one input by constant weights as one wider product";
  let description = [{
    `matmul`s in one block that read the same input by 2-D constant float
    weights with the same number of rows (and element type), each with a
    1-D constant bias or none, the same epilogue and result element type
    and a static result, become one `matmul` by the weights side by side
    (and the biases end to end), in the first one's place; each former
    product is the slice of its columns. Products marked for the sparse
    kernel stay.

    On GPUs each product is a kernel (with K split: a fill, the product and
    its epilogue): attention's query, key and value projections become one
    kernel, or three, instead of three or nine, and the wider product
    fills more of the device. The sums are the same, term by term.

    ```mlir
    %q = aiopt.matmul %x, %wq, %bq : tensor<128x768xf32>, tensor<768x768xf32>, tensor<768xf32>
    %k = aiopt.matmul %x, %wk, %bk : tensor<128x768xf32>, tensor<768x768xf32>, tensor<768xf32>
    // becomes
    %qk = aiopt.matmul %x, %wqk, %bqk : tensor<128x768xf32>, tensor<768x1536xf32>, tensor<1536xf32>
    %q = aiopt.slice %qk {starts = array<i64: 0, 0>, ends = array<i64: 128, 768>,
        steps = array<i64: 1, 1>} : tensor<128x1536xf32>
    %k = aiopt.slice %qk {starts = array<i64: 0, 768>, ends = array<i64: 128, 1536>,
        steps = array<i64: 1, 1>} : tensor<128x1536xf32>
    ```
  }];
}

def SparseWeightsPass : Pass<"aiopt-sparse-weights"> {
  let summary = "Choose sparse kernels for matrix products with sparse constant weights";
  let description = [{
    Marks each `matmul` (2-D constant f32 right operand) and `gemm` (A not
    transposed, constant f32 B, beta 1) with `aiopt.sparse_weight` when its
    weights are sparse enough that the sparse kernel (the weights
    compressed, only nonzeros multiplied; see convert-aiopt-to-linalg) is
    expected to be faster than the dense one. Weights pruned by
    `aiopt-prune` and those of models that arrive sparse are treated alike.

    The cost model compares the work of both kernels: the dense one does
    `K * N` multiply-adds per row of the activation, the sparse one
    `nnz`, each at a lower throughput (indexed loads: a measured fraction
    of the dense kernel's rate, separately for one row, a matrix-vector
    product bound by memory, and for several). The sparse kernel is
    chosen when its estimated time is below the dense one's by the
    margin `min-speedup`; layers with fewer than `min-weights` weights
    (which the dense kernel keeps in cache) stay dense.

    ```mlir
    %y = aiopt.matmul %x, %w {aiopt.sparse_weight} : tensor<1x512xf32>, tensor<512x512xf32>
    ```
  }];
  let options = [
    Option<"minSpeedup", "min-speedup", "double", /*default=*/"1.2",
           "Estimated speedup over the dense kernel needed to choose the sparse one">,
    Option<"minWeights", "min-weights", "int64_t", /*default=*/"16384",
           "Layers with fewer weights stay dense">,
  ];
}

def InsertIndexChecksPass : Pass<"aiopt-insert-index-checks"> {
  let summary = "Check gather and scatter indices at run time (--runtime-checks)";
  let description = [{
    Puts an `aiopt.check_indices` in front of the indices of every
    `gather`, `gather_elements`, `gather_nd`, `scatter_elements` and
    `scatter_nd` whose indices are not constant, naming the ONNX node in its
    `site`. A compiled model then returns `AIOPT_ERROR_INDEX_OUT_OF_RANGE`
    with that name when an index is outside its dimension, instead of
    silently clamping it. Constant indices are checked by the verifiers and
    folders at compile time; Slice and Pad clamp by the ONNX specification
    and need no check.

    ```mlir
    %i = aiopt.check_indices %table, %ids {axis = 0 : i64, site = "node 'embed' (Gather)"} : tensor<100x16xf32>, tensor<1x8xi64>
    %y = aiopt.gather %table, %i {axis = 0 : i64} : tensor<100x16xf32>, tensor<1x8xi64>
    ```
  }];
}

#endif // AIOPT_DIALECT_AIOPT_TRANSFORMS_PASSES_TD
