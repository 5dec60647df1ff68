// Target input transformation, as EventBridge does it: what a target receives for an event.
//
// A target carries at most one of
//   Input             constant JSON text, sent instead of the event;
//   InputPath         a JSONPath into the event; the value found is sent as JSON;
//   InputTransformer  {InputPathsMap: {key: JSONPath}, InputTemplate: text with <key> placeholders};
// and with none of them the whole event is sent unchanged.
//
// Lifecycle: CompileInput() validates the target's configuration once, when the target is
// saved (PutTargets or config load), and returns an immutable CompiledInput; Render() runs per
// delivery. Rendering rules follow ../shared/reference/eventbridge.md §4.2 to the letter; they
// are listed with their tests in src/transform/README.md.
//
// Thread-safety: a CompiledInput is immutable; Render is const and may run on any thread
// concurrently. Share compiled objects through std::shared_ptr<const CompiledInput>.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "transform/json_path.h"

namespace cxbridge::transform {

// Limits from the EventBridge API model (Target shape).
inline constexpr size_t kMaxInputBytes = 8192;
inline constexpr size_t kMaxInputPathBytes = 256;
inline constexpr size_t kMaxInputTemplateBytes = 8192;
inline constexpr size_t kMaxInputPathsMapEntries = 100;
inline constexpr size_t kMaxInputPathsMapKeyBytes = 256;

enum class InputMode {
  kWholeEvent,   // no Input/InputPath/InputTransformer: the event as it is
  kConstant,     // Input
  kPath,         // InputPath
  kTransformer,  // InputTransformer
};

// The compiled form of a target's input configuration. Opaque; build with CompileInput.
class CompiledInput {
 public:
  InputMode mode() const { return mode_; }
  const std::string& target_id() const { return target_id_; }
  // True when every payload Render produces is JSON text (the whole event, Input, InputPath,
  // and templates that start with '{', '[' or '"'). A template that starts otherwise (e.g.
  // "<instance> is in state <status>") is plain text, which AWS delivers as it is; targets
  // that need JSON set RenderContext::require_json.
  bool output_is_json() const { return output_is_json_; }

  // Internal representation (public for the renderer; not part of the contract).
  enum class TemplateKind { kJson, kString, kText };
  enum class Var { kPath, kRuleArn, kRuleName, kIngestionTime, kEvent, kEventJson };
  struct Piece {
    std::string literal;  // template text before the placeholder
    Var var = Var::kPath;
    size_t path = 0;      // index into paths_ for kPath
    bool in_quotes = false;
  };

 private:
  friend Result<std::shared_ptr<const CompiledInput>> CompileInput(const json::Value& target);
  friend struct Renderer;

  InputMode mode_ = InputMode::kWholeEvent;
  std::string target_id_;
  bool output_is_json_ = true;
  std::string constant_;          // kConstant: the Input text
  std::vector<JsonPath> paths_;   // kPath: one; kTransformer: InputPathsMap values
  TemplateKind template_kind_ = TemplateKind::kJson;
  std::vector<Piece> pieces_;     // kTransformer
  std::string tail_;              // template text after the last placeholder
  // True when the template with every bare placeholder replaced by null and every quoted one
  // by nothing is valid JSON: then a render that inserted only "safe" text needs no re-parse.
  bool skeleton_valid_ = false;
};

// `target` is the EventBridge Target object as JSON (Id, Input, InputPath, InputTransformer;
// other fields are ignored). Errors are kInvalidArgument with AWS's text where AWS's is
// recorded ("Only one of Input, InputPath, or InputTransformer must be provided for target
// <id>.", "InputTemplate for target <id> contains invalid placeholder <name>."), otherwise a
// message naming the field and the limit.
Result<std::shared_ptr<const CompiledInput>> CompileInput(const json::Value& target);

struct RenderContext {
  std::string_view rule_arn;
  std::string_view rule_name;
  int64_t ingestion_time_ms = 0;  // <aws.events.event.ingestion-time>, rendered RFC 3339 (ms)
  // The target only accepts JSON: a plain-text template's output is validated too.
  bool require_json = false;
};

// Renders the payload the target receives for `event` (the whole EventBridge event, as stored).
// kInvalidArgument when the output is not valid JSON where JSON is required (e.g. an object
// inserted inside quotes of a JSON template), or when an InputPath matches nothing; the
// message gives the reason, and the caller dead-letters the delivery (never retries it: the
// same event renders the same way). Never throws; const and thread-safe.
Result<std::string> Render(const CompiledInput& input, const json::Value& event,
                           const RenderContext& ctx);
// The same, appending to `*out` (cleared first) so a worker can reuse one buffer. On error
// `*out` holds the partial render, for the dead-letter reason only.
Status RenderTo(const CompiledInput& input, const json::Value& event, const RenderContext& ctx,
                std::string* out);

}  // namespace cxbridge::transform
