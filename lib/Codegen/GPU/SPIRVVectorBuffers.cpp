//===- SPIRVVectorBuffers.cpp - vector loads through vector views ---------===//
//
// Replaces the pointer casts convert-gpu-to-spirv makes of vector loads
// (invalid under logical addressing): a storage buffer's by access chains
// into a second variable bound to the same buffer whose array holds
// vectors; a workgroup variable's by retyping the variable as an array of
// vectors (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVTypes.h"
#include "mlir/IR/Matchers.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUSPIRVVECTORBUFFERSPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;

namespace {
/// A cast this pass rewrites: an element of the array of a variable
/// (`chain`, indices [0, index]) seen as `vector`.
struct VectorAccess {
  spirv::BitcastOp cast;
  spirv::AccessChainOp chain;
  spirv::GlobalVariableOp variable;
  VectorType vector;
};

/// The variable's `struct { T[] or T[n] }` and that array, when it has
/// that form and is a bound storage buffer or a workgroup variable.
struct ScalarArray {
  spirv::PointerType pointer;
  spirv::StructType structType;
  Type element;
  unsigned stride = 0;
  std::optional<int64_t> length;
};

std::optional<ScalarArray> scalarArray(spirv::GlobalVariableOp variable) {
  auto pointer = dyn_cast<spirv::PointerType>(variable.getType());
  if (!pointer)
    return std::nullopt;
  spirv::StorageClass storage = pointer.getStorageClass();
  bool bound = variable.getBinding() && variable.getDescriptorSet();
  if (!(storage == spirv::StorageClass::StorageBuffer && bound) &&
      storage != spirv::StorageClass::Workgroup)
    return std::nullopt;
  auto structType = dyn_cast<spirv::StructType>(pointer.getPointeeType());
  if (!structType || structType.getNumElements() != 1)
    return std::nullopt;
  Type member = structType.getElementType(0);
  if (auto array = dyn_cast<spirv::RuntimeArrayType>(member))
    return ScalarArray{pointer, structType, array.getElementType(), array.getArrayStride(),
                       std::nullopt};
  if (auto array = dyn_cast<spirv::ArrayType>(member))
    return ScalarArray{pointer, structType, array.getElementType(), array.getArrayStride(),
                       array.getNumElements()};
  return std::nullopt;
}

bool isWorkgroup(spirv::GlobalVariableOp variable) {
  return cast<spirv::PointerType>(variable.getType()).getStorageClass() ==
         spirv::StorageClass::Workgroup;
}

/// The access `cast` makes, when it has the form this pass rewrites.
std::optional<VectorAccess> match(spirv::BitcastOp cast, SymbolTable &symbols) {
  auto from = dyn_cast<spirv::PointerType>(cast.getOperand().getType());
  auto to = dyn_cast<spirv::PointerType>(cast.getType());
  if (!from || !to)
    return std::nullopt;
  auto vector = dyn_cast<VectorType>(to.getPointeeType());
  auto chain = cast.getOperand().getDefiningOp<spirv::AccessChainOp>();
  if (!vector || vector.getElementType() != from.getPointeeType() || !chain ||
      chain.getIndices().size() != 2 || !matchPattern(chain.getIndices()[0], m_Zero()) ||
      !llvm::isPowerOf2_64(vector.getNumElements()))
    return std::nullopt;
  auto address = chain.getBasePtr().getDefiningOp<spirv::AddressOfOp>();
  auto variable = address ? symbols.lookup<spirv::GlobalVariableOp>(address.getVariable())
                          : spirv::GlobalVariableOp();
  std::optional<ScalarArray> array = variable ? scalarArray(variable) : std::nullopt;
  if (!array || array->element != vector.getElementType())
    return std::nullopt;
  // Storage buffers are laid out (a stride of the element's size);
  // workgroup variables are not, and must hold whole vectors.
  if (isWorkgroup(variable)
          ? array->stride != 0 || array->structType.hasOffset() || !array->length ||
                *array->length % vector.getNumElements()
          : array->stride * 8 != vector.getElementTypeBitWidth())
    return std::nullopt;
  return VectorAccess{cast, chain, variable, vector};
}

/// `index` divided by the lanes of `vector` (a power of two), and with
/// `remainder` the lane.
Value vectorIndex(OpBuilder &b, Location loc, Value index, VectorType vector,
                  Value *remainder = nullptr) {
  int64_t lanes = vector.getNumElements();
  Type t = index.getType();
  if (remainder)
    *remainder = spirv::BitwiseAndOp::create(
        b, loc, index, spirv::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, lanes - 1)));
  Value shift = spirv::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, llvm::Log2_64(lanes)));
  return spirv::ShiftRightLogicalOp::create(b, loc, index, shift);
}

