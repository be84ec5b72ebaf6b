//===- TensorProto.h - ONNX tensors and types to MLIR -----------*- C++ -*-===//
//
// Private: element types, value infos and TensorProto contents (inline or
// external data) as MLIR types and attributes.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_LIB_IMPORT_ONNX_TENSORPROTO_H
#define AIOPT_LIB_IMPORT_ONNX_TENSORPROTO_H

#include "aiopt/Import/ONNX/ONNXImporter.h"
#include "aiopt/Support/ErrorCodes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"

#include "onnx/onnx_pb.h"

namespace mlir::aiopt::onnx_import {

/// The MLIR element type of an ONNX TensorProto data type, or null.
Type elementType(MLIRContext *ctx, int32_t onnxType);

/// Printable name of an ONNX data type ("FLOAT", "UINT8", ...).
std::string dataTypeName(int32_t onnxType);

/// Checks static extents against the import limits: none negative
/// (InvalidTensorData), none above `maxDimSize` and at most
/// `maxTensorElements` in all (LimitExceeded); returns the element count.
/// `error(code)` starts a diagnostic naming the tensor.
FailureOr<int64_t> checkShapeLimits(ArrayRef<int64_t> extents, const ONNXImportOptions &options,
                                    llvm::function_ref<InFlightDiagnostic(ErrorCode)> error);

/// Ranked tensor type of a graph input or output; dim_param and missing
/// dims are dynamic. Emits an error at `loc` for unsupported element types,
/// missing shapes and negative or absurd dimensions.
FailureOr<RankedTensorType> valueInfoType(const onnx::ValueInfoProto &info,
                                          Location loc,
                                          const ONNXImportOptions &options);

/// The contents of `tensor` as an elements attribute: small tensors and
/// booleans as dense attributes (foldable), larger ones as dense resource
/// blobs. External data is read from `modelDir` only.
FailureOr<ElementsAttr> tensorAttr(const onnx::TensorProto &tensor,
                                   StringRef modelDir, Location loc,
                                   const ONNXImportOptions &options);

} // namespace mlir::aiopt::onnx_import

#endif
