//===- ModelMutator.cpp - structure-aware mutations of ONNX models --------===//

#include "ModelMutator.h"

#include "onnx/onnx_pb.h"

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

using Rng = std::mt19937;

template <typename T>
T pick(Rng &rng, std::initializer_list<T> values) {
  std::vector<T> v(values);
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

size_t below(Rng &rng, size_t n) { return n ? std::uniform_int_distribution<size_t>(0, n - 1)(rng) : 0; }

/// A dimension value a model might carry: small, zero, negative, huge.
int64_t dimValue(Rng &rng) {
  return pick<int64_t>(rng, {0, 1, 2, 3, 7, 64, -1, -7, int64_t(1) << 31, int64_t(1) << 62,
                             INT64_MAX, INT64_MIN});
}

/// Every value type in the graph (inputs, outputs, value_info).
std::vector<onnx::ValueInfoProto *> valueInfos(onnx::GraphProto &g) {
  std::vector<onnx::ValueInfoProto *> all;
  for (auto &v : *g.mutable_input())
    all.push_back(&v);
  for (auto &v : *g.mutable_output())
    all.push_back(&v);
  for (auto &v : *g.mutable_value_info())
    all.push_back(&v);
  return all;
}

/// Every value name produced or consumed in the graph.
std::vector<std::string> valueNames(const onnx::GraphProto &g) {
  std::vector<std::string> names;
  for (const auto &v : g.input())
    names.push_back(v.name());
  for (const auto &t : g.initializer())
    names.push_back(t.name());
  for (const auto &n : g.node())
    for (const auto &o : n.output())
      names.push_back(o);
  return names;
}

bool mutateShape(onnx::GraphProto &g, Rng &rng) {
  auto infos = valueInfos(g);
  if (infos.empty())
    return false;
  auto *type = infos[below(rng, infos.size())]->mutable_type();
  if (!type->has_tensor_type())
    return false;
  auto *shape = type->mutable_tensor_type()->mutable_shape();
  switch (below(rng, 4)) {
  case 0: // change a dimension
    if (shape->dim_size() == 0)
      return false;
    shape->mutable_dim(below(rng, shape->dim_size()))->set_dim_value(dimValue(rng));
    return true;
  case 1: // add one
    shape->add_dim()->set_dim_value(dimValue(rng));
    return true;
  case 2: // make one symbolic
    if (shape->dim_size() == 0)
      return false;
    shape->mutable_dim(below(rng, shape->dim_size()))->set_dim_param("n");
    return true;
  default: // drop the shape
    type->mutable_tensor_type()->clear_shape();
    return true;
  }
}

bool mutateAttribute(onnx::GraphProto &g, Rng &rng) {
  if (g.node_size() == 0)
    return false;
  auto *node = g.mutable_node(below(rng, g.node_size()));
  if (node->attribute_size() == 0 || below(rng, 4) == 0) {
    auto *a = node->add_attribute();
    a->set_name(pick<const char *>(rng, {"axis", "axes", "perm", "kernel_shape", "strides",
                                         "pads", "group", "dilations", "keepdims", "to"}));
    a->set_type(onnx::AttributeProto::INTS);
    for (size_t i = 0, n = below(rng, 5); i < n; ++i)
      a->add_ints(dimValue(rng));
    return true;
  }
  auto *a = node->mutable_attribute(below(rng, node->attribute_size()));
  switch (below(rng, 4)) {
  case 0:
    a->set_i(dimValue(rng));
    return true;
  case 1:
    if (a->ints_size())
      a->set_ints(below(rng, a->ints_size()), dimValue(rng));
    else
      a->add_ints(dimValue(rng));
    return true;
  case 2:
    a->set_f(pick<float>(rng, {0.f, -1.f, 1e30f, std::numeric_limits<float>::quiet_NaN(),
                               std::numeric_limits<float>::infinity()}));
    return true;
  default: // a type the attribute does not hold
    a->set_type(static_cast<onnx::AttributeProto::AttributeType>(below(rng, 15)));
    return true;
  }
}

bool mutateElementType(onnx::GraphProto &g, Rng &rng) {
  int32_t type = static_cast<int32_t>(below(rng, 28));
  if (g.initializer_size() && below(rng, 2)) {
    g.mutable_initializer(below(rng, g.initializer_size()))->set_data_type(type);
    return true;
  }
  auto infos = valueInfos(g);
  if (infos.empty())
    return false;
  infos[below(rng, infos.size())]->mutable_type()->mutable_tensor_type()->set_elem_type(type);
  return true;
}

bool mutateEdges(onnx::GraphProto &g, Rng &rng) {
  if (g.node_size() == 0)
    return false;
  auto names = valueNames(g);
  int index = static_cast<int>(below(rng, g.node_size()));
  auto *node = g.mutable_node(index);
  switch (below(rng, 5)) {
  case 0: // rewire an input (possibly to a later value: a cycle)
    if (node->input_size() == 0 || names.empty())
      return false;
    node->set_input(below(rng, node->input_size()), names[below(rng, names.size())]);
    return true;
  case 1: // a value nobody produces, or an empty optional input
    node->add_input(below(rng, 2) ? "" : "undefined_value");
    return true;
  case 2: // drop an input
    if (node->input_size() == 0)
      return false;
    node->mutable_input()->RemoveLast();
    return true;
  case 3: // another operator on the same edges
    node->set_op_type(pick<const char *>(rng, {"Conv", "MatMul", "Gemm", "Reshape", "Gather",
                                               "Concat", "Slice", "Loop", "If", "Scan",
                                               "Resize", "Einsum", "TopK", "Split", "Pad"}));
    return true;
  default: // remove or duplicate the node
    if (below(rng, 2)) {
      g.mutable_node()->SwapElements(index, g.node_size() - 1);
      g.mutable_node()->RemoveLast();
    } else {
      onnx::NodeProto copy = *node;
      *g.add_node() = copy;
    }
    return true;
  }
}

bool mutateInitializer(onnx::GraphProto &g, Rng &rng) {
  if (g.initializer_size() == 0)
    return false;
  auto *t = g.mutable_initializer(below(rng, g.initializer_size()));
  switch (below(rng, 4)) {
  case 0: // truncate the data
    if (!t->raw_data().empty())
      t->mutable_raw_data()->resize(below(rng, t->raw_data().size()));
    else
      t->clear_float_data();
    return true;
  case 1: // a dimension that disagrees with the data
    if (t->dims_size())
      t->set_dims(below(rng, t->dims_size()), dimValue(rng));
    else
      t->add_dims(dimValue(rng));
    return true;
  case 2: // external data, inside and outside the folder
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    {
      auto *kv = t->add_external_data();
      kv->set_key("location");
      kv->set_value(pick<const char *>(rng, {"w.bin", "../w.bin", "/etc/passwd", ""}));
    }
    return true;
  default: // a sparse or string payload where floats were
    t->add_string_data("x");
    return true;
  }
}

} // namespace

size_t mlir::aiopt::fuzz::mutateModel(uint8_t *data, size_t size, size_t maxSize, unsigned seed) {
  onnx::ModelProto model;
  Rng rng(seed);
  if (!model.ParseFromArray(data, static_cast<int>(size)) || !model.has_graph() ||
      below(rng, 8) == 0)
    return LLVMFuzzerMutate(data, size, maxSize);
  onnx::GraphProto &g = *model.mutable_graph();
  bool changed = false;
  for (int attempt = 0; attempt < 4 && !changed; ++attempt) {
    switch (below(rng, 5)) {
    case 0: changed = mutateShape(g, rng); break;
    case 1: changed = mutateAttribute(g, rng); break;
    case 2: changed = mutateElementType(g, rng); break;
    case 3: changed = mutateEdges(g, rng); break;
    default: changed = mutateInitializer(g, rng); break;
    }
  }
  std::string bytes;
  if (!changed || !model.SerializeToString(&bytes) || bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
