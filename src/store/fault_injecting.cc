#include "store/fault_injecting.h"

#include <chrono>
#include <thread>

namespace cxbridge::store {
namespace {

constexpr char kNoSpace[] = "injected fault: no space left on device";
constexpr char kSyncFailed[] = "injected fault: fsync failed";

// A durable write `write` under the current fault: kDiskFull fails it before it reaches the
// engine; kFailSync lets it through, then reports failure; kSlowSync delays it.
template <typename R, typename F>
R Durable(Faults& f, F&& write) {
  switch (f.mode()) {
    case Faults::kDiskFull:
      f.CountInjected();
      return R(Status::IOError(kNoSpace));
    case Faults::kFailSync: {
      R r = write();
      (void)r;
      f.CountInjected();
      f.MarkFailed();
      return R(Status::IOError(kSyncFailed));
    }
    case Faults::kSlowSync:
      std::this_thread::sleep_for(std::chrono::milliseconds(f.slow_ms()));
      return write();
    case Faults::kNone:
      break;
  }
  return write();
}

// An unsynced write: only a full disk stops it.
template <typename R, typename F>
R Unsynced(Faults& f, F&& write) {
  if (f.mode() == Faults::kDiskFull) {
    f.CountInjected();
    return R(Status::IOError(kNoSpace));
  }
  return write();
}

}  // namespace

void FaultInjectingEventLog::Append(std::vector<AppendItem> items, AppendDone done) {
  auto fail_all = [&](const std::string& why) {
    std::vector<AppendOutcome> out(items.size());
    for (auto& o : out) o = AppendOutcome{AppendOutcome::kFailed, 0, why};
    done(std::move(out));
  };
  Faults& f = faults_;
  switch (f.mode()) {
    case Faults::kDiskFull:
      f.CountInjected();
      return fail_all(std::string(kNoSpace) + " (storage is nearly full; not accepting until space is freed)");
    case Faults::kFailSync:
      if (f.failed()) return fail_all("storage is failing; not accepting until it recovers");
      // The write reaches the engine; its answer is replaced: a failed fsync cannot tell what landed.
      return inner_.Append(std::move(items), [&f, done = std::move(done)](std::vector<AppendOutcome> out) {
        f.CountInjected();
        f.MarkFailed();
        for (auto& o : out) o = AppendOutcome{AppendOutcome::kFailed, 0, kSyncFailed};
        done(std::move(out));
      });
    case Faults::kSlowSync:
      // Holds the engine's committer for slow_ms, as a slow fsync does.
      return inner_.Append(std::move(items), [&f, done = std::move(done)](std::vector<AppendOutcome> out) {
        std::this_thread::sleep_for(std::chrono::milliseconds(f.slow_ms()));
        done(std::move(out));
      });
    case Faults::kNone:
      break;
  }
  if (f.failed()) return fail_all("storage is failing; not accepting until it recovers");
  inner_.Append(std::move(items), std::move(done));
}

Result<uint64_t> FaultInjectingEventLog::Trim(uint64_t below_seq, int64_t cutoff_ms) {
  return Unsynced<Result<uint64_t>>(faults_, [&] { return inner_.Trim(below_seq, cutoff_ms); });
}

bool FaultInjectingEventLog::healthy() const {
  return inner_.healthy() && !faults_.failed() && faults_.mode() != Faults::kDiskFull;
}

bool FaultInjectingEventLog::low_disk() const {
  return inner_.low_disk() || faults_.mode() == Faults::kDiskFull;
}

Result<DedupStore::Claimed> FaultInjectingDedupStore::Claim(std::string_view key, int64_t ttl_ms) {
  return Durable<Result<Claimed>>(faults_, [&] { return inner_.Claim(key, ttl_ms); });
}

Status FaultInjectingDeliveryQueue::Ack(const RouteId& route, uint64_t seq) {
  return Unsynced<Status>(faults_, [&] { return inner_.Ack(route, seq); });
}

Status FaultInjectingDeliveryQueue::RetryAt(const RouteId& route, uint64_t seq, const DeliveryRecord& state) {
  return Unsynced<Status>(faults_, [&] { return inner_.RetryAt(route, seq, state); });
}

Status FaultInjectingDeliveryQueue::DeadLetter(const RouteId& route, uint64_t seq, const DlqEntry& entry) {
  return Durable<Status>(faults_, [&] { return inner_.DeadLetter(route, seq, entry); });
}

Result<uint64_t> FaultInjectingDeliveryQueue::Enqueue(const RouteId& route, std::string_view bus,
                                                      std::string_view event_json, int64_t now_ms,
                                                      std::string_view remove_dlq_id) {
  return Durable<Result<uint64_t>>(faults_,
                                   [&] { return inner_.Enqueue(route, bus, event_json, now_ms, remove_dlq_id); });
}

Status FaultInjectingDeliveryQueue::DeleteQuarantine(std::string_view id) {
  return Durable<Status>(faults_, [&] { return inner_.DeleteQuarantine(id); });
}

Result<uint64_t> FaultInjectingResourceStore::Put(std::string_view kind, std::string_view name,
                                                  std::string_view value, uint64_t expected_revision) {
  return Durable<Result<uint64_t>>(faults_, [&] { return inner_.Put(kind, name, value, expected_revision); });
}

Status FaultInjectingResourceStore::Delete(std::string_view kind, std::string_view name,
                                           uint64_t expected_revision) {
  return Durable<Status>(faults_, [&] { return inner_.Delete(kind, name, expected_revision); });
}

Status FaultInjectingArchiveStore::Append(std::string_view archive, int64_t event_time_ms,
                                          std::string_view event_json) {
  return Durable<Status>(faults_, [&] { return inner_.Append(archive, event_time_ms, event_json); });
}

Status FaultInjectingArchiveStore::DeleteBefore(std::string_view archive, int64_t cutoff_ms) {
  return Durable<Status>(faults_, [&] { return inner_.DeleteBefore(archive, cutoff_ms); });
}

Status FaultInjectingQueueStore::Write(const QueueWrite& w) {
  return Unsynced<Status>(faults_, [&] { return inner_.Write(w); });
}

Status FaultInjectingQueueStore::WriteSynced(const QueueWrite& w) {
  return Durable<Status>(faults_, [&] { return inner_.WriteSynced(w); });
}

Status FaultInjectingQueueStore::Sync() {
  return Durable<Status>(faults_, [&] { return inner_.Sync(); });
}

}  // namespace cxbridge::store
