// AWS JSON 1.1 framing for the EventBridge API: operation replies, AWS error shapes and their HTTP
// status (the one place that maps an API error to a status), epoch-second timestamps, ARNs and
// NextToken/Limit pagination. Plain values and pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "http/message.h"

namespace cxbridge::api {

inline constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";
inline constexpr std::string_view kTargetPrefix = "AWSEvents.";

// An error answered as {"__type": type, "message": message}.
struct ApiError {
  std::string type;  // "ValidationException", "ResourceNotFoundException", ...
  std::string message;
};

// HTTP status for an error type: 500 for InternalException/InternalFailure, 503 for
// ServiceUnavailable (botocore retries both), 403 for the authentication errors, 400 otherwise.
int HttpStatusFor(std::string_view type);

// One operation's answer: a JSON object, or an error.
struct Reply {
  json::Value body = json::Value::Object();
  std::optional<ApiError> error;

  static Reply Ok(json::Value body) { return Reply{std::move(body), std::nullopt}; }
  static Reply Err(std::string type, std::string message) {
    return Reply{json::Value::Object(), ApiError{std::move(type), std::move(message)}};
  }
  static Reply Validation(std::string message) { return Err("ValidationException", std::move(message)); }
  static Reply NotFound(std::string message) { return Err("ResourceNotFoundException", std::move(message)); }
  bool ok() const { return !error.has_value(); }
};

// Builds the HTTP response (content type, x-amzn-RequestId, x-amzn-ErrorType on errors).
http::Response ToHttpResponse(const Reply& reply, const std::string& request_id);

// ms since the epoch → epoch seconds as a JSON number ("1704067200" or "1704067200.5").
json::Value EpochSeconds(int64_t unix_ms);
// A request timestamp (epoch-seconds number or ISO-8601 string) → ms. nullopt when unusable.
std::optional<int64_t> TimestampMs(const json::Value& v);

// Member accessors for already-validated request bodies ("" / fallback when absent or null).
std::string Str(const json::Value& obj, std::string_view key);
bool Has(const json::Value& obj, std::string_view key);

// Sets key only when `value` is non-empty (AWS omits absent optional members).
void SetIfNotEmpty(json::Value* obj, std::string_view key, const std::string& value);

// ARNs with the configured partition/account/region.
struct ArnFormat {
  std::string region;
  std::string account;
  std::string Prefix() const { return "arn:aws:events:" + region + ":" + account + ":"; }
  std::string Bus(std::string_view name) const { return Prefix() + "event-bus/" + std::string(name); }
  // rule/<name> on the default bus, rule/<bus>/<name> elsewhere.
  std::string Rule(std::string_view bus, std::string_view name) const;
  std::string Archive(std::string_view name) const { return Prefix() + "archive/" + std::string(name); }
  std::string Replay(std::string_view name) const { return Prefix() + "replay/" + std::string(name); }
};

// "custom", or "arn:…:event-bus/custom" → "custom"; "" → "default".
std::string BusNameFromNameOrArn(std::string_view name_or_arn);
// The text after `marker` ("archive/") in an ARN; "" when absent.
std::string ArnResource(std::string_view arn, std::string_view marker);

// Pagination over items sorted by key. Reads NextToken and Limit (default 100) from `request`,
// writes up to Limit items into result[list_key] and NextToken when more remain.
// The token is opaque (base64 of the last key returned). An unreadable token → error.
struct PageItem {
  std::string key;
  json::Value item;
};
std::optional<ApiError> Paginate(std::vector<PageItem> sorted_items, const json::Value& request,
                                 std::string_view list_key, json::Value* result);

}  // namespace cxbridge::api
