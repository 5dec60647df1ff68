// json::Parse on any bytes: it answers (value or error) and never crashes; what it accepts
// serializes to text that parses back to an equal value, and serializing that is a fixed point.
#include "common/json.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cxbridge;
  auto v = json::Parse(fuzz::AsText(data, size));
  if (!v.ok()) return 0;
  std::string once = json::Serialize(*v);
  auto again = json::Parse(once);
  if (!again.ok()) fuzz::Fail();
  if (!(*again == *v)) fuzz::Fail();
  if (json::Serialize(*again) != once) fuzz::Fail();
  return 0;
}
