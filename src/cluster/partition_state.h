// PartitionState: the pending deliveries of one delivery partition, folded from its subject's
// messages in stream order (accept records add deliveries, markers complete or reschedule them;
// records.h has the formats). docs/cluster.md §4: a partition's owner replays the subject into
// one of these at takeover and keeps feeding it the live tail; it is what the owner's
// DeliveryQueue hands out. Pure (no I/O, no clock).
//
// A marker may name a record that is no longer pending (already done, or purged below the floor
// after a takeover): it is ignored. Markers never precede their record in the stream.
// Thread-safety: not thread-safe; one owner thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "cluster/records.h"
#include "common/status.h"

namespace cxbridge::cluster {

// An accept record's event, shared by its deliveries.
struct PartitionEvent {
  uint64_t seq = 0;
  int64_t ingest_ms = 0;
  std::string bus;
  std::shared_ptr<const std::string> event_json;
};

struct PendingDelivery {
  std::shared_ptr<const PartitionEvent> event;
  uint32_t index = 0;
  RecordDelivery delivery;  // attempts, due and last error as the latest retry marker left them
  // Acceptance order within a group: the original sequence (kept by carry-overs).
  uint64_t order() const { return delivery.order_seq != 0 ? delivery.order_seq : event->seq; }
};

class PartitionState {
 public:
  using Key = std::pair<uint64_t, uint32_t>;  // (record seq, delivery index)

  // Folds one message. Corruption when it does not decode (the caller logs it, counts it and
  // goes on: one damaged message must not stop a partition); the state is then unchanged.
  Status Apply(uint64_t seq, std::string_view body);
  // The owner's own outcomes, applied at once (their markers land later and are then no-ops).
  void Done(uint64_t seq, uint32_t index);
  void Retry(uint64_t seq, uint32_t index, uint32_t attempts, int64_t due_ms,
             std::string_view last_error);

  const std::map<Key, PendingDelivery>& pending() const { return pending_; }
  size_t size() const { return pending_.size(); }
  // The lowest record sequence that still has a pending delivery; last_seq() + 1 when none.
  // Everything below it may be purged once the markers that completed it are acknowledged.
  uint64_t Floor() const;
  uint64_t last_seq() const { return last_seq_; }

 private:
  std::map<Key, PendingDelivery> pending_;
  uint64_t last_seq_ = 0;
};

}  // namespace cxbridge::cluster
