#include "common/config_keys.h"

#include <algorithm>

namespace cxbridge {
namespace {

constexpr std::string_view kUnknownKey = "unknown key '";
constexpr size_t kMaxCompared = 64;  // longer keys get no suggestion (bounded work)

char Fold(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  if (c == '-') return '_';
  return c;
}

// Optimal string alignment distance (Levenshtein plus adjacent swaps) on folded characters.
size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = Fold(a[i - 1]) == Fold(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && Fold(a[i - 1]) == Fold(b[j - 2]) && Fold(a[i - 2]) == Fold(b[j - 1])) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

size_t MaxEdits(size_t length) { return length <= 4 ? 1 : length <= 8 ? 2 : 3; }

}  // namespace

std::string ClosestKey(std::string_view key, const std::vector<std::string_view>& known) {
  if (key.empty() || key.size() > kMaxCompared) return "";
  std::string_view best;
  size_t best_distance = MaxEdits(key.size()) + 1;
  for (std::string_view k : known) {
    if (k.size() > kMaxCompared) continue;
    const size_t d = EditDistance(key, k);
    // Same letters in another case or spelling of '-' / '_': always a match.
    if (d < best_distance && (d == 0 || d <= MaxEdits(std::min(key.size(), k.size())))) {
      best = k;
      best_distance = d;
    }
  }
  return std::string(best);
}

std::string UnknownKeyMessage(std::string_view key, const std::vector<std::string_view>& allowed) {
  std::string out(kUnknownKey);
  out += key;
  out += "'";
  std::string close = ClosestKey(key, allowed);
  if (!close.empty()) {
    out += " (did you mean '" + close + "'?)";
  } else if (!allowed.empty()) {
    out += " (allowed: ";
    for (size_t i = 0; i < allowed.size(); ++i) {
      if (i > 0) out += ", ";
      out += allowed[i];
    }
    out += ")";
  }
  return out;
}

Status CheckKeys(const json::Value& obj, std::string_view where,
                 const std::vector<std::string_view>& allowed) {
  const std::string prefix = where.empty() ? "" : std::string(where) + ": ";
  if (!obj.is_object()) return Status::InvalidArgument(prefix + "must be a mapping");
  std::string message;
  for (const auto& [key, value] : obj.members()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (!message.empty()) message += "\n";
    message += prefix;
    message += UnknownKeyMessage(key, allowed);
  }
  if (message.empty()) return Status::Ok();
  return Status::InvalidArgument(std::move(message));
}

Status CheckKeys(const json::Value& obj, std::string_view where,
                 std::initializer_list<std::string_view> allowed) {
  return CheckKeys(obj, where, std::vector<std::string_view>(allowed));
}

std::vector<std::string> UnknownKeysIn(std::string_view message) {
  std::vector<std::string> keys;
  size_t line_start = 0;
  while (line_start <= message.size()) {
    size_t line_end = message.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = message.size();
    std::string_view line = message.substr(line_start, line_end - line_start);
    // The last "unknown key '" of the line: a `where` prefix cannot contain it after the key.
    size_t at = line.rfind(kUnknownKey);
    if (at != std::string_view::npos) {
      std::string_view rest = line.substr(at + kUnknownKey.size());
      // The key ends at the quote before " (" or at the line's last quote.
      size_t end = rest.find("' (");
      if (end == std::string_view::npos) end = rest.rfind('\'');
      if (end != std::string_view::npos) keys.emplace_back(rest.substr(0, end));
    }
    line_start = line_end + 1;
  }
  return keys;
}

}  // namespace cxbridge
