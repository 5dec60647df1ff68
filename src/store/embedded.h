// RocksDB implementations of the small storage contracts (ResourceStore, ArchiveStore) and the
// DeliveryStore used by the delivery scheduler. All share one Db. Safe from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/archive_store.h"
#include <rocksdb/write_batch.h>

#include "store/db.h"
#include "store/format.h"
#include "store/resource_store.h"

namespace cxbridge::store {

class EmbeddedResourceStore : public ResourceStore {
 public:
  explicit EmbeddedResourceStore(Db& db) : db_(db) {}
  Status Put(std::string_view kind, std::string_view name, std::string_view value) override;
  Result<std::string> Get(std::string_view kind, std::string_view name) override;
  Status Delete(std::string_view kind, std::string_view name) override;
  Result<std::vector<std::pair<std::string, std::string>>> List(std::string_view kind) override;

 private:
  Db& db_;
};

class EmbeddedArchiveStore : public ArchiveStore {
 public:
  explicit EmbeddedArchiveStore(Db& db) : db_(db) {}
  Status Append(std::string_view archive, int64_t event_time_ms, std::string_view event_json) override;
  Status Scan(std::string_view archive, int64_t start_ms, int64_t end_ms,
              const std::function<bool(int64_t, std::string_view)>& fn) override;
  Status DeleteBefore(std::string_view archive, int64_t cutoff_ms) override;
  Result<uint64_t> Count(std::string_view archive) override;

 private:
  Db& db_;
  std::atomic<uint64_t> counter_{0};
};

// A dead-lettered delivery as kept in the dlq family (JSON text with these fields):
// id, time, dlq, bus, rule, target, targetArn, errorCode, errorMessage, attempts,
// exhaustedCondition, firstAttemptTime, lastAttemptTime, event (the original event object).
struct DlqEntry {
  std::string id;
  std::string json;
};

// Pending deliveries and the dead-letter queue. Writes here are unsynced unless stated: a lost
// completion only causes a repeat delivery (at-least-once), never a lost one.
class DeliveryStore {
 public:
  explicit DeliveryStore(Db& db) : db_(db) {}

  // Calls fn for every pending delivery (startup recovery).
  Status ForEachPending(const std::function<void(std::string_view target_key, uint64_t seq,
                                                 const DeliveryRecord&)>& fn);
  Result<EventRecord> GetEvent(uint64_t seq);
  Status Complete(std::string_view target_key, uint64_t seq);
  Status Reschedule(std::string_view target_key, uint64_t seq, const DeliveryRecord& rec);
  // Atomically removes the delivery and adds the DLQ entry (synced: the DLQ is the last copy).
  Status DeadLetter(std::string_view target_key, uint64_t seq, const DlqEntry& entry);

  // Up to `limit` entries with id > after, in id order.
  Result<std::vector<DlqEntry>> ListDlq(std::string_view after, size_t limit);
  Result<DlqEntry> GetDlq(std::string_view id);
  Result<uint64_t> CountDlq();

  // Adds to `wb` what a DLQ redrive writes: the event under `seq`, a fresh delivery for
  // `target_key`, and the removal of DLQ entry `dlq_id` (run it through the EventLog committer).
  Status StageRedrive(rocksdb::WriteBatch* wb, std::string_view target_key, uint64_t seq, int64_t now_ms,
                      std::string_view bus, std::string_view event_json, std::string_view dlq_id);

  // The quarantine: events no normalization rule set could normalize (same id scheme as the DLQ).
  Result<std::vector<DlqEntry>> ListQuarantine(std::string_view after, size_t limit);
  Result<DlqEntry> GetQuarantine(std::string_view id);
  Status DeleteQuarantine(std::string_view id);

  // Deletes logged events with seq < below_seq whose ingest time is before cutoff_ms.
  Result<uint64_t> TrimEvents(uint64_t below_seq, int64_t cutoff_ms);

 private:
  // Id-keyed JSON records (the dlq and quarantine families share one layout).
  Result<std::vector<DlqEntry>> ListRecords(rocksdb::ColumnFamilyHandle* cf, std::string_view after,
                                            size_t limit, const char* what);
  Result<DlqEntry> GetRecord(rocksdb::ColumnFamilyHandle* cf, std::string_view id, const char* what);

  Db& db_;
};

}  // namespace cxbridge::store
