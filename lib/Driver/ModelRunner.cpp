//===- ModelRunner.cpp - run a module compiled in process -----------------===//

#include "ModelRunner.h"

#include "aiopt-c/Runtime.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>
#include <dlfcn.h>

using namespace mlir;
using namespace mlir::aiopt;

//===----------------------------------------------------------------------===//
// .npy files
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

/// The file for tensor `name` (or, failing that, `<fallback>.npy`) in `dir`.
std::string tensorFile(StringRef dir, StringRef name, StringRef fallback) {
  SmallString<256> p(dir);
  llvm::sys::path::append(p, name + ".npy");
  if (llvm::sys::fs::exists(p))
    return std::string(p);
  p = dir;
  llvm::sys::path::append(p, fallback + ".npy");
  return std::string(p);
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
    std::string file = tensorFile(dir, in.name, "input_" + std::to_string(i));
    if (!llvm::sys::fs::exists(file)) {
      error = "'" + dir.str() + "' has no samples for input '" + in.name + "' (" + in.name +
              ".npy or input_" + std::to_string(i) + ".npy)";
      return failure();
    }
    FailureOr<HostTensor> t = readNpy(file, error);
    if (failed(t))
      return failure();
    if (t->dtype != in.dtype) {
      error = "'" + file + "' holds " + dtypeName(t->dtype) + " elements, input '" + in.name +
              "' takes " + dtypeName(in.dtype);
      return failure();
    }
    if (t->shape.empty() || !fits(ArrayRef<int64_t>(t->shape).drop_front(), in.shape)) {
      error = "'" + file + "' has shape " + shapeString(t->shape) + "; input '" + in.name +
              "' takes samples of shape " + shapeString(in.shape) +
              " stacked on a leading axis";
      return failure();
    }
    if (!allFinite(*t)) {
      error = "'" + file + "' holds NaN or infinite values";
      return failure();
    }
    if (!checkCount(*t, file))
      return failure();
    std::vector<HostTensor> samples = unstack(*t);
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

  SmallString<256> labels(dir);
  llvm::sys::path::append(labels, "labels.npy");
  if (llvm::sys::fs::exists(labels)) {
    FailureOr<HostTensor> t = readNpy(labels, error);
    if (failed(t))
      return failure();
    if (t->shape.size() != 1 || (t->dtype != 6 && t->dtype != 7)) {
      error = "'" + std::string(labels) + "' must hold one int32 or int64 label per sample";
      return failure();
    }
    if (!checkCount(*t, labels))
      return failure();
    for (int64_t i = 0; i < count; ++i) {
      int64_t v = 0;
      if (t->dtype == 7)
        std::memcpy(&v, t->bytes.data() + i * 8, 8);
      else {
        int32_t w;
        std::memcpy(&w, t->bytes.data() + i * 4, 4);
        v = w;
      }
      set.labels.push_back(v);
    }
    return set;
  }
  const TensorSignature &out = signature.outputs.front();
  std::string file = tensorFile(dir, out.name, "output_0");
  if (!llvm::sys::fs::exists(file)) {
    error = "'" + dir.str() + "' has neither labels.npy nor reference outputs (" + out.name +
            ".npy or output_0.npy)";
    return failure();
  }
  FailureOr<HostTensor> t = readNpy(file, error);
  if (failed(t))
    return failure();
  if (t->dtype != 1 || t->shape.empty() || !fits(ArrayRef<int64_t>(t->shape).drop_front(), out.shape)) {
    error = "'" + file + "' must hold float samples of output '" + out.name + "' (shape " +
            shapeString(out.shape) + ") stacked on a leading axis";
    return failure();
  }
  if (!checkCount(*t, file))
    return failure();
  for (HostTensor &s : unstack(*t)) {
    std::vector<float> v(s.bytes.size() / 4);
    std::memcpy(v.data(), s.bytes.data(), s.bytes.size());
    set.references.push_back(std::move(v));
  }
  return set;
}

