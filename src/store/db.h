// Db: the embedded RocksDB database with cxbridge's column families (format.h).
// Opening takes the folder's lock: a second process (e.g. the CLI while the server runs) gets
// kUnavailable ("in use") and should talk to the server over HTTP instead.
// Thread-safety: all methods are safe from any thread (RocksDB is internally synchronized).
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/disk_space.h"

namespace cxbridge::store {

class Db {
 public:
  struct Options {
    // Free space kept on the data folder's file system beyond what RocksDB will still allocate
    // itself (disk_space.h): below it, writes of new data are refused (503).
    uint64_t min_free_bytes = 64ull << 20;
  };
  // Opens or creates the database in `dir`. `clock` drives dedup expiry during compaction.
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, Clock& clock);
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, Clock& clock, Options options);
  ~Db();

  rocksdb::DB* raw() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* events() { return cf_[1]; }
  rocksdb::ColumnFamilyHandle* dedup() { return cf_[2]; }
  rocksdb::ColumnFamilyHandle* deliveries() { return cf_[3]; }
  rocksdb::ColumnFamilyHandle* dlq() { return cf_[4]; }
  rocksdb::ColumnFamilyHandle* resources() { return cf_[5]; }
  rocksdb::ColumnFamilyHandle* archive() { return cf_[6]; }
  rocksdb::ColumnFamilyHandle* queues() { return cf_[7]; }
  rocksdb::ColumnFamilyHandle* quarantine() { return cf_[8]; }
  rocksdb::ColumnFamilyHandle* history() { return cf_[9]; }
  rocksdb::ColumnFamilyHandle* meta() { return cf_[0]; }
  const std::string& dir() const { return dir_; }

  // Synced write: when it returns OK the batch survives power loss.
  // Both writes first ask the free-space guard (disk_space.h): a refused write returns
  // kResourceExhausted and left nothing behind. Without `use`, a batch that only deletes is
  // kRelease and any other kInternal.
  Status WriteSynced(rocksdb::WriteBatch* batch);
  Status WriteSynced(rocksdb::WriteBatch* batch, WriteUse use);
  // Unsynced write: survives a process crash (the OS has the bytes), not power loss.
  Status Write(rocksdb::WriteBatch* batch);
  Status Write(rocksdb::WriteBatch* batch, WriteUse use);
  // Syncs the WAL (after unsynced writes that must become durable). Refused while RocksDB holds
  // a background error: a WAL file whose append failed must not be synced again (Debian's
  // librocksdb asserts in WritableFileWriter and aborts).
  Status SyncWal();
  // Writes with `options` (e.g. without the WAL) after the same check.
  Status WriteWith(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch, WriteUse use);

  DiskSpace& space() { return *space_; }
  // False while RocksDB holds a background error (a failed flush, compaction or WAL write):
  // it refuses writes until it recovers by itself (space returned) or Resume succeeds.
  bool healthy() const { return !bg_error_.load(); }
  std::string last_error() const;
  // Asks RocksDB to leave its error state; true when it is healthy afterwards.
  bool Resume();

  // Called by the event listener (db.cc); not for other callers.
  void OnBackgroundError(const std::string& what);
  void OnRecovered(const std::string& what);

 private:
  Db() = default;
  Status Check(rocksdb::WriteBatch* batch, WriteUse use);
  std::string dir_;
  std::unique_ptr<DiskSpace> space_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cf_;
  std::atomic<bool> bg_error_{false};
  mutable std::mutex error_mu_;
  std::string last_error_;  // guarded by error_mu_
};

// The class of a batch written without one: only deletes → kRelease, else kInternal.
WriteUse DefaultUse(const rocksdb::WriteBatch& batch);

// Maps a RocksDB status to ours; `what` says which operation failed.
Status FromRocks(const rocksdb::Status& s, const char* what);

}  // namespace cxbridge::store
