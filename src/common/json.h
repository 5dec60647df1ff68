// A small mutable JSON document model for the control and transform paths: envelopes, config,
// API bodies, normalization. Parsing uses simdjson (On-Demand) and keeps each number's source
// text, so numbers pass through unchanged (1.0 stays 1.0). Object members keep their order;
// on parse a duplicate key keeps its first position and its last value (as JSON parsers in
// EventBridge do: last wins).
// Parsing is linear in the input: an object's duplicate-key check goes through a hash index once
// it has more than a few members. An object may have at most kMaxObjectMembers distinct members
// (docs/limits.md); more is a parse error, so a body of 100,000 one-byte keys is a 400, not
// seconds of CPU.
// The matcher's hot path does not use this type; it reads events with simdjson directly.
// Thread-safety: a Value is a plain value; distinct Values may be used from distinct threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cxbridge::json {

// The most distinct members one JSON object may have when parsed.
inline constexpr size_t kMaxObjectMembers = 10000;

class Value;
using Member = std::pair<std::string, Value>;

class Value {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Bool(bool b);
  // `text` must be a valid JSON number.
  static Value NumberText(std::string text);
  static Value Int(int64_t v);
  static Value Double(double v);
  static Value String(std::string s);
  static Value Array(std::vector<Value> items = {});
  static Value Object(std::vector<Member> members = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool as_bool() const { return bool_; }
  // Number's source text; as_double parses it.
  const std::string& number_text() const { return str_; }
  double as_double() const;
  // For integers that fit; false otherwise.
  bool as_int64(int64_t* out) const;
  const std::string& as_string() const { return str_; }

  std::vector<Value>& items() { return items_; }
  const std::vector<Value>& items() const { return items_; }
  std::vector<Member>& members() { return members_; }
  const std::vector<Member>& members() const { return members_; }

  // Object access. Find returns nullptr when absent or when this is not an object.
  Value* Find(std::string_view key);
  const Value* Find(std::string_view key) const;
  // Replaces the member's value in place, or appends it. Turns a null into an object.
  // Linear in the number of members: to build a large object, use Append.
  Value& Set(std::string_view key, Value v);
  // Appends a member without looking for an existing one: the caller knows `key` is absent.
  // Turns a null into an object.
  Value& Append(std::string key, Value v);
  // Inserts before member `before` (appends when absent).
  Value& InsertBefore(std::string_view before, std::string_view key, Value v);
  bool Erase(std::string_view key);
  void Push(Value v) { items_.push_back(std::move(v)); }

  // Dotted path ("detail.eventBody.id"); nullptr when any step is missing.
  const Value* FindPath(std::string_view dotted) const;

  bool operator==(const Value& o) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string str_;  // string value or number text
  std::vector<Value> items_;
  std::vector<Member> members_;
};

// Parses a complete JSON text. Error messages name what is wrong (for 400 answers).
Result<Value> Parse(std::string_view text);

// Compact serialization (no whitespace), member order kept.
std::string Serialize(const Value& v);
void SerializeTo(const Value& v, std::string* out);

// Appends `s` as a JSON string literal (quotes and escapes) to out.
void AppendQuoted(std::string* out, std::string_view s);
std::string Quote(std::string_view s);

}  // namespace cxbridge::json
