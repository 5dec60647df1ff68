// The only file of the API that calls src/pattern/.
#include "api/pattern_engine.h"
#include "pattern/pattern.h"

namespace cxbridge::api {
namespace {

class Builtin : public PatternEngine {
 public:
  Status Validate(std::string_view pattern_json) const override {
    return cxbridge::pattern::Validate(pattern_json);
  }
  Result<bool> Test(std::string_view pattern_json, std::string_view event_json) const override {
    return cxbridge::pattern::TestEventPattern(pattern_json, event_json);
  }
};

}  // namespace

const PatternEngine& BuiltinPatternEngine() {
  static const Builtin engine;
  return engine;
}

}  // namespace cxbridge::api
