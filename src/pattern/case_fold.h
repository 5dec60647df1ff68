// Unicode case folding for equals-ignore-case (and its prefix/suffix/anything-but forms).
//
// EventBridge folds case per character: "ÄÖÜ" equals "äöü" ignoring case, but "STRASSE" does not
// equal "straße" (no multi-character expansions). We map every code point to its simple lowercase
// form and compare the results byte for byte. Invalid UTF-8 bytes are copied unchanged.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cxbridge::pattern::internal {

struct CaseFoldPair {
  uint32_t from;
  uint32_t to;
};
extern const CaseFoldPair kCaseFoldTable[];
extern const size_t kCaseFoldTableSize;

// Lowercase of one code point (identity when it has none).
uint32_t FoldCodePoint(uint32_t cp);

// Appends the folded form of `s` to *out (does not clear it).
void AppendFolded(std::string_view s, std::string* out);
inline std::string Folded(std::string_view s) {
  std::string r;
  AppendFolded(s, &r);
  return r;
}

}  // namespace cxbridge::pattern::internal
