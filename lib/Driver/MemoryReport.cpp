//===- MemoryReport.cpp - the static memory plan as JSON ------------------===//

#include "Report.h"
#include "aiopt/Driver/Driver.h"
#include "aiopt/Support/ErrorCodes.h"
#include "aiopt/Target/ModelHeader.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::aiopt;

LogicalResult mlir::aiopt::writeMemoryReport(ModuleOp module, StringRef path) {
  std::optional<MemoryPlanSummary> plan = getMemoryPlan(module);
  if (!plan)
    return emitError(module.getLoc())
           << errorTag(ErrorCode::InvalidOption)
           << "--memory-report: this target has no static memory plan (CPU targets only)";
  // The totals come from the summary the header prints; the buffers from
  // the plan's records.
  auto integer = [](DictionaryAttr d, StringRef key) -> int64_t {
    auto value = d.getAs<IntegerAttr>(key);
    return value ? value.getInt() : 0;
  };
  llvm::json::Array buffers;
  auto records = module->getAttrOfType<DictionaryAttr>("aiopt.memory_plan")
                     .getAs<ArrayAttr>("buffers");
  if (records)
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
  llvm::json::Object report{{"arena_bytes", plan->arenaBytes},
                            {"planned_bytes", plan->plannedBytes},
                            {"planned_buffers", plan->buffers},
                            {"unplanned_allocations", plan->unplannedAllocations},
                            {"buffers", std::move(buffers)}};
  return writeJSONReport(module.getLoc(), path, std::move(report));
}