/// `pointer` (to `struct { T[...] }`) with its array holding `vector`s.
spirv::PointerType vectorPointer(const ScalarArray &array, VectorType vector) {
  SmallVector<spirv::StructType::StructDecorationInfo> decorations;
  array.structType.getStructDecorations(decorations);
  int64_t lanes = vector.getNumElements();
  Type member;
  SmallVector<spirv::StructType::OffsetInfo> offsets;
  if (array.length) {
    member = array.stride ? spirv::ArrayType::get(vector, *array.length / lanes, array.stride * lanes)
                          : spirv::ArrayType::get(vector, *array.length / lanes);
  } else {
    member = spirv::RuntimeArrayType::get(vector, array.stride * lanes);
  }
  if (array.structType.hasOffset())
    offsets.push_back(0);
  return spirv::PointerType::get(spirv::StructType::get({member}, offsets, {}, decorations),
                                 array.pointer.getStorageClass());
}

struct GPUSPIRVVectorBuffersPass
    : aiopt::impl::GPUSPIRVVectorBuffersPassBase<GPUSPIRVVectorBuffersPass> {
  void runOnOperation() override;

private:
  /// Storage buffers: the casts read a vector view bound to the same
  /// buffer (one per variable and vector type).
  void viewBuffer(spirv::GlobalVariableOp variable, ArrayRef<VectorAccess> accesses,
                  SymbolTable &symbols);
  /// Workgroup variables: the variable becomes an array of vectors, which
  /// scalar accesses index by vector and lane.
  LogicalResult retypeWorkgroup(spirv::GlobalVariableOp variable, ArrayRef<VectorAccess> accesses);
};

void GPUSPIRVVectorBuffersPass::viewBuffer(spirv::GlobalVariableOp variable,
                                           ArrayRef<VectorAccess> accesses,
                                           SymbolTable &symbols) {
  ScalarArray array = *scalarArray(variable);
  DenseMap<Type, spirv::GlobalVariableOp> views;
  OpBuilder b(variable);
  for (VectorAccess a : accesses) {
    spirv::GlobalVariableOp &view = views[a.vector];
    if (!view) {
      b.setInsertionPoint(variable);
      // Storage buffers of the same binding read as a runtime array.
      ScalarArray unsized = array;
      unsized.length = std::nullopt;
      std::string name = (variable.getSymName() + "_vec" + Twine(a.vector.getNumElements())).str();
      view = spirv::GlobalVariableOp::create(b, variable.getLoc(), vectorPointer(unsized, a.vector),
                                             name, *variable.getDescriptorSet(),
                                             *variable.getBinding());
      symbols.insert(view);
      // The serializer writes a unit attribute named after a decoration as
      // that decoration: both variables may now alias.
      view->setAttr("aliased", b.getUnitAttr());
      variable->setAttr("aliased", b.getUnitAttr());
    }
    b.setInsertionPoint(a.cast);
    Location loc = a.cast.getLoc();
    Value index = vectorIndex(b, loc, a.chain.getIndices()[1], a.vector);
    Value base = spirv::AddressOfOp::create(b, loc, view);
    a.cast.replaceAllUsesWith(spirv::AccessChainOp::create(
                                  b, loc, base, ValueRange{a.chain.getIndices()[0], index})
                                  .getResult());
    a.cast.erase();
    // (A chain two casts share goes with the second.)
    if (a.chain->use_empty())
      a.chain.erase();
  }
}

