//===- DataSet.cpp - calibration and validation samples from files --------===//
//
// The samples calibration and the accuracy guard run: .npy files holding
// every sample stacked, or ONNX TensorProto .pb files, stacked or one per
// sample folder (the layout of ONNX's test data).
//
//===----------------------------------------------------------------------===//

#include "DataSet.h"

#include "aiopt-c/Runtime.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/onnx_pb.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::aiopt;

//===----------------------------------------------------------------------===//
// Tensor files: .npy and ONNX TensorProto .pb
//===----------------------------------------------------------------------===//

namespace {

/// The ONNX data type of a numpy `descr` (little-endian or byte types).
int32_t dtypeOfDescr(StringRef d) {
  static const std::pair<const char *, int32_t> kTypes[] = {
      {"<f4", 1}, {"|u1", 2}, {"|i1", 3},  {"<u2", 4},  {"<i2", 5},  {"<i4", 6},
      {"<i8", 7}, {"|b1", 9}, {"<f2", 10}, {"<f8", 11}, {"<u4", 12}, {"<u8", 13}};
  for (auto [name, code] : kTypes)
    if (d == name)
      return code;
  return 0;
}

/// The value of `key` in a numpy header dict, up to the next top-level
/// comma (or the closing brace).
std::optional<StringRef> headerField(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  rest = rest.ltrim();
  if (rest.starts_with("(")) {
    size_t close = rest.find(')');
    return close == StringRef::npos ? std::nullopt : std::optional(rest.take_front(close + 1));
  }
  return rest.take_until([](char c) { return c == ',' || c == '}'; }).trim();
}

/// Reads a C-order .npy file.
FailureOr<HostTensor> readNpy(StringRef path, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return failure();
  }
  StringRef data = (*buffer)->getBuffer();
  auto bad = [&](const Twine &why) {
    error = ("'" + path + "' is not a usable .npy file: " + why).str();
    return failure();
  };
  if (data.size() < 10 || !data.starts_with("\x93NUMPY"))
    return bad("no NUMPY magic");
  unsigned major = static_cast<unsigned char>(data[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(data[8]) | (static_cast<unsigned char>(data[9]) << 8);
    offset = 10;
  } else {
    if (data.size() < 12)
      return bad("truncated header");
    uint32_t len;
    std::memcpy(&len, data.data() + 8, 4);
    headerLen = len;
    offset = 12;
  }
  if (offset + headerLen > data.size())
    return bad("truncated header");
  StringRef header = data.substr(offset, headerLen);
  auto descr = headerField(header, "descr");
  auto fortran = headerField(header, "fortran_order");
  auto shape = headerField(header, "shape");
  if (!descr || !fortran || !shape)
    return bad("header lacks descr, fortran_order or shape");
  if (*fortran != "False")
    return bad("Fortran order (save a C-contiguous array)");
  HostTensor t;
  t.dtype = dtypeOfDescr(descr->trim("'\""));
  if (!t.dtype)
    return bad("element type " + *descr + " is not supported");
  SmallVector<StringRef> dims;
  shape->trim("()").split(dims, ',', -1, /*KeepEmpty=*/false);
  int64_t count = 1;
  for (StringRef d : dims) {
    int64_t v;
    if (d.trim().getAsInteger(10, v) || v < 0)
      return bad("shape " + *shape);
    t.shape.push_back(v);
    count *= v;
  }
  size_t bytes = count * aiopt_dtype_size(t.dtype);
  if (data.size() - offset - headerLen != bytes)
    return bad("holds " + Twine(data.size() - offset - headerLen) + " data bytes, its shape " +
               *shape + " needs " + Twine(bytes));
  const char *begin = data.data() + offset + headerLen;
  t.bytes.assign(begin, begin + bytes);
  return t;
}

/// The numpy name of an ONNX data type, for messages.
std::string dtypeName(int32_t dtype) {
  static const char *kNames[] = {"?",       "float32", "uint8",   "int8",   "uint16",
                                 "int16",   "int32",   "int64",   "string", "bool",
                                 "float16", "float64", "uint32",  "uint64"};
  return dtype >= 0 && dtype < 14 ? kNames[dtype] : "type " + std::to_string(dtype);
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + (d < 0 ? std::string("?") : std::to_string(d));
  return s + "]";
}

/// Reads an ONNX TensorProto file: its data inline (raw_data or the typed
/// fields); external data is refused.
FailureOr<HostTensor> readTensorProto(StringRef path, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return failure();
  }
  auto bad = [&](const Twine &why) {
    error = ("'" + path + "' is not a usable TensorProto file: " + why).str();
    return failure();
  };
  onnx::TensorProto proto;
  StringRef bytes = (*buffer)->getBuffer();
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return bad("it does not parse");
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return bad("its data is external");
  HostTensor t;
  t.dtype = proto.data_type();
  size_t each = aiopt_dtype_size(t.dtype);
  if (!each)
    return bad("data type " + std::to_string(t.dtype) + " is not supported");
  int64_t n = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0 || (d && n > (int64_t(1) << 40) / d))
      return bad("its shape is negative or too large");
    t.shape.push_back(d);
    n *= d;
  }
  auto take = [&](const auto &field, auto tag) -> LogicalResult {
    using T = decltype(tag);
    if (field.size() != n)
      return failure();
    t.bytes.resize(n * each);
    for (int64_t i = 0; i < n; ++i) {
      T v = static_cast<T>(field.Get(i));
      std::memcpy(t.bytes.data() + i * each, &v, each);
    }
    return success();
  };
  LogicalResult read = failure();
  if (proto.has_raw_data()) {
    read = success(proto.raw_data().size() == size_t(n) * each);
    t.bytes.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else if (t.dtype == 1) {
    read = take(proto.float_data(), float());
  } else if (t.dtype == 11) {
    read = take(proto.double_data(), double());
  } else if (t.dtype == 7) {
    read = take(proto.int64_data(), int64_t());
  } else if (t.dtype == 13 || t.dtype == 12) {
    read = t.dtype == 13 ? take(proto.uint64_data(), uint64_t()) : take(proto.uint64_data(), uint32_t());
  } else if (each == 1) {
    read = take(proto.int32_data(), int8_t());
  } else if (each == 2) {
    read = take(proto.int32_data(), int16_t());
  } else {
    read = take(proto.int32_data(), int32_t());
  }
  if (failed(read))
    return bad("it holds a different number of elements than its shape");
  return t;
}

