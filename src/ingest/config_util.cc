#include "ingest/config_util.h"

#include "common/secret.h"

namespace cxbridge::ingest {

namespace {
std::string Prefixed(std::string_view where, std::string_view msg) {
  std::string out(where);
  out += ": ";
  out += msg;
  return out;
}
}  // namespace

Result<std::optional<std::string>> OptionalString(const json::Value& obj, std::string_view key,
                                                  std::string_view where) {
  const json::Value* v = obj.Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string() || v->as_string().empty()) {
    return Status::InvalidArgument(
        Prefixed(where, "'" + std::string(key) + "' must be a non-empty string"));
  }
  return std::optional<std::string>(v->as_string());
}

Result<std::string> RequiredString(const json::Value& obj, std::string_view key,
                                   std::string_view where) {
  auto s = OptionalString(obj, key, where);
  if (!s.ok()) return s.status();
  if (!s->has_value()) {
    return Status::InvalidArgument(Prefixed(where, "'" + std::string(key) + "' is required"));
  }
  return std::move(**s);
}

Result<int64_t> OptionalInt(const json::Value& obj, std::string_view key, std::string_view where,
                            int64_t fallback, int64_t min, int64_t max) {
  const json::Value* v = obj.Find(key);
  if (v == nullptr) return fallback;
  int64_t out = 0;
  // YAML scalars may arrive as strings ("300"); accept both.
  bool ok = false;
  if (v->is_number()) {
    ok = v->as_int64(&out);
  } else if (v->is_string() && !v->as_string().empty()) {
    auto r = json::Parse(v->as_string());
    ok = r.ok() && r->is_number() && r->as_int64(&out);
  }
  if (!ok || out < min || out > max) {
    return Status::InvalidArgument(Prefixed(where, "'" + std::string(key) +
                                                       "' must be an integer between " +
                                                       std::to_string(min) + " and " +
                                                       std::to_string(max)));
  }
  return out;
}

Result<std::vector<std::string>> ResolveSecretList(const json::Value& obj,
                                                   std::string_view single_key,
                                                   std::string_view list_key,
                                                   std::string_view where) {
  const json::Value* one = obj.Find(single_key);
  const json::Value* many = list_key.empty() ? nullptr : obj.Find(list_key);
  std::string names = "'" + std::string(single_key) + "'";
  if (!list_key.empty()) names += " or '" + std::string(list_key) + "'";
  if (one != nullptr && many != nullptr) {
    return Status::InvalidArgument(Prefixed(where, "give either " + names + ", not both"));
  }
  std::vector<std::string> out;
  if (one != nullptr) {
    auto s = ResolveSecret(*one);
    if (!s.ok()) return Status::InvalidArgument(Prefixed(where, std::string(single_key) + ": " +
                                                                    s.status().message()));
    out.push_back(std::move(*s));
  } else if (many != nullptr) {
    if (!many->is_array() || many->items().empty()) {
      return Status::InvalidArgument(
          Prefixed(where, "'" + std::string(list_key) + "' must be a non-empty list of secrets"));
    }
    for (size_t i = 0; i < many->items().size(); ++i) {
      auto s = ResolveSecret(many->items()[i]);
      if (!s.ok()) {
        return Status::InvalidArgument(Prefixed(
            where, std::string(list_key) + "[" + std::to_string(i) + "]: " + s.status().message()));
      }
      out.push_back(std::move(*s));
    }
  } else {
    return Status::InvalidArgument(Prefixed(where, names + " is required"));
  }
  for (const std::string& s : out) {
    if (s.empty()) return Status::InvalidArgument(Prefixed(where, "a secret is empty"));
  }
  return out;
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

namespace {
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

}  // namespace cxbridge::ingest
