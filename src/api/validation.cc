#include "api/validation.h"

#include <map>
#include <memory>
#include <mutex>

#include <re2/re2.h>

namespace cxbridge::api {
namespace {

using model::Shape;
using model::ShapeKind;

// The model's patterns are Java regexes (`String.matches`). They run on RE2: linear time in the
// input and no recursion over it, so no value a client sends can stall or overflow an I/O thread
// (std::regex backtracks exponentially on some of them and recurses per character).
// Java's `.` excludes every line terminator, RE2's only '\n': dots outside classes are rewritten.
// RE2 has no lookahead; the one model pattern with one is rewritten to an equivalent (see below).
struct CompiledPattern {
  bool always = false;  // ".*"
  std::unique_ptr<RE2> re;  // null when RE2 refused the pattern (not enforced; a test checks none)
};

constexpr const char* kJavaDot = "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]";

std::string RewriteJavaDots(std::string_view p) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out += c;
      out += p[++i];
      continue;
    }
    if (c == '[') in_class = true;
    else if (c == ']') in_class = false;
    if (c == '.' && !in_class) out += kJavaDot;
    else out += c;
  }
  return out;
}

std::string ToRe2(std::string_view pattern) {
  // "^(?!\s*$).+": not empty, no line terminator, not only whitespace. Java's \s is
  // [ \t\n\x0B\f\r]; the line terminators are already excluded by `.`.
  if (pattern == "^(?!\\s*$).+")
    return "[ \\t\\x0B\\f]*[^ \\t\\x0B\\f\\n\\r\\x{85}\\x{2028}\\x{2029}]" + std::string(kJavaDot) + "*";
  return RewriteJavaDots(pattern);
}

std::unique_ptr<CompiledPattern> Compile(std::string_view pattern) {
  auto c = std::make_unique<CompiledPattern>();
  if (pattern == ".*") {
    c->always = true;
    return c;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_encoding(RE2::Options::EncodingUTF8);
  auto re = std::make_unique<RE2>(ToRe2(pattern), opts);
  if (re->ok()) c->re = std::move(re);
  return c;
}

const CompiledPattern& GetCompiled(std::string_view pattern) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<CompiledPattern>, std::less<>> cache;  // by mu
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(pattern);
  if (it == cache.end()) it = cache.emplace(std::string(pattern), Compile(pattern)).first;
  return *it->second;
}

std::string LowerCamel(std::string_view name) {
  std::string s(name);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = char(s[0] - 'A' + 'a');
  return s;
}

// How AWS renders a value in a violation: strings verbatim, lists Java-style "[a, b]".
std::string Render(const json::Value& v) {
  switch (v.type()) {
    case json::Value::Type::kString: return v.as_string();
    case json::Value::Type::kNumber: return v.number_text();
    case json::Value::Type::kBool: return v.as_bool() ? "true" : "false";
    case json::Value::Type::kNull: return "null";
    case json::Value::Type::kArray: {
      std::string s = "[";
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) s += ", ";
        s += Render(v.items()[i]);
      }
      return s + "]";
    }
    case json::Value::Type::kObject: return json::Serialize(v);
  }
  return "";
}

struct Walker {
  std::vector<std::string> violations;
  std::string type_error;

  void Add(const json::Value& v, const std::string& path, const std::string& constraint) {
    violations.push_back(Violation(Render(v), path, constraint));
  }

  void CheckSize(const Shape& s, long long size, const json::Value& v, const std::string& path) {
    if (s.has_min && size < s.min)
      Add(v, path, "Member must have length greater than or equal to " + std::to_string(s.min));
    if (s.has_max && size > s.max)
      Add(v, path, "Member must have length less than or equal to " + std::to_string(s.max));
  }

