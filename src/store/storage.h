// The storage seam (DESIGN.md §4, docs/storage.md): what the rest of cxbridge asks of a storage
// engine, with no engine's types in it. The embedded engine (RocksDB, embedded.h / event_log.h)
// implements every interface here; cluster mode (NATS JetStream, src/cluster/) is the second.
// Every implementation must pass the contract suite (storage_contract_test.cc).
//
// Interfaces: EventLog (durable append with group commit, dedup claimed in the same write),
// DedupStore (the same claims, asked directly), DeliveryQueue (pending deliveries, retries, dead
// letters, quarantine), ResourceStore (resource_store.h: API definitions with revisions),
// ArchiveStore (archive_store.h), QueueStore (queue_store.h: the built-in SQS queues).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/route_id.h"

namespace cxbridge::store {

// An event as the log keeps it.
struct EventRecord {
  int64_t ingest_ms = 0;
  std::string bus;
  std::string event_json;
};

// The state of one pending delivery (event × route).
struct DeliveryRecord {
  uint32_t attempts = 0;      // attempts made so far
  int64_t first_ms = 0;       // when the delivery was created (event age starts here)
  int64_t next_due_ms = 0;    // wall-clock time of the next attempt
  std::string last_error;     // "CODE: message" of the last failed attempt
};

// A dead-lettered delivery or a quarantined event, as JSON text. Dead letters have these fields:
// id, time, dlq, bus, rule, target, targetArn, errorCode, errorMessage, attempts,
// exhaustedCondition, firstAttemptTime, lastAttemptTime, event (the original event object).
struct DlqEntry {
  std::string id;
  std::string json;
};

// A dead letter's or quarantined event's id: time-ordered ("%013d-%010d": ms, seq), so listing
// shows the oldest first; callers append a suffix when seq alone does not make it unique.
std::string DlqId(int64_t ms, uint64_t seq);

struct AppendItem {
  std::string bus;
  std::string event_json;
  std::string event_id;         // the envelope's id when known (cluster mode's message ids)
  std::string idempotency_key;  // source-scoped; empty: no deduplication
  int64_t dedup_ttl_ms = 24 * 3600 * 1000LL;
  std::vector<RouteId> routes;  // deliveries to create, one per route
  int64_t ingest_ms = 0;        // 0: the log's clock
  // Non-empty: the event could not be normalized. It is stored in the quarantine (with this
  // record, JSON) instead of the log, still durably and still claiming its idempotency key.
  std::string quarantine_record;
  std::string quarantine_id;  // its id in the quarantine (time-ordered, unique)
};

struct AppendOutcome {
  enum Kind { kStored, kQuarantined, kDuplicate, kFailed };
  Kind kind = kFailed;
  uint64_t seq = 0;   // kStored, kQuarantined
  std::string error;  // kFailed
};

using AppendDone = std::function<void(std::vector<AppendOutcome>)>;

struct EventLogStats {
  uint64_t batches = 0;  // durable writes (fsyncs, or replicated publishes)
  uint64_t events_stored = 0;
  uint64_t duplicates = 0;
  uint64_t failures = 0;
};

// EventLog: the accept path's one durable write.
//
// Contract:
//  - Append answers `done` exactly once, with one outcome per item in item order. kStored means
//    the event, its deliveries (one per route) and its idempotency claim survive a crash (and
//    power loss, or the loss of a minority of replicas); kDuplicate means the key was claimed
//    within its TTL and nothing was written; kFailed means nothing was acknowledged — some of it
//    may have landed (a failed fsync cannot tell), so the sender's retry must be safe: a keyed
//    retry is stored once or reported kDuplicate, never lost.
//  - Appends that arrive while a durable write is in flight share the next one (group commit):
//    stats().batches grows by far less than the number of events under load.
//  - Sequence numbers grow in append order and are never reused, across restarts.
//  - After a failed durable write the log is !healthy() and fails every append until it has
//    recovered; nearly full storage also fails appends fast (low_disk()).
//  - `done` may run on the engine's thread or the caller's; it must not block.
// Thread-safety: every method is safe from any thread.
class EventLog {
 public:
  virtual ~EventLog() = default;
  virtual void Append(std::vector<AppendItem> items, AppendDone done) = 0;
  // The event stored under `seq`; NotFound when it was never stored or was trimmed.
  virtual Result<EventRecord> Read(uint64_t seq) = 0;
  // Calls fn for stored events with seq >= from, in seq order, until fn returns false.
  virtual Status ReadFrom(uint64_t from, const std::function<bool(uint64_t seq, const EventRecord&)>& fn) = 0;
  // Retention: deletes events with seq < below_seq ingested before cutoff_ms; how many.
  virtual Result<uint64_t> Trim(uint64_t below_seq, int64_t cutoff_ms) = 0;

