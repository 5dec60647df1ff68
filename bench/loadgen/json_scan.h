// Just enough JSON for the consume mode's SQS answers: a document is walked in place and nothing
// is copied or unescaped (strings stay as they are on the wire, so a receipt handle can be sent
// back verbatim). No validation beyond what the walk needs. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace cxbridge::loadgen {

constexpr size_t kNpos = std::string_view::npos;

// The index of the first non-whitespace character at or after i.
size_t SkipWs(std::string_view s, size_t i);
// s[i] == '"': the index just past the string's closing quote; kNpos when it does not end.
size_t SkipString(std::string_view s, size_t i);
// The index just past the value (string, object, array, number, literal) starting at s[i].
size_t SkipValue(std::string_view s, size_t i);
// A string value's contents, still escaped ("" when v is not a string).
std::string_view Unquote(std::string_view v);

// Calls f(key, value) for each member of the object (or each item of the array, key empty) that
// starts at s[i]; value is the raw text (strings with their quotes). False when malformed.
template <typename F>
bool ForEach(std::string_view s, size_t i, F f) {
  if (i >= s.size() || (s[i] != '{' && s[i] != '[')) return false;
  const bool object = s[i] == '{';
  const char close = object ? '}' : ']';
  i = SkipWs(s, i + 1);
  if (i < s.size() && s[i] == close) return true;
  for (;;) {
    std::string_view key;
    if (object) {
      const size_t kend = i < s.size() && s[i] == '"' ? SkipString(s, i) : kNpos;
      if (kend == kNpos) return false;
      key = s.substr(i + 1, kend - i - 2);
      i = SkipWs(s, kend);
      if (i >= s.size() || s[i] != ':') return false;
      i = SkipWs(s, i + 1);
    }
    const size_t vend = SkipValue(s, i);
    if (vend == kNpos) return false;
    f(key, s.substr(i, vend - i));
    i = SkipWs(s, vend);
    if (i < s.size() && s[i] == ',') {
      i = SkipWs(s, i + 1);
    } else {
      return i < s.size() && s[i] == close;
    }
  }
}

}  // namespace cxbridge::loadgen
