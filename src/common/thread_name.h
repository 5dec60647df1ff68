// Names the calling thread, so `top -H`, `perf` and gdb tell cxbridge's threads apart.
#pragma once

#include <string_view>

namespace cxbridge {

// Linux keeps at most 15 characters; longer names are cut. Best effort: failures are ignored.
void SetThreadName(std::string_view name);

}  // namespace cxbridge
