// Server-side validation of request bodies against the botocore model's constraints, answered in
// AWS's Coral text: "N validation error(s) detected: Value '…' at 'targets.1.member.id' failed to
// satisfy constraint: Member must …; …". botocore checks only required members, types and minimums
// on the client, so every max, pattern and enum is enforced here.
// Thread-safety: all functions are safe from any thread (the compiled-regex cache is locked).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/shapes.h"
#include "common/json.h"

namespace cxbridge::api {

struct ValidationFailure {
  // "ValidationException" for constraint violations, "SerializationException" when a member has
  // the wrong JSON type (AWS's JSON 1.1 deserializer answers that before validating).
  std::string error_type;
  std::string message;
  bool ok() const { return error_type.empty(); }
};

// Validates `body` (the parsed request object) against the input shape of `operation`.
// Unknown members are ignored, as AWS does.
ValidationFailure ValidateRequest(std::string_view operation, const json::Value& body);

// Formats a single violation list in AWS's text ("1 validation error detected: …").
std::string FormatViolations(const std::vector<std::string>& violations);

// One violation's text: "Value '<v>' at '<path>' failed to satisfy constraint: <constraint>".
std::string Violation(std::string_view value, std::string_view path, std::string_view constraint);

// Full match of `text` against a botocore pattern (Java `matches()` semantics), in time linear in
// the text (RE2).
bool MatchesModelPattern(std::string_view pattern, std::string_view text);

// False when RE2 cannot compile the model pattern (it is then not enforced). For tests.
bool ModelPatternCompiles(std::string_view pattern);

// String length as AWS counts it (UTF-16 code units).
size_t Utf16Length(std::string_view utf8);

}  // namespace cxbridge::api
