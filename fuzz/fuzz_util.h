// Helpers shared by the libFuzzer targets (fuzz/README.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace cxbridge::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits at the first '\n': {before, after}; {in, ""} without one.
inline std::pair<std::string_view, std::string_view> SplitLine(std::string_view in) {
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return {in, {}};
  return {in.substr(0, nl), in.substr(nl + 1)};
}

// A property the target checks failed: crash so libFuzzer keeps the input.
[[noreturn]] inline void Fail() { std::abort(); }

}  // namespace cxbridge::fuzz