//===----------------------------------------------------------------------===//
// Compiled models
//===----------------------------------------------------------------------===//

FailureOr<std::unique_ptr<LoadedModel>>
LoadedModel::build(MLIRContext &context, ModuleOp module, const DriverOptions &options,
                   std::string &error) {
  OwningOpRef<ModuleOp> clone = module.clone();
  FailureOr<ModelSignature> sig = getModelSignature(*clone, options.name);
  if (failed(sig)) {
    error = "cannot read the model's signature";
    return failure();
  }
  DriverOptions o = options;
  o.parallel = false;
  o.quantization = QuantizationOptions();
  FailureOr<std::string> object = compileModuleToObject(context, *clone, Phase::Graph, o);
  if (failed(object)) {
    error = "compiling the model for a measurement failed";
    return failure();
  }
  SmallString<128> dir;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("aiopt-run", dir)) {
    error = "cannot make a temporary folder: " + ec.message();
    return failure();
  }
  SmallString<128> objectPath(dir), libPath(dir);
  llvm::sys::path::append(objectPath, "model.o");
  llvm::sys::path::append(libPath, "model.so");
  auto cleanup = llvm::make_scope_exit([&] {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(libPath);
    llvm::sys::fs::remove(dir);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec) {
      error = "cannot write '" + std::string(objectPath) + "': " + ec.message();
      return failure();
    }
    os << *object;
  }
  if (failed(linkSharedLibrary(objectPath, libPath, false, error)))
    return failure();
  // The runtime must be global for the model's allocations to bind to it.
  Dl_info runtime;
  if (dladdr(reinterpret_cast<void *>(&aiopt_run), &runtime) && runtime.dli_fname)
    dlopen(runtime.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  std::unique_ptr<LoadedModel> model(new LoadedModel());
  model->handle = dlopen(libPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->handle) {
    error = std::string("cannot load the measured model: ") + dlerror();
    return failure();
  }
  model->name = options.name;
  model->entry = dlsym(model->handle, (options.name + "_entry").c_str());
  if (!model->entry) {
    error = "the measured model lacks its entry point";
    return failure();
  }
  model->sig = *sig;
  return model;
}

LoadedModel::~LoadedModel() {
  if (handle)
    dlclose(handle);
}

LogicalResult LoadedModel::run(const std::vector<HostTensor> &inputs,
                               std::vector<std::vector<float>> &outputs, std::string &error) {
  auto describe = [](const std::vector<TensorSignature> &specs) {
    std::vector<aiopt_tensor_info> info;
    for (const TensorSignature &s : specs)
      info.push_back({s.name.c_str(), s.dtype, static_cast<int32_t>(s.shape.size()),
                      s.shape.data()});
    return info;
  };
  std::vector<aiopt_tensor_info> inInfo = describe(sig.inputs), outInfo = describe(sig.outputs);
  aiopt_model_info info{AIOPT_ABI_VERSION, name.c_str(),     inInfo.size(),
                        inInfo.data(),     outInfo.size(),   outInfo.data(),
                        reinterpret_cast<aiopt_entry_fn>(entry), ""};
  std::vector<aiopt_tensor> in(inputs.size()), out(outInfo.size());
  for (auto [t, h] : llvm::zip(in, inputs)) {
    t.data = const_cast<char *>(h.bytes.data());
    t.dtype = h.dtype;
    t.rank = static_cast<int32_t>(h.shape.size());
    llvm::copy(h.shape, t.shape);
  }
  if (aiopt_run(&info, in.data(), in.size(), out.data(), out.size()) != AIOPT_OK) {
    error = aiopt_last_error();
    return failure();
  }
  outputs.clear();
  for (aiopt_tensor &t : out) {
    std::vector<float> v;
    if (t.dtype == AIOPT_F32) {
      v.resize(aiopt_tensor_num_elements(&t));
      std::memcpy(v.data(), t.data, v.size() * 4);
    }
    outputs.push_back(std::move(v));
    aiopt_tensor_free(&t);
  }
  return success();
}
