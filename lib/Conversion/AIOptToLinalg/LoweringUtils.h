//===- LoweringUtils.h - builders shared by the lowerings -------*- C++ -*-===//
//
// Private helpers of the aiopt -> linalg lowering: empty tensors with
// dynamic sizes, broadcasting indexing maps, elementwise generics, scalar
// constants and reshapes.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_CONVERSION_AIOPTTOLINALG_LOWERINGUTILS_H
#define AIOPT_LIB_CONVERSION_AIOPTTOLINALG_LOWERINGUTILS_H

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::aiopt {

/// Body of an elementwise generic: block arguments of the inputs -> value.
using ScalarFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Size of dimension `dim` of tensor `v` as an index value.
Value dimValue(OpBuilder &b, Location loc, Value v, int64_t dim);

/// `tensor.empty` of `type`; dynamic sizes are taken from `sizes` (one index
/// value per dimension, only dynamic entries are read).
Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<Value> sizes);

/// Per-dimension sizes of a broadcast of `operands` to `type` (numpy
/// alignment), each dynamic one taken from the first operand that has it
/// dynamic: for operands whose dynamic extents are the result's (one value
/// and results of its shape); entries for static dimensions are null.
SmallVector<Value> broadcastSizes(OpBuilder &b, Location loc,
                                  RankedTensorType type, ValueRange operands);

/// The sizes of a broadcast of `operands` to `type` (as broadcastSizes)
/// when a dynamic operand extent may be 1 or differ from the others at run
/// time (Broadcast.cpp): each dynamic result extent is the first operand
/// extent that is not 1, and each operand with a dynamic extent that is not
/// known to be the result's is replaced by a run-time choice: itself, a copy
/// stretched along its extents of 1, or (after reporting that they do not
/// broadcast, see RuntimeReport.h) an uninitialized tensor of the result's
/// extents. The last `trailing` dimensions of the result and of each
/// operand (a product's matrix dimensions) do not broadcast: they are left
/// to the caller (their sizes are null).
SmallVector<Value> broadcastOperands(OpBuilder &b, Location loc, RankedTensorType type,
                                     SmallVectorImpl<Value> &operands, unsigned trailing = 0);

/// `operand` (operand number `operandNo` of the op at `loc`) broadcast to a
/// result of `type` whose dynamic extents are `sizes` (as emptyTensor takes
/// them; right-aligned numpy broadcasting), deciding at run time as
/// broadcastOperands does where its dynamic extents are not those.
Value broadcastTo(OpBuilder &b, Location loc, Value operand, unsigned operandNo,
                  RankedTensorType type, ArrayRef<Value> sizes);

/// `lhs` and `rhs` with their reduced extents (`lhsAxis`, `rhsAxis`) one:
/// a dynamic one is required (requireExtents) to be the other's.
void matchReducedExtents(OpBuilder &b, Location loc, Value &lhs, int64_t lhsAxis, Value &rhs,
                         int64_t rhsAxis);

/// `operand` (operand number `operandNo` of the op at `loc`) where its
/// dynamic extents along the given axes are the expected ones (a product's
/// reduced dimension); else, at run time, a report naming the node and an
/// uninitialized tensor of the expected extents (Broadcast.cpp).
Value requireExtents(OpBuilder &b, Location loc, Value operand, unsigned operandNo,
                     ArrayRef<std::pair<int64_t, Value>> expected);

/// Indexing map reading `operand` (right-aligned, numpy broadcasting) inside
/// a loop nest of `resultRank` dimensions.
AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType operand,
                       RankedTensorType result);

/// An elementwise linalg.generic producing `type` from `inputs` with the
/// given input maps (identity output map).
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType type,
                       ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                       ArrayRef<Value> sizes, ScalarFn fn);

/// An elementwise generic with numpy broadcasting of `inputs` to `type`.
Value buildBroadcastElementwise(OpBuilder &b, Location loc,
                                RankedTensorType type, ValueRange inputs,
                                ScalarFn fn);

/// An elementwise body returning its (only) input: copies and broadcasts.
Value passThrough(OpBuilder &b, Location loc, ValueRange args);

/// A scalar constant of `type` (float or integer) with value `v`.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double v);

/// `type` (an integer, or a tensor of them) with unsigned integers made
/// signless: linalg and arith compute on signless integers; the lowering
/// picks unsigned operations where the aiopt operand type is unsigned.
Type signless(Type type);
RankedTensorType signless(RankedTensorType type);
/// An ONNX index (i32/i64, negative counts from the end) as an index into
/// an axis of `extent`, clamped so that no access is out of bounds.
Value wrapIndex(OpBuilder &b, Location l, Value raw, Value extent);

/// `acc` combined with `x` by the primitive reduction `kind` (prod, max,
/// min; sum otherwise), unsigned integers when `uns`.
Value combineReduction(OpBuilder &b, Location l, ReduceKind kind, Value acc, Value x,
                       bool uns);

/// Whether `v` has an unsigned integer (element) type.
bool isUnsigned(Value v);

/// A tensor filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<Value> sizes, Value value);

/// Reshapes `src` to `dst` (same element count): collapse_shape or
/// expand_shape where one suffices, else a collapse to 1-D and an expand.
Value reshapeTensor(OpBuilder &b, Location loc, Value src,
                    RankedTensorType dst);

/// `tensor.pad` of `src` to `type` with static `low`/`high` pads and the
/// constant `padValue`.
Value padConstant(OpBuilder &b, Location loc, RankedTensorType type, Value src,
                  ArrayRef<int64_t> low, ArrayRef<int64_t> high, Value padValue);

/// Iterator types: `parallel` for the first `numParallel` loops, then
/// `reduction`.
SmallVector<utils::IteratorType> iterators(unsigned numParallel,
                                           unsigned numReduction);

/// acc + x * y (* scale), in the type of `acc`: integer `x` and `y`
/// narrower than it (quantized 8-bit values) are extended first, with
/// zeros where `xUnsigned` / `yUnsigned`, else with their sign; narrower
/// floats (f16 or bf16 into f32, mixed precision) exactly.
Value multiplyAccumulate(OpBuilder &b, Location loc, Value acc, Value x, Value y, Value scale,
                         bool xUnsigned, bool yUnsigned);

/// A multiply-accumulate generic over loops (parallel..., reduction...; the
/// parallel ones are `init`'s dimensions, the maps' other loops reductions):
/// `init` is the accumulator; `scale` (optional) multiplies every product.
/// Integers multiply and accumulate with wrap-around; narrower integer
/// operands are extended (see multiplyAccumulate).
Value buildContraction(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init,
                       ArrayRef<AffineMap> maps, Value scale, bool lhsUnsigned = false,
                       bool rhsUnsigned = false);


} // namespace mlir::aiopt

#endif
