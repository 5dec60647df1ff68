// libFuzzer entry: the input is "<pattern>\n<event>". Any pattern the compiler accepts must give
// the same answer through the automaton (early exit off) and through the reference evaluator;
// a difference aborts. Build with clang:
//   cmake with CXX=clang++ builds the pattern_fuzz target (src/pattern/CMakeLists.txt);
//   pattern_test also runs this entry on generated seeds (FuzzEntryTest).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pattern/compile.h"
#include "pattern/machine.h"
#include "pattern/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string_view pattern = in.substr(0, nl), event = in.substr(nl + 1);
  auto compiled = cxbridge::pattern::internal::CompilePattern(pattern);
  if (!compiled.ok()) return 0;
  auto ref = cxbridge::pattern::internal::ReferenceMatch(*compiled, event);
  if (!ref.ok()) return 0;  // the reference validates the whole event
  auto machine = cxbridge::pattern::Machine::Build({&*compiled});
  cxbridge::pattern::MatchContext ctx;
  ctx.set_early_exit(false);
  std::vector<uint32_t> out;
  // simdjson also rejects invalid UTF-8, which the reference tree parser lets through.
  if (!ctx.Match(*machine, event, &out).ok()) return 0;
  if (out.empty() == *ref) std::abort();
  return 0;
}
