#include "pattern/wildcard.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace cxbridge::pattern::internal {

Result<Wildcard> Wildcard::Parse(std::string_view text) {
  Wildcard w;
  w.segments_.emplace_back();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '*') {
      if (i + 1 < text.size() && text[i + 1] == '*') {
        return Status::InvalidArgument("Consecutive wildcard characters at pos " +
                                       std::to_string(i + 1));
      }
      w.segments_.emplace_back();
    } else if (c == '\\') {
      if (i + 1 < text.size() && (text[i + 1] == '*' || text[i + 1] == '\\')) {
        w.segments_.back().push_back(text[i + 1]);
        ++i;
      } else {
        return Status::InvalidArgument("Invalid escape character at pos " + std::to_string(i + 1));
      }
    } else {
      w.segments_.back().push_back(c);
    }
  }
  return w;
}

bool Wildcard::Matches(std::string_view s) const {
  const std::string& first = segments_.front();
  if (segments_.size() == 1) return s == first;
  const std::string& last = segments_.back();
  if (s.size() < first.size() + last.size()) return false;
  if (s.compare(0, first.size(), first) != 0) return false;
  if (s.compare(s.size() - last.size(), last.size(), last) != 0) return false;
  // Middle segments: leftmost-first search is optimal for star-only globs.
  size_t pos = first.size();
  size_t end = s.size() - last.size();
  for (size_t k = 1; k + 1 < segments_.size(); ++k) {
    const std::string& seg = segments_[k];
    if (seg.empty()) continue;
    if (end - pos < seg.size()) return false;
    std::string_view hay = s.substr(pos, end - pos);
    size_t at = hay.find(seg);
    if (at == std::string_view::npos) return false;
    pos += at + seg.size();
  }
  return true;
}

int Wildcard::Complexity(int cap) const {
  // Tokens: literal bytes, and -1 for a star. Positions 0..m; a star position also reaches the
  // next position without input. Explore the subset automaton over the pattern's own bytes plus
  // one "other" byte and report the largest subset.
  std::vector<int> t;
  for (size_t k = 0; k < segments_.size(); ++k) {
    if (k > 0) t.push_back(-1);
    for (unsigned char c : segments_[k]) t.push_back(c);
  }
  const int m = static_cast<int>(t.size());
  auto closure = [&](std::vector<int>& s) {
    std::vector<int> out;
    for (int i : s) {
      out.push_back(i);
      while (i < m && t[i] == -1) out.push_back(++i);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    s.swap(out);
  };
  std::vector<int> alphabet;
  for (int x : t) {
    if (x >= 0) alphabet.push_back(x);
  }
  std::sort(alphabet.begin(), alphabet.end());
  alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());
  alphabet.push_back(256);  // any byte not in the pattern

  std::vector<int> start{0};
  closure(start);
  std::set<std::vector<int>> seen{start};
  std::vector<std::vector<int>> queue{start};
  int best = static_cast<int>(start.size());
  constexpr size_t kMaxSubsets = 4096;
  while (!queue.empty()) {
    std::vector<int> s = std::move(queue.back());
    queue.pop_back();
    for (int b : alphabet) {
      std::vector<int> n;
      for (int i : s) {
        if (i >= m) continue;
        if (t[i] == -1) {
          n.push_back(i);
        } else if (t[i] == b) {
          n.push_back(i + 1);
        }
      }
      if (n.empty()) continue;
      closure(n);
      if (seen.insert(n).second) {
        best = std::max(best, static_cast<int>(n.size()));
        if (best > cap || seen.size() > kMaxSubsets) return cap + 1;
        queue.push_back(std::move(n));
      }
    }
  }
  return best;
}

}  // namespace cxbridge::pattern::internal
