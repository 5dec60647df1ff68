#include "ingest/topic_pattern.h"

#include <map>
#include <vector>

namespace cxbridge::ingest {

namespace {

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

constexpr std::string_view kId = "{id}";

struct CompiledPattern {
  std::string_view text;
  std::vector<std::string_view> segments;
  int literals = 0;
};

// Patterns grouped by segment count; built once on first use (thread-safe static init).
const std::map<size_t, std::vector<CompiledPattern>>& Index() {
  static const auto* index = [] {
    auto* m = new std::map<size_t, std::vector<CompiledPattern>>;
    for (std::string_view p : KnownGenesysTopicPatterns()) {
      CompiledPattern c{p, Split(p), 0};
      for (std::string_view s : c.segments) c.literals += s != kId;
      (*m)[c.segments.size()].push_back(std::move(c));
    }
    return m;
  }();
  return *index;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool LooksLikeId(std::string_view s) {
  if (s.size() == 36) {
    for (size_t i = 0; i < 36; ++i) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
    }
    return true;
  }
  if (s.size() == 32) {
    for (char c : s) {
      if (!IsHex(c)) return false;
    }
    return true;
  }
  return false;
}

std::string TopicPattern(std::string_view topic) {
  std::vector<std::string_view> segs = Split(topic);
  const auto& index = Index();
  const CompiledPattern* best = nullptr;
  if (auto it = index.find(segs.size()); it != index.end()) {
    for (const CompiledPattern& p : it->second) {
      bool match = true;
      for (size_t i = 0; i < segs.size() && match; ++i) {
        match = p.segments[i] == kId ? !segs[i].empty() : p.segments[i] == segs[i];
      }
      if (match && (best == nullptr || p.literals > best->literals)) best = &p;
    }
  }
  if (best != nullptr) return std::string(best->text);

  // Not in the table: replace id-shaped segments; keep everything else.
  std::string out;
  out.reserve(topic.size());
  for (size_t i = 0; i < segs.size(); ++i) {
    if (i) out += '.';
    out += LooksLikeId(segs[i]) ? kId : segs[i];
  }
  // Audit topics carry the entity type where the pattern has {id}, whatever the table says.
  if (segs.size() == 6 && segs[0] == "v2" && segs[1] == "audits" && segs[2] == "entitytype" &&
      segs[4] == "entityid") {
    return "v2.audits.entitytype.{id}.entityid.{id}";
  }
  return out;
}

}  // namespace cxbridge::ingest
