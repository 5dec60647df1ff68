#include "common/json.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <unordered_map>

namespace cxbridge::json {

Value Value::Bool(bool b) {
  Value v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}
Value Value::NumberText(std::string text) {
  Value v;
  v.type_ = Type::kNumber;
  v.str_ = std::move(text);
  return v;
}
Value Value::Int(int64_t i) { return NumberText(std::to_string(i)); }
Value Value::Double(double d) {
  if (!std::isfinite(d)) return Null();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return NumberText(std::string(buf, r.ptr));
}
Value Value::String(std::string s) {
  Value v;
  v.type_ = Type::kString;
  v.str_ = std::move(s);
  return v;
}
Value Value::Array(std::vector<Value> items) {
  Value v;
  v.type_ = Type::kArray;
  v.items_ = std::move(items);
  return v;
}
Value Value::Object(std::vector<Member> members) {
  Value v;
  v.type_ = Type::kObject;
  v.members_ = std::move(members);
  return v;
}

double Value::as_double() const {
  if (type_ != Type::kNumber) return 0;
  return std::strtod(str_.c_str(), nullptr);
}

bool Value::as_int64(int64_t* out) const {
  if (type_ != Type::kNumber) return false;
  auto r = std::from_chars(str_.data(), str_.data() + str_.size(), *out);
  if (r.ec == std::errc() && r.ptr == str_.data() + str_.size()) return true;
  double d = as_double();
  if (std::floor(d) == d && std::fabs(d) < 9.007199254740992e15) {
    *out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

Value* Value::Find(std::string_view key) {
  if (type_ != Type::kObject) return nullptr;
  for (auto& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}
const Value* Value::Find(std::string_view key) const {
  return const_cast<Value*>(this)->Find(key);
}

Value& Value::Set(std::string_view key, Value v) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  if (Value* existing = Find(key)) {
    *existing = std::move(v);
    return *existing;
  }
  members_.emplace_back(std::string(key), std::move(v));
  return members_.back().second;
}

Value& Value::Append(std::string key, Value v) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  members_.emplace_back(std::move(key), std::move(v));
  return members_.back().second;
}

Value& Value::InsertBefore(std::string_view before, std::string_view key, Value v) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  Erase(key);
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->first == before) {
      return members_.insert(it, Member(std::string(key), std::move(v)))->second;
    }
  }
  members_.emplace_back(std::string(key), std::move(v));
  return members_.back().second;
}

bool Value::Erase(std::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->first == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

const Value* Value::FindPath(std::string_view dotted) const {
  const Value* cur = this;
  while (cur != nullptr) {
    size_t dot = dotted.find('.');
    std::string_view part = dotted.substr(0, dot);
    cur = cur->Find(part);
    if (dot == std::string_view::npos) return cur;
    dotted.remove_prefix(dot + 1);
  }
  return nullptr;
}

bool Value::operator==(const Value& o) const {
  if (type_ != o.type_) return false;
  switch (type_) {
    case Type::kNull: return true;
    case Type::kBool: return bool_ == o.bool_;
    case Type::kNumber: return str_ == o.str_ || as_double() == o.as_double();
    case Type::kString: return str_ == o.str_;
    case Type::kArray: return items_ == o.items_;
    case Type::kObject: return members_ == o.members_;
  }
  return false;
}

namespace {
namespace od = simdjson::ondemand;

std::string_view TrimToken(std::string_view t) {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' ||
                        t.back() == '\t')) {
    t.remove_suffix(1);
  }
  return t;
}

Status Err(simdjson::error_code e) {
  return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(e));
}

template <typename V>
Status Convert(V& in, Value* out, int depth);

// Objects up to this many members look for a duplicate key by a scan; larger ones through a
// hash index (key -> position), built once when the object grows past it.
constexpr size_t kIndexFrom = 16;

template <typename V>
Status ConvertObject(V& in, Value* out, int depth) {
  od::object obj;
  if (auto e = in.get_object().get(obj)) return Err(e);
  *out = Value::Object();
  std::vector<Member>& members = out->members();
  std::unordered_map<std::string_view, size_t> index;  // views into `keys`, stable storage
  std::deque<std::string> keys;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Err(e);
    std::string k(key);
    od::value fv;
    if (auto e = field.value().get(fv)) return Err(e);
    Value child;
    CXB_RETURN_IF_ERROR(Convert(fv, &child, depth + 1));
    // Duplicate keys: first position, last value.
    size_t at = members.size();
    if (members.size() < kIndexFrom) {
      for (size_t i = 0; i < members.size(); ++i) {
        if (members[i].first == k) {
          at = i;
          break;
        }
      }
    } else {
      if (index.empty()) {
        for (size_t i = 0; i < members.size(); ++i) index.emplace(keys.emplace_back(members[i].first), i);
      }
      if (auto it = index.find(k); it != index.end()) at = it->second;
    }
    if (at < members.size()) {
      members[at].second = std::move(child);
      continue;
    }
    if (members.size() >= kMaxObjectMembers) {
      return Status::InvalidArgument("invalid JSON: an object has more than " +
                                     std::to_string(kMaxObjectMembers) + " members");
    }
    if (!index.empty()) index.emplace(keys.emplace_back(k), members.size());
    members.emplace_back(std::move(k), std::move(child));
  }
  return Status::Ok();
}

