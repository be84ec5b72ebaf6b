//===- TensorProto.cpp - ONNX tensors and types to MLIR -------------------===//
//
// Decodes ONNX element types, value infos and tensor contents (typed
// fields, raw data or external files confined to the model's folder).
//
//===----------------------------------------------------------------------===//

#include "TensorProto.h"

#include "aiopt/Support/ErrorCodes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::aiopt;
using namespace mlir::aiopt::onnx_import;

/// Tensors with at most this many elements become dense attributes that
/// folders can read; larger ones are resource blobs.
static constexpr int64_t kMaxInlineElements = 64;

Type onnx_import::elementType(MLIRContext *ctx, int32_t t) {
  Builder b(ctx);
  switch (t) {
  case onnx::TensorProto::FLOAT: return b.getF32Type();
  case onnx::TensorProto::DOUBLE: return b.getF64Type();
  case onnx::TensorProto::FLOAT16: return b.getF16Type();
  case onnx::TensorProto::BFLOAT16: return b.getBF16Type();
  case onnx::TensorProto::INT8: return b.getIntegerType(8);
  case onnx::TensorProto::INT16: return b.getIntegerType(16);
  case onnx::TensorProto::INT32: return b.getI32Type();
  case onnx::TensorProto::INT64: return b.getI64Type();
  case onnx::TensorProto::BOOL: return b.getI1Type();
  case onnx::TensorProto::UINT8: return b.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::UINT16: return b.getIntegerType(16, /*isSigned=*/false);
  case onnx::TensorProto::UINT32: return b.getIntegerType(32, /*isSigned=*/false);
  case onnx::TensorProto::UINT64: return b.getIntegerType(64, /*isSigned=*/false);
  case 17: return b.getType<Float8E4M3FNType>();   // FLOAT8E4M3FN
  case 18: return b.getType<Float8E4M3FNUZType>(); // FLOAT8E4M3FNUZ
  case 19: return b.getType<Float8E5M2Type>();     // FLOAT8E5M2
  case 20: return b.getType<Float8E5M2FNUZType>(); // FLOAT8E5M2FNUZ
  case 21: return b.getIntegerType(4, /*isSigned=*/false); // UINT4
  case 22: return b.getIntegerType(4);                     // INT4
  case 23: return b.getType<Float4E2M1FNType>();   // FLOAT4E2M1
  case 25: return b.getIntegerType(2, /*isSigned=*/false); // UINT2
  case 26: return b.getIntegerType(2);                     // INT2
  default: return {};
  }
}

std::string onnx_import::dataTypeName(int32_t t) {
  // Types newer than the protobuf definitions this build uses.
  static const char *const newer[] = {"FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
                                      "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1",
                                      "FLOAT8E8M0", "UINT2", "INT2"};
  if (t >= 17 && t <= 26)
    return newer[t - 17];
  if (onnx::TensorProto::DataType_IsValid(t))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(t));
  return "<invalid " + std::to_string(t) + ">";
}

FailureOr<int64_t>
onnx_import::checkShapeLimits(ArrayRef<int64_t> extents, const ONNXImportOptions &options,
                              llvm::function_ref<InFlightDiagnostic(ErrorCode)> error) {
  int64_t count = 1;
  for (int64_t d : extents) {
    if (d < 0)
      return error(ErrorCode::InvalidTensorData) << " has negative dimension " << d;
    if (d > options.maxDimSize)
      return error(ErrorCode::LimitExceeded)
             << " has dimension " << d << " above the limit " << options.maxDimSize;
    if (d != 0 && count > options.maxTensorElements / d)
      return error(ErrorCode::LimitExceeded)
             << " has more than " << options.maxTensorElements << " elements";
    count *= d;
  }
  return count;
}

