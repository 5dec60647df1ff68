// The embedded engine's ResourceStore, ArchiveStore, DedupStore and DeliveryQueue (storage.h),
// in RocksDB. All share one Db (and the dedup and delivery queues the EmbeddedEventLog's
// committer). Safe from any thread.
#pragma once

#include <rocksdb/write_batch.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/archive_store.h"
#include "store/db.h"
#include "store/event_log.h"
#include "store/format.h"
#include "store/queue_store.h"
#include "store/resource_store.h"
#include "store/storage.h"

namespace cxbridge::store {

class EmbeddedResourceStore : public ResourceStore {
 public:
  explicit EmbeddedResourceStore(Db& db) : db_(db) {}
  Result<uint64_t> Put(std::string_view kind, std::string_view name, std::string_view value,
                       uint64_t expected_revision = kAnyRevision) override;
  Result<ResourceEntry> Get(std::string_view kind, std::string_view name) override;
  Status Delete(std::string_view kind, std::string_view name,
                uint64_t expected_revision = kAnyRevision) override;
  Result<std::vector<ResourceEntry>> List(std::string_view kind) override;

 private:
  Result<uint64_t> CurrentRevision(std::string_view kind, std::string_view name);  // 0: absent
  Db& db_;
  std::mutex mu_;  // one writer at a time: check-and-set without a race
  uint64_t last_revision_ = 0;  // guarded by mu_; 0 until read from the database
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

// The built-in queues' records, in the family `queues`.
class EmbeddedQueueStore : public QueueStore {
 public:
  explicit EmbeddedQueueStore(Db& db) : db_(db) {}
  Status Write(const QueueWrite& w) override;
  Status WriteSynced(const QueueWrite& w) override;
  Status Sync() override;
  Result<std::string> Get(std::string_view key) override;
  Status Scan(std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override;

 private:
  void Build(const QueueWrite& w, rocksdb::WriteBatch* wb);
  Db& db_;
};

// The idempotency claims of the `dedup` family, claimed through the log's committer so a claim
// here and an append's claim of the same key see each other.
class EmbeddedDedupStore : public DedupStore {
 public:
  explicit EmbeddedDedupStore(EmbeddedEventLog& log) : log_(log) {}
  Result<Claimed> Claim(std::string_view key, int64_t ttl_ms) override;

 private:
  EmbeddedEventLog& log_;
};

// Pending deliveries (family `deliveries`), dead letters (`dlq`) and the quarantine. Ack and
// RetryAt are unsynced writes (a lost one repeats a delivery); DeadLetter is synced; Enqueue
// goes through the log's committer (a fresh sequence number, synced with the appends).
class EmbeddedDeliveryQueue : public DeliveryQueue {
 public:
  EmbeddedDeliveryQueue(Db& db, EmbeddedEventLog& log) : db_(db), log_(log) {}

  Status ForEachPending(
      const std::function<void(const RouteId&, uint64_t, const DeliveryRecord&)>& fn) override;
  Result<EventRecord> GetEvent(uint64_t seq) override { return log_.Read(seq); }
  Status Ack(const RouteId& route, uint64_t seq) override;
  Status RetryAt(const RouteId& route, uint64_t seq, const DeliveryRecord& state) override;
  Status DeadLetter(const RouteId& route, uint64_t seq, const DlqEntry& entry) override;
  Result<uint64_t> Enqueue(const RouteId& route, std::string_view bus, std::string_view event_json,
                           int64_t now_ms, std::string_view remove_dlq_id) override;

  Result<std::vector<DlqEntry>> ListDlq(std::string_view after, size_t limit) override;
  Result<DlqEntry> GetDlq(std::string_view id) override;
  Result<uint64_t> CountDlq() override;

  Result<std::vector<DlqEntry>> ListQuarantine(std::string_view after, size_t limit) override;
  Result<DlqEntry> GetQuarantine(std::string_view id) override;
  Status DeleteQuarantine(std::string_view id) override;

 private:
  // Id-keyed JSON records (the dlq and quarantine families share one layout).
  Result<std::vector<DlqEntry>> ListRecords(rocksdb::ColumnFamilyHandle* cf, std::string_view after,
                                            size_t limit, const char* what);
  Result<DlqEntry> GetRecord(rocksdb::ColumnFamilyHandle* cf, std::string_view id, const char* what);

  Db& db_;
  EmbeddedEventLog& log_;
};

}  // namespace cxbridge::store
