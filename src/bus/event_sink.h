// EventSink: the accept stage's entry point for events that are already EventBridge events
// (webhooks after auth+envelope, PutEvents entries, replays). Submit hands a batch over; `done`
// is called once, from a storage thread, after the batch's fate is durable (or known to fail).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bus/model.h"

namespace cxbridge::bus {

struct IncomingEvent {
  std::string bus = "default";
  std::string event_json;       // the complete EventBridge event, compact JSON
  std::string id;               // the event's `id`
  std::string source;
  std::string detail_type;
  int64_t time_ms = 0;          // the event's `time`
  std::string idempotency_key;  // empty: never deduplicated (PutEvents, replays)
  std::string replay_name;      // non-empty for replayed events
  std::vector<std::string> only_rules;  // replay to these rule names only (empty: all rules)
  // A scheduled rule's own event (ScheduledRules): goes to that rule's targets, unmatched.
  std::string scheduled_rule;
};

// What happened to one submitted event; each value says what the caller answers.
enum class AcceptOutcome {
  kStored,       // durably stored (fsync'd); answer 2xx with the event id
  kQuarantined,  // durably stored in the quarantine (could not be normalized); answer 2xx
  kDuplicate,    // idempotency key seen within its TTL; answer 200, nothing stored
  kUnavailable,  // could not be stored (storage error, full, shutting down); answer 503 + Retry-After
  kRejected,     // cannot be accepted as it is (e.g. unknown event bus); answer 4xx with `reason`
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