FailureOr<RankedTensorType>
onnx_import::valueInfoType(const onnx::ValueInfoProto &info, Location loc,
                           const ONNXImportOptions &options) {
  std::string what = "value '" + info.name() + "'";
  if (!info.type().has_tensor_type())
    return emitError(loc) << errorTag(ErrorCode::UnsupportedType) << what << " is not a tensor (sequences, maps and "
                                     "optionals are not supported)";
  const auto &tt = info.type().tensor_type();
  Type et = elementType(loc.getContext(), tt.elem_type());
  if (!et)
    return emitError(loc) << errorTag(ErrorCode::UnsupportedType) << what << " has unsupported element type "
                          << dataTypeName(tt.elem_type());
  if (!tt.has_shape())
    return emitError(loc) << errorTag(ErrorCode::UnsupportedType) << what << " has no shape (unranked tensors are "
                                     "not supported)";
  SmallVector<int64_t> shape, extents;
  for (const auto &d : tt.shape().dim()) {
    shape.push_back(d.has_dim_value() ? d.dim_value() : ShapedType::kDynamic);
    if (d.has_dim_value())
      extents.push_back(d.dim_value());
  }
  if (failed(checkShapeLimits(extents, options, [&](ErrorCode code) {
        return emitError(loc) << errorTag(code) << what;
      })))
    return failure();
  return RankedTensorType::get(shape, et);
}

/// Bytes per element of ONNX raw data.
static size_t storageBytes(Type et) {
  return et.isInteger(1) ? 1 : (et.getIntOrFloatBitWidth() + 7) / 8;
}

/// Element types ONNX stores several to a byte.
static bool isPacked(Type et) {
  return !et.isInteger(1) && et.getIntOrFloatBitWidth() < 8;
}

/// Reads the external data of `tensor`, refusing paths outside `modelDir`.
static LogicalResult readExternal(const onnx::TensorProto &tensor,
                                  StringRef modelDir, Location loc,
                                  std::vector<char> &bytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = std::atoll(kv.value().c_str());
    else if (kv.key() == "length")
      length = std::atoll(kv.value().c_str());
  }
  std::string what = "external data '" + location + "' of tensor '" +
                     tensor.name() + "'";
  if (location.empty())
    return emitError(loc) << errorTag(ErrorCode::ExternalData) << "tensor '" << tensor.name()
                          << "' has external data without a location";
  bool escapes = llvm::sys::path::is_absolute(location) ||
                 llvm::sys::path::has_root_name(location);
  for (auto it = llvm::sys::path::begin(location),
            e = llvm::sys::path::end(location);
       it != e; ++it)
    escapes |= *it == "..";
  SmallString<256> dir, real;
  if (llvm::sys::fs::real_path(modelDir.empty() ? "." : modelDir, dir))
    return emitError(loc) << errorTag(ErrorCode::ExternalData) << "cannot resolve the model folder '" << modelDir << "'";
  SmallString<256> path(dir);
  llvm::sys::path::append(path, location);
  if (!escapes && !llvm::sys::fs::real_path(path, real)) {
    // Symlinks may still lead outside the folder.
    escapes = !StringRef(real).starts_with((dir + "/").str());
  } else if (!escapes) {
    return emitError(loc) << errorTag(ErrorCode::ExternalData) << what << " cannot be opened";
  }
  if (escapes)
    return emitError(loc) << errorTag(ErrorCode::ExternalData) << what
                          << " is outside the model's folder; refusing to read it";
  auto buffer = llvm::MemoryBuffer::getFile(real, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return emitError(loc) << errorTag(ErrorCode::ExternalData) << what << " cannot be read: "
                          << buffer.getError().message();
  int64_t size = (*buffer)->getBufferSize();
  if (length < 0)
    length = size - offset;
  if (offset < 0 || offset > size || length != static_cast<int64_t>(bytes.size()) ||
      offset + length > size)
    return emitError(loc) << errorTag(ErrorCode::ExternalData) << what << " holds " << size
                          << " bytes; cannot read " << bytes.size()
                          << " bytes at offset " << offset;
  // An empty tensor has no storage (memcpy's pointers must not be null).
  if (!bytes.empty())
    std::memcpy(bytes.data(), (*buffer)->getBufferStart() + offset, bytes.size());
  return success();
}

