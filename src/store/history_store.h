// HistoryStore: what happened to each event — the rules it matched and, per target, every
// delivery attempt (time, outcome, HTTP status or error code, latency, next retry) — kept as
// long as the event retention, bounded per event. The console's events pages and
// `cxbridge events show|tail` read it.
//
// Engine-independent: the embedded engine keeps it in RocksDB (embedded_history.h); another engine
// implements the same interface. History is diagnostic: writes are batched off the hot path
// (deliver/history_recorder.h) and not synced; a crash may lose recent history, never an event.
// Thread-safety: implementations are safe from any thread.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::store {

struct HistoryRoute {
  std::string rule, target, arn;
};

// An accepted event, as routed. `seq` is the engine's log sequence of the event.
struct HistoryEvent {
  uint64_t seq = 0;
  std::string id, source, detail_type, bus;
  int64_t time_ms = 0;  // accepted at
  std::vector<HistoryRoute> routes;
};

// Attempt outcomes: "delivered", "retry" (will be tried again at next_retry_ms), "dead-lettered"
// (the delivery ended in the dead-letter queue; code and message say why).
struct HistoryAttempt {
  std::string event_id;      // "" when unknown: the engine finds it from `seq`'s event record
  uint64_t seq = 0;          // the delivery's log sequence (a redrive is a new one)
  std::string rule, target;  // the delivery
  uint32_t number = 0;       // 1-based within the delivery (a dead-letter without an attempt: attempts + 1)
  int64_t time_ms = 0;
  std::string outcome;
  int http_status = 0;  // 0 when the target does not speak HTTP or never answered
  std::string code;     // "HTTP_503", "TIMEOUT", "TARGET_NOT_FOUND", ... ("" when delivered)
  std::string message;  // truncated to kMaxMessageBytes
  int64_t latency_ms = -1;    // send → answer; -1 when nothing was sent
  int64_t next_retry_ms = 0;  // retries only
};

struct TargetHistory {
  HistoryRoute route;
  std::string state;  // delivered | pending | dead-lettered
  std::vector<HistoryAttempt> attempts;  // in order; the first kFirstAttemptsKept and the latest
  uint32_t omitted = 0;                  // attempts in between that were not kept
};

struct EventHistory {
  HistoryEvent event;
  std::string state;  // delivered | pending | dead-lettered | unmatched
  std::vector<TargetHistory> targets;
};

struct HistoryQuery {
  std::string source;              // exact, "" = any
  std::string detail_type_prefix;  // "" = any
  std::string rule;                // matched this rule, "" = any
  int64_t from_ms = 0, to_ms = std::numeric_limits<int64_t>::max();
  std::string state;               // as EventHistory::state, "" = any
  uint64_t after_seq = 0;          // only events newer than this (tail)
  size_t limit = 100;
};

// Bounds per delivery: at most kFirstAttemptsKept + kLatestAttemptsKept attempts and
// kMaxMessageBytes of message each; a search examines at most kMaxScannedPerQuery events.
inline constexpr uint32_t kFirstAttemptsKept = 3;
inline constexpr uint32_t kLatestAttemptsKept = 17;
inline constexpr size_t kMaxMessageBytes = 512;
inline constexpr size_t kMaxScannedPerQuery = 20000;

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  // Unsynced, in one batch. An attempt beyond the kept ones replaces the oldest of the latest.
  virtual Status Write(const std::vector<HistoryEvent>& events,
                       const std::vector<HistoryAttempt>& attempts) = 0;
  // NotFound when no event with this id is kept.
  virtual Result<EventHistory> Get(std::string_view event_id) = 0;
  // Newest first; at most q.limit.
  virtual Result<std::vector<EventHistory>> Find(const HistoryQuery& q) = 0;
  // Forgets events accepted before `time_ms` (retention).
  virtual Status DeleteBefore(int64_t time_ms) = 0;
};

// The state of one delivery and of an event from their attempts (shared by engines).
std::string DeliveryState(const std::vector<HistoryAttempt>& attempts);
std::string EventState(const std::vector<TargetHistory>& targets);

}  // namespace cxbridge::store
