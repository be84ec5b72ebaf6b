//===- AIOptOps.td - aiopt dialect operations --------------*- tablegen -*-===//
//
// Operation definitions of the aiopt dialect.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_DIALECT_AIOPT_IR_AIOPTOPS_TD
#define AIOPT_DIALECT_AIOPT_IR_AIOPTOPS_TD

include "aiopt/Dialect/AIOpt/IR/AIOptDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// InferTypeOpAdaptor whose generic inferReturnTypes first checks the
// operand count: a custom-format op parsed with too few operands is an
// error, not an adaptor reading past its operands.
def AIOpt_InferTypeOpAdaptor : TraitList<[
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    NativeOpTrait<"InferTypeOpAdaptor", [], [{
      static ::llvm::LogicalResult
      inferReturnTypes(::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
                       Adaptor adaptor,
                       ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes);
    }], [{
      ::llvm::LogicalResult
      $cppClass::inferReturnTypes(::mlir::MLIRContext *context,
                                  std::optional<::mlir::Location> location,
                                  ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
                                  ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
                                  ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
        if (::mlir::failed(::mlir::aiopt::checkOperandCount<$cppClass>(location, operands)))
          return ::mlir::failure();
        $cppClass::Adaptor adaptor(operands, attributes, properties, regions);
        return $cppClass::inferReturnTypes(context, location, adaptor, inferredReturnTypes);
      }
    }]>]>;

def AIOpt_Tensor : RankedTensorOf<[AnyFloat, AnySignlessInteger, AnyUnsignedInteger]>;
def AIOpt_FloatTensor : RankedTensorOf<[AnyFloat]>;
def AIOpt_IndexTensor : RankedTensorOf<[I32, I64]>;
def AIOpt_BoolTensor : RankedTensorOf<[I1]>;
def AIOpt_IntTensor : RankedTensorOf<[AnySignlessInteger, AnyUnsignedInteger]>;
// Convolution operands: floats, or 8-bit integers (quantized), which
// accumulate in i32.
def AIOpt_ConvTensor : RankedTensorOf<[AnyFloat, I8, UI8, I32]>;

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

