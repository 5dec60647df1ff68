#include "deliver/http_parameters.h"

#include <cctype>

#include "http/message.h"

namespace cxbridge::deliver {
namespace {

constexpr size_t kMaxLength = 512;  // HeaderKey/HeaderValue/QueryStringKey/QueryStringValue max

bool IsDynamic(const std::string& v) {
  return v == "$" || v.starts_with("$.") || v.starts_with("$[");
}

// HeaderKey: ^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$ (AWS's class; its `+-.` is the range + , - .).
bool HeaderKeyChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  if (c >= '+' && c <= '.') return true;
  for (char k : std::string_view("!#$%&'*^_`|~")) {
    if (c == static_cast<unsigned char>(k)) return true;
  }
  return false;
}

// HeaderValue: ^[ \t]*[\x20-\x7E]+([ \t]+[\x20-\x7E]+)*[ \t]*$ — printable ASCII and tabs, with
// at least one printable character.
bool ValidHeaderValue(std::string_view v) {
  bool printable = false;
  for (unsigned char c : v) {
    if (c == '\t') continue;
    if (c < 0x20 || c > 0x7E) return false;
    printable = true;
  }
  return printable;
}

// QueryStringKey: [^\x00-\x1F\x7F]+
bool ValidQueryKey(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// QueryStringValue: [^\x00-\x09\x0B\x0C\x0E-\x1F\x7F]+ (LF and CR are allowed, as in AWS's model).
bool ValidQueryValue(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v) {
    if (c == '\n' || c == '\r') continue;
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// PathParameter: ^(?!\s*$).+ — one line, not blank.
bool ValidPathValue(std::string_view v) {
  bool blank = true;
  for (unsigned char c : v) {
    if (c == '\n' || c == '\r') return false;
    if (!std::isspace(c)) blank = false;
  }
  return !blank;
}

// [pos of the first path byte, pos after the last) of `url`.
std::pair<size_t, size_t> PathSpan(std::string_view url) {
  size_t start = 0;
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos) start = scheme + 3;
  size_t path = url.find('/', start);
  size_t end = url.find_first_of("?#", start);
  if (end == std::string_view::npos) end = url.size();
  if (path == std::string_view::npos || path > end) return {end, end};
  return {path, end};
}

}  // namespace

Result<HttpParameters> HttpParameters::Parse(const json::Value* raw) {
  HttpParameters out;
  if (raw == nullptr || raw->is_null()) return out;
  if (!raw->is_object()) return Status::InvalidArgument("HttpParameters must be an object");
  auto value = [&out](const std::string& where, const std::string& text) -> Result<Value> {
    Value v{text, std::nullopt};
    if (IsDynamic(text)) {
      auto path = transform::JsonPath::Compile(text);
      if (!path.ok()) return Status::InvalidArgument(where + ": " + path.status().message());
      if (!path->definite()) {
        return Status::InvalidArgument(where + ": the JSONPath " + text +
                                       " must name one value (no *)");
      }
      v.path = std::move(*path);
      out.dynamic_ = true;
    }
    return v;
  };
  for (const auto& [name, member] : raw->members()) {
    const std::string where = "HttpParameters." + name;
    if (name == "PathParameterValues") {
      if (!member.is_array()) return Status::InvalidArgument(where + " must be a list of strings");
      for (size_t i = 0; i < member.items().size(); ++i) {
        const json::Value& item = member.items()[i];
        const std::string at = where + "." + std::to_string(i + 1);
        if (!item.is_string()) return Status::InvalidArgument(at + " must be a string");
        if (!ValidPathValue(item.as_string())) {
          return Status::InvalidArgument(at + " must be one line and not blank");
        }
        auto v = value(at, item.as_string());
        if (!v.ok()) return v.status();
        out.path_.push_back(std::move(*v));
      }
    } else if (name == "HeaderParameters" || name == "QueryStringParameters") {
      const bool header = name == "HeaderParameters";
      if (!member.is_object()) return Status::InvalidArgument(where + " must be a map of strings");
      for (const auto& [key, item] : member.members()) {
        const std::string at = where + "." + key;
        if (!item.is_string()) return Status::InvalidArgument(at + " must be a string");
        const std::string& text = item.as_string();
        if (key.size() > kMaxLength)
          return Status::InvalidArgument(at + ": key is longer than 512");
        if (text.size() > kMaxLength)
          return Status::InvalidArgument(at + ": value is longer than 512");
        if (header) {
          for (unsigned char c : key) {
            if (!HeaderKeyChar(c)) {
              return Status::InvalidArgument(
                  at + ": a header name may only hold letters, digits and !#$%&'*+,-.^_`|~");
            }
          }
          if (key.empty())
            return Status::InvalidArgument(where + ": a header name must not be empty");
          if (!ValidHeaderValue(text)) {
            return Status::InvalidArgument(
                at + ": a header value must be printable ASCII (spaces and tabs allowed)");
          }
        } else {
          if (!ValidQueryKey(key))
            return Status::InvalidArgument(
                at + ": a query key must be non-empty, without control characters");
          if (!ValidQueryValue(text))
            return Status::InvalidArgument(
                at + ": a query value must be non-empty, without control characters");
        }
        auto v = value(at, text);
        if (!v.ok()) return v.status();
        (header ? out.headers_ : out.query_).emplace_back(key, std::move(*v));
      }
    } else {
      return Status::InvalidArgument(
          "HttpParameters has no member " + name +
          " (PathParameterValues, HeaderParameters, QueryStringParameters)");
    }
  }
  return out;
}

std::string HttpParameters::Resolve(const Value& v, const json::Value* event) const {
  if (!v.path) return v.text;
  const json::Value* found = event ? v.path->Find(*event) : nullptr;
  if (found == nullptr || found->is_null()) return "";
  return found->is_string() ? found->as_string() : json::Serialize(*found);
}

Result<std::string> HttpParameters::FillPath(std::string_view endpoint,
                                             const json::Value* event) const {
  if (path_.empty()) return std::string(endpoint);
  size_t wildcards = CountPathWildcards(endpoint);
  if (wildcards != path_.size()) {
    return Status::InvalidArgument("the endpoint " + std::string(endpoint) + " has " +
                                   std::to_string(wildcards) +
                                   " path wildcard(s) but HttpParameters.PathParameterValues has " +
                                   std::to_string(path_.size()) + " value(s)");
  }
  auto [begin, end] = PathSpan(endpoint);
  std::string out(endpoint.substr(0, begin));
  size_t next = 0;
  for (size_t i = begin; i < end; ++i) {
    if (endpoint[i] == '*') {
      out += PercentEncode(Resolve(path_[next++], event));
    } else {
      out += endpoint[i];
    }
  }
  out.append(endpoint.substr(end));
  return out;
}

HttpPairs HttpParameters::Headers(const json::Value* event) const {
  HttpPairs out;
  for (const auto& [k, v] : headers_) out.emplace_back(k, Resolve(v, event));
  return out;
}

HttpPairs HttpParameters::Query(const json::Value* event) const {
  HttpPairs out;
  for (const auto& [k, v] : query_) out.emplace_back(k, Resolve(v, event));
  return out;
}

size_t CountPathWildcards(std::string_view url) {
  auto [begin, end] = PathSpan(url);
  size_t n = 0;
  for (size_t i = begin; i < end; ++i) n += url[i] == '*';
  return n;
}

std::string PercentEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string AppendQuery(std::string url, const HttpPairs& params) {
  if (params.empty()) return url;
  std::string fragment;
  if (size_t hash = url.find('#'); hash != std::string::npos) {
    fragment = url.substr(hash);
    url.resize(hash);
  }
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  if (!url.empty() && (url.back() == '?' || url.back() == '&')) sep = 0;
  for (const auto& [k, v] : params) {
    if (sep != 0) url += sep;
    url += PercentEncode(k);
    url += '=';
    url += PercentEncode(v);
    sep = '&';
  }
  return url + fragment;
}

void SetHeader(HttpPairs* headers, const std::string& name, const std::string& value) {
  std::erase_if(*headers, [&name](const auto& h) { return http::EqualsIgnoreCase(h.first, name); });
  headers->emplace_back(name, value);
}

}  // namespace cxbridge::deliver
