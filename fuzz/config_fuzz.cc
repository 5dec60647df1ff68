// YAML config loading on any text: ParseConfigChecked answers with a config and its problems
// (never a crash, an exception or a hang), and ParseConfig agrees on whether there are any.
#include <string>

#include "config/config.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cxbridge;
  std::string_view yaml = fuzz::AsText(data, size);
  config::Checked checked = config::ParseConfigChecked(yaml, "fuzz.yaml");
  for (const auto& p : checked.problems) (void)config::FormatProblem("fuzz.yaml", p);
  auto cfg = config::ParseConfig(yaml, "fuzz.yaml");
  if (cfg.ok() != checked.problems.empty()) fuzz::Fail();
  return 0;
}
