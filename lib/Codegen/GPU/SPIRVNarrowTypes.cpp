//===- SPIRVNarrowTypes.cpp - bf16 and sub-byte elements in Vulkan kernels ===//
//
// Rewrites the element types SPIR-V cannot store at their own size into the
// integers that hold their bits (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Codegen/GPU/Passes.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aiopt {
#define GEN_PASS_DEF_GPUSPIRVNARROWTYPESPASS
#include "aiopt/Codegen/GPU/Passes.h.inc"
} // namespace mlir::aiopt

using namespace mlir;
using namespace mlir::aiopt;

/// The width of `t` when it is an integer of 2 to 7 bits or a float of
/// fewer than 8 (kept in an i8, sign-extended from that width); 0 otherwise.
static unsigned narrowBits(Type t) {
  if (!isa<IntegerType, FloatType>(t))
    return 0;
  unsigned width = t.getIntOrFloatBitWidth();
  bool narrow = isa<FloatType>(t) ? width < 8 : width > 1 && width < 8;
  return narrow ? width : 0;
}

/// Whether kernels keep `t` in another type: bf16 as the i16 of its bits,
/// narrow integers and floats in an i8.
static bool isRepresented(Type t) { return t.isBF16() || narrowBits(t) != 0; }

namespace {
/// Scalars and buffers of represented types become their integers; other
/// types stay.
struct NarrowTypeConverter : TypeConverter {
  NarrowTypeConverter() {
    addConversion([](Type t) { return t; });
    addConversion([](Type t) -> std::optional<Type> {
      if (t.isBF16())
        return IntegerType::get(t.getContext(), 16);
      if (narrowBits(t))
        return IntegerType::get(t.getContext(), 8);
      return std::nullopt;
    });
    addConversion([this](MemRefType t) -> Type {
      return MemRefType::get(t.getShape(), convertType(t.getElementType()), t.getLayout(),
                             t.getMemorySpace());
    });
  }
};
} // namespace

/// `v` (an i8) sign-extended from its low `bits` (0: unchanged): the form
/// kernels keep narrow values in, whatever the upper bits held.
static Value signExtendFrom(OpBuilder &b, Location loc, Value v, unsigned bits) {
  if (!bits)
    return v;
  Value shift = arith::ConstantIntOp::create(b, loc, v.getType(), 8 - bits);
  return arith::ShRSIOp::create(b, loc, arith::ShLIOp::create(b, loc, v, shift), shift);
}

/// The low `bits` of `v` (an i8), zero-extended (0: unchanged): the
/// unsigned value of a narrow integer.
static Value zeroExtendFrom(OpBuilder &b, Location loc, Value v, unsigned bits) {
  if (!bits)
    return v;
  Value mask = arith::ConstantIntOp::create(b, loc, v.getType(), (1 << bits) - 1);
  return arith::AndIOp::create(b, loc, v, mask);
}

/// Whether a narrow operand of `op` is read as an unsigned number.
static bool readsUnsigned(Operation *op) {
  if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    arith::CmpIPredicate p = cmp.getPredicate();
    return p == arith::CmpIPredicate::ult || p == arith::CmpIPredicate::ule ||
           p == arith::CmpIPredicate::ugt || p == arith::CmpIPredicate::uge;
  }
  return isa<arith::ExtUIOp, arith::UIToFPOp, arith::IndexCastUIOp, arith::DivUIOp,
             arith::RemUIOp, arith::ShRUIOp, arith::MinUIOp, arith::MaxUIOp>(op);
}

/// Ops whose results hold the same bits once their types are rewritten:
/// memory, views and selection.
static bool holdsSameBits(Operation *op) {
  return isa<memref::LoadOp, memref::StoreOp, memref::AllocOp, memref::AllocaOp,
             memref::SubViewOp, memref::CastOp, memref::ReinterpretCastOp,
             memref::CollapseShapeOp, memref::ExpandShapeOp, arith::SelectOp>(op);
}