/// Reads a tensor file by its extension: .npy or .pb.
FailureOr<HostTensor> readTensorFile(StringRef path, std::string &error) {
  return path.ends_with(".pb") ? readTensorProto(path, error) : readNpy(path, error);
}

/// The file of tensor `name` in `dir`: <name> or <fallback>, .npy or .pb;
/// empty when there is none.
std::string findTensorFile(StringRef dir, StringRef name, StringRef fallback) {
  for (StringRef stem : {name, fallback})
    for (StringRef ext : {".npy", ".pb"}) {
      SmallString<256> p(dir);
      llvm::sys::path::append(p, stem + ext);
      if (llvm::sys::fs::exists(p))
        return std::string(p);
    }
  return "";
}

/// The sub-folders of `dir`, sorted: one sample each (the layout of
/// ONNX's test data, test_data_set_<n>/input_<i>.pb).
std::vector<std::string> sampleFolders(StringRef dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    if (llvm::sys::fs::is_directory(it->path()))
      out.push_back(it->path());
  llvm::sort(out);
  return out;
}

/// The samples of tensor `name` (or `fallback`) in `dir`, stacked on a
/// leading axis: a file in `dir` holding them stacked, or one file per
/// sample folder. `file` names the source in errors; empty with success
/// when there is none.
FailureOr<std::optional<HostTensor>> readSamples(StringRef dir, StringRef name, StringRef fallback,
                                                 std::string &file, std::string &error) {
  file = findTensorFile(dir, name, fallback);
  if (!file.empty()) {
    FailureOr<HostTensor> t = readTensorFile(file, error);
    return failed(t) ? FailureOr<std::optional<HostTensor>>(failure())
                     : FailureOr<std::optional<HostTensor>>(std::optional<HostTensor>(*t));
  }
  std::optional<HostTensor> stacked;
  for (const std::string &folder : sampleFolders(dir)) {
    std::string f = findTensorFile(folder, name, fallback);
    if (f.empty()) {
      if (stacked) {
        error = "'" + folder + "' has no " + name.str() + " (" + name.str() + ".pb or " +
                fallback.str() + ".pb), the sample folders before it do";
        return failure();
      }
      continue;
    }
    FailureOr<HostTensor> t = readTensorFile(f, error);
    if (failed(t))
      return failure();
    if (!stacked) {
      stacked = HostTensor{t->dtype, t->shape, {}};
      stacked->shape.insert(stacked->shape.begin(), 0);
      file = (llvm::sys::path::parent_path(folder) + "/*/" + llvm::sys::path::filename(f)).str();
    } else if (t->dtype != stacked->dtype ||
               ArrayRef<int64_t>(t->shape) != ArrayRef<int64_t>(stacked->shape).drop_front()) {
      error = "'" + f + "' has type " + dtypeName(t->dtype) + " and shape " +
              shapeString(t->shape) + ", the samples before it " + dtypeName(stacked->dtype) +
              " and " + shapeString(ArrayRef<int64_t>(stacked->shape).drop_front());
      return failure();
    }
    stacked->shape[0] += 1;
    llvm::append_range(stacked->bytes, t->bytes);
  }
  return stacked;
}