def AIOpt_ConstantOp : AIOpt_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "output"]>]> {
  let summary = "A constant tensor (weights are dense resource blobs)";
  let description = [{
    Materializes a constant tensor. The importer stores ONNX initializers as
    `dense_resource` blobs so that large weights are not uniqued in the
    context.

    ```mlir
    %w = aiopt.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins TypedAttrInterface:$value);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let builders = [OpBuilder<(ins "::mlir::TypedAttr":$value), [{
    build($_builder, $_state, value.getType(), value);
  }]>];
}

def AIOpt_ShapeOp : AIOpt_Op<"shape", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "The shape of a tensor as a 1-D i64 tensor (ONNX Shape)";
  let description = [{
    ```mlir
    %s = aiopt.shape %x : tensor<?x4xf32>
    ```
    Folds to a constant when the operand's shape is static.
  }];
  let arguments = (ins AIOpt_Tensor:$input);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise operations
//===----------------------------------------------------------------------===//

class AIOpt_UnaryOp<string mnemonic, string summ, Type ty = AIOpt_FloatTensor,
                    list<Trait> traits = []>
    : AIOpt_Op<mnemonic, !listconcat([Pure, Elementwise,
                                      SameOperandsAndResultType], traits)> {
  let summary = summ;
  let description = [{
    Elementwise `}] # mnemonic # [{` on a tensor; the result has the type of
    the operand.

    ```mlir
    %y = aiopt.}] # mnemonic # [{ %x : tensor<2x3xf32>
    ```
  }];
  let arguments = (ins ty:$input);
  let results = (outs ty:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def AIOpt_ReluOp : AIOpt_UnaryOp<"relu", "max(x, 0)">;
def AIOpt_SigmoidOp : AIOpt_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def AIOpt_TanhOp : AIOpt_UnaryOp<"tanh", "Hyperbolic tangent">;
def AIOpt_ErfOp : AIOpt_UnaryOp<"erf", "Gauss error function">;
def AIOpt_ExpOp : AIOpt_UnaryOp<"exp", "Exponential">;
def AIOpt_LogOp : AIOpt_UnaryOp<"log", "Natural logarithm">;
def AIOpt_SqrtOp : AIOpt_UnaryOp<"sqrt", "Square root">;
def AIOpt_ReciprocalOp : AIOpt_UnaryOp<"reciprocal", "1 / x">;
def AIOpt_FloorOp : AIOpt_UnaryOp<"floor", "Round toward negative infinity">;
def AIOpt_CeilOp : AIOpt_UnaryOp<"ceil", "Round toward positive infinity">;
def AIOpt_NegOp : AIOpt_UnaryOp<"neg", "Negation", AIOpt_Tensor> {
  let hasFolder = 1;
}
def AIOpt_AbsOp : AIOpt_UnaryOp<"abs", "Absolute value", AIOpt_Tensor>;
def AIOpt_NotOp : AIOpt_UnaryOp<"not", "Logical (i1) or bitwise (integers) negation",
                                AIOpt_IntTensor> {
  let hasFolder = 1;
}
def AIOpt_SignOp : AIOpt_UnaryOp<"sign", "-1, 0 or 1 by the sign of x", AIOpt_Tensor>;
def AIOpt_RoundOp : AIOpt_UnaryOp<"round", "Round half to even">;
def AIOpt_SinOp : AIOpt_UnaryOp<"sin", "Sine">;
def AIOpt_CosOp : AIOpt_UnaryOp<"cos", "Cosine">;
def AIOpt_TanOp : AIOpt_UnaryOp<"tan", "Tangent">;
def AIOpt_AsinOp : AIOpt_UnaryOp<"asin", "Arcsine">;
def AIOpt_AcosOp : AIOpt_UnaryOp<"acos", "Arccosine">;
def AIOpt_AtanOp : AIOpt_UnaryOp<"atan", "Arctangent">;
def AIOpt_SinhOp : AIOpt_UnaryOp<"sinh", "Hyperbolic sine">;
def AIOpt_CoshOp : AIOpt_UnaryOp<"cosh", "Hyperbolic cosine">;
def AIOpt_AsinhOp : AIOpt_UnaryOp<"asinh", "Inverse hyperbolic sine">;
def AIOpt_AcoshOp : AIOpt_UnaryOp<"acosh", "Inverse hyperbolic cosine">;
def AIOpt_AtanhOp : AIOpt_UnaryOp<"atanh", "Inverse hyperbolic tangent">;
def AIOpt_SoftplusOp : AIOpt_UnaryOp<"softplus", "log(1 + exp(x))">;
def AIOpt_SoftsignOp : AIOpt_UnaryOp<"softsign", "x / (1 + |x|)">;
def AIOpt_MishOp : AIOpt_UnaryOp<"mish", "x * tanh(softplus(x))">;
def AIOpt_HardSwishOp : AIOpt_UnaryOp<"hard_swish", "x * max(0, min(1, x / 6 + 1 / 2))">;
def AIOpt_SiluOp : AIOpt_UnaryOp<"silu", "x * sigmoid(x) (SiLU, Swish with alpha 1)">;

/// An activation with scalar parameters given as attributes.
class AIOpt_ActivationOp<string mnemonic, string summ, dag params, string example>
    : AIOpt_Op<mnemonic, [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = summ;
  let description = [{
    Elementwise; the result has the type of the operand.

    ```mlir
    %y = aiopt.}] # mnemonic # " %x " # example # [{ : tensor<4xf32>
    ```
  }];
  let arguments = !con((ins AIOpt_FloatTensor:$input), params);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def AIOpt_EluOp : AIOpt_ActivationOp<"elu", "x if x > 0 else alpha * (exp(x) - 1)",
    (ins F32Attr:$alpha), "{alpha = 1.0 : f32}">;
def AIOpt_SeluOp : AIOpt_ActivationOp<"selu",
    "gamma * (x if x > 0 else alpha * (exp(x) - 1))",
    (ins F32Attr:$alpha, F32Attr:$gamma), "{alpha = 1.67326 : f32, gamma = 1.0507 : f32}">;
def AIOpt_CeluOp : AIOpt_ActivationOp<"celu",
    "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))",
    (ins F32Attr:$alpha), "{alpha = 1.0 : f32}">;
def AIOpt_HardSigmoidOp : AIOpt_ActivationOp<"hard_sigmoid",
    "max(0, min(1, alpha * x + beta))",
    (ins F32Attr:$alpha, F32Attr:$beta), "{alpha = 0.2 : f32, beta = 0.5 : f32}">;
def AIOpt_ThresholdedReluOp : AIOpt_ActivationOp<"thresholded_relu",
    "x if x > alpha else 0", (ins F32Attr:$alpha), "{alpha = 1.0 : f32}">;
def AIOpt_GeluOp : AIOpt_ActivationOp<"gelu",
    "x * Phi(x), exact (erf) or with the tanh approximation",
    (ins DefaultValuedAttr<BoolAttr, "false">:$tanh_approximation),
    "{tanh_approximation = true}">;

def AIOpt_LeakyReluOp : AIOpt_Op<"leaky_relu",
    [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "x if x >= 0 else alpha * x";
  let description = [{
    ```mlir
    %y = aiopt.leaky_relu %x {alpha = 0.01 : f32} : tensor<4xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$input, F32Attr:$alpha);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def AIOpt_ClipOp : AIOpt_Op<"clip",
    [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "Clamp to [min, max] (ONNX Clip with constant bounds)";
  let description = [{
    Either bound may be absent. Relu6 is `clip` with min 0 and max 6.

    ```mlir
    %y = aiopt.clip %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<4xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input, OptionalAttr<F64Attr>:$min,
                   OptionalAttr<F64Attr>:$max);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def AIOpt_CastOp : AIOpt_Op<"cast", [Pure, Elementwise]> {
  let summary = "Element type conversion (ONNX Cast)";
  let description = [{
    Floats round to nearest even; floats to integers truncate toward zero
    and wrap to the target width. Conversions to float8/float4 types with
    `saturate` (the default) clamp values beyond the largest finite one
    (infinities included) to it; without, they become infinity where the
    type has one, else NaN.

    ```mlir
    %y = aiopt.cast %x : tensor<4xi64> to tensor<4xf32>
    %z = aiopt.cast %y {saturate = false} : tensor<4xf32> to tensor<4xf8E4M3FN>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input,
                   DefaultValuedAttr<BoolAttr, "true">:$saturate);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasFolder = 1;
}

def AIOpt_BitcastOp : AIOpt_Op<"bitcast", [Pure, Elementwise]> {
  let summary = "Reinterpretation of element bits (ONNX BitCast)";
  let description = [{
    The bits of each element, read as another type of the same width
    (booleans are one byte).

    ```mlir
    %y = aiopt.bitcast %x : tensor<4xf32> to tensor<4xi32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
}

class AIOpt_BroadcastOp<string mnemonic, string summ, list<Trait> traits = []>
    : AIOpt_Op<mnemonic, !listconcat([Pure,
        AIOpt_InferTypeOpAdaptor], traits)> {
  let summary = summ;
  let description = [{
    Elementwise with ONNX (numpy) broadcasting of the operands; the result
    shape is the broadcast of the operand shapes.

    ```mlir
    %z = aiopt.}] # mnemonic # [{ %x, %y : tensor<2x3xf32>, tensor<3xf32>
    ```
  }];
  let assemblyFormat = "operands attr-dict `:` type(operands)";
}

class AIOpt_BinaryOp<string mnemonic, string summ, Type ty = AIOpt_Tensor>
    : AIOpt_BroadcastOp<mnemonic, summ> {
  let arguments = (ins ty:$lhs, ty:$rhs);
  let results = (outs AIOpt_Tensor:$output);
  let hasFolder = 1;
}

def AIOpt_AddOp : AIOpt_BinaryOp<"add", "Broadcasting addition">;
def AIOpt_SubOp : AIOpt_BinaryOp<"sub", "Broadcasting subtraction">;
def AIOpt_MulOp : AIOpt_BinaryOp<"mul", "Broadcasting multiplication">;
def AIOpt_DivOp : AIOpt_BinaryOp<"div", "Broadcasting division">;
def AIOpt_PowOp : AIOpt_BinaryOp<"pow", "Broadcasting power", AIOpt_FloatTensor>;
def AIOpt_MaxOp : AIOpt_BinaryOp<"max", "Broadcasting maximum">;
def AIOpt_MinOp : AIOpt_BinaryOp<"min", "Broadcasting minimum">;
def AIOpt_EqualOp : AIOpt_BinaryOp<"equal", "Broadcasting ==, i1 result">;
def AIOpt_LessOp : AIOpt_BinaryOp<"less", "Broadcasting <, i1 result">;
def AIOpt_LessEqualOp : AIOpt_BinaryOp<"less_equal", "Broadcasting <=, i1 result">;
def AIOpt_GreaterOp : AIOpt_BinaryOp<"greater", "Broadcasting >, i1 result">;
def AIOpt_GreaterEqualOp : AIOpt_BinaryOp<"greater_equal", "Broadcasting >=, i1 result">;
def AIOpt_AndOp : AIOpt_BinaryOp<"and", "Broadcasting logical (i1) or bitwise and",
                                 AIOpt_IntTensor>;
def AIOpt_OrOp : AIOpt_BinaryOp<"or", "Broadcasting logical (i1) or bitwise or",
                                AIOpt_IntTensor>;
def AIOpt_XorOp : AIOpt_BinaryOp<"xor", "Broadcasting logical (i1) or bitwise xor",
                                 AIOpt_IntTensor>;

def AIOpt_BitShiftOp : AIOpt_BroadcastOp<"bit_shift", "Broadcasting bit shift (ONNX BitShift)"> {
  let description = [{
    Shifts `lhs` left (`left`) or right by `rhs` bits; right shifts of
    signed types are arithmetic. A shift by a negative amount or by the
    width or more gives what the sign fill alone gives: -1 for a right shift
    of a negative signed value, 0 otherwise.

    ```mlir
    %z = aiopt.bit_shift %x, %y {left = true} : tensor<3xui8>, tensor<3xui8>
    ```
  }];
  let arguments = (ins AIOpt_IntTensor:$lhs, AIOpt_IntTensor:$rhs, BoolAttr:$left);
  let results = (outs AIOpt_IntTensor:$output);
}

def AIOpt_ModOp : AIOpt_BroadcastOp<"mod", "Broadcasting remainder (ONNX Mod)"> {
  let description = [{
    Elementwise remainder with ONNX broadcasting. With `fmod` the result has
    the sign of the dividend (C fmod); without, it has the sign of the
    divisor (Python %). Integer division by zero is undefined, as in ONNX.

    ```mlir
    %z = aiopt.mod %x, %y {fmod = true} : tensor<6xf32>, tensor<6xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$lhs, AIOpt_Tensor:$rhs,
                   DefaultValuedAttr<BoolAttr, "false">:$fmod);
  let results = (outs AIOpt_Tensor:$output);
  let hasFolder = 1;
}
def AIOpt_PReluOp : AIOpt_BinaryOp<"prelu", "x if x >= 0 else slope * x (broadcasting slope)",
                                   AIOpt_FloatTensor>;

def AIOpt_WhereOp : AIOpt_BroadcastOp<"where", "Broadcasting select (ONNX Where)"> {
  let arguments = (ins AIOpt_BoolTensor:$condition, AIOpt_Tensor:$lhs,
                   AIOpt_Tensor:$rhs);
  let results = (outs AIOpt_Tensor:$output);
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

def AIOpt_ActivationAttr : I32EnumAttr<"Activation", "fused epilogue activation", [
    I32EnumAttrCase<"relu", 0>, I32EnumAttrCase<"clip", 1>,
    I32EnumAttrCase<"sigmoid", 2>, I32EnumAttrCase<"silu", 3>,
    I32EnumAttrCase<"gelu", 4>, I32EnumAttrCase<"gelu_tanh", 5>,
    I32EnumAttrCase<"hard_swish", 6>, I32EnumAttrCase<"leaky_relu", 7>,
    I32EnumAttrCase<"tanh", 8>]> {
  let cppNamespace = "::mlir::aiopt";
}

// matmul, gemm and conv take an epilogue: an activation applied to the
// result (after bias), with its parameters (clip: min, max; leaky_relu:
// alpha). The epilogue fusion pass sets it.

def AIOpt_MatMulOp : AIOpt_Op<"matmul", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Matrix product with broadcast batch dimensions (ONNX MatMul)";
  let description = [{
    Operands have rank >= 2; leading (batch) dimensions broadcast. An
    optional `bias` broadcasts to the result and is added to it, then the
    epilogue activation applies (both set by epilogue fusion). 8-bit
    integer operands (i8 or ui8, either signedness on each side: the
    quantized products) accumulate into an i32 result. f16 or bf16 operands
    with `accumulate = f32` (mixed precision, as `aiopt-reduce-precision`
    makes them) accumulate into an f32 result.

    ```mlir
    %c = aiopt.matmul %a, %b : tensor<2x8x16xf32>, tensor<16x4xf32>
    %d = aiopt.matmul %a, %b, %bias {activation = 0 : i32}
        : tensor<2x8x16xf32>, tensor<16x4xf32>, tensor<4xf32>
    %e = aiopt.matmul %h, %w {accumulate = f32} : tensor<8x16xf16>, tensor<16x4xf16>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$lhs, AIOpt_Tensor:$rhs,
                   Optional<AIOpt_Tensor>:$bias,
                   OptionalAttr<AIOpt_ActivationAttr>:$activation,
                   OptionalAttr<DenseF64ArrayAttr>:$activation_params,
                   OptionalAttr<TypeAttr>:$accumulate);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let builders = [
    // Without bias or epilogue (as imported).
    OpBuilder<(ins "Type":$type, "Value":$lhs, "Value":$rhs), [{
      build($_builder, $_state, type, lhs, rhs, Value(), ActivationAttr(),
            DenseF64ArrayAttr(), TypeAttr());
    }]>];
  let hasVerifier = 1;
}

def AIOpt_GemmOp : AIOpt_Op<"gemm", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "alpha * op(A) * op(B) + beta * C (ONNX Gemm)";
  let description = [{
    `A` and `B` are 2-D; `C` is optional and broadcasts to the result. f16
    or bf16 `A` and `B` with `accumulate = f32` (mixed precision) give an
    f32 result, with an f32 `C`.

    ```mlir
    %y = aiopt.gemm %a, %b, %c {transB = true}
        : tensor<1x64xf32>, tensor<10x64xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$a, AIOpt_FloatTensor:$b,
                   Optional<AIOpt_FloatTensor>:$c,
                   DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.0">:$beta,
                   DefaultValuedAttr<BoolAttr, "false">:$transA,
                   DefaultValuedAttr<BoolAttr, "false">:$transB,
                   OptionalAttr<AIOpt_ActivationAttr>:$activation,
                   OptionalAttr<DenseF64ArrayAttr>:$activation_params,
                   OptionalAttr<TypeAttr>:$accumulate);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let builders = [
    // Without epilogue (as imported).
    OpBuilder<(ins "Type":$type, "Value":$a, "Value":$b, "Value":$c, "FloatAttr":$alpha,
                   "FloatAttr":$beta, "BoolAttr":$transA, "BoolAttr":$transB), [{
      build($_builder, $_state, type, a, b, c, alpha, beta, transA, transB,
            ActivationAttr(), DenseF64ArrayAttr(), TypeAttr());
    }]>];
  let hasVerifier = 1;
}

def AIOpt_ConvOp : AIOpt_Op<"conv", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "N-D grouped, strided, dilated, padded convolution (ONNX Conv)";
  let description = [{
    `input` is `N x C x D1 x ... x Dn`, `filter` is `M x C/group x k1 x ... x kn`,
    `bias` (optional) is `M`. `pads` holds the begin pads of every spatial
    dimension followed by the end pads (padding with zeros). 8-bit integer
    input and filter (quantized) accumulate into an i32 result; f16 or bf16
    ones with `accumulate = f32` (mixed precision) into an f32 result. The
    bias is of the result's type.

    ```mlir
    %y = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>,
        pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
    ```
  }];
  let arguments = (ins AIOpt_ConvTensor:$input, AIOpt_ConvTensor:$filter,
                   Optional<AIOpt_ConvTensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations, I64Attr:$group,
                   OptionalAttr<AIOpt_ActivationAttr>:$activation,
                   OptionalAttr<DenseF64ArrayAttr>:$activation_params,
                   OptionalAttr<TypeAttr>:$accumulate);
  let results = (outs AIOpt_ConvTensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let builders = [
    // Without epilogue (as imported).
    OpBuilder<(ins "Type":$type, "Value":$input, "Value":$filter, "Value":$bias,
                   "DenseI64ArrayAttr":$strides, "DenseI64ArrayAttr":$pads,
                   "DenseI64ArrayAttr":$dilations, "IntegerAttr":$group), [{
      build($_builder, $_state, type, input, filter, bias, strides, pads, dilations, group,
            ActivationAttr(), DenseF64ArrayAttr(), TypeAttr());
    }]>];
  let hasVerifier = 1;
}

def AIOpt_WinogradInputOp : AIOpt_Op<"winograd_input", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Winograd F(tile, kernel) input transform of a 2-D convolution";
  let description = [{
    The first step of a `kernel x kernel` convolution (stride 1, dilation
    1) computed by Winograd's minimal filtering F(m, r), m = `tile`,
    r = `kernel` (see `aiopt-winograd`). `input` is `N x C x H x W`,
    padded with zeros by `pads` (top, left, bottom, right). The
    convolution's `OH x OW` outputs are covered by `TH x TW` tiles of
    `m x m` (`TH = ceil(OH / m)`); each tile reads the `alpha x alpha`
    patch of the padded input that its outputs need (`alpha = m + r - 1`;
    zeros beyond the input), transformed to `B^T d B`. The result is
    `alpha^2 x T x C`: element `(xi * alpha + nu, t, c)` is entry
    `(xi, nu)` of tile `t = (n * TH + ty) * TW + tx`'s transformed patch of
    channel `c`. The matrices are `winogradMatrices(m, r)`
    (aiopt/Dialect/AIOpt/IR/Winograd.h).

    ```mlir
    %v = aiopt.winograd_input %x {tile = 4 : i64, kernel = 3 : i64,
        pads = array<i64: 1, 1, 1, 1>} : tensor<1x64x56x56xf32>
    // : tensor<36x196x64xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$input, I64Attr:$tile, I64Attr:$kernel,
                   DenseI64ArrayAttr:$pads);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def AIOpt_WinogradOutputOp : AIOpt_Op<"winograd_output", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Winograd F(tile, kernel) output transform of a 2-D convolution";
  let description = [{
    The last step of a convolution computed by Winograd's F(m, r) (see
    `aiopt.winograd_input`): `products` is `alpha^2 x T x F`, each
    transformed position's product of the transformed patches
    (`aiopt.winograd_input`) and the transformed filter (`G g G^T`, one
    `C x F` matrix per position). Each tile's `A^T M A` gives its `m x m`
    outputs, plus `bias` (`F`) when present; tiles beyond `output_size`
    (`OH`, `OW`) are cut off. The result is `N x F x OH x OW`, with
    `N = T / (TH * TW)`.

    ```mlir
    %y = aiopt.winograd_output %m, %b {tile = 4 : i64, kernel = 3 : i64,
        output_size = array<i64: 56, 56>} : tensor<36x196x64xf32>, tensor<64xf32>
    // : tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$products, Optional<AIOpt_FloatTensor>:$bias,
                   I64Attr:$tile, I64Attr:$kernel, DenseI64ArrayAttr:$output_size);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
}

//===----------------------------------------------------------------------===//
// Normalization, pooling, reductions
//===----------------------------------------------------------------------===//

def AIOpt_BatchNormOp : AIOpt_Op<"batch_norm", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "Inference-mode batch normalization (ONNX BatchNormalization)";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias` along dimension 1.

    ```mlir
    %y = aiopt.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f32}
        : tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$input, AIOpt_FloatTensor:$scale,
                   AIOpt_FloatTensor:$bias, AIOpt_FloatTensor:$mean,
                   AIOpt_FloatTensor:$variance, F32Attr:$epsilon);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:`
    type($input) `,` type($scale) `,` type($bias) `,` type($mean) `,` type($variance)
  }];
  let hasVerifier = 1;
}

def AIOpt_PoolKindAttr : I32EnumAttr<"PoolKind", "pooling reduction", [
    I32EnumAttrCase<"max", 0>, I32EnumAttrCase<"average", 1>]> {
  let cppNamespace = "::mlir::aiopt";
}

def AIOpt_PoolOp : AIOpt_Op<"pool", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "N-D max or average pooling (ONNX MaxPool, AveragePool, Global*Pool)";
  let description = [{
    Windows slide over the spatial dimensions (2..rank-1). `pads` holds the
    begin pads then the end pads. Average pooling (float only) divides by the
    window size when `count_include_pad` is set, else by the number of
    unpadded elements; max pooling also takes integers.

    ```mlir
    %y = aiopt.pool max %x {kernel_shape = array<i64: 2, 2>,
        strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>,
        dilations = array<i64: 1, 1>} : tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins AIOpt_PoolKindAttr:$kind, AIOpt_Tensor:$input,
                   DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
                   DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                   DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def AIOpt_InterpolationAttr : I32EnumAttr<"Interpolation", "resize interpolation", [
    I32EnumAttrCase<"nearest_round_prefer_floor", 0>,
    I32EnumAttrCase<"nearest_round_prefer_ceil", 1>,
    I32EnumAttrCase<"nearest_floor", 2>, I32EnumAttrCase<"nearest_ceil", 3>,
    I32EnumAttrCase<"linear", 4>, I32EnumAttrCase<"cubic", 5>]> {
  let cppNamespace = "::mlir::aiopt";
}

def AIOpt_ResizeOp : AIOpt_Op<"resize", [Pure]> {
  let summary = "Resampling by interpolation (ONNX Resize, Upsample)";
  let description = [{
    Output element `y` reads the input at coordinates `x_d = coord_scale[d] *
    y_d + coord_offset[d]` in every dimension (the importer folds each
    coordinate transformation mode into this affine form), interpolated
    with `mode`: nearest (with a rounding rule), multi-linear, or cubic
    (`cubic_coeff_a`; with `exclude_outside` the taps outside the input get
    no weight and the others are renormalized). Neighbours outside the
    input repeat the edge. With `extrapolation_value`, an output whose
    coordinates fall outside the input takes that value. With
    `antialias_scale` (one factor in (0, 1] per dimension; linear and
    cubic), the kernel is stretched by 1 / factor, taking more taps, and its
    weights renormalized: a low-pass filter when downsampling.

    ```mlir
    %y = aiopt.resize %x {mode = linear, coord_scale = array<f64: 1., 1., 0.5, 0.5>,
                          coord_offset = array<f64: 0., 0., -0.25, -0.25>}
        : tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$input, AIOpt_InterpolationAttr:$mode,
                   DenseF64ArrayAttr:$coord_scale, DenseF64ArrayAttr:$coord_offset,
                   DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                   DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
                   OptionalAttr<F64Attr>:$extrapolation_value,
                   OptionalAttr<DenseF64ArrayAttr>:$antialias_scale);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
}

def AIOpt_GridPaddingAttr : I32EnumAttr<"GridPadding", "grid sample padding", [
    I32EnumAttrCase<"zeros", 0>, I32EnumAttrCase<"border", 1>,
    I32EnumAttrCase<"reflection", 2>]> {
  let cppNamespace = "::mlir::aiopt";
}

def AIOpt_GridSampleOp : AIOpt_Op<"grid_sample", [Pure]> {
  let summary = "Sampling at grid coordinates (ONNX GridSample)";
  let description = [{
    `input` is `[N, C, D1, ..., Dk]`, `grid` is `[N, O1, ..., Ok, k]`:
    normalized coordinates in [-1, 1], the last dimension's entries in the
    reverse order of the spatial dimensions (x for Dk first). The result
    `[N, C, O1, ..., Ok]` interpolates the input there with `mode`
    (nearest rounds half to even; linear; cubic with coefficient -0.75).
    `align_corners` maps -1 and 1 to the centers of the corner elements
    rather than the outer edges. Samples outside the input read zeros,
    repeat the border, or reflect at it (`padding_mode`).

    ```mlir
    %y = aiopt.grid_sample %x, %g {mode = 4 : i32, padding_mode = 0 : i32, align_corners = false}
        : tensor<1x1x4x4xf32>, tensor<1x6x6x2xf32> -> tensor<1x1x6x6xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$input, AIOpt_FloatTensor:$grid,
                   AIOpt_InterpolationAttr:$mode, AIOpt_GridPaddingAttr:$padding_mode,
                   BoolAttr:$align_corners);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands) `->` type($output)";
  let hasVerifier = 1;
}

def AIOpt_ReduceKindAttr : I32EnumAttr<"ReduceKind", "reduction", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
    I32EnumAttrCase<"prod", 4>, I32EnumAttrCase<"sum_square", 5>,
    I32EnumAttrCase<"l1", 6>, I32EnumAttrCase<"l2", 7>,
    I32EnumAttrCase<"log_sum", 8>, I32EnumAttrCase<"log_sum_exp", 9>]> {
  let cppNamespace = "::mlir::aiopt";
}

def AIOpt_ReduceOp : AIOpt_Op<"reduce", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Reduction over a set of axes (ONNX Reduce*)";
  let description = [{
    `axes` are non-negative, sorted and unique; `keepdims` keeps reduced
    dimensions as size 1. `l2`, `log_sum` and `log_sum_exp` need a float
    element type.

    ```mlir
    %m = aiopt.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32>
    ```
  }];
  let arguments = (ins AIOpt_ReduceKindAttr:$kind, AIOpt_Tensor:$input,
                   DenseI64ArrayAttr:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def AIOpt_ArgReduceOp : AIOpt_Op<"arg_reduce", [Pure, AIOpt_InferTypeOpAdaptor]> {
  let summary = "Index of the max or min along an axis (ONNX ArgMax, ArgMin)";
  let description = [{
    Returns i64 indices; ties give the first index unless
    `select_last_index` is set.

    ```mlir
    %i = aiopt.arg_reduce max %x {axis = 1 : i64, keepdims = false} : tensor<2x5xf32>
    ```
  }];
  let arguments = (ins AIOpt_ReduceKindAttr:$kind, AIOpt_Tensor:$input, I64Attr:$axis,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                   DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def AIOpt_CumulativeOp : AIOpt_Op<"cumulative", [Pure, SameOperandsAndResultType]> {
  let summary = "Running sum or product along an axis (ONNX CumSum, CumProd)";
  let description = [{
    `output[..., i, ...]` combines the inputs at positions `j <= i` along
    `axis` (`j < i` when `exclusive`; `j >= i` / `j > i` when `reverse`);
    an empty set gives the identity (0 or 1). `kind` is sum or prod.

    ```mlir
    %y = aiopt.cumulative sum %x {axis = 1 : i64, exclusive = true} : tensor<2x5xf32>
    ```
  }];
  let arguments = (ins AIOpt_ReduceKindAttr:$kind, AIOpt_Tensor:$input, I64Attr:$axis,
                   DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                   DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def AIOpt_TopKOp : AIOpt_Op<"top_k", [Pure]> {
  let summary = "The k largest or smallest elements along an axis (ONNX TopK)";
  let description = [{
    Returns the values and their i64 indices, ordered best first (largest
    first, or smallest first without `largest`); equal values keep index
    order. The results have extent `k` along `axis`.

    ```mlir
    %v, %i = aiopt.top_k %x {axis = 1 : i64, k = 2 : i64} : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input, I64Attr:$axis, I64Attr:$k,
                   DefaultValuedAttr<BoolAttr, "true">:$largest);
  let results = (outs AIOpt_Tensor:$values, RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($values) `,` type($indices)";
  let hasVerifier = 1;
}

def AIOpt_NonZeroOp : AIOpt_Op<"nonzero", [Pure]> {
  let summary = "Coordinates of the nonzero elements (ONNX NonZero)";
  let description = [{
    A `[rank, n]` i64 tensor: column j holds the coordinates of the j-th
    nonzero element of the input (rank 1 or more) in row-major order (NaN counts as
    nonzero). `n` is known only when the op runs.

    ```mlir
    %i = aiopt.nonzero %x : tensor<2x2xi1> -> tensor<2x?xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def AIOpt_CompressOp : AIOpt_Op<"compress", [Pure]> {
  let summary = "The slices along an axis a condition selects (ONNX Compress)";
  let description = [{
    Keeps, in order, the slices `j` along `axis` for which `condition[j]`
    is true; the condition may be shorter than the axis (missing entries
    are false). The result's extent along the axis is known only when the
    op runs.

    ```mlir
    %y = aiopt.compress %x, %c {axis = 0 : i64} : tensor<3x2xf32>, tensor<3xi1> -> tensor<?x2xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input, RankedTensorOf<[I1]>:$condition, I64Attr:$axis);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands) `->` type($output)";
  let hasVerifier = 1;
}

def AIOpt_LayerNormOp : AIOpt_Op<"layer_norm", [Pure, AIOpt_InferTypeOpAdaptor]> {
  let summary = "Layer normalization over the dimensions from `axis` on";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, mean and variance
    over dimensions `axis..rank-1`; `scale` and `bias` broadcast to the
    input. Also returns the mean and 1 / sqrt(var + epsilon) with the
    normalized dimensions kept as 1 (ONNX LayerNormalization).

    ```mlir
    %y, %mean, %inv = aiopt.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32}
        : tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$input, AIOpt_FloatTensor:$scale,
                   Optional<AIOpt_FloatTensor>:$bias, I64Attr:$axis,
                   F32Attr:$epsilon);
  let results = (outs AIOpt_FloatTensor:$output, AIOpt_FloatTensor:$mean,
                      AIOpt_FloatTensor:$inv_std_dev);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` type($input) `,` type($scale)
    (`,` type($bias)^)?
  }];
}

def AIOpt_SoftmaxOp : AIOpt_Op<"softmax", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "Softmax along one axis (ONNX Softmax, opset 13 semantics)";
  let description = [{
    ```mlir
    %p = aiopt.softmax %x {axis = 1 : i64} : tensor<2x10xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$input, I64Attr:$axis,
                   DefaultValuedAttr<BoolAttr, "false">:$log);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def AIOpt_AttentionOp : AIOpt_Op<"attention", [Pure]> {
  let summary = "Scaled dot-product attention: softmax(Q K^T * scale + mask) V";
  let description = [{
    `query` is `[batch..., Lq, D]`, `key_transposed` `[batch..., D, Lk]`
    (the keys as the right operand of the score product, as exported
    graphs hold them), `value` `[batch..., Lk, Dv]` and the result
    `[batch..., Lq, Dv]`; the batch dimensions of the three are equal. The
    optional additive `mask` broadcasts (numpy rules) to the scores
    `[batch..., Lq, Lk]`. The softmax runs along Lk. `aiopt-recognize-
    patterns` forms it from the MatMul / scale / Add / Softmax / MatMul
    chain; the CPU lowering computes it per block of query rows, so the
    scores never exist for the whole sequence.

    ```mlir
    %o = aiopt.attention %q, %kt, %v, %mask {scale = 0.125 : f32}
        : tensor<1x12x128x64xf32>, tensor<1x12x64x128xf32>,
          tensor<1x12x128x64xf32>, tensor<1x1x1x128xf32> -> tensor<1x12x128x64xf32>
    ```
  }];
  let arguments = (ins AIOpt_FloatTensor:$query, AIOpt_FloatTensor:$key_transposed,
                   AIOpt_FloatTensor:$value, Optional<AIOpt_FloatTensor>:$mask,
                   F32Attr:$scale);
  let results = (outs AIOpt_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def AIOpt_ReshapeOp : AIOpt_Op<"reshape", [Pure]> {
  let summary = "Reshape to the result type (ONNX Reshape, Flatten, Squeeze, Unsqueeze)";
  let description = [{
    The element count is preserved. At most one result dimension may be
    dynamic; it is computed from the operand's element count.

    ```mlir
    %y = aiopt.reshape %x : tensor<?x2x4xf32> to tensor<?x8xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def AIOpt_ExpandOp : AIOpt_Op<"expand", [Pure]> {
  let summary = "Broadcast to the result shape (ONNX Expand)";
  let description = [{
    The operand broadcasts (numpy rules) to the result type, which is the
    broadcast of the operand shape and the requested shape.

    ```mlir
    %y = aiopt.expand %x : tensor<3x1xf32> to tensor<2x3x4xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
}

def AIOpt_TriluOp : AIOpt_Op<"trilu", [Pure, AllTypesMatch<["input", "output"]>]> {
  let summary = "Upper or lower triangle of the last two dimensions (ONNX Trilu)";
  let description = [{
    Keeps the elements with `col - row >= k` (upper) or `col - row <= k`
    (lower) and zeroes the others; `k` is an optional i64 scalar operand
    (default 0) that may be a runtime value.

    ```mlir
    %y = aiopt.trilu %x, %k {upper = true} : tensor<4x5xf32>, tensor<i64>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input, Optional<0DTensorOf<[I64]>>:$k,
                   BoolAttr:$upper);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input (`,` $k^)? attr-dict `:` type($input) (`,` type($k)^)?";
  let hasVerifier = 1;
}

def AIOpt_TransposeOp : AIOpt_Op<"transpose", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Permute dimensions (ONNX Transpose)";
  let description = [{
    Result dimension `i` is operand dimension `perm[i]`.

    ```mlir
    %y = aiopt.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def AIOpt_ConcatOp : AIOpt_Op<"concat", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Concatenate along an axis (ONNX Concat)";
  let description = [{
    ```mlir
    %y = aiopt.concat %a, %b {axis = 0 : i64} : tensor<2xi64>, tensor<1xi64>
    ```
  }];
  let arguments = (ins Variadic<AIOpt_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs)";
  let hasFolder = 1;
}

def AIOpt_SliceOp : AIOpt_Op<"slice", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Strided slice with constant bounds (ONNX Slice)";
  let description = [{
    `starts`, `ends` and `steps` have one entry per operand dimension and
    are already clamped (the importer normalizes ONNX's negative and
    out-of-range values); a sliced dimension must be static.

    ```mlir
    %y = aiopt.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 4, 3>,
        steps = array<i64: 1, 1>} : tensor<4x4xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input, DenseI64ArrayAttr:$starts,
                   DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def AIOpt_GatherOp : AIOpt_Op<"gather", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Gather slices along an axis by index (ONNX Gather)";
  let description = [{
    Result shape is `data[:axis] ++ indices ++ data[axis+1:]`; negative
    indices count from the end.

    ```mlir
    %y = aiopt.gather %table, %ids {axis = 0 : i64} : tensor<100x16xf32>, tensor<1x8xi64>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$data, AIOpt_IndexTensor:$indices,
                   I64Attr:$axis);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let hasFolder = 1;
}

def AIOpt_GatherElementsOp : AIOpt_Op<"gather_elements", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Gather single elements along an axis (ONNX GatherElements)";
  let description = [{
    `output[i] = data[i']` where `i'` is `i` with its `axis` coordinate
    replaced by `indices[i]` (negative indices count from the end; indices
    out of range are clamped). The result has the shape of `indices`, whose
    rank equals that of `data`.

    ```mlir
    %y = aiopt.gather_elements %x, %ids {axis = 1 : i64} : tensor<2x5xf32>, tensor<2x1xi64>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$data, AIOpt_IndexTensor:$indices,
                   I64Attr:$axis);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
}

def AIOpt_EinsumOp : AIOpt_Op<"einsum", [Pure]> {
  let summary = "Einstein summation (ONNX Einsum, explicit form)";
  let description = [{
    `equation` is explicit, without ellipsis: one letter per dimension of
    every operand, `->`, the output letters. The output is the sum, over
    the letters not in the output, of the product of the operands. An
    operand extent of 1 broadcasts against a larger extent of its letter.

    ```mlir
    %c = aiopt.einsum %a, %b {equation = "bij,bjk->bik"}
        : tensor<2x3x4xf32>, tensor<2x4x5xf32> -> tensor<2x3x5xf32>
    ```
  }];
  let arguments = (ins Variadic<AIOpt_Tensor>:$inputs, StrAttr:$equation);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($output)";
  let hasVerifier = 1;
}

def AIOpt_ScatterReductionAttr : I32EnumAttr<"ScatterReduction", "scatter combination", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"add", 1>, I32EnumAttrCase<"mul", 2>,
    I32EnumAttrCase<"max", 3>, I32EnumAttrCase<"min", 4>]> {
  let cppNamespace = "::mlir::aiopt";
}

def AIOpt_ScatterElementsOp : AIOpt_Op<"scatter_elements", [Pure,
    AllTypesMatch<["data", "output"]>]> {
  let summary = "Write updates at per-element indices along an axis (ONNX ScatterElements)";
  let description = [{
    A copy of `data` where, for each position `i` of `updates`, the element
    at `i` with its `axis` coordinate replaced by `indices[i]` (negative
    counts from the end; out of range is clamped) becomes `updates[i]`, or
    is combined with it by `reduction`. Updates apply in row-major order.

    ```mlir
    %y = aiopt.scatter_elements %x, %ids, %u {axis = 1 : i64, reduction = add}
        : tensor<3x3xf32>, tensor<3x2xi64>, tensor<3x2xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$data, AIOpt_IndexTensor:$indices, AIOpt_Tensor:$updates,
                   I64Attr:$axis, AIOpt_ScatterReductionAttr:$reduction);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$data `,` $indices `,` $updates attr-dict `:` type($data) `,` "
                       "type($indices) `,` type($updates)";
  let hasVerifier = 1;
}

def AIOpt_ScatterNDOp : AIOpt_Op<"scatter_nd", [Pure, AllTypesMatch<["data", "output"]>]> {
  let summary = "Write slices at index tuples (ONNX ScatterND)";
  let description = [{
    `indices` has shape `[..., k]`: each k-tuple addresses a slice
    `data[t0, ..., tk-1, :, ...]`, replaced by (or combined by `reduction`
    with) the matching slice of `updates`, whose shape is
    `indices.shape[:-1] ++ data.shape[k:]`.

    ```mlir
    %y = aiopt.scatter_nd %x, %ids, %u {reduction = none}
        : tensor<8xf32>, tensor<4x1xi64>, tensor<4xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$data, AIOpt_IndexTensor:$indices, AIOpt_Tensor:$updates,
                   AIOpt_ScatterReductionAttr:$reduction);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$data `,` $indices `,` $updates attr-dict `:` type($data) `,` "
                       "type($indices) `,` type($updates)";
  let hasVerifier = 1;
}

def AIOpt_CheckIndicesOp : AIOpt_Op<"check_indices", [MemoryEffects<[MemWrite]>,
    AllTypesMatch<["indices", "output"]>]> {
  let summary = "Report indices outside their data dimension at run time";
  let description = [{
    Inserted by `aiopt-insert-index-checks` (`aiopt-compile --runtime-checks`)
    in front of the gather or scatter that `site` names. The result is
    `indices`, unchanged. At run time, an index outside `[-d, d)`, where `d`
    is the extent of the `data` dimension it addresses, makes the model's
    run return `AIOPT_ERROR_INDEX_OUT_OF_RANGE` with a message naming
    `site`. The indexing operation still clamps, so nothing is read or
    written out of bounds. Without `tuple`, every index addresses dimension
    `axis`; with it, the last dimension of `indices` holds coordinates of
    the dimensions `axis`, `axis + 1`, ... (GatherND, ScatterND).

    ```mlir
    %i = aiopt.check_indices %table, %ids {axis = 0 : i64, site = "node 'embed' (Gather)"} : tensor<100x16xf32>, tensor<1x8xi64>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$data, AIOpt_IndexTensor:$indices, I64Attr:$axis,
                   UnitAttr:$tuple, StrAttr:$site);
  let results = (outs AIOpt_IndexTensor:$output);
  let assemblyFormat = "$data `,` $indices attr-dict `:` type($data) `,` type($indices)";
  let hasVerifier = 1;
}

def AIOpt_PadModeAttr : I32EnumAttr<"PadMode", "padding mode", [
    I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"edge", 1>,
    I32EnumAttrCase<"reflect", 2>, I32EnumAttrCase<"wrap", 3>]> {
  let cppNamespace = "::mlir::aiopt";
}

def AIOpt_GatherNDOp : AIOpt_Op<"gather_nd", [Pure]> {
  let summary = "Gather slices at index tuples (ONNX GatherND)";
  let description = [{
    `indices` has shape `[..., k]`; the first `batch_dims` dimensions of
    `indices` and `data` match. The result, of shape `indices.shape[:-1] ++
    data.shape[batch_dims + k:]`, holds at each position the slice of data
    its batch coordinates and k-tuple address (negative indices count from
    the end; out of range is clamped).

    ```mlir
    %y = aiopt.gather_nd %x, %ids {batch_dims = 0 : i64} : tensor<2x2xf32>, tensor<2x2xi64> -> tensor<2xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$data, AIOpt_IndexTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` type(operands) `->` type($output)";
  let hasVerifier = 1;
}

def AIOpt_PadOp : AIOpt_Op<"pad", [Pure,
    AIOpt_InferTypeOpAdaptor]> {
  let summary = "Padding (ONNX Pad)";
  let description = [{
    `pads` holds the begin pads of every dimension then the end pads. The
    new elements hold `value` (mode constant), repeat the edge (edge),
    mirror the input without repeating the edge (reflect; pads smaller than
    the extent) or wrap around (wrap).

    ```mlir
    %y = aiopt.pad %x {pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f64} : tensor<2x2xf32>
    ```
  }];
  let arguments = (ins AIOpt_Tensor:$input, DenseI64ArrayAttr:$pads,
                   DefaultValuedAttr<F64Attr, "0.0">:$value,
                   DefaultValuedAttr<AIOpt_PadModeAttr, "PadMode::constant">:$mode);
  let results = (outs AIOpt_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Code generation
//===----------------------------------------------------------------------===//

def AIOpt_DotBytesOp : AIOpt_Op<"dot_bytes", [Pure, AllTypesMatch<["acc", "result"]>,
                                              AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Unsigned x signed byte dot products into 32-bit lanes (x86 vpdpbusd)";
  let description = [{
    A register-level op of the CPU code generation, made by
    `aiopt-cpu-tile-and-vectorize` for 8-bit matmuls on targets with VNNI
    and turned into LLVM's x86 intrinsic by `aiopt-cpu-lower-dot-bytes`
    after bufferization. Lane `i` of the result is `acc[i]` plus the sum of
    the four products `lhs[4i + j] * rhs[4i + j]`, `lhs` read as unsigned
    and `rhs` as signed bytes, without saturation. 8 lanes (256-bit:
    AVX-VNNI or AVX512-VL) or 16 (512-bit: AVX512-VNNI).

    ```mlir
    %r = aiopt.dot_bytes %acc, %a, %b : vector<64xi8> -> vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                   VectorOfRankAndType<[1], [I8]>:$lhs,
                   VectorOfRankAndType<[1], [I8]>:$rhs);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = "$acc `,` $lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)";
  let hasVerifier = 1;
}

def AIOpt_DotPairsOp : AIOpt_Op<"dot_pairs", [Pure, AllTypesMatch<["acc", "result"]>,
                                              AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Signed 16-bit pair dot products into 32-bit lanes (x86 vpmaddwd)";
  let description = [{
    A register-level op of the CPU code generation, made by
    `aiopt-cpu-tile-and-vectorize` for 8-bit matmuls on x86 targets without
    VNNI (their bytes sign-extended to 16 bits) and turned into LLVM's x86
    intrinsic plus an add by `aiopt-cpu-lower-dot-bytes` after
    bufferization. Lane `i` of the result is `acc[i]` plus
    `lhs[2i] * rhs[2i] + lhs[2i + 1] * rhs[2i + 1]`, in 32 bits, wrapping.
    4 lanes (SSE2), 8 (AVX2) or 16 (AVX512-BW).

    ```mlir
    %r = aiopt.dot_pairs %acc, %a, %b : vector<32xi16> -> vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                   VectorOfRankAndType<[1], [I16]>:$lhs,
                   VectorOfRankAndType<[1], [I16]>:$rhs);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = "$acc `,` $lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)";
  let hasVerifier = 1;
}

#endif // AIOPT_DIALECT_AIOPT_IR_AIOPTOPS_TD