/// The ops kernels may apply to represented types: those, integer
/// arithmetic, casts, bit casts and constants, and the structure around
/// them. (bf16 arithmetic computes in f32 by then.)
static bool isRewritten(Operation *op) {
  return holdsSameBits(op) ||
         isa<arith::ConstantOp, arith::BitcastOp, arith::ExtSIOp, arith::ExtUIOp, arith::TruncIOp,
             arith::SIToFPOp, arith::UIToFPOp, arith::FPToSIOp, arith::FPToUIOp,
             arith::IndexCastOp, arith::IndexCastUIOp, arith::CmpIOp, arith::AddIOp,
             arith::SubIOp, arith::MulIOp, arith::DivSIOp, arith::DivUIOp, arith::RemSIOp,
             arith::RemUIOp, arith::ShLIOp, arith::ShRSIOp, arith::ShRUIOp, arith::AndIOp,
             arith::OrIOp, arith::XOrIOp, arith::MinSIOp, arith::MaxSIOp, arith::MinUIOp,
             arith::MaxUIOp, scf::ForOp, scf::IfOp, scf::WhileOp, scf::ConditionOp, scf::YieldOp,
             gpu::GPUFuncOp>(op);
}

namespace {
/// Ops on represented types, on the integers kept for them.
/// - Memory, views and selection hold the same bits: the op with the
///   converted types. Loads sign-extend narrow elements (the host may leave
///   their upper bits anything).
/// - Integer arithmetic, comparisons and casts: the op (without overflow
///   flags) on the kept integers, the operands of unsigned ops
///   zero-extended from their width and narrow results sign-extended (so
///   arithmetic wraps at the type's width). Casts between a type and the
///   integer kept for it vanish (bf16 and its bits are one value).
struct KeptIntegers : ConversionPattern {
  KeptIntegers(const TypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isRewritten(op) || isa<arith::ConstantOp, gpu::GPUFuncOp>(op) ||
        op->getNumRegions() != 0)
      return failure();
    Location loc = op->getLoc();
    if (holdsSameBits(op)) {
      FailureOr<Operation *> rebuilt = convertOpResultTypes(op, operands, *typeConverter, rewriter);
      if (failed(rebuilt))
        return failure();
      SmallVector<Value> results((*rebuilt)->getResults());
      if (auto load = dyn_cast<memref::LoadOp>(op)) {
        rewriter.setInsertionPointAfter(*rebuilt);
        results[0] = signExtendFrom(rewriter, loc, results[0], narrowBits(load.getType()));
      }
      rewriter.replaceOp(op, results);
      return success();
    }
    Type to = typeConverter->convertType(op->getResult(0).getType());
    if (!to)
      return failure();
    SmallVector<Value> kept(operands);
    if (readsUnsigned(op))
      for (Value &v : kept)
        v = zeroExtendFrom(rewriter, loc, v, narrowBits(op->getOperand(0).getType()));
    Value out;
    if (kept.size() == 1 && kept[0].getType() == to)
      out = kept[0];
    else if (auto cmp = dyn_cast<arith::CmpIOp>(op))
      out = arith::CmpIOp::create(rewriter, loc, cmp.getPredicate(), kept[0], kept[1]);
    else
      out = rewriter.create(OperationState(loc, op->getName(), kept, to))->getResult(0);
    if (!isa<arith::BitcastOp>(op))
      out = signExtendFrom(rewriter, loc, out, narrowBits(op->getResult(0).getType()));
    rewriter.replaceOp(op, out);
    return success();
  }
};

/// Constants of represented types: their bits, narrow ones sign-extended.
struct Constant : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type to = getTypeConverter()->convertType(op.getType());
    APInt bits;
    if (auto f = dyn_cast<FloatAttr>(op.getValue()))
      bits = f.getValue().bitcastToAPInt();
    else if (auto i = dyn_cast<IntegerAttr>(op.getValue()))
      bits = i.getValue();
    else
      return failure();
    unsigned width = to.getIntOrFloatBitWidth();
    APInt value = narrowBits(op.getType()) ? bits.sext(width) : bits;
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, to, rewriter.getIntegerAttr(to, value));
    return success();
  }
};

