// The only file that calls src/pattern/. CMake defines CXB_API_HAVE_PATTERN when the cxb_pattern
// target exists (it is written in parallel with this module).
#include "api/pattern_engine.h"
#include "common/json.h"

#if defined(CXB_API_HAVE_PATTERN)
#if __has_include("pattern/pattern.h")
#include "pattern/pattern.h"
#elif __has_include("pattern/api.h")
#include "pattern/api.h"
#elif __has_include("pattern/validate.h")
#include "pattern/validate.h"
#else
#error "cxb_pattern is linked but its header is not found; update pattern_bridge.cc"
#endif
#endif

namespace cxbridge::api {
namespace {

class Builtin : public PatternEngine {
 public:
  Status Validate(std::string_view pattern_json) const override {
#if defined(CXB_API_HAVE_PATTERN)
    return cxbridge::pattern::Validate(pattern_json);
#else
    auto v = json::Parse(pattern_json);
    if (!v.ok() || !v->is_object())
      return Status::InvalidArgument("Event pattern is not valid. Reason: Filter is not an object");
    return Status::Ok();
#endif
  }
  Result<bool> Test(std::string_view pattern_json, std::string_view event_json) const override {
#if defined(CXB_API_HAVE_PATTERN)
    return cxbridge::pattern::TestEventPattern(pattern_json, event_json);
#else
    return Status::Internal("the pattern engine is not linked into this build");
#endif
  }
};

}  // namespace

const PatternEngine& BuiltinPatternEngine() {
  static const Builtin engine;
  return engine;
}

}  // namespace cxbridge::api
