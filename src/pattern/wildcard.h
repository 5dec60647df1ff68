// EventBridge `wildcard` patterns: `*` matches zero or more bytes, `\*` is a literal star and `\\`
// a literal backslash; the whole string must match. Parsing reproduces AWS's error texts, and a
// complexity gate rejects patterns whose matching automaton could be in too many states at once
// ("Rule is too complex ..."), as the service does.
// Thread-safety: immutable after Parse; Matches is const and safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::pattern::internal {

// Largest number of simultaneously active NFA positions we accept for one wildcard pattern.
// AWS does not document its threshold; this value accepts every pattern AWS was seen accepting
// (e.g. "/Users/*/dir/dir/dir/dir/dir/doc.txt" scores 8) and rejects "*:*:*:*:*:event-bus/*" (13).
constexpr int kMaxWildcardComplexity = 10;

class Wildcard {
 public:
  // Parses `text` (the JSON string value, unescaped). Errors carry the Ruler reason text
  // ("Consecutive wildcard characters at pos N", "Invalid escape character at pos N"), where N
  // counts bytes from an imaginary opening quote, as AWS reports it.
  static Result<Wildcard> Parse(std::string_view text);

  // Whole-string match.
  bool Matches(std::string_view s) const;

  // Max number of NFA positions active at once over all inputs (capped at cap + 1).
  int Complexity(int cap = kMaxWildcardComplexity) const;

  // Literal bytes before the first star / after the last star (for indexing).
  const std::string& leading() const { return segments_.front(); }
  const std::string& trailing() const { return segments_.back(); }
  bool has_star() const { return segments_.size() > 1; }

 private:
  // Literal segments between stars: "a*b*c" -> {"a","b","c"}; "*x" -> {"", "x"}; "abc" -> {"abc"}.
  std::vector<std::string> segments_;
};

}  // namespace cxbridge::pattern::internal
