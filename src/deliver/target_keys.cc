// The keys a target may carry in the config file: EventBridge's Target shape (what cxbridge
// reads of it) and cxbridge's extensions, each object's own keys. One list, so a typo in any of
// them is refused with a "did you mean" (common/config_keys.h) instead of being ignored.
#include "common/config_keys.h"
#include "deliver/target.h"

namespace cxbridge::deliver {
namespace {

struct Section {
  std::string_view key;
  std::vector<std::string_view> keys;
};

// Objects whose own keys are fixed. ClaimCheck is checked by its parser (blob/claim_check.h);
// Http.Headers, Command.Env and HttpParameters' maps hold the user's names.
const Section kSections[] = {
    {"RetryPolicy", {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}},
    {"DeadLetterConfig", {"Arn"}},
    {"InputTransformer", {"InputPathsMap", "InputTemplate"}},
    {"SqsParameters", {"MessageGroupId"}},
    {"KinesisParameters", {"PartitionKeyPath"}},
    {"HttpParameters", {"PathParameterValues", "HeaderParameters", "QueryStringParameters"}},
    {"Http", {"Url", "Method", "Headers", "TimeoutSeconds"}},
    {"File", {"Path"}},
    {"Command", {"Args", "TimeoutSeconds", "Concurrency", "PermanentExitCodes", "Env"}},
    {"Nats", {"JetStream", "TimeoutSeconds"}},
    {"Aws", {"Remote"}},
    {"CircuitBreaker", {"FailureWindowSeconds", "ProbeIntervalSeconds"}},
};

}  // namespace

Status CheckTargetKeys(const json::Value& raw) {
  static const std::vector<std::string_view> kTop = {
      // EventBridge's Target
      "Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer", "RetryPolicy",
      "DeadLetterConfig", "SqsParameters", "KinesisParameters", "HttpParameters",
      // cxbridge's
      "Http", "File", "Command", "Nats", "Aws", "ClaimCheck", "ResolveClaimCheck", "Concurrency",
      "RateLimitPerSecond", "CircuitBreaker", "OrderingKey", "MaxBacklog", "BacklogPolicy"};
  std::string message;
  auto add = [&message](const Status& st) {
    if (st.ok()) return;
    if (!message.empty()) message += "\n";
    message += st.message();
  };
  add(CheckKeys(raw, "", kTop));
  for (const Section& s : kSections) {
    const json::Value* v = raw.Find(s.key);
    if (v != nullptr && v->is_object()) add(CheckKeys(*v, s.key, s.keys));
  }
  if (message.empty()) return Status::Ok();
  return Status::InvalidArgument(std::move(message));
}

}  // namespace cxbridge::deliver
