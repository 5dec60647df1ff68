// The two pattern-engine calls the API needs (PutRule/CreateArchive validation and
// TestEventPattern), behind a narrow interface so the API is tested without linking src/pattern/
// and only pattern_bridge.cc names the engine. Implementations are safe from any thread.
#pragma once

#include <string_view>

#include "common/status.h"

namespace cxbridge::api {

class PatternEngine {
 public:
  virtual ~PatternEngine() = default;
  // OK, or InvalidArgument whose message is AWS's InvalidEventPatternException text
  // ("Event pattern is not valid. Reason: …").
  virtual Status Validate(std::string_view pattern_json) const = 0;
  // Whether `event_json` matches; an invalid pattern gives the Validate error.
  virtual Result<bool> Test(std::string_view pattern_json, std::string_view event_json) const = 0;
};

// The engine from src/pattern/ (cxb_pattern) when it is linked into cxb_api; otherwise a stand-in
// that accepts any JSON object as a pattern and answers Test with an Internal error.
const PatternEngine& BuiltinPatternEngine();

}  // namespace cxbridge::api
