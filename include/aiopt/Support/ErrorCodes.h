//===- ErrorCodes.h - stable codes of user-facing errors --------*- C++ -*-===//
//
// Every error aiopt reports to its users starts with a stable code in
// brackets, "[E105] node 'x' (Foo, opset 13): operator 'Foo' is not
// supported", so that scripts and bug reports can name the kind of failure
// whatever the wording. The codes are documented in docs/errors.md; a code
// is never reused for another kind of error.
//
//===----------------------------------------------------------------------===//

#ifndef AIOPT_SUPPORT_ERRORCODES_H
#define AIOPT_SUPPORT_ERRORCODES_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir::aiopt {

enum class ErrorCode : unsigned {
  // Reading the model (1xx).
  FileUnreadable = 101,    ///< missing or unreadable model or bound-input file
  NotONNX = 102,           ///< empty, truncated, not an ONNX protobuf, no graph
  LimitExceeded = 103,     ///< over a --max-* limit
  InvalidGraph = 104,      ///< cycles, undefined or twice-produced values
  UnsupportedOperator = 105, ///< operator, domain or opset not implemented
  UnsupportedType = 106,   ///< element type or value kind not supported
  InvalidTensorData = 107, ///< tensor data that does not fit its shape
  ExternalData = 108,      ///< external data escaping the folder, missing, short
  InvalidNode = 109,       ///< inputs or attributes the operator does not allow
  ConstantNeeded = 110,    ///< an input that must be constant is computed
  ShapeMismatch = 111,     ///< shapes or types that do not fit together
  UnsupportedFeature = 112, ///< an attribute value or input form not implemented
  InvalidIR = 113,         ///< .mlir input that does not parse or verify
  // Compiling it (2xx).
  CannotLower = 201,       ///< an operation the pipeline cannot lower
  IndexOutOfRange = 202,   ///< constant gather/scatter index out of range
  PassFailed = 299,        ///< another pass of the pipeline failed
  // The tools' inputs and outputs (3xx).
  InvalidOption = 301,     ///< an option or its value
  OutputUnwritable = 302,  ///< an output file cannot be written
  InvalidData = 303,       ///< calibration or validation data
  AccuracyMissed = 304,    ///< the accuracy guard's budget was not met
  ToolMissing = 305,       ///< an external tool (ld.lld) is missing or failed
};

/// The code's tag that starts an error message: "[E105] ".
inline std::string errorTag(ErrorCode code) {
  return "[E" + std::to_string(static_cast<unsigned>(code)) + "] ";
}

/// Whether `message` already starts with a code's tag.
inline bool hasErrorTag(llvm::StringRef message) {
  return message.size() > 6 && message.starts_with("[E") && message[5] == ']';
}

/// Starts the message of `diag` with the tag of `code`, unless it has a
/// tag already (for errors raised by upstream code: verifiers, conversions).
inline void tagDiagnostic(Diagnostic &diag, ErrorCode code) {
  std::string text = diag.str();
  if (hasErrorTag(text))
    return;
  diag << errorTag(code) + text;
  MutableArrayRef<DiagnosticArgument> args = diag.getArguments();
  for (size_t i = 0; i + 1 < args.size(); ++i)
    args[i] = DiagnosticArgument(llvm::StringRef());
}

/// While alive, tags every error without a code with `fallback`, which
/// the tools move on from import to the passes.
class ErrorCodeHandler : public ScopedDiagnosticHandler {
public:
  ErrorCodeHandler(MLIRContext *context, ErrorCode fallback)
      : ScopedDiagnosticHandler(context), fallback(fallback) {
    setHandler([this](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error)
        tagDiagnostic(diag, this->fallback);
      return failure(); // printed by the handler registered before
    });
  }
  ErrorCode fallback;
};

} // namespace mlir::aiopt

#endif // AIOPT_SUPPORT_ERRORCODES_H
