#include "http/message.h"

#include "common/json.h"

namespace cxbridge::http {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (EqualsIgnoreCase(k, name)) return std::string_view(v);
  return std::nullopt;
}

Response Response::Error(int status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":";
  json::AppendQuoted(&body, code);
  body += ",\"message\":";
  json::AppendQuoted(&body, message);
  body += "}";
  return Json(status, std::move(body));
}

}  // namespace cxbridge::http
