// InputTransformer, InputPath and Input on any target and event: "<target JSON>\n<event JSON>".
// CompileInput answers any target object; a compiled input renders any event without crashing,
// and what it renders where JSON is promised (output_is_json, or require_json) parses as JSON.
#include <string>

#include "common/json.h"
#include "fuzz/fuzz_util.h"
#include "transform/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cxbridge;
  auto [target_text, event_text] = fuzz::SplitLine(fuzz::AsText(data, size));
  auto target = json::Parse(target_text);
  if (!target.ok()) return 0;
  auto input = transform::CompileInput(*target);
  if (!input.ok()) return 0;
  auto event = json::Parse(event_text);
  if (!event.ok()) return 0;
  for (bool require_json : {false, true}) {
    transform::RenderContext ctx;
    ctx.rule_arn = "arn:aws:events:us-east-1:123456789012:rule/r";
    ctx.rule_name = "r";
    ctx.ingestion_time_ms = 1'700'000'000'123;
    ctx.require_json = require_json;
    auto out = transform::Render(**input, *event, ctx);
    if (!out.ok()) continue;
    if ((require_json || (*input)->output_is_json()) && !json::Parse(*out).ok()) fuzz::Fail();
  }
  return 0;
}
