// JsonPath: the JSONPath subset EventBridge accepts in InputPath, InputPathsMap and
// HttpParameters, shared by the input transformer, the normalizer and other modules.
//
// Grammar (compiled once, evaluated many times):
//   path     := '$' segment*
//   segment  := '.' name | '.*' | '[' index ']' | '[*]' | '[' quoted ']'
//   name     := one or more bytes other than . [ ] ' " and whitespace
//               (so dashes, underscores, slashes, colons and '@' work: $.detail.a-b/c)
//   index    := decimal digits (0-based, non-negative)
//   quoted   := 'text' | "text"   (bracket notation; no escapes inside)
// Not supported (rejected with a reason): deep scan `..`, filters `[?()]`, slices, unions,
// negative indices, script expressions.
//
// A path without `*` is *definite*: it names at most one value (Find). A path with `*`
// matches any number of values (Collect), in document order.
// Thread-safety: a compiled JsonPath is immutable; share it freely across threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::transform {

class JsonPath {
 public:
  // One step of a compiled path.
  struct Segment {
    enum class Kind { kKey, kIndex, kWildcard };
    Kind kind = Kind::kKey;
    std::string key;   // kKey
    size_t index = 0;  // kIndex
  };

  // Parses `text`. kInvalidArgument names the offending offset and what was expected.
  static Result<JsonPath> Compile(std::string_view text);

  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  bool definite() const { return definite_; }
  bool is_root() const { return segments_.empty(); }

  // Definite paths: the value named by the path, or nullptr when any step is missing or
  // has the wrong type. For an indefinite path this returns nullptr (use Collect).
  const json::Value* Find(const json::Value& root) const;
  json::Value* FindMutable(json::Value* root) const;

  // Any path: appends every matching value, in document order. Pointers stay valid while
  // `root` is not modified.
  void Collect(const json::Value& root, std::vector<const json::Value*>* out) const;

  // Definite, non-root paths: stores `v` at the path, creating missing intermediate objects
  // (never arrays). kInvalidArgument when the path crosses a non-object value, names an
  // array index that does not exist, or is the root / indefinite.
  Status Set(json::Value* root, json::Value v) const;

  // Definite, non-root paths: removes the value at the path. Returns whether it existed.
  bool Erase(json::Value* root) const;

 private:
  std::string text_;
  std::vector<Segment> segments_;
  bool definite_ = true;
};

}  // namespace cxbridge::transform
