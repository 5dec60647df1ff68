// Db: the embedded RocksDB database with cxbridge's column families (format.h).
// Opening takes the folder's lock: a second process (e.g. the CLI while the server runs) gets
// kUnavailable ("in use") and should talk to the server over HTTP instead.
// Thread-safety: all methods are safe from any thread (RocksDB is internally synchronized).
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace cxbridge::store {

class Db {
 public:
  // Opens or creates the database in `dir`. `clock` drives dedup expiry during compaction.
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, Clock& clock);
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
  Status WriteSynced(rocksdb::WriteBatch* batch);
  // Unsynced write: survives a process crash (the OS has the bytes), not power loss.
  Status Write(rocksdb::WriteBatch* batch);

 private:
  Db() = default;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cf_;
};

// Maps a RocksDB status to ours; `what` says which operation failed.
Status FromRocks(const rocksdb::Status& s, const char* what);

}  // namespace cxbridge::store