  void Walk(const Shape& s, const json::Value& v, const std::string& path) {
    if (!type_error.empty()) return;
    switch (s.kind) {
      case ShapeKind::kStructure: {
        if (!v.is_object()) return TypeError(path, "structure");
        for (int i = 0; i < s.num_members; ++i) {
          const model::Member& m = s.members[i];
          std::string child = path.empty() ? LowerCamel(m.name) : path + "." + LowerCamel(m.name);
          const json::Value* mv = v.Find(m.name);
          if (!mv || mv->is_null()) {
            if (m.required)
              violations.push_back("Value null at '" + child +
                                   "' failed to satisfy constraint: Member must not be null");
            continue;
          }
          Walk(model::kShapes[m.shape], *mv, child);
        }
        return;
      }
      case ShapeKind::kList: {
        if (!v.is_array()) return TypeError(path, "list");
        CheckSize(s, static_cast<long long>(v.items().size()), v, path);
        for (size_t i = 0; i < v.items().size(); ++i)
          Walk(model::kShapes[s.element], v.items()[i], path + "." + std::to_string(i + 1) + ".member");
        return;
      }
      case ShapeKind::kMap: {
        if (!v.is_object()) return TypeError(path, "map");
        CheckSize(s, static_cast<long long>(v.members().size()), v, path);
        for (const auto& [k, mv] : v.members()) {
          Walk(model::kShapes[s.key], json::Value::String(k), path);
          Walk(model::kShapes[s.value], mv, path + "." + k);
        }
        return;
      }
      case ShapeKind::kString: {
        if (!v.is_string()) return TypeError(path, "string");
        const std::string& str = v.as_string();
        // The length is counted first (one linear pass); the pattern then runs on RE2, linear too.
        // Both violations are reported, pattern first, as AWS does.
        const long long length = static_cast<long long>(Utf16Length(str));
        if (s.num_enums > 0) {
          bool found = false;
          for (int i = 0; i < s.num_enums && !found; ++i) found = str == s.enums[i];
          if (!found) {
            std::string set = "[";
            for (int i = 0; i < s.num_enums; ++i) set += (i ? ", " : "") + std::string(s.enums[i]);
            Add(v, path, "Member must satisfy enum value set: " + set + "]");
          }
        }
        if (s.pattern && !MatchesModelPattern(s.pattern, str))
          Add(v, path, std::string("Member must satisfy regular expression pattern: ") + s.pattern);
        CheckSize(s, length, v, path);
        return;
      }
      case ShapeKind::kInteger: {
        int64_t n;
        if (!v.is_number() || !v.as_int64(&n)) return TypeError(path, "integer");
        if (s.has_min && n < s.min)
          Add(v, path, "Member must have value greater than or equal to " + std::to_string(s.min));
        if (s.has_max && n > s.max)
          Add(v, path, "Member must have value less than or equal to " + std::to_string(s.max));
        return;
      }
      case ShapeKind::kDouble:
        if (!v.is_number()) return TypeError(path, "number");
        return;
      case ShapeKind::kBoolean:
        if (!v.is_bool()) return TypeError(path, "boolean");
        return;
      case ShapeKind::kTimestamp:
        // Epoch seconds on the wire; botocore also accepts ISO-8601 strings.
        if (!v.is_number() && !v.is_string()) return TypeError(path, "timestamp");
        return;
    }
  }

  void TypeError(const std::string& path, const char* expected) {
    if (type_error.empty())
      type_error = std::string("Unexpected value type at '") + path + "': expected " + expected + ".";
  }
};

}  // namespace

size_t Utf16Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += (c >= 0xF0) ? 2 : 1;          // 4-byte sequences are surrogate pairs in UTF-16
  }
  return n;
}

bool MatchesModelPattern(std::string_view pattern, std::string_view text) {
  const CompiledPattern& c = GetCompiled(pattern);
  if (c.always || !c.re) return true;
  return RE2::FullMatch(text, *c.re);
}

bool ModelPatternCompiles(std::string_view pattern) {
  const CompiledPattern& c = GetCompiled(pattern);
  return c.always || c.re != nullptr;
}

std::string Violation(std::string_view value, std::string_view path, std::string_view constraint) {
  std::string s = "Value '";
  s.append(value);
  s += "' at '";
  s.append(path);
  s += "' failed to satisfy constraint: ";
  s.append(constraint);
  return s;
}

std::string FormatViolations(const std::vector<std::string>& violations) {
  std::string s = std::to_string(violations.size()) +
                  (violations.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i) s += "; ";
    s += violations[i];
  }
  return s;
}

ValidationFailure ValidateRequest(std::string_view operation, const json::Value& body) {
  const Shape* input = model::FindInput(operation);
  if (!input) return {};
  if (!body.is_object()) return {"SerializationException", "Request body must be a JSON object."};
  Walker w;
  w.Walk(*input, body, "");
  if (!w.type_error.empty()) return {"SerializationException", w.type_error};
  if (w.violations.empty()) return {};
  return {"ValidationException", FormatViolations(w.violations)};
}

}  // namespace cxbridge::api
