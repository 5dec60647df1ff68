#include "transform/json_path.h"

#include <utility>

namespace cxbridge::transform {
namespace {

bool IsNameByte(char c) {
  switch (c) {
    case '.': case '[': case ']': case '\'': case '"':
    case ' ': case '\t': case '\n': case '\r':
      return false;
    default:
      return true;
  }
}

Status PathError(std::string_view text, size_t offset, std::string_view what) {
  return Status::InvalidArgument("invalid JSONPath '" + std::string(text) + "': " +
                                 std::string(what) + " at offset " + std::to_string(offset));
}

void CollectFrom(const std::vector<JsonPath::Segment>& segs, size_t i, const json::Value& v,
                 std::vector<const json::Value*>* out) {
  if (i == segs.size()) {
    out->push_back(&v);
    return;
  }
  const JsonPath::Segment& s = segs[i];
  switch (s.kind) {
    case JsonPath::Segment::Kind::kKey:
      if (const json::Value* child = v.Find(s.key)) CollectFrom(segs, i + 1, *child, out);
      return;
    case JsonPath::Segment::Kind::kIndex:
      if (v.is_array() && s.index < v.items().size()) CollectFrom(segs, i + 1, v.items()[s.index], out);
      return;
    case JsonPath::Segment::Kind::kWildcard:
      if (v.is_array()) {
        for (const auto& item : v.items()) CollectFrom(segs, i + 1, item, out);
      } else if (v.is_object()) {
        for (const auto& m : v.members()) CollectFrom(segs, i + 1, m.second, out);
      }
      return;
  }
}

}  // namespace

Result<JsonPath> JsonPath::Compile(std::string_view text) {
  JsonPath p;
  p.text_ = std::string(text);
  if (text.empty() || text[0] != '$') return PathError(text, 0, "expected '$'");
  size_t i = 1;
  while (i < text.size()) {
    Segment seg;
    if (text[i] == '.') {
      ++i;
      if (i < text.size() && text[i] == '.') return PathError(text, i, "deep scan '..' is not supported");
      if (i < text.size() && text[i] == '*') {
        seg.kind = Segment::Kind::kWildcard;
        ++i;
      } else {
        size_t start = i;
        while (i < text.size() && IsNameByte(text[i])) ++i;
        if (i == start) return PathError(text, start, "expected a field name");
        seg.key = std::string(text.substr(start, i - start));
        if (seg.key.find('*') != std::string::npos) {
          return PathError(text, start, "'*' must be a whole segment");
        }
      }
    } else if (text[i] == '[') {
      ++i;
      if (i >= text.size()) return PathError(text, i, "unterminated '['");
      char c = text[i];
      if (c == '*') {
        seg.kind = Segment::Kind::kWildcard;
        ++i;
      } else if (c == '\'' || c == '"') {
        size_t close = text.find(c, i + 1);
        if (close == std::string_view::npos) return PathError(text, i, "unterminated quoted name");
        seg.key = std::string(text.substr(i + 1, close - i - 1));
        if (seg.key.empty()) return PathError(text, i, "empty quoted name");
        i = close + 1;
      } else if (c >= '0' && c <= '9') {
        seg.kind = Segment::Kind::kIndex;
        size_t start = i;
        uint64_t n = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
          n = n * 10 + static_cast<uint64_t>(text[i] - '0');
          if (n > (1u << 30)) return PathError(text, start, "array index too large");
          ++i;
        }
        seg.index = static_cast<size_t>(n);
      } else {
        return PathError(text, i,
                         "expected an array index, '*' or a quoted name (filters, slices and "
                         "negative indices are not supported)");
      }
      if (i >= text.size() || text[i] != ']') return PathError(text, i, "expected ']'");
      ++i;
    } else {
      return PathError(text, i, "expected '.' or '['");
    }
    if (seg.kind == Segment::Kind::kWildcard) p.definite_ = false;
    p.segments_.push_back(std::move(seg));
  }
  return p;
}

const json::Value* JsonPath::Find(const json::Value& root) const {
  if (!definite_) return nullptr;
  const json::Value* cur = &root;
  for (const Segment& s : segments_) {
    if (s.kind == Segment::Kind::kKey) {
      cur = cur->Find(s.key);
      if (cur == nullptr) return nullptr;
    } else {  // kIndex
      if (!cur->is_array() || s.index >= cur->items().size()) return nullptr;
      cur = &cur->items()[s.index];
    }
  }
  return cur;
}

json::Value* JsonPath::FindMutable(json::Value* root) const {
  return const_cast<json::Value*>(Find(*root));
}

void JsonPath::Collect(const json::Value& root, std::vector<const json::Value*>* out) const {
  CollectFrom(segments_, 0, root, out);
}

Status JsonPath::Set(json::Value* root, json::Value v) const {
  if (!definite_ || segments_.empty()) {
    return Status::InvalidArgument("cannot write to JSONPath '" + text_ +
                                   "': it must name a single field below the root");
  }
  json::Value* cur = root;
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    if (s.kind == Segment::Kind::kKey) {
      if (!cur->is_object()) {
        return Status::InvalidArgument("cannot write to '" + text_ + "': '" + s.key +
                                       "' is inside a value that is not an object");
      }
      json::Value* next = cur->Find(s.key);
      if (next == nullptr) next = &cur->Set(s.key, json::Value::Object());
      cur = next;
    } else {
      if (!cur->is_array() || s.index >= cur->items().size()) {
        return Status::InvalidArgument("cannot write to '" + text_ + "': array element [" +
                                       std::to_string(s.index) + "] does not exist");
      }
      cur = &cur->items()[s.index];
    }
  }
  const Segment& last = segments_.back();
  if (last.kind == Segment::Kind::kKey) {
    if (!cur->is_object()) {
      return Status::InvalidArgument("cannot write to '" + text_ +
                                     "': its parent is not an object");
    }
    cur->Set(last.key, std::move(v));
  } else {
    if (!cur->is_array() || last.index >= cur->items().size()) {
      return Status::InvalidArgument("cannot write to '" + text_ + "': array element [" +
                                     std::to_string(last.index) + "] does not exist");
    }
    cur->items()[last.index] = std::move(v);
  }
  return Status::Ok();
}

bool JsonPath::Erase(json::Value* root) const {
  if (!definite_ || segments_.empty()) return false;
  json::Value* parent = root;
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    if (s.kind == Segment::Kind::kKey) {
      parent = parent->Find(s.key);
      if (parent == nullptr) return false;
    } else {
      if (!parent->is_array() || s.index >= parent->items().size()) return false;
      parent = &parent->items()[s.index];
    }
  }
  const Segment& last = segments_.back();
  if (last.kind == Segment::Kind::kKey) return parent->is_object() && parent->Erase(last.key);
  if (!parent->is_array() || last.index >= parent->items().size()) return false;
  parent->items().erase(parent->items().begin() + static_cast<std::ptrdiff_t>(last.index));
  return true;
}

}  // namespace cxbridge::transform
