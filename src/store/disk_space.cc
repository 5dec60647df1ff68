#include "store/disk_space.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>

namespace cxbridge::store {
namespace {

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

uint64_t Property(rocksdb::DB* db, const char* name) {
  uint64_t v = 0;
  if (db == nullptr || !db->GetAggregatedIntProperty(name, &v)) return 0;
  return v;
}

// Saturating: min_free_bytes may be anything up to UINT64_MAX.
uint64_t Add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace

DiskSpace::DiskSpace(std::string dir, uint64_t min_free_bytes, DiskReserveOptions reserve)
    : dir_(std::move(dir)), min_free_(min_free_bytes), opts_(reserve) {}

uint64_t DiskSpace::FloorFor(WriteUse use) const {
  switch (use) {
    case WriteUse::kAccept: return min_free_;
    case WriteUse::kInternal: return min_free_ / 2;
    case WriteUse::kRelease: return 0;
  }
  return min_free_;
}

void DiskSpace::RefreshLocked(int64_t now_ms) {
  struct statvfs sv {};
  if (statvfs(dir_.c_str(), &sv) != 0) return;  // keep the last figures
  refreshed_ms_ = now_ms;
  admitted_since_ = 0;
  measured_ = true;
  free_ = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;

  rocksdb::DB* db = db_.load();
  const uint64_t memtables = Property(db, "rocksdb.cur-size-all-mem-tables");
  const uint64_t tables = Property(db, "rocksdb.total-sst-files-size");
  const uint64_t pending = Property(db, "rocksdb.estimate-pending-compaction-bytes");
  const uint64_t compaction = std::min(tables, std::max(pending, opts_.compaction_room_floor));
  reserve_ = memtables + opts_.wal_preallocation +
             opts_.table_preallocation * static_cast<uint64_t>(opts_.background_jobs) + compaction +
             opts_.fixed;

  const bool accepting = free_ >= Add(reserve_, min_free_);
  if (accepting != accepting_) {
    accepting_ = accepting;
    if (!accepting) {
      spdlog::error(
          "storage nearly full: {} free in {}, {} reserved for the database's own flushes, WAL and "
          "compactions, storage.min_free_disk_bytes {}: ingest answers 503 until space is freed",
          Mib(free_), dir_, Mib(reserve_), Mib(min_free_));
    } else {
      spdlog::info("storage has room again: {} free in {} ({} reserved): ingest resumes", Mib(free_),
                   dir_, Mib(reserve_));
    }
  }
}

Status DiskSpace::Admit(WriteUse use, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = SteadyNowMs();
  if (now - refreshed_ms_ >= kRefreshMs) RefreshLocked(now);
  if (!measured_) return Status::Ok();  // statvfs does not work here: nothing to go by
  // Each admitted byte is a WAL byte now and a table file byte after the next flush.
  const uint64_t need = Add(Add(reserve_, FloorFor(use)), 2 * (admitted_since_ + bytes));
  if (free_ < need) {
    return Status(StatusCode::kResourceExhausted,
                  "storage is nearly full (" + Mib(free_) + " free, " + Mib(reserve_) +
                      " reserved for the database, storage.min_free_disk_bytes " + Mib(min_free_) +
                      "); not writing until space is freed");
  }
  admitted_since_ += bytes;
  return Status::Ok();
}

bool DiskSpace::accepting() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = SteadyNowMs();
  if (now - refreshed_ms_ >= kRefreshMs) RefreshLocked(now);
  return !measured_ || free_ >= Add(Add(reserve_, min_free_), 2 * admitted_since_);
}

DiskSpaceSnapshot DiskSpace::snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = SteadyNowMs();
  if (now - refreshed_ms_ >= kRefreshMs) RefreshLocked(now);
  DiskSpaceSnapshot s;
  s.measured = measured_;
  s.free_bytes = measured_ ? free_ : 0;
  s.reserve_bytes = reserve_;
  s.min_free_bytes = min_free_;
  s.accepting = !measured_ || free_ >= Add(Add(reserve_, min_free_), 2 * admitted_since_);
  return s;
}

}  // namespace cxbridge::store