/// Copies typed-field values into little-endian storage of `et`.
template <typename T, typename Field>
static bool copyField(const Field &field, size_t count, Type et,
                      std::vector<char> &bytes) {
  if (static_cast<size_t>(field.size()) != count)
    return false;
  size_t w = storageBytes(et);
  for (size_t i = 0; i < count; ++i) {
    T v = static_cast<T>(field.Get(i));
    std::memcpy(bytes.data() + i * w, &v, w);
  }
  return true;
}

FailureOr<ElementsAttr>
onnx_import::tensorAttr(const onnx::TensorProto &tensor, StringRef modelDir,
                        Location loc, const ONNXImportOptions &options) {
  MLIRContext *ctx = loc.getContext();
  std::string what = "tensor '" + tensor.name() + "'";
  Type et = elementType(ctx, tensor.data_type());
  if (!et)
    return emitError(loc) << errorTag(ErrorCode::UnsupportedType) << what << " has unsupported element type "
                          << dataTypeName(tensor.data_type());
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  FailureOr<int64_t> elements = checkShapeLimits(shape, options, [&](ErrorCode code) {
    return emitError(loc) << errorTag(code) << what;
  });
  if (failed(elements))
    return failure();
  int64_t count = *elements;
  auto type = RankedTensorType::get(shape, et);
  std::vector<char> bytes(count * storageBytes(et));

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    if (failed(readExternal(tensor, modelDir, loc, bytes)))
      return failure();
  } else if (isPacked(et)) {
    // 4- and 2-bit elements are packed low bits first, in raw_data or one
    // byte per int32_data entry; stored one element per byte.
    std::string packed = tensor.raw_data();
    if (!tensor.has_raw_data())
      for (int32_t v : tensor.int32_data())
        packed.push_back(static_cast<char>(v));
    unsigned w = et.getIntOrFloatBitWidth(), perByte = 8 / w;
    size_t expected = (count + perByte - 1) / perByte;
    if (packed.size() != expected)
      return emitError(loc) << errorTag(ErrorCode::InvalidTensorData) << what << " has " << packed.size() << " bytes of packed data, expected "
                            << expected;
    for (int64_t i = 0; i < count; ++i)
      bytes[i] = static_cast<char>((static_cast<unsigned char>(packed[i / perByte]) >>
                                    (w * (i % perByte))) & ((1u << w) - 1));
  } else if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != bytes.size())
      return emitError(loc) << errorTag(ErrorCode::InvalidTensorData) << what << " has " << tensor.raw_data().size()
                            << " bytes of raw data, expected " << bytes.size();
    if (!bytes.empty()) // an empty tensor: no storage to copy into
      std::memcpy(bytes.data(), tensor.raw_data().data(), bytes.size());
  } else {
    bool ok;
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      ok = copyField<float>(tensor.float_data(), count, et, bytes);
      break;
    case onnx::TensorProto::DOUBLE:
      ok = copyField<double>(tensor.double_data(), count, et, bytes);
      break;
    case onnx::TensorProto::INT64:
      ok = copyField<int64_t>(tensor.int64_data(), count, et, bytes);
      break;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      ok = copyField<uint64_t>(tensor.uint64_data(), count, et, bytes);
      break;
    default: // (u)int16, (u)int8, int32, bool, float16 and bfloat16 bits
      ok = copyField<int32_t>(tensor.int32_data(), count, et, bytes);
      break;
    }
    if (!ok)
      return emitError(loc) << errorTag(ErrorCode::InvalidTensorData) << what << " does not hold " << count << " values";
  }

  if (et.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, values));
  }
  if (count <= kMaxInlineElements)
    return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, bytes));
  std::string blobName = tensor.name().empty() ? "tensor" : tensor.name();
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(bytes), /*align=*/64);
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, blobName, std::move(blob)));
}
