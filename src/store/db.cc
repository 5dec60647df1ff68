#include "store/db.h"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "store/format.h"

namespace cxbridge::store {
namespace {

// Drops idempotency keys whose TTL has passed. Reads also check expiry, so a key that
// compaction has not reached yet is still treated as expired.
class DedupExpiryFilter : public rocksdb::CompactionFilter {
 public:
  explicit DedupExpiryFilter(Clock& clock) : clock_(clock) {}
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*,
              bool*) const override {
    if (value.size() < 8) return true;
    return static_cast<int64_t>(GetFixed64BE(value.data())) < clock_.NowMs();
  }
  const char* Name() const override { return "cxbridge.DedupExpiry"; }

 private:
  Clock& clock_;
};

}  // namespace

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Status::Unavailable(msg + " (the data folder is in use by a running server)");
  }
  if (s.IsIOError() || s.IsNoSpace()) return Status::IOError(msg);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return Status::Unavailable(msg);
  return Status::Internal(msg);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& dir, Clock& clock) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create data folder " + dir + ": " + ec.message());

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = true;
  dbo.create_missing_column_families = true;
  dbo.max_background_jobs = 2;
  dbo.keep_log_file_num = 3;
  dbo.max_total_wal_size = 256 << 20;

  rocksdb::ColumnFamilyOptions base;
  base.write_buffer_size = 32 << 20;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  base.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // The filter object must outlive the DB; a static per process is enough (clock is global).
  static DedupExpiryFilter* filter = nullptr;
  if (filter == nullptr) filter = new DedupExpiryFilter(clock);
  rocksdb::ColumnFamilyOptions dedup_opts = base;
  dedup_opts.compaction_filter = filter;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, base}, {kCfEvents, base},    {kCfDedup, dedup_opts},
      {kCfDeliveries, base},                      {kCfDlq, base},       {kCfResources, base},
      {kCfArchive, base},                         {kCfQueues, base},    {kCfQuarantine, base},
      {kCfHistory, base},
  };
  std::unique_ptr<Db> db(new Db());
  db->dir_ = dir;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(dbo, dir, cfs, &db->cf_, &raw);
  if (!s.ok()) return FromRocks(s, "open");
  db->db_.reset(raw);
  return db;
}

Db::~Db() {
  if (db_) {
    for (auto* h : cf_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
}

Status Db::WriteSynced(rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, batch), "synced write");
}

Status Db::Write(rocksdb::WriteBatch* batch) {
  return FromRocks(db_->Write(rocksdb::WriteOptions(), batch), "write");
}

}  // namespace cxbridge::store
