// The web console's files (index.html, app.js, app.css), bundled from web/ by esbuild and
// embedded into the binary at build time, so the binary serves the console offline and
// `make run` needs no extra step. Immutable; safe from any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace cxbridge::console {

struct Asset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
  std::string_view etag;          // strong, quoted: "\"3f2a…\""
};

// The embedded file named `name`, or nullptr.
const Asset* FindAsset(std::string_view name);

// Defined by the generated console_assets.cc.
extern const Asset kAssets[];
extern const size_t kAssetCount;

}  // namespace cxbridge::console
