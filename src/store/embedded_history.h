// The embedded engine's HistoryStore: RocksDB column family "history" (docs/storage.md).
//   'e' seq(8, big-endian)                                         → event JSON {id, time, source, ...}
//   'a' event id 0x00 rule 0x1f target 0x00 seq(8) number(4, BE)  → attempt JSON
//   'i' event id                                                   → seq(8) of its newest record
// Event records sort by sequence, which grows with time: retention deletes from the front, and
// with each event its attempts. Attempts are keyed by the event id, so a redrive's or a
// redelivery's attempts (a new sequence) join the event's history.
#pragma once

#include "store/db.h"
#include "store/history_store.h"

namespace cxbridge::store {

class EmbeddedHistoryStore : public HistoryStore {
 public:
  explicit EmbeddedHistoryStore(Db& db) : db_(db) {}
  Status Write(const std::vector<HistoryEvent>& events,
               const std::vector<HistoryAttempt>& attempts) override;
  Result<EventHistory> Get(std::string_view event_id) override;
  Result<std::vector<EventHistory>> Find(const HistoryQuery& q) override;
  Status DeleteBefore(int64_t time_ms) override;

 private:
  Result<EventHistory> Load(uint64_t seq, std::string_view event_value);
  Db& db_;
};

}  // namespace cxbridge::store
