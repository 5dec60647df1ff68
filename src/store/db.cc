#include "store/db.h"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
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

// Sizes that bound what RocksDB allocates by itself (disk_space.h; docs/storage.md "Full disk").
constexpr uint64_t kWriteBufferSize = 8ull << 20;     // one memtable of one column family
constexpr uint64_t kDbWriteBufferSize = 32ull << 20;  // all memtables of all column families
constexpr uint64_t kMaxTotalWalSize = 32ull << 20;    // beyond: the oldest WAL's memtables flush
constexpr uint64_t kTargetFileSize = 8ull << 20;      // table files written by compactions
constexpr uint64_t kMaxCompactionBytes = 32ull << 20;
constexpr uint64_t kManifestPreallocation = 1ull << 20;
constexpr int kBackgroundJobs = 2;

// RocksDB preallocates 110% of a file's expected size (WAL: the write buffer; table files:
// the target size), capped as RocksDB caps it.
DiskReserveOptions ReserveFor() {
  DiskReserveOptions r;
  r.wal_preallocation = std::min({kWriteBufferSize + kWriteBufferSize / 10, kMaxTotalWalSize,
                                  kDbWriteBufferSize});
  const uint64_t largest = std::max(kWriteBufferSize, kTargetFileSize);
  r.table_preallocation = largest + largest / 10;
  r.background_jobs = kBackgroundJobs;
  r.compaction_room_floor = kMaxCompactionBytes;
  r.fixed = kManifestPreallocation;
  return r;
}

const char* ReasonName(rocksdb::BackgroundErrorReason r) {
  switch (r) {
    case rocksdb::BackgroundErrorReason::kFlush: return "flush";
    case rocksdb::BackgroundErrorReason::kCompaction: return "compaction";
    case rocksdb::BackgroundErrorReason::kWriteCallback: return "write";
    case rocksdb::BackgroundErrorReason::kMemTable: return "memtable";
    case rocksdb::BackgroundErrorReason::kManifestWrite: return "manifest write";
    case rocksdb::BackgroundErrorReason::kFlushNoWAL: return "flush";
    case rocksdb::BackgroundErrorReason::kManifestWriteNoWAL: return "manifest write";
  }
  return "background work";
}

// RocksDB's info log, into ours (warnings and errors only) instead of a LOG file in the data
// folder: a file there would grow on its own, and its writer, once it met a full disk, aborted
// the process when it was closed at shutdown (Debian's librocksdb keeps its assertions).
class InfoLog : public rocksdb::Logger {
 public:
  InfoLog() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, ap);
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      spdlog::error("rocksdb: {}", buf);
    } else {
      spdlog::warn("rocksdb: {}", buf);
    }
  }
};

// Turns RocksDB's background errors into Db's health (readiness, 503s) and log lines.
class ErrorListener : public rocksdb::EventListener {
 public:
  explicit ErrorListener(Db* db) : db_(db) {}
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* bg_error) override {
    db_->OnBackgroundError(std::string(ReasonName(reason)) + ": " + bg_error->ToString());
  }
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (info.new_bg_error.ok()) {
      db_->OnRecovered(info.old_bg_error.ToString());
    } else {
      spdlog::error("storage: recovery from \"{}\" failed: {}; retrying", info.old_bg_error.ToString(),
                    info.new_bg_error.ToString());
    }
  }

 private:
  Db* db_;
};

}  // namespace

WriteUse DefaultUse(const rocksdb::WriteBatch& batch) {
  return batch.HasPut() || batch.HasMerge() ? WriteUse::kInternal : WriteUse::kRelease;
}

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
  return Open(dir, clock, Options());
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& dir, Clock& clock, Options options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create data folder " + dir + ": " + ec.message());

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = true;
  dbo.create_missing_column_families = true;
  dbo.max_background_jobs = kBackgroundJobs;
  dbo.info_log = std::make_shared<InfoLog>();
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  dbo.manifest_preallocation_size = kManifestPreallocation;
  dbo.max_total_wal_size = kMaxTotalWalSize;
  dbo.db_write_buffer_size = kDbWriteBufferSize;
  // The SstFileManager is what lets RocksDB leave a "no space" error by itself: it polls the free
  // space and resumes the database once there is room again.
  dbo.sst_file_manager.reset(rocksdb::NewSstFileManager(rocksdb::Env::Default()));

  std::unique_ptr<Db> db(new Db());
  db->space_ = std::make_unique<DiskSpace>(dir, options.min_free_bytes, ReserveFor());
  dbo.listeners.push_back(std::make_shared<ErrorListener>(db.get()));

  rocksdb::ColumnFamilyOptions base;
  base.write_buffer_size = kWriteBufferSize;
  base.target_file_size_base = kTargetFileSize;
  base.max_compaction_bytes = kMaxCompactionBytes;
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
  db->dir_ = dir;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(dbo, dir, cfs, &db->cf_, &raw);
  if (!s.ok()) return FromRocks(s, "open");
  db->db_.reset(raw);
  db->space_->Attach(raw);
  return db;
}

Db::~Db() {
  if (db_) {
    space_->Attach(nullptr);
    for (auto* h : cf_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
}

Status Db::Check(rocksdb::WriteBatch* batch, WriteUse use) {
  if (bg_error_.load()) {
    return Status::Unavailable("storage is failing (" + last_error() + "); not writing until it recovers");
  }
  return space_->Admit(use, batch->GetDataSize());
}

Status Db::WriteSynced(rocksdb::WriteBatch* batch) { return WriteSynced(batch, DefaultUse(*batch)); }

Status Db::WriteSynced(rocksdb::WriteBatch* batch, WriteUse use) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return WriteWith(wo, batch, use);
}

Status Db::Write(rocksdb::WriteBatch* batch) { return Write(batch, DefaultUse(*batch)); }

Status Db::Write(rocksdb::WriteBatch* batch, WriteUse use) {
  return WriteWith(rocksdb::WriteOptions(), batch, use);
}

Status Db::WriteWith(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch, WriteUse use) {
  CXB_RETURN_IF_ERROR(Check(batch, use));
  return FromRocks(db_->Write(options, batch), options.sync ? "synced write" : "write");
}

Status Db::SyncWal() {
  if (bg_error_.load()) {
    return Status::Unavailable("storage is failing (" + last_error() + "); not writing until it recovers");
  }
  return FromRocks(db_->SyncWAL(), "WAL sync");
}

std::string Db::last_error() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return last_error_;
}

void Db::OnBackgroundError(const std::string& what) {
  {
    std::lock_guard<std::mutex> lock(error_mu_);
    last_error_ = what;
  }
  bg_error_ = true;
  spdlog::error("storage: RocksDB stopped writing after a {} error; ingest answers 503 and /readyz "
                "fails until it recovers (by itself once there is free space again)",
                what);
}

void Db::OnRecovered(const std::string& what) {
  if (bg_error_.exchange(false)) spdlog::info("storage: recovered from \"{}\"; writing again", what);
}

bool Db::Resume() {
  if (!bg_error_.load()) return true;
  rocksdb::Status s = db_->Resume();
  if (s.ok()) OnRecovered(last_error());
  return s.ok();
}

}  // namespace cxbridge::store