  virtual bool healthy() const = 0;
  virtual bool low_disk() const = 0;
  virtual EventLogStats stats() const = 0;
  virtual size_t pending_bytes() const = 0;  // accepted, not yet durable
};

// DedupStore: idempotency claims. The EventLog claims an item's key in the same durable write
// as the event (so a crash cannot keep the claim and lose the event); DedupStore asks the same
// claims directly. Contract: the first Claim of a key (or the first after its TTL ran out) is
// kFirst and durable when it returns; later ones within the TTL are kDuplicate, across restarts.
// Thread-safety: safe from any thread; concurrent claims of one key: exactly one is kFirst.
class DedupStore {
 public:
  enum Claimed { kFirst, kDuplicate };
  virtual ~DedupStore() = default;
  virtual Result<Claimed> Claim(std::string_view key, int64_t ttl_ms) = 0;
};

// DeliveryQueue: the pending deliveries of stored events, their retries and dead letters.
//
// Deliveries are created with their event (EventLog::Append, or Enqueue below). The delivery
// scheduler keeps the schedule in memory — due times, group order (one in flight per ordering
// group), leases by ownership (embedded: the one process; cluster: the partition's lease
// holder) — and reports each outcome here. Contract:
//  - ForEachPending lists every delivery neither acked nor dead-lettered, with its last state.
//  - Ack and RetryAt may be lost in a crash (the delivery is then repeated: at-least-once);
//    DeadLetter is durable when it returns OK (the dead letter is the last copy) and removes
//    the delivery in the same write.
//  - Enqueue stores a fresh event with one delivery, durably, and removes the dead letter
//    `remove_dlq_id` (when non-empty) in the same write: a redrive is never lost nor doubled.
// Thread-safety: every method is safe from any thread.
class DeliveryQueue {
 public:
  virtual ~DeliveryQueue() = default;
  virtual Status ForEachPending(
      const std::function<void(const RouteId& route, uint64_t seq, const DeliveryRecord&)>& fn) = 0;
  // The event a delivery carries.
  virtual Result<EventRecord> GetEvent(uint64_t seq) = 0;
  virtual Status Ack(const RouteId& route, uint64_t seq) = 0;
  virtual Status RetryAt(const RouteId& route, uint64_t seq, const DeliveryRecord& state) = 0;
  virtual Status DeadLetter(const RouteId& route, uint64_t seq, const DlqEntry& entry) = 0;
  // Returns the new delivery's seq.
  virtual Result<uint64_t> Enqueue(const RouteId& route, std::string_view bus, std::string_view event_json,
                                   int64_t now_ms, std::string_view remove_dlq_id) = 0;

  // Dead letters: up to `limit` with id > after, in id order.
  virtual Result<std::vector<DlqEntry>> ListDlq(std::string_view after, size_t limit) = 0;
  virtual Result<DlqEntry> GetDlq(std::string_view id) = 0;  // NotFound when absent
  virtual Result<uint64_t> CountDlq() = 0;

  // The quarantine: events no normalization rule set could normalize (EventLog::Append stores
  // them; same id scheme as dead letters).
  virtual Result<std::vector<DlqEntry>> ListQuarantine(std::string_view after, size_t limit) = 0;
  virtual Result<DlqEntry> GetQuarantine(std::string_view id) = 0;  // NotFound when absent
  virtual Status DeleteQuarantine(std::string_view id) = 0;
};

}  // namespace cxbridge::store
