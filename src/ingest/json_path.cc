#include "ingest/json_path.h"

namespace cxbridge::ingest {

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  JsonPath p;
  p.text_ = std::string(text);
  auto fail = [&](size_t pos, std::string_view what) {
    return Status::InvalidArgument("invalid JSON path '" + std::string(text) + "' at offset " +
                                   std::to_string(pos) + ": " + std::string(what));
  };
  size_t i = 0;
  const size_t n = text.size();
  if (n == 0) return fail(0, "empty path");
  if (text[0] == '$') {
    i = 1;
  } else {
    // Relative form: starts with a bare name.
    size_t end = i;
    while (end < n && text[end] != '.' && text[end] != '[') ++end;
    if (end == i) return fail(i, "expected a member name");
    p.steps_.push_back({std::string(text.substr(i, end - i)), 0, false});
    i = end;
  }
  while (i < n) {
    if (text[i] == '.') {
      ++i;
      size_t end = i;
      while (end < n && text[end] != '.' && text[end] != '[') ++end;
      if (end == i) return fail(i, "expected a member name after '.'");
      p.steps_.push_back({std::string(text.substr(i, end - i)), 0, false});
      i = end;
    } else if (text[i] == '[') {
      ++i;
      if (i < n && (text[i] == '\'' || text[i] == '"')) {
        char quote = text[i++];
        size_t end = text.find(quote, i);
        if (end == std::string_view::npos) return fail(i, "unterminated quoted name");
        if (end + 1 >= n || text[end + 1] != ']') return fail(end + 1, "expected ']'");
        p.steps_.push_back({std::string(text.substr(i, end - i)), 0, false});
        i = end + 2;
      } else {
        size_t end = i;
        size_t index = 0;
        while (end < n && text[end] >= '0' && text[end] <= '9' && end - i < 9) {
          index = index * 10 + static_cast<size_t>(text[end] - '0');
          ++end;
        }
        if (end == i) return fail(i, "expected an array index or a quoted name");
        if (end >= n || text[end] != ']') return fail(end, "expected ']'");
        p.steps_.push_back({{}, index, true});
        i = end + 1;
      }
    } else {
      return fail(i, "expected '.' or '['");
    }
  }
  return p;
}

const json::Value* JsonPath::Find(const json::Value& root) const {
  const json::Value* cur = &root;
  for (const Step& s : steps_) {
    if (s.is_index) {
      if (!cur->is_array() || s.index >= cur->items().size()) return nullptr;
      cur = &cur->items()[s.index];
    } else {
      cur = cur->Find(s.key);
      if (cur == nullptr) return nullptr;
    }
  }
  return cur;
}

}  // namespace cxbridge::ingest
