// DiskSpace: the free-space guard of the data folder. Every write that grows the database asks it
// first, so RocksDB never meets a full disk (ENOSPC inside RocksDB can abort the process: Debian's
// librocksdb keeps its assertions, and a WAL writer that saw an error asserts on its next use).
//
// What a write may use is the file system's free space minus what RocksDB will still allocate on
// its own for data it already holds (docs/storage.md "Full disk"):
//   reserve = memtables not yet flushed (they become table files)
//           + one WAL file's preallocation (a memtable switch opens a new WAL)
//           + one table file's preallocation per background job (flush and compaction outputs)
//           + compaction room: what the pending compactions may write before deleting their inputs
//             (RocksDB's estimate, at least kCompactionRoomFloor, never more than all table files)
//           + the MANIFEST's preallocation
// and, between two measurements, twice the bytes admitted since (a WAL record, later a table file).
//
// Three classes of write, three floors above the reserve:
//   kAccept   new data from outside (ingest, SQS SendMessage, API writes): needs min_free_bytes;
//   kInternal work on data already accepted (deliveries into built-in queues, retry state, dead
//             letters, receives): needs min_free_bytes / 2, so accepted work drains a while after
//             ingest has stopped;
//   kRelease  batches that only delete: need nothing beyond the reserve.
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "common/status.h"

namespace cxbridge::store {

enum class WriteUse { kAccept, kInternal, kRelease };

// The fixed parts of the reserve, from the database options (db.cc).
struct DiskReserveOptions {
  uint64_t wal_preallocation = 0;
  uint64_t table_preallocation = 0;  // per background job
  int background_jobs = 2;
  uint64_t compaction_room_floor = 0;
  uint64_t fixed = 0;  // MANIFEST preallocation
};

struct DiskSpaceSnapshot {
  uint64_t free_bytes = 0;     // the file system's, for unprivileged users
  uint64_t reserve_bytes = 0;  // RocksDB's own future allocation (above)
  uint64_t min_free_bytes = 0;
  bool accepting = true;       // kAccept writes admitted
  bool measured = false;       // statvfs worked at least once
};

class DiskSpace {
 public:
  DiskSpace(std::string dir, uint64_t min_free_bytes, DiskReserveOptions reserve);

  // The database whose memtables and compactions count (set once, after open).
  void Attach(rocksdb::DB* db) { db_.store(db); }

  // OK when a write of `bytes` of class `use` fits; kResourceExhausted otherwise, with a message
  // naming the figures. Counts admitted bytes until the next measurement.
  Status Admit(WriteUse use, uint64_t bytes);
  // True while kAccept writes are admitted (re-measured when the last measurement is stale).
  bool accepting();
  DiskSpaceSnapshot snapshot();

  // Measurements are at most this old (statvfs and three RocksDB properties: microseconds).
  static constexpr int64_t kRefreshMs = 100;

 private:
  void RefreshLocked(int64_t now_ms);
  uint64_t FloorFor(WriteUse use) const;

  const std::string dir_;
  const uint64_t min_free_;
  const DiskReserveOptions opts_;
  std::atomic<rocksdb::DB*> db_{nullptr};
  std::mutex mu_;
  int64_t refreshed_ms_ = -1000000;  // guarded by mu_
  uint64_t free_ = UINT64_MAX;       // guarded by mu_
  uint64_t reserve_ = 0;             // guarded by mu_
  uint64_t admitted_since_ = 0;      // guarded by mu_
  bool measured_ = false;            // guarded by mu_
  bool accepting_ = true;            // guarded by mu_ (last logged state)
};

}  // namespace cxbridge::store
