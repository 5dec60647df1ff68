// JsonPath: the small JSONPath subset the source config uses to pick values out of a body
// (detail_type, idempotency_key): `$`, `.name`, `['name']` / `["name"]`, `[index]`. A leading
// `$` is optional ("eventBody.id" = "$.eventBody.id"). No wildcards, filters or slices: each
// path names at most one value. Compiled once at config time.
// Thread-safety: immutable after Parse; Find is safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::ingest {

class JsonPath {
 public:
  // kInvalidArgument naming the position of the first error.
  static Result<JsonPath> Parse(std::string_view text);

  // The value at the path, or nullptr when any step is missing or of the wrong type.
  const json::Value* Find(const json::Value& root) const;
  const std::string& text() const { return text_; }

 private:
  struct Step {
    std::string key;
    size_t index = 0;
    bool is_index = false;
  };
  std::string text_;
  std::vector<Step> steps_;
};

}  // namespace cxbridge::ingest