/// Whether `shape` (one sample) fits `want` (-1 any extent).
bool fits(ArrayRef<int64_t> shape, ArrayRef<int64_t> want) {
  if (shape.size() != want.size())
    return false;
  for (auto [s, w] : llvm::zip(shape, want))
    if (w >= 0 && s != w)
      return false;
  return true;
}

/// Splits a stacked tensor into its samples along the leading axis.
std::vector<HostTensor> unstack(const HostTensor &t) {
  std::vector<HostTensor> out;
  int64_t n = t.shape.empty() ? 0 : t.shape[0];
  size_t each = n ? t.bytes.size() / n : 0;
  for (int64_t i = 0; i < n; ++i) {
    HostTensor s;
    s.dtype = t.dtype;
    s.shape.assign(t.shape.begin() + 1, t.shape.end());
    s.bytes.assign(t.bytes.begin() + i * each, t.bytes.begin() + (i + 1) * each);
    out.push_back(std::move(s));
  }
  return out;
}

bool allFinite(const HostTensor &t) {
  if (t.dtype == 1) {
    for (size_t i = 0; i < t.bytes.size(); i += 4) {
      float v;
      std::memcpy(&v, t.bytes.data() + i, 4);
      if (!std::isfinite(v))
        return false;
    }
  } else if (t.dtype == 11) {
    for (size_t i = 0; i < t.bytes.size(); i += 8) {
      double v;
      std::memcpy(&v, t.bytes.data() + i, 8);
      if (!std::isfinite(v))
        return false;
    }
  }
  return true;
}

} // namespace

