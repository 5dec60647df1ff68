// Fault injection at the storage seam: wrappers of the storage interfaces (storage.h) that make
// a healthy engine behave like one whose disk fails, for tests of the contract suite, the accept
// path and the delivery scheduler. Engine-independent: they wrap any implementation (cluster
// mode's too). Test-only (library cxb_store_testing, never linked into the server).
//
// Faults (one at a time, switched by any thread):
//  - kFailSync: every durable write goes through to the engine (its bytes may land, as after a
//    real failed fsync) and then reports failure: appends kFailed, other writes IOError. The log
//    stays !healthy() and fails every append without writing until Heal().
//  - kDiskFull: durable and unsynced writes fail without reaching the engine; low_disk() and
//    !healthy() while it lasts.
//  - kSlowSync: every durable write takes `slow_ms` longer before it is answered (the engine's
//    committer is held, as a slow fsync holds it: later appends pile up into the next group).
// Reads are never faulted.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "store/archive_store.h"
#include "store/queue_store.h"
#include "store/resource_store.h"
#include "store/storage.h"

namespace cxbridge::store {

class Faults {
 public:
  enum Mode { kNone, kFailSync, kDiskFull, kSlowSync };
  void Set(Mode mode, int64_t slow_ms = 0) {
    slow_ms_ = slow_ms;
    mode_ = mode;
  }
  // Back to kNone, and forgets a failed sync (the engine "recovered").
  void Heal() {
    mode_ = kNone;
    failed_ = false;
  }
  Mode mode() const { return mode_.load(); }
  int64_t slow_ms() const { return slow_ms_.load(); }
  // A sync failed since the last Heal().
  bool failed() const { return failed_.load(); }
  void MarkFailed() { failed_ = true; }
  uint64_t injected() const { return injected_.load(); }
  void CountInjected() { ++injected_; }

 private:
  std::atomic<Mode> mode_{kNone};
  std::atomic<int64_t> slow_ms_{0};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> injected_{0};
};

class FaultInjectingEventLog : public EventLog {
 public:
  FaultInjectingEventLog(EventLog& inner, Faults& faults) : inner_(inner), faults_(faults) {}
  void Append(std::vector<AppendItem> items, AppendDone done) override;
  Result<EventRecord> Read(uint64_t seq) override { return inner_.Read(seq); }
  Status ReadFrom(uint64_t from, const std::function<bool(uint64_t, const EventRecord&)>& fn) override {
    return inner_.ReadFrom(from, fn);
  }
  Result<uint64_t> Trim(uint64_t below_seq, int64_t cutoff_ms) override;
  bool healthy() const override;
  bool low_disk() const override;
  EventLogStats stats() const override { return inner_.stats(); }
  size_t pending_bytes() const override { return inner_.pending_bytes(); }

 private:
  EventLog& inner_;
  Faults& faults_;
};

class FaultInjectingDedupStore : public DedupStore {
 public:
  FaultInjectingDedupStore(DedupStore& inner, Faults& faults) : inner_(inner), faults_(faults) {}
  Result<Claimed> Claim(std::string_view key, int64_t ttl_ms) override;

 private:
  DedupStore& inner_;
  Faults& faults_;
};

class FaultInjectingDeliveryQueue : public DeliveryQueue {
 public:
  FaultInjectingDeliveryQueue(DeliveryQueue& inner, Faults& faults) : inner_(inner), faults_(faults) {}
  Status ForEachPending(const std::function<void(const RouteId&, uint64_t, const DeliveryRecord&)>& fn) override {
    return inner_.ForEachPending(fn);
  }
  Result<EventRecord> GetEvent(uint64_t seq) override { return inner_.GetEvent(seq); }
  Status Ack(const RouteId& route, uint64_t seq) override;
  Status RetryAt(const RouteId& route, uint64_t seq, const DeliveryRecord& state) override;
  Status DeadLetter(const RouteId& route, uint64_t seq, const DlqEntry& entry) override;
  Result<uint64_t> Enqueue(const RouteId& route, std::string_view bus, std::string_view event_json,
                           int64_t now_ms, std::string_view remove_dlq_id) override;
  Result<std::vector<DlqEntry>> ListDlq(std::string_view after, size_t limit) override {
    return inner_.ListDlq(after, limit);
  }
  Result<DlqEntry> GetDlq(std::string_view id) override { return inner_.GetDlq(id); }
  Result<uint64_t> CountDlq() override { return inner_.CountDlq(); }
  Result<std::vector<DlqEntry>> ListQuarantine(std::string_view after, size_t limit) override {
    return inner_.ListQuarantine(after, limit);
  }
  Result<DlqEntry> GetQuarantine(std::string_view id) override { return inner_.GetQuarantine(id); }
  Status DeleteQuarantine(std::string_view id) override;

 private:
  DeliveryQueue& inner_;
  Faults& faults_;
};

class FaultInjectingResourceStore : public ResourceStore {
 public:
  FaultInjectingResourceStore(ResourceStore& inner, Faults& faults) : inner_(inner), faults_(faults) {}
  Result<uint64_t> Put(std::string_view kind, std::string_view name, std::string_view value,
                       uint64_t expected_revision = kAnyRevision) override;
  Result<ResourceEntry> Get(std::string_view kind, std::string_view name) override {
    return inner_.Get(kind, name);
  }
  Status Delete(std::string_view kind, std::string_view name, uint64_t expected_revision = kAnyRevision) override;
  Result<std::vector<ResourceEntry>> List(std::string_view kind) override { return inner_.List(kind); }

 private:
  ResourceStore& inner_;
  Faults& faults_;
};

class FaultInjectingArchiveStore : public ArchiveStore {
 public:
  FaultInjectingArchiveStore(ArchiveStore& inner, Faults& faults) : inner_(inner), faults_(faults) {}
  Status Append(std::string_view archive, int64_t event_time_ms, std::string_view event_json) override;
  Status Scan(std::string_view archive, int64_t start_ms, int64_t end_ms,
              const std::function<bool(int64_t, std::string_view)>& fn) override {
    return inner_.Scan(archive, start_ms, end_ms, fn);
  }
  Status DeleteBefore(std::string_view archive, int64_t cutoff_ms) override;
  Result<uint64_t> Count(std::string_view archive) override { return inner_.Count(archive); }

 private:
  ArchiveStore& inner_;
  Faults& faults_;
};

class FaultInjectingQueueStore : public QueueStore {
 public:
  FaultInjectingQueueStore(QueueStore& inner, Faults& faults) : inner_(inner), faults_(faults) {}
  Status Write(const QueueWrite& w) override;
  Status WriteSynced(const QueueWrite& w) override;
  Status Sync() override;
  Result<std::string> Get(std::string_view key) override { return inner_.Get(key); }
  Status Scan(std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    return inner_.Scan(prefix, fn);
  }

 private:
  QueueStore& inner_;
  Faults& faults_;
};

}  // namespace cxbridge::store
