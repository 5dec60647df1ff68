#include "api/validation.h"

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <regex>

namespace cxbridge::api {
namespace {

using model::Shape;
using model::ShapeKind;

// A compiled model pattern. Patterns that are one character class repeated (`[...]+`, `[...]*`,
// the common case) run on a 256-entry byte table: linear and without std::regex's recursion,
// which overflows the stack on long inputs. Everything else uses std::regex (ECMAScript).
struct CompiledPattern {
  bool always = false;     // ".*"
  bool broken = false;     // did not compile with std::regex: not enforced
  bool unicode_letters = false;  // \p{L}/\p{N}/\p{Z} rewritten: non-ASCII bytes count as letters
  bool use_table = false;
  bool allow_empty = false;
  std::array<bool, 256> table{};
  std::regex re;
};

std::string RewriteUnicodeClasses(std::string p, bool* rewritten) {
  // std::regex has no \p{…}; the only model use is inside a class. Letters/numbers/separators
  // become \w and \s; non-ASCII input bytes are mapped to 'a' before matching.
  for (const char* cls : {"\\p{L}", "\\p{N}", "\\p{Z}"}) {
    size_t pos;
    while ((pos = p.find(cls)) != std::string::npos) {
      p.replace(pos, 5, cls[3] == 'Z' ? "\\s" : "\\w");
      *rewritten = true;
    }
  }
  return p;
}

std::unique_ptr<CompiledPattern> Compile(std::string_view pattern) {
  auto c = std::make_unique<CompiledPattern>();
  if (pattern == ".*") {
    c->always = true;
    return c;
  }
  std::string p = RewriteUnicodeClasses(std::string(pattern), &c->unicode_letters);
  // Exceptions are confined to this config-time compile of the model's own patterns.
  try {
    std::string body = p;
    if (!body.empty() && body.front() == '^') body.erase(0, 1);
    if (!body.empty() && body.back() == '$' && (body.size() < 2 || body[body.size() - 2] != '\\'))
      body.pop_back();
    if (body.size() >= 3 && body.front() == '[' && (body.back() == '+' || body.back() == '*') &&
        body[body.size() - 2] == ']' && body.find('[', 1) == std::string::npos &&
        body.find(']') == body.size() - 2) {
      std::regex cls(body.substr(0, body.size() - 1));
      for (int b = 0; b < 256; ++b) {
        char ch = static_cast<char>(b);
        c->table[b] = std::regex_match(&ch, &ch + 1, cls);
      }
      c->use_table = true;
      c->allow_empty = body.back() == '*';
      return c;
    }
    c->re = std::regex(p, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    c->broken = true;
  }
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
        CheckSize(s, static_cast<long long>(Utf16Length(str)), v, path);
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
  if (c.always || c.broken) return true;
  std::string mapped;
  if (c.unicode_letters) {
    mapped.assign(text);
    for (char& ch : mapped)
      if (static_cast<unsigned char>(ch) >= 0x80) ch = 'a';
    text = mapped;
  }
  if (c.use_table) {
    if (text.empty()) return c.allow_empty;
    for (unsigned char ch : text)
      if (!c.table[ch]) return false;
    return true;
  }
  return std::regex_match(text.begin(), text.end(), c.re);
}

bool ModelPatternCompiles(std::string_view pattern) { return !GetCompiled(pattern).broken; }

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
