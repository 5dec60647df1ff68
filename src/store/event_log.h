// EmbeddedEventLog: the embedded engine's EventLog (storage.h) — durable, deduplicating append
// with group commit in RocksDB.
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
#include "store/storage.h"

namespace cxbridge::store {

// What a CommitJob's `build` may use: the batch being built, the next free sequence number,
// and the claim of an idempotency key in this batch (true: first seen, now claimed; false: a
// live claim exists — in the database or earlier in this batch). A claimed key must outlive the
// commit (keep it in the job).
struct CommitContext {
  rocksdb::WriteBatch* batch;
  uint64_t* next_seq;
  std::function<Result<bool>(const std::string& key, int64_t ttl_ms)> claim;
};

// A write that must go through the committer (so it is ordered with appends and shares fsyncs).
// Embedded engine only: the other embedded stores (EmbeddedDeliveryQueue, EmbeddedDedupStore)
// build their durable writes with it.
struct CommitJob {
  std::function<Status(CommitContext& ctx)> build;
  std::function<void(Status)> done;  // runs on the committer thread
};

class EmbeddedEventLog : public EventLog {
 public:
  struct Options {
    size_t max_pending_bytes = 256 << 20;  // beyond this, appends fail fast (overload → 503)
    // The free-space floor is the Db's (Db::Options::min_free_bytes, disk_space.h): appends are
    // its kAccept writes and fail fast (503) while it refuses them.
  };
  EmbeddedEventLog(Db& db, Clock& clock, Options options);
  ~EmbeddedEventLog() override;

  // Reads the next sequence number and starts the committer thread.
  Status Start();
  // Commits everything queued, then stops the thread. Later appends fail.
  void Stop();

  void Append(std::vector<AppendItem> items, AppendDone done) override;
  void Run(CommitJob job);
  // Run, waiting for the outcome (not on the committer thread).
  Status RunAndWait(std::function<Status(CommitContext& ctx)> build);

  Result<EventRecord> Read(uint64_t seq) override;
  Status ReadFrom(uint64_t from, const std::function<bool(uint64_t, const EventRecord&)>& fn) override;
  Result<uint64_t> Trim(uint64_t below_seq, int64_t cutoff_ms) override;

  // False while appends would fail: a failed write not yet resumed, RocksDB in its error state,
  // or too little free space (readiness).
  bool healthy() const override { return !failed_.load() && db_.healthy() && db_.space().accepting(); }
  bool low_disk() const override { return !db_.space().accepting(); }
  EventLogStats stats() const override;
  size_t pending_bytes() const override { return pending_bytes_.load(); }

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
  std::atomic<uint64_t> batches_{0}, stored_{0}, duplicates_{0}, failures_{0};
};

}  // namespace cxbridge::store
