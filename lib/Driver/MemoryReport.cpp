//===- MemoryReport.cpp - the static memory plan as JSON ------------------===//

#include "Report.h"
#include "aiopt/Driver/Driver.h"
#include "aiopt/Support/ErrorCodes.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::aiopt;

LogicalResult mlir::aiopt::writeMemoryReport(ModuleOp module, StringRef path) {
  auto plan = module->getAttrOfType<DictionaryAttr>("aiopt.memory_plan");
  if (!plan)
    return emitError(module.getLoc())
           << errorTag(ErrorCode::InvalidOption)
           << "--memory-report: this target has no static memory plan (CPU targets only)";
  auto integer = [](DictionaryAttr d, StringRef key) -> int64_t {
    auto value = d.getAs<IntegerAttr>(key);
    return value ? value.getInt() : 0;
  };
  llvm::json::Array buffers;
  if (auto records = plan.getAs<ArrayAttr>("buffers"))
    for (auto record : records.getAsRange<DictionaryAttr>()) {
      std::string type;
      llvm::raw_string_ostream os(type);
      if (auto t = record.getAs<TypeAttr>("type"))
        t.getValue().print(os);
      auto function = record.getAs<StringAttr>("function");
      buffers.push_back(llvm::json::Object{
          {"function", function ? function.str() : std::string()},
          {"type", type},
          {"bytes", integer(record, "bytes")},
          {"offset", integer(record, "offset")},
          {"first_op", integer(record, "first")},
          {"last_op", integer(record, "last")}});
    }
  llvm::json::Object report{
      {"arena_bytes", integer(plan, "arena_bytes")},
      {"planned_bytes", integer(plan, "planned_bytes")},
      {"planned_buffers", static_cast<int64_t>(buffers.size())},
      {"unplanned_allocations", integer(plan, "unplanned_allocations")},
      {"buffers", std::move(buffers)}};
  return writeJSONReport(module.getLoc(), path, std::move(report));
}
