//===- ModelMutator.h - structure-aware mutations of ONNX models -*- C++ -*-===//
//
// For the fuzz targets: mutates a serialized ModelProto the way malformed
// or adversarial models differ from valid ones (shapes, attributes, element
// types, graph edges, initializer data), so the fuzzer reaches the
// importer's and the passes' checks instead of stopping at the protobuf
// parser.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_FUZZ_MODELMUTATOR_H
#define AIOPT_FUZZ_MODELMUTATOR_H

#include <cstddef>
#include <cstdint>

namespace mlir::aiopt::fuzz {

/// One structure-aware mutation of the model in data[0, size), written back
/// in place (at most maxSize bytes); falls back to libFuzzer's byte-level
/// mutation when the bytes are not a model. Returns the new size.
size_t mutateModel(uint8_t *data, size_t size, size_t maxSize, unsigned seed);

} // namespace mlir::aiopt::fuzz

#endif