FailureOr<DataSet> mlir::aiopt::loadDataSet(StringRef dir, const ModelSignature &signature,
                                            bool validation, std::string &error) {
  if (!llvm::sys::fs::is_directory(dir)) {
    error = "'" + dir.str() + "' is not a folder";
    return failure();
  }
  DataSet set;
  int64_t count = -1;
  std::string countFrom;
  auto checkCount = [&](const HostTensor &t, StringRef file) {
    int64_t n = t.shape.empty() ? -1 : t.shape[0];
    if (count >= 0 && n != count) {
      error = "'" + file.str() + "' holds " + std::to_string(n) + " samples, '" + countFrom +
              "' holds " + std::to_string(count);
      return false;
    }
    count = n;
    countFrom = file.str();
    return true;
  };
  for (auto [i, in] : llvm::enumerate(signature.inputs)) {
    std::string file, fallback = "input_" + std::to_string(i);
    FailureOr<std::optional<HostTensor>> t = readSamples(dir, in.name, fallback, file, error);
    if (failed(t))
      return failure();
    if (!*t) {
      error = "'" + dir.str() + "' has no samples for input '" + in.name + "' (" + in.name +
              ".npy or " + fallback + ".npy, or " + fallback + ".pb in each sample folder)";
      return failure();
    }
    if ((*t)->dtype != in.dtype) {
      error = "'" + file + "' holds " + dtypeName((*t)->dtype) + " elements, input '" + in.name +
              "' takes " + dtypeName(in.dtype);
      return failure();
    }
    if ((*t)->shape.empty() || !fits(ArrayRef<int64_t>((*t)->shape).drop_front(), in.shape)) {
      error = "'" + file + "' has shape " + shapeString((*t)->shape) + "; input '" + in.name +
              "' takes samples of shape " + shapeString(in.shape) +
              " stacked on a leading axis";
      return failure();
    }
    if (!allFinite(**t)) {
      error = "'" + file + "' holds NaN or infinite values";
      return failure();
    }
    if (!checkCount(**t, file))
      return failure();
    std::vector<HostTensor> samples = unstack(**t);
    set.inputs.resize(samples.size());
    for (auto [s, sample] : llvm::enumerate(samples))
      set.inputs[s].push_back(std::move(sample));
  }
  if (count <= 0) {
    error = "'" + dir.str() + "' holds no samples";
    return failure();
  }
  if (!validation)
    return set;

  std::string file;
  FailureOr<std::optional<HostTensor>> labels = readSamples(dir, "labels", "labels", file, error);
  if (failed(labels))
    return failure();
  if (*labels) {
    const HostTensor &t = **labels;
    // One label per sample: a 1-D file, or a scalar (or [1]) per folder.
    int64_t elements = t.bytes.size() / std::max<size_t>(1, aiopt_dtype_size(t.dtype));
    if ((t.dtype != 6 && t.dtype != 7) || t.shape.empty() || elements != t.shape[0]) {
      error = "'" + file + "' must hold one int32 or int64 label per sample";
      return failure();
    }
    if (!checkCount(t, file))
      return failure();
    for (int64_t i = 0; i < count; ++i) {
      int64_t v = 0;
      if (t.dtype == 7) {
        std::memcpy(&v, t.bytes.data() + i * 8, 8);
      } else {
        int32_t w;
        std::memcpy(&w, t.bytes.data() + i * 4, 4);
        v = w;
      }
      set.labels.push_back(v);
    }
    return set;
  }
  const TensorSignature &out = signature.outputs.front();
  FailureOr<std::optional<HostTensor>> refs = readSamples(dir, out.name, "output_0", file, error);
  if (failed(refs))
    return failure();
  if (!*refs) {
    error = "'" + dir.str() + "' has neither labels (labels.npy) nor reference outputs (" +
            out.name + ".npy or output_0.npy, or output_0.pb in each sample folder)";
    return failure();
  }
  const HostTensor &t = **refs;
  if (t.dtype != 1 || t.shape.empty() || !fits(ArrayRef<int64_t>(t.shape).drop_front(), out.shape)) {
    error = "'" + file + "' must hold float samples of output '" + out.name + "' (shape " +
            shapeString(out.shape) + ") stacked on a leading axis";
    return failure();
  }
  if (!checkCount(t, file))
    return failure();
  for (HostTensor &s : unstack(t)) {
    std::vector<float> v(s.bytes.size() / 4);
    if (!v.empty())
      std::memcpy(v.data(), s.bytes.data(), s.bytes.size());
    set.references.push_back(std::move(v));
  }
  return set;
}
