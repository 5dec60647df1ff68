// EventLog: durable, deduplicating append with group commit.
//
// One committer thread owns all writes of the accept path. Appends that arrive while a synced
// write is in flight wait and join the next WriteBatch, so one fdatasync is shared by every event
// that arrived meanwhile (hundreds under load). Each batch holds, atomically: the idempotency
// keys, the event records, one delivery record per matched target, and the next sequence number.
//
// Crash semantics: when `done` reports kStored for an item, its event, its deliveries and its
// idempotency key survive a crash or power loss. Items reported kFailed left no trace that
// matters (if the bytes landed after all, the sender's retry is caught by its idempotency key).
// After a failed synced write the state on disk is unknowable, so the log stops acknowledging
// (every append fails) until Db::Resume succeeds (checked every few seconds).
//
// Thread-safety: Append and Run are safe from any thread; `done` runs on the committer thread
// and must not block.
#pragma once

#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/db.h"

namespace cxbridge::store {

struct AppendItem {
  std::string bus;
  std::string event_json;
  std::string idempotency_key;  // empty: no deduplication
  int64_t dedup_ttl_ms = 24 * 3600 * 1000LL;
  std::vector<std::string> target_keys;  // deliveries to create (format.h MakeTargetKey)
  int64_t ingest_ms = 0;
  // Non-empty: the event could not be normalized. It is stored in the quarantine (with this
  // record, JSON) instead of the log, still durably and still claiming its idempotency key.
  std::string quarantine_record;
  std::string quarantine_id;  // its key in the quarantine (time-ordered, unique)
};

struct AppendOutcome {
  enum Kind { kStored, kQuarantined, kDuplicate, kFailed };
  Kind kind = kFailed;
  uint64_t seq = 0;   // for kStored
  std::string error;  // for kFailed
};

using AppendDone = std::function<void(std::vector<AppendOutcome>)>;

// A write that must go through the committer (so it is ordered with appends and shares fsyncs):
// `build` adds to the batch and may take fresh sequence numbers from `next_seq`.
struct CommitJob {
  std::function<Status(rocksdb::WriteBatch* batch, uint64_t* next_seq)> build;
  std::function<void(Status)> done;  // runs on the committer thread
};

struct EventLogStats {
  uint64_t batches = 0;       // synced writes
  uint64_t events_stored = 0;
  uint64_t duplicates = 0;
  uint64_t failures = 0;
};

class EventLog {
 public:
  struct Options {
    size_t max_pending_bytes = 256 << 20;  // beyond this, appends fail fast (overload → 503)
    // Below this much free space on the data folder's file system, appends fail fast (503)
    // before the disk is full; checked about once a second.
    uint64_t min_free_bytes = 64ull << 20;
  };
  EventLog(Db& db, Clock& clock, Options options);
  ~EventLog();

  // Reads the next sequence number and starts the committer thread.
  Status Start();
  // Commits everything queued, then stops the thread. Later appends fail.
  void Stop();

  void Append(std::vector<AppendItem> items, AppendDone done);
  void Run(CommitJob job);

  bool healthy() const { return !failed_.load() && !low_disk_.load(); }
  bool low_disk() const { return low_disk_.load(); }
  EventLogStats stats() const;
  size_t pending_bytes() const { return pending_bytes_.load(); }

 private:
  struct Pending {
    std::vector<AppendItem> items;
    AppendDone done;
    CommitJob job;
    size_t bytes = 0;
  };
  void Loop();
  void CommitBatch(std::vector<Pending>& batch);

  Db& db_;
  Clock& clock_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  bool started_ = false;
  std::thread thread_;
  uint64_t next_seq_ = 1;  // committer thread only
  std::atomic<bool> failed_{false};
  std::atomic<size_t> pending_bytes_{0};
  int64_t last_resume_try_ms_ = 0;
  void CheckDisk();
  std::atomic<bool> low_disk_{false};
  int64_t last_disk_check_ms_ = -1000000;
  std::atomic<uint64_t> batches_{0}, stored_{0}, duplicates_{0}, failures_{0};
};

}  // namespace cxbridge::store