template <typename V>
Status Convert(V& in, Value* out, int depth) {
  if (depth > 256) return Status::InvalidArgument("invalid JSON: nesting deeper than 256");
  od::json_type t;
  if (auto e = in.type().get(t)) return Err(e);
  switch (t) {
    case od::json_type::object:
      return ConvertObject(in, out, depth);
    case od::json_type::array: {
      od::array arr;
      if (auto e = in.get_array().get(arr)) return Err(e);
      *out = Value::Array();
      for (auto item : arr) {
        od::value iv;
        if (auto e = item.get(iv)) return Err(e);
        Value child;
        CXB_RETURN_IF_ERROR(Convert(iv, &child, depth + 1));
        out->Push(std::move(child));
      }
      return Status::Ok();
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = in.get_string().get(s)) return Err(e);
      *out = Value::String(std::string(s));
      return Status::Ok();
    }
    case od::json_type::number: {
      std::string_view raw = TrimToken(in.raw_json_token());
      double d;
      if (auto e = in.get_double().get(d)) {
        // Integers beyond double range are still valid JSON; keep their text.
        if (e != simdjson::NUMBER_OUT_OF_RANGE) return Err(e);
      }
      *out = Value::NumberText(std::string(raw));
      return Status::Ok();
    }
    case od::json_type::boolean: {
      bool b;
      if (auto e = in.get_bool().get(b)) return Err(e);
      *out = Value::Bool(b);
      return Status::Ok();
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = in.is_null().get(is_null)) return Err(e);
      if (!is_null) return Status::InvalidArgument("invalid JSON: bad literal");
      *out = Value::Null();
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("invalid JSON");
}
}  // namespace

Result<Value> Parse(std::string_view text) {
  thread_local od::parser parser;
  simdjson::padded_string padded(text);
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) return Err(e);
  Value out;
  Status st = Convert(doc, &out, 0);
  if (!st.ok()) return st;
  // After a complete value, current_location() fails with OUT_OF_BOUNDS unless bytes remain.
  if (!doc.current_location().error()) return Status::InvalidArgument("invalid JSON: trailing content after the value");
  return out;
}

namespace {

// Whether any of the 8 bytes in `w` must be escaped in a JSON string: below 0x20, '"' or '\\'.
// Bit tricks on a 64-bit word (the "has zero byte" and "has byte less than" tests).
inline bool AnyNeedsEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
  return (below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

inline bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

void AppendQuoted(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    // Copy the longest run that needs no escaping in one append, 8 bytes at a time.
    const char* run = p;
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (AnyNeedsEscape(w)) break;
      p += 8;
    }
    while (p < end && !NeedsEscape(static_cast<unsigned char>(*p))) ++p;
    out->append(run, static_cast<size_t>(p - run));
    if (p == end) break;
    const unsigned char c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->push_back('"');
}

std::string Quote(std::string_view s) {
  std::string out;
  AppendQuoted(&out, s);
  return out;
}

void SerializeTo(const Value& v, std::string* out) {
  switch (v.type()) {
    case Value::Type::kNull: out->append("null"); break;
    case Value::Type::kBool: out->append(v.as_bool() ? "true" : "false"); break;
    case Value::Type::kNumber: out->append(v.number_text()); break;
    case Value::Type::kString: AppendQuoted(out, v.as_string()); break;
    case Value::Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out->push_back(',');
        first = false;
        SerializeTo(item, out);
      }
      out->push_back(']');
      break;
    }
    case Value::Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, child] : v.members()) {
        if (!first) out->push_back(',');
        first = false;
        AppendQuoted(out, k);
        out->push_back(':');
        SerializeTo(child, out);
      }
      out->push_back('}');
      break;
    }
  }
}

std::string Serialize(const Value& v) {
  std::string out;
  SerializeTo(v, &out);
  return out;
}

}  // namespace cxbridge::json
