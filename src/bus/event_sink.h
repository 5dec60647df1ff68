// EventSink: the accept pipeline's entry point (pipeline.h). Every source kind (source_kind.h)
// hands its events over here, already verified and enveloped; Submit runs the shared stages and
// `done` is called once, from a storage thread, after the batch's fate is durable (or known to
// fail), with one AcceptOutcome per event — the closed type each kind maps to its protocol.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/model.h"
#include "bus/source_kind.h"
#include "common/json.h"

namespace cxbridge::blob {
class ClaimCheck;
}

namespace cxbridge::bus {

struct IncomingEvent {
  SourceKind kind = SourceKind::kWebhook;
  std::string bus = "default";
  // The complete EventBridge event, carried once: as the document the source built (`doc`), or
  // as compact JSON text (`event_json`) when the source has text. The pipeline parses text only
  // when a stage needs the document, and serializes a document once, before routing; a source
  // sets one of the two.
  std::optional<json::Value> doc;
  std::string event_json;
  // The envelope's fields, as the source read or made them (never scraped from the text again).
  std::string id;
  std::string source;
  std::string detail_type;
  int64_t time_ms = 0;          // the event's `time`
  std::string idempotency_key;  // empty: never deduplicated (PutEvents, replays)
  std::string replay_name;      // non-empty for replayed events
  std::vector<std::string> only_rules;  // replay to these rule names only (empty: all rules)
  // A scheduled rule's own event (ScheduledRules): goes to that rule's targets, unmatched.
  std::string scheduled_rule;
  // The source's claim-check policy (its `claim_check:`); null: large payloads stay in place.
  std::shared_ptr<const blob::ClaimCheck> claim_check;
};

// What happened to one submitted event; each value says what the caller answers.
enum class AcceptOutcome {
  kStored,       // durably stored (fsync'd); answer 2xx with the event id
  kQuarantined,  // durably stored in the quarantine (could not be normalized); answer 2xx
  kDuplicate,    // idempotency key seen within its TTL; answer 200, nothing stored
  kUnavailable,  // could not be stored (storage error, full, shutting down); answer 503 + Retry-After
  kRejected,     // cannot be accepted as it is (unknown event bus, a forged claim-check
                 // reference, ...); answer 4xx with `reason`
};

struct AcceptResult {
  AcceptOutcome outcome = AcceptOutcome::kUnavailable;
  std::string reason;  // for kUnavailable and kRejected
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Thread-safe. `done` receives one result per event, in order.
  virtual void Submit(std::vector<IncomingEvent> events,
                      std::function<void(std::vector<AcceptResult>)> done) = 0;
};

// Receives the API-defined buses and rules whenever they change (whole sets, not deltas); the
// router merges them with the config file's. Thread-safe.
class DefinitionSink {
 public:
  virtual ~DefinitionSink() = default;
  virtual void SetApiDefinitions(std::vector<struct BusDef> buses, std::vector<struct RuleDef> rules) = 0;
};

}  // namespace cxbridge::bus
