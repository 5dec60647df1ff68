// A small JSON document model for the pattern compiler and the reference evaluator (not the
// matching hot path, which reads events with a lazy scanner; see machine.h, event_scan.h).
//
// Why not common/json.h: pattern compilation needs (a) every member of an object in document
// order, duplicates included, because EventBridge resolves duplicate keys as "last one wins",
// (b) the literal text of numbers, and (c) syntax errors worded like the Jackson parser AWS uses
// ("Unrecognized token 'x': was expecting ...\n at [Source: (String)\"...\"; line: 1, column: 5]"),
// because InvalidEventPatternException carries that text.
//
// Thread-safety: values; a parsed tree is immutable and may be shared read-only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cxbridge::pattern::internal {

struct JsonNode {
  enum class Type { kNull, kTrue, kFalse, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  std::string text;    // kString: unescaped UTF-8; kNumber: literal text as written
  double number = 0;   // kNumber: value (may be +-inf when out of double range)
  std::vector<JsonNode> items;                          // kArray
  std::vector<std::pair<std::string, JsonNode>> members;  // kObject, document order, duplicates kept

  // Special members defined out of line (json_tree.cc): clang 14 with libstdc++ 12 cannot
  // instantiate them here, where std::pair<std::string, JsonNode> is still incomplete.
  JsonNode();
  JsonNode(const JsonNode&);
  JsonNode(JsonNode&&) noexcept;
  JsonNode& operator=(const JsonNode&);
  JsonNode& operator=(JsonNode&&) noexcept;
  ~JsonNode();

  bool is_object() const { return type == Type::kObject; }
  bool is_array() const { return type == Type::kArray; }
  bool is_string() const { return type == Type::kString; }
  bool is_number() const { return type == Type::kNumber; }
};

// Parses one complete JSON text. On a syntax error the status is kInvalidArgument with a
// Jackson-style message (without the "Event pattern is not valid" prefix). Nesting deeper than
// kMaxJsonDepth is refused. Text after the root value is ignored, as Jackson's streaming reader
// (and so AWS) ignores it in patterns, unless `strict` is set (events).
constexpr int kMaxJsonDepth = 1100;
Result<JsonNode> ParseJsonTree(std::string_view text, bool strict = false);

// Jackson's location suffix: "\n at [Source: (String)\"<text>\"; line: L, column: C]".
std::string JacksonLocation(std::string_view text, size_t offset);

}  // namespace cxbridge::pattern::internal
