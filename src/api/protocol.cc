#include "api/protocol.h"

#include <cmath>
#include <cstdio>

#include "common/encoding.h"
#include "common/ids.h"

namespace cxbridge::api {

int HttpStatusFor(std::string_view type) {
  if (type == "InternalException" || type == "InternalFailure") return 500;
  if (type == "ServiceUnavailable") return 503;
  if (type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
      type == "MissingAuthenticationTokenException" || type == "IncompleteSignatureException" ||
      type == "AccessDeniedException")
    return 403;
  return 400;
}

http::Response ToHttpResponse(const Reply& reply, const std::string& request_id) {
  http::Response r;
  r.content_type = std::string(kJsonContentType);
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  if (reply.error) {
    r.status = HttpStatusFor(reply.error->type);
    r.headers.emplace_back("x-amzn-ErrorType", reply.error->type);
    if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
    json::Value body = json::Value::Object();
    body.Set("__type", json::Value::String(reply.error->type));
    body.Set("message", json::Value::String(reply.error->message));
    r.body = json::Serialize(body);
  } else {
    r.status = 200;
    r.body = json::Serialize(reply.body);
  }
  return r;
}

json::Value EpochSeconds(int64_t unix_ms) {
  int64_t secs = unix_ms / 1000, frac = unix_ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  if (frac == 0) return json::Value::Int(secs);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(secs), static_cast<long long>(frac));
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  return json::Value::NumberText(s);
}

std::optional<int64_t> TimestampMs(const json::Value& v) {
  if (v.is_number()) {
    double d = v.as_double();
    if (!std::isfinite(d) || d < -1e13 || d > 1e13) return std::nullopt;
    return static_cast<int64_t>(std::llround(d * 1000.0));
  }
  if (v.is_string()) return ParseRfc3339(v.as_string());
  return std::nullopt;
}

std::string Str(const json::Value& obj, std::string_view key) {
  const json::Value* v = obj.Find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

bool Has(const json::Value& obj, std::string_view key) {
  const json::Value* v = obj.Find(key);
  return v && !v->is_null();
}

void SetIfNotEmpty(json::Value* obj, std::string_view key, const std::string& value) {
  if (!value.empty()) obj->Set(key, json::Value::String(value));
}

std::string ArnFormat::Rule(std::string_view bus, std::string_view name) const {
  if (bus == "default") return Prefix() + "rule/" + std::string(name);
  return Prefix() + "rule/" + std::string(bus) + "/" + std::string(name);
}

std::string BusNameFromNameOrArn(std::string_view v) {
  if (v.empty()) return "default";
  if (v.substr(0, 4) == "arn:") {
    size_t pos = v.find(":event-bus/");
    if (pos != std::string_view::npos) return std::string(v.substr(pos + 11));
  }
  return std::string(v);
}

std::string ArnResource(std::string_view arn, std::string_view marker) {
  if (arn.substr(0, 4) != "arn:") return "";
  size_t pos = arn.find(std::string(":") + std::string(marker));
  if (pos == std::string_view::npos) return "";
  return std::string(arn.substr(pos + 1 + marker.size()));
}

std::optional<ApiError> Paginate(std::vector<PageItem> items, const json::Value& request,
                                 std::string_view list_key, json::Value* result) {
  int64_t limit = 100;
  if (const json::Value* l = request.Find("Limit"); l && l->is_number()) l->as_int64(&limit);
  if (limit < 1) limit = 1;
  std::string after;
  bool has_token = false;
  if (const json::Value* t = request.Find("NextToken"); t && t->is_string() && !t->as_string().empty()) {
    auto decoded = Base64Decode(t->as_string());
    if (!decoded || decoded->substr(0, 2) != "k:")
      return ApiError{"ValidationException", "The NextToken provided is invalid."};
    after = decoded->substr(2);
    has_token = true;
  }
  json::Value list = json::Value::Array();
  std::string last;
  bool more = false;
  for (auto& it : items) {
    if (has_token && it.key <= after) continue;
    if (static_cast<int64_t>(list.items().size()) == limit) {
      more = true;
      break;
    }
    last = it.key;
    list.Push(std::move(it.item));
  }
  result->Set(list_key, std::move(list));
  if (more) result->Set("NextToken", json::Value::String(Base64Encode("k:" + last)));
  return std::nullopt;
}

}  // namespace cxbridge::api
