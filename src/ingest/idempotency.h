// Idempotency keys: which inbound events are "the same event" for dedup (DESIGN.md §1 invariant
// 3). A source names its key in config, or gets the default for what it receives:
//
//   idempotency_key: {paths: ["$.eventBody.id", "$.metadata.CorrelationId"]}  # values joined
//   idempotency_key: {header: webhook-id}          # or headers: [...]; may be combined with paths
//   idempotency_key: "$.eventId"                   # one path, short form
//   idempotency_key: none                          # never dedup this source
//   (absent)                                       # the defaults below
//
// Paths are evaluated against the event's `detail` (the body itself for plain JSON; the
// `detail` member of a body that is already an EventBridge event; the built detail
// {topicName, version, eventBody, metadata, timestamp} of a Genesys notification frame), so one
// path works whichever way a Genesys event arrives.
//
// Defaults (reference/genesys.md §4):
//   Genesys events (notification frames, and EventBridge events whose detail has topicName +
//   eventBody): per topic family, see GenesysKeyParts();
//   other EventBridge events: the event `id` (an API destination re-sends the same id);
//   plain JSON: the `webhook-id` header when present (Standard Webhooks: "use the webhook-id
//   header as an idempotency key"), else no dedup; but for an `hmac` source (whose signature
//   covers the body, not that header) the SHA-256 of the raw body, so a captured request cannot
//   be replayed under fresh ids (EnvelopeOptions::key_on_body_digest).
//
// The final key is namespaced by the source's name: two sources never collide.
// Thread-safety: IdempotencySpec is immutable after parsing; functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "transform/json_path.h"
#include "ingest/request.h"

namespace cxbridge::ingest {

// Keys longer than this are replaced by a SHA-256 digest (fixed-size storage keys).
inline constexpr size_t kMaxIdempotencyKeyBytes = 512;

struct IdempotencySpec {
  enum class Mode { kDefault, kNone, kExplicit };
  Mode mode = Mode::kDefault;
  std::vector<transform::JsonPath> paths;       // kExplicit: relative to the event's detail
  std::vector<std::string> headers;  // kExplicit: request header values, before the paths
};

// Parses the `idempotency_key` value; nullptr (absent) → kDefault.
Result<IdempotencySpec> ParseIdempotencySpec(const json::Value* config);

// The key parts that identify a Genesys event, by topic family (genesys.md §4). `detail` holds
// topicName and eventBody; `pattern` is TopicPattern(topicName). Never empty: a topic without a
// known natural key falls back to [topicName, sha256(eventBody)] — a duplicate is byte-identical
// in eventBody, so the digest catches it without merging distinct events.
std::vector<json::Value> GenesysKeyParts(const json::Value& detail, std::string_view pattern);

// Namespaces `parts` by `source_name`: the compact JSON array [source_name, parts...], or
// [source_name, "sha256:<hex>"] when longer than kMaxIdempotencyKeyBytes.
std::string FormatIdempotencyKey(std::string_view source_name, const std::vector<json::Value>& parts);

}  // namespace cxbridge::ingest