LogicalResult GPUSPIRVVectorBuffersPass::retypeWorkgroup(spirv::GlobalVariableOp variable,
                                                         ArrayRef<VectorAccess> accesses) {
  VectorType vector = accesses.front().vector;
  if (llvm::any_of(accesses, [&](const VectorAccess &a) { return a.vector != vector; }))
    return variable.emitError() << aiopt::errorTag(aiopt::ErrorCode::CannotLower)
                                << "workgroup variable '" << variable.getSymName()
                                << "' is read as vectors of different lengths";
  // Every use must be an access chain to an element, rewritten below.
  SmallVector<spirv::AddressOfOp> addresses;
  WalkResult walk = getOperation().walk([&](spirv::AddressOfOp address) {
    if (address.getVariable() != variable.getSymName())
      return WalkResult::advance();
    addresses.push_back(address);
    for (Operation *user : address->getUsers()) {
      auto chain = dyn_cast<spirv::AccessChainOp>(user);
      if (!chain || chain.getBasePtr() != address || chain.getIndices().size() != 2)
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return variable.emitError() << aiopt::errorTag(aiopt::ErrorCode::CannotLower)
                                << "workgroup variable '" << variable.getSymName()
                                << "' is read as vectors and accessed otherwise than by element";
  spirv::PointerType type = vectorPointer(*scalarArray(variable), vector);
  variable.setType(type);
  SmallPtrSet<Operation *, 16> casts;
  for (const VectorAccess &a : accesses)
    casts.insert(a.cast);
  for (spirv::AddressOfOp address : addresses) {
    address.getPointer().setType(type);
    for (Operation *user : llvm::make_early_inc_range(address->getUsers())) {
      auto chain = cast<spirv::AccessChainOp>(user);
      OpBuilder b(chain);
      Location loc = chain.getLoc();
      Value zero = chain.getIndices()[0], lane;
      Value index = vectorIndex(b, loc, chain.getIndices()[1], vector, &lane);
      // The vector casts take the vector; other uses its lane.
      for (Operation *chainUser : llvm::make_early_inc_range(chain->getUsers())) {
        if (!casts.count(chainUser))
          continue;
        chainUser->getResult(0).replaceAllUsesWith(
            spirv::AccessChainOp::create(b, loc, address, ValueRange{zero, index}).getResult());
        chainUser->erase();
      }
      if (!chain->use_empty())
        chain->replaceAllUsesWith(
            spirv::AccessChainOp::create(b, loc, address, ValueRange{zero, index, lane}));
      chain.erase();
    }
  }
  return success();
}

void GPUSPIRVVectorBuffersPass::runOnOperation() {
  spirv::ModuleOp module = getOperation();
  SymbolTable symbols(module);
  llvm::MapVector<Operation *, SmallVector<VectorAccess>> byVariable;
  WalkResult result = module.walk([&](spirv::BitcastOp cast) {
    if (!isa<spirv::PointerType>(cast.getType()))
      return WalkResult::advance();
    std::optional<VectorAccess> access = match(cast, symbols);
    if (!access) {
      auto kernel = cast->getParentOfType<spirv::FuncOp>();
      cast.emitError() << aiopt::errorTag(aiopt::ErrorCode::CannotLower) << "kernel '"
                       << (kernel ? kernel.getSymName() : StringRef("?"))
                       << "' casts a pointer in a way Vulkan's logical addressing cannot "
                          "express: "
                       << cast.getOperand().getType() << " to " << cast.getType();
      return WalkResult::interrupt();
    }
    byVariable[access->variable].push_back(*access);
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return signalPassFailure();
  for (auto &[op, accesses] : byVariable) {
    auto variable = cast<spirv::GlobalVariableOp>(op);
    if (!isWorkgroup(variable))
      viewBuffer(variable, accesses, symbols);
    else if (failed(retypeWorkgroup(variable, accesses)))
      return signalPassFailure();
  }
}
} // namespace
