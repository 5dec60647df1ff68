// The envelope: every accepted body becomes one EventBridge event (DESIGN.md §2), fields in the
// order AWS delivers them:
//   {"version":"0","id":…,"detail-type":…,"source":…,"account":…,"time":…,"region":…,
//    "resources":[…],"detail":{…}}
// Three kinds of body are recognised (in this order):
//   1. already an EventBridge event (has version, id, detail-type, source and an object detail;
//      e.g. a Genesys partner event bus forwarding through an API destination): taken as it is —
//      its id, source, detail-type, time and detail are kept; missing account/time/region/
//      resources are filled in; members are put in AWS order.
//   2. a Genesys notification frame {topicName, version, eventBody, metadata}: detail-type = the
//      topic pattern (TopicPattern(): ids → {id}, as Genesys's EventBridge integration does),
//      detail = {topicName, version, eventBody, metadata, timestamp}, source = event_source
//      (default "genesys.cloud").
//   3. any other JSON object: detail = the body, detail-type from the configured path or
//      constant (default: the source's name), source = event_source (default "cxbridge.webhook").
// Source config keys read here (others are ignored, they belong to other parts):
//   name, event_source, detail_type, idempotency_key, recognize — see src/ingest/README.md.
// Thread-safety: EnvelopeOptions is immutable after parsing and shared by reference;
// BuildEnvelope is a pure function, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "ingest/idempotency.h"
#include "transform/json_path.h"
#include "ingest/request.h"

namespace cxbridge::ingest {

inline constexpr std::string_view kDefaultGenesysSource = "genesys.cloud";
inline constexpr std::string_view kDefaultPlainSource = "cxbridge.webhook";

// How a plain JSON body gets its detail-type.
struct DetailTypeRule {
  enum class Kind { kSourceName, kConstant, kPath };
  Kind kind = Kind::kSourceName;
  std::string value;                  // kConstant
  std::optional<transform::JsonPath> path;       // kPath: evaluated against the body
  std::optional<std::string> fallback;  // kPath: used when the path is absent; else 400
};

struct EnvelopeOptions {
  std::string source_name;    // the {source} of /webhooks/{source}; namespaces dedup keys
  std::string event_source;   // `source` for frames and plain bodies; empty = kinds' defaults
  DetailTypeRule detail_type;
  IdempotencySpec idempotency;
  std::string account = "123456789012";
  std::string region = "us-east-1";
  bool recognize_eventbridge = true;  // `recognize:` lists which body kinds are detected
  bool recognize_genesys = true;
  // The default key of a plain body (no idempotency_key configured) is the SHA-256 of the raw
  // body, not the `webhook-id` header. Set for sources whose auth scheme is hmac: its signature
  // covers the body only, so the header is the sender's unsigned word and one captured request
  // could be replayed under fresh ids for ever. (standard-webhooks signs webhook-id and keeps it.)
  bool key_on_body_digest = false;
};

// The keys ParseEnvelopeOptions reads from a source's mapping; a source kind checks its mapping
// against these plus its own (webhook.cc, genesys/settings.cc).
const std::vector<std::string_view>& EnvelopeKeys();

// Reads the envelope keys of one source's config mapping (`name` is the source's name, set by
// the loader). Other keys are left alone (they belong to auth, bus, the Genesys channel, ...).
// kInvalidArgument naming the field on a bad value.
Result<EnvelopeOptions> ParseEnvelopeOptions(const json::Value& source_config,
                                             std::string_view account, std::string_view region);

struct Envelope {
  enum class Kind { kEventBridge, kGenesysNotification, kPlain };
  std::string event_json;  // the complete EventBridge event, compact JSON
  std::string id, detail_type, source;
  int64_t time_ms = 0;
  std::string idempotency_key;  // empty = no dedup for this event
  Kind kind = Kind::kPlain;
  bool relayed = false;  // a Genesys frame relayed by a data action (genesys_relay.h)
};

std::string_view EnvelopeKindName(Envelope::Kind kind);  // "eventbridge", "genesys", "plain"

// A plain body's envelope before its body is read, as both the document path and the direct path
// (envelope_fast.h) start it: kind, source, time, and the detail-type when its rule needs no body
// (the source's name or a constant); a path rule leaves detail_type for the caller to read.
Envelope StartPlainEnvelope(const EnvelopeOptions& opts, int64_t now_ms);

// Builds the event for one authenticated request. The body must be a JSON object; errors are
// kInvalidArgument with a reason fit for a 400 answer ("body is not a JSON object",
// "invalid JSON: ..."). `now_ms` fills `time` (and a frame's detail.timestamp) when absent; the
// id is a new UUIDv4 unless the body is already an EventBridge event with an id. With `event`,
// the event is left there as a document (for the accept pipeline to carry) and `event_json` is
// empty; without, it is serialized into `event_json`.
Result<Envelope> BuildEnvelope(const RequestView& req, const EnvelopeOptions& opts, int64_t now_ms,
                               json::Value* event = nullptr);

// The same from an already parsed body (e.g. a WebSocket frame parsed by its reader); `req`
// supplies headers for header-based idempotency keys and may have no header function.
Result<Envelope> BuildEnvelopeFromValue(json::Value body, const RequestView& req,
                                        const EnvelopeOptions& opts, int64_t now_ms,
                                        json::Value* event = nullptr);

}  // namespace cxbridge::ingest
