// One built-in queue's state and rules, in memory (the index of its messages; bodies stay in
// the QueueStore), with SQS semantics:
//  - standard queues hand out any visible message (oldest first);
//  - FIFO queues hand out a message group strictly in order: a group is blocked while any of
//    its received messages is in flight, different groups proceed in parallel;
//  - deduplication (FIFO) by MessageDeduplicationId (or the body's SHA-256 with
//    ContentBasedDeduplication) within a 5 minute window;
//  - visibility timeout, receive counts, and the redrive policy (after maxReceiveCount receives
//    the next receive moves the message to the dead-letter queue instead).
// Every change appends its persistent form to a caller's store::QueueWrite (record.h); the
// caller writes it. Not thread-safe: the QueueService holds its lock around every call.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "queue/errors.h"
#include "queue/record.h"
#include "store/queue_store.h"

namespace cxbridge::queue {

inline constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;

// The queue's attributes, validated (SQS names and ranges).
struct QueueConfig {
  bool fifo = false;
  bool content_based_dedup = false;
  int delay_seconds = 0;                // 0..900
  int maximum_message_size = 1048576;   // 1024..1048576
  int retention_seconds = 345600;       // 60..1209600
  int receive_wait_seconds = 0;         // 0..20
  int visibility_timeout_seconds = 30;  // 0..43200
  std::string redrive_policy;           // the JSON text as set ("" = none)
  std::string dlq_name;                 // from redrive_policy's deadLetterTargetArn
  int max_receive_count = 0;            // from redrive_policy; 0 = no redrive
  std::map<std::string, std::string> other;  // accepted, stored, not acted on (Policy, KMS, …)
  std::map<std::string, std::string> tags;   // TagQueue / CreateQueue tags
};

// Applies SQS attribute name → value pairs to `cfg`. `creating` allows FifoQueue.
QueueError ApplyAttributes(const std::map<std::string, std::string>& attrs, bool creating, QueueConfig* cfg);
// Every attribute as GetQueueAttributes reports the configurable ones.
std::map<std::string, std::string> ConfigAttributes(const QueueConfig& cfg);
std::string EncodeQueueDef(const QueueConfig& cfg, int64_t created_ms, int64_t modified_ms);
bool DecodeQueueDef(std::string_view text, QueueConfig* cfg, int64_t* created_ms, int64_t* modified_ms);

// What a receive hands out (the body is read by the service).
struct Handout {
  uint64_t seq = 0;
  std::string message_id;
  DeliveryState state;  // after this receive
};

class Queue {
 public:
  Queue(std::string name, QueueConfig cfg, int64_t created_ms);

  const std::string& name() const { return name_; }
  const QueueConfig& config() const { return cfg_; }
  void set_config(QueueConfig cfg, int64_t now_ms);
  int64_t created_ms() const { return created_ms_; }
  int64_t modified_ms() const { return modified_ms_; }

  // Startup: adds a stored message / dedup entry.
  void Load(uint64_t seq, const MessageRecord& rec, const DeliveryState& st);
  void LoadDedup(const std::string& dedup_id, const DedupRecord& rec);
  // After the last Load: builds the FIFO group index.
  void FinishLoad();

  // FIFO: the message already sent with this dedup id within the window, if any.
  const DedupRecord* FindDuplicate(const std::string& dedup_id, int64_t now_ms);
  // Adds a new message (the caller checked size, group and dedup rules).
  void Add(uint64_t seq, const MessageRecord& rec, int64_t delay_ms, int64_t now_ms, store::QueueWrite* wb);

  // Up to `max` visible messages; each becomes invisible for `visibility_ms`. With
  // `max_receive_count` > 0 (a redrive policy whose DLQ exists), messages received that many
  // times already are returned in `to_dlq` instead (removed here; the service adds them to the
  // dead-letter queue in the same batch).
  std::vector<Handout> Receive(int max, int64_t visibility_ms, int64_t now_ms, int max_receive_count,
                               uint64_t (*nonce)(), store::QueueWrite* wb, std::vector<uint64_t>* to_dlq);
  // Deletes when the receipt is the latest; a stale receipt is a no-op (as SQS).
  QueueError Delete(uint64_t seq, uint64_t nonce, store::QueueWrite* wb);
  QueueError ChangeVisibility(uint64_t seq, uint64_t nonce, int64_t visibility_ms, int64_t now_ms,
                              store::QueueWrite* wb);
  // Removes a message whatever its state (DLQ moves, retention).
  void Remove(uint64_t seq, store::QueueWrite* wb);
  // Undoes an Add whose batch was not written: the message and its dedup entry leave the index,
  // nothing is written (the store never had them).
  void Forget(uint64_t seq, const std::string& dedup_id);
  void Purge(store::QueueWrite* wb);
  // Drops messages past the retention period and expired dedup entries.
  size_t Expire(int64_t now_ms, store::QueueWrite* wb);

  bool HasVisible(int64_t now_ms) const;
  // The earliest time a currently invisible message becomes receivable (INT64_MAX if none).
  int64_t NextVisibleMs() const;

  struct Counts {
    size_t visible = 0, in_flight = 0, delayed = 0;
    int64_t oldest_sent_ms = 0;  // 0 when empty
  };
  Counts Count(int64_t now_ms) const;
  size_t size() const { return messages_.size(); }

 private:
  struct Msg {
    std::string message_id;
    std::string group;
    int64_t sent_ms = 0;
    DeliveryState st;
  };
  // Puts `seq` into the ready index when it may be handed out (standard: always; FIFO: when it
  // heads its group).
  void Index(uint64_t seq, const Msg& m);
  void Unindex(uint64_t seq, const Msg& m);
  bool IsGroupHead(uint64_t seq, const Msg& m) const;
  void PutState(uint64_t seq, const Msg& m, store::QueueWrite* wb);

  std::string name_;
  QueueConfig cfg_;
  int64_t created_ms_, modified_ms_;
  std::map<uint64_t, Msg> messages_;                   // by seq (send order)
  std::set<std::pair<int64_t, uint64_t>> ready_;       // (visible at, seq) of receivable candidates
  std::unordered_map<std::string, std::deque<uint64_t>> groups_;  // FIFO: each group's seqs, in order
  std::unordered_map<std::string, DedupRecord> dedup_;
  std::deque<std::pair<int64_t, std::string>> dedup_expiry_;  // (expires, id), in insertion order
};

}  // namespace cxbridge::queue
