//===- SPIRVVectorBuffers.cpp - vector loads through vector views ---------===//
//
// Replaces the pointer casts convert-gpu-to-spirv makes of vector loads
// from storage buffers (invalid under logical addressing) by access chains
// into a second variable bound to the same buffer whose array holds
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
/// A cast this pass rewrites: an element of the array of a bound storage
/// buffer variable (`chain`, indices [0, index]) seen as `vector`.
struct VectorAccess {
  spirv::BitcastOp cast;
  spirv::AccessChainOp chain;
  spirv::GlobalVariableOp variable;
  VectorType vector;
};

/// The storage buffer variable's array element type and stride, when
/// `variable` is a bound `struct { T[] or T[n] }` of scalars.
std::optional<std::pair<Type, unsigned>> scalarArray(spirv::GlobalVariableOp variable) {
  auto pointer = dyn_cast<spirv::PointerType>(variable.getType());
  if (!pointer || pointer.getStorageClass() != spirv::StorageClass::StorageBuffer ||
      !variable.getBinding() || !variable.getDescriptorSet())
    return std::nullopt;
  auto structType = dyn_cast<spirv::StructType>(pointer.getPointeeType());
  if (!structType || structType.getNumElements() != 1)
    return std::nullopt;
  Type member = structType.getElementType(0);
  if (auto array = dyn_cast<spirv::RuntimeArrayType>(member))
    return std::make_pair(array.getElementType(), array.getArrayStride());
  if (auto array = dyn_cast<spirv::ArrayType>(member))
    return std::make_pair(array.getElementType(), array.getArrayStride());
  return std::nullopt;
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
      chain.getIndices().size() != 2 || !matchPattern(chain.getIndices()[0], m_Zero()))
    return std::nullopt;
  auto address = chain.getBasePtr().getDefiningOp<spirv::AddressOfOp>();
  auto variable = address ? symbols.lookup<spirv::GlobalVariableOp>(address.getVariable())
                          : spirv::GlobalVariableOp();
  std::optional<std::pair<Type, unsigned>> array =
      variable ? scalarArray(variable) : std::nullopt;
  if (!array || array->first != vector.getElementType() ||
      array->second * 8 != vector.getElementTypeBitWidth() ||
      !llvm::isPowerOf2_64(vector.getNumElements()))
    return std::nullopt;
  return VectorAccess{cast, chain, variable, vector};
}

struct GPUSPIRVVectorBuffersPass
    : aiopt::impl::GPUSPIRVVectorBuffersPassBase<GPUSPIRVVectorBuffersPass> {
  void runOnOperation() override {
    spirv::ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<VectorAccess> accesses;
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
      accesses.push_back(*access);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();

    // One vector view per variable and vector type, next to the variable.
    DenseMap<std::pair<Operation *, Type>, spirv::GlobalVariableOp> views;
    auto viewOf = [&](VectorAccess &a) {
      spirv::GlobalVariableOp &view = views[{a.variable, a.vector}];
      if (view)
        return view;
      auto pointer = cast<spirv::PointerType>(a.variable.getType());
      auto structType = cast<spirv::StructType>(pointer.getPointeeType());
      SmallVector<spirv::StructType::StructDecorationInfo> decorations;
      structType.getStructDecorations(decorations);
      unsigned bytes = a.vector.getNumElements() * a.vector.getElementTypeBitWidth() / 8;
      auto array = spirv::RuntimeArrayType::get(a.vector, bytes);
      auto viewType = spirv::PointerType::get(
          spirv::StructType::get({array}, {0}, {}, decorations), pointer.getStorageClass());
      OpBuilder b(a.variable);
      std::string name =
          (a.variable.getSymName() + "_vec" + Twine(a.vector.getNumElements())).str();
      view = spirv::GlobalVariableOp::create(b, a.variable.getLoc(), viewType, name,
                                             *a.variable.getDescriptorSet(),
                                             *a.variable.getBinding());
      symbols.insert(view);
      // The serializer writes a unit attribute named after a decoration as
      // that decoration: both variables may now alias.
      view->setAttr("aliased", b.getUnitAttr());
      a.variable->setAttr("aliased", b.getUnitAttr());
      return view;
    };
    for (VectorAccess &a : accesses) {
      spirv::GlobalVariableOp view = viewOf(a);
      OpBuilder b(a.cast);
      Location loc = a.cast.getLoc();
      Value index = a.chain.getIndices()[1];
      Value shift = spirv::ConstantOp::create(
          b, loc, index.getType(),
          b.getIntegerAttr(index.getType(), llvm::Log2_64(a.vector.getNumElements())));
      Value vectorIndex = spirv::ShiftRightLogicalOp::create(b, loc, index, shift);
      Value base = spirv::AddressOfOp::create(b, loc, view);
      Value element = spirv::AccessChainOp::create(b, loc, base,
                                                   ValueRange{a.chain.getIndices()[0], vectorIndex});
      a.cast.replaceAllUsesWith(element);
      a.cast.erase();
      if (a.chain->use_empty())
        a.chain.erase();
    }
  }
};
} // namespace
