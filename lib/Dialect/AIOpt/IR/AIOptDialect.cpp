//===- AIOptDialect.cpp - aiopt dialect registration ----------------------===//
//
// Registers the aiopt operations and materializes folded constants.
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/IR/AIOpt.h"

using namespace mlir;
using namespace mlir::aiopt;

#include "aiopt/Dialect/AIOpt/IR/AIOptDialect.cpp.inc"
#include "aiopt/Dialect/AIOpt/IR/AIOptEnums.cpp.inc"

void AIOptDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "aiopt/Dialect/AIOpt/IR/AIOptOps.cpp.inc"
      >();
}

Operation *AIOptDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type || !isa<RankedTensorType>(type))
    return nullptr;
  return ConstantOp::create(builder, loc, typed);
}
