// HttpParameters: EventBridge's Target.HttpParameters for the http and API-destination kinds.
//
//   HttpParameters: {PathParameterValues: ["$.detail.id", "v1"],
//                    HeaderParameters: {X-Tenant: "acme", X-Conversation:
//                    "$.detail.conversationId"}, QueryStringParameters: {source: "$.source"}}
//
// PathParameterValues fill the `*` wildcards of the endpoint's path, in order (percent-encoded,
// so a value cannot add path segments). Header and query values are static text, or a JSONPath
// into the original event when they start with `$` (a string value is used as it is; numbers,
// booleans, objects and arrays as their JSON text; a missing value as ""). Constraints are
// AWS's (the API reference's HttpParameters patterns and 512-character limits) and are checked
// when the target is saved (TargetKind::Validate), so config-file targets get them too.
// Thread-safety: immutable once parsed; share freely.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "transform/json_path.h"

namespace cxbridge::deliver {

using HttpPairs = std::vector<std::pair<std::string, std::string>>;

class HttpParameters {
 public:
  // Parses Target.HttpParameters (`raw` may be null: no parameters). kInvalidArgument names the
  // offending member, e.g. "HttpParameters.HeaderParameters.X-A: value is longer than 512".
  static Result<HttpParameters> Parse(const json::Value* raw);

  bool has_path_values() const { return !path_.empty(); }
  size_t path_value_count() const { return path_.size(); }
  // True when any value is a JSONPath (the event must be parsed to send).
  bool dynamic() const { return dynamic_; }

  // `endpoint` with its path wildcards filled. kInvalidArgument when the number of wildcards and
  // PathParameterValues differ. Without PathParameterValues the endpoint is returned unchanged.
  Result<std::string> FillPath(std::string_view endpoint, const json::Value* event) const;
  HttpPairs Headers(const json::Value* event) const;
  HttpPairs Query(const json::Value* event) const;

 private:
  struct Value {
    std::string text;
    std::optional<transform::JsonPath> path;  // set: resolved against the event
  };
  std::string Resolve(const Value& v, const json::Value* event) const;

  std::vector<Value> path_;
  std::vector<std::pair<std::string, Value>> headers_, query_;
  bool dynamic_ = false;
};

// The number of `*` wildcards in the path of `url` (not in its host or query).
size_t CountPathWildcards(std::string_view url);
// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string PercentEncode(std::string_view text);
// `url` with `params` appended to its query (keys and values percent-encoded).
std::string AppendQuery(std::string url, const HttpPairs& params);
// Sets `name: value` in `headers`, replacing any header of that name (case-insensitive).
void SetHeader(HttpPairs* headers, const std::string& name, const std::string& value);

}  // namespace cxbridge::deliver