/// Kernel arguments and workgroup or private attributions of represented
/// types.
struct KernelSignature : OpConversionPattern<gpu::GPUFuncOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(gpu::GPUFuncOp func, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Block &entry = func.getBody().front();
    TypeConverter::SignatureConversion conversion(entry.getNumArguments());
    if (failed(getTypeConverter()->convertSignatureArgs(entry.getArgumentTypes(), conversion)))
      return failure();
    auto inputs = conversion.getConvertedTypes().take_front(func.getNumArguments());
    rewriter.modifyOpInPlace(func, [&] {
      func.setFunctionType(
          FunctionType::get(func.getContext(), inputs, func.getFunctionType().getResults()));
    });
    rewriter.applySignatureConversion(&entry, conversion, getTypeConverter());
    return success();
  }
};
} // namespace

/// Whether `op` (or one of its blocks) has a value of a represented type.
static bool touchesRepresented(Operation *op) {
  auto represented = [](Type t) { return isRepresented(getElementTypeOrSelf(t)); };
  if (llvm::any_of(op->getOperandTypes(), represented) ||
      llvm::any_of(op->getResultTypes(), represented))
    return true;
  for (Region &region : op->getRegions())
    for (Block &block : region)
      if (llvm::any_of(block.getArgumentTypes(), represented))
        return true;
  return false;
}

/// Rewrites the kernels of `module`; failure after an error naming the
/// first op the rewrite does not cover.
static LogicalResult rewriteKernels(gpu::GPUModuleOp module) {
  MLIRContext *ctx = module.getContext();
  // bf16 conversions from and to f32 as integer arithmetic on their bits.
  RewritePatternSet expansions(ctx);
  arith::populateExpandBFloat16Patterns(expansions);
  if (failed(applyPatternsGreedily(module, std::move(expansions))))
    return module.emitError() << errorTag(ErrorCode::PassFailed)
                              << "bf16 conversions did not converge";
  WalkResult check = module.walk([&](Operation *op) {
    if (!touchesRepresented(op) || isRewritten(op))
      return WalkResult::advance();
    auto kernel = op->getParentOfType<gpu::GPUFuncOp>();
    op->emitError() << errorTag(ErrorCode::CannotLower) << "kernel '"
                    << (kernel ? kernel.getName() : module.getName()) << "': '"
                    << op->getName() << "' on bf16 or sub-byte values has no Vulkan form";
    return WalkResult::interrupt();
  });
  if (check.wasInterrupted())
    return failure();

  NarrowTypeConverter converter;
  ConversionTarget target(*ctx);
  target.markUnknownOpDynamicallyLegal([&](Operation *op) { return !touchesRepresented(op); });
  RewritePatternSet patterns(ctx);
  patterns.add<KeptIntegers, Constant, KernelSignature>(converter, ctx);
  scf::populateSCFStructuralTypeConversions(converter, patterns);
  if (failed(applyPartialConversion(module, target, std::move(patterns))))
    return module.emitError() << errorTag(ErrorCode::PassFailed) << "kernel module '"
                              << module.getName() << "': bf16 and sub-byte types not rewritten";
  return success();
}

/// Buffers whose kernel argument changed type pass to the launch through
/// a cast (lowerLaunchesToRuntimeCalls passes the buffer under it).
static void castLaunchOperands(ModuleOp module) {
  module.walk([&](gpu::LaunchFuncOp launch) {
    auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(launch, launch.getKernel());
    if (!kernel)
      return;
    OpBuilder b(launch);
    for (auto [i, type] : llvm::enumerate(kernel.getArgumentTypes())) {
      Value operand = launch.getKernelOperand(i);
      if (operand.getType() == type)
        continue;
      auto cast = UnrealizedConversionCastOp::create(b, launch.getLoc(), type, operand);
      launch.getKernelOperandsMutable()[i].set(cast.getResult(0));
    }
  });
}

namespace {
struct GPUSPIRVNarrowTypesPass
    : aiopt::impl::GPUSPIRVNarrowTypesPassBase<GPUSPIRVNarrowTypesPass> {
  void runOnOperation() override {
    for (auto module : getOperation().getOps<gpu::GPUModuleOp>())
      if (failed(rewriteKernels(module)))
        return signalPassFailure();
    castLaunchOperands(getOperation());
  }
};
} // namespace
