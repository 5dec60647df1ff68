#include "blob/sweeper.h"

#include "common/config_keys.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "common/thread_name.h"

namespace cxbridge::blob {
namespace {

Result<int64_t> Seconds(const json::Value& v, std::string_view key, int64_t min) {
  if (!v.is_number() || v.as_double() != static_cast<double>(static_cast<int64_t>(v.as_double())) ||
      v.as_double() < static_cast<double>(min)) {
    return Status::InvalidArgument("blobs.retention." + std::string(key) + ": must be a whole number >= " +
                                   std::to_string(min));
  }
  return static_cast<int64_t>(v.as_double());
}

}  // namespace

Status SplitRetention(const json::Value& blobs_cfg, json::Value* store_cfg, SweeperOptions* opts) {
  *store_cfg = blobs_cfg;
  *opts = SweeperOptions{};
  if (!blobs_cfg.is_object()) return Status::Ok();  // the store reports its own shape errors
  const json::Value* r = blobs_cfg.Find("retention");
  if (r == nullptr) return Status::Ok();
  if (!r->is_object()) return Status::InvalidArgument("blobs.retention: must be an object");
  for (const auto& [key, value] : r->members()) {
    if (key == "enabled") {
      if (!value.is_bool()) return Status::InvalidArgument("blobs.retention.enabled: must be true or false");
      opts->enabled = value.as_bool();
    } else if (key == "interval_seconds") {
      auto s = Seconds(value, key, 1);
      if (!s.ok()) return s.status();
      opts->interval = std::chrono::seconds(*s);
    } else if (key == "grace_seconds") {
      auto s = Seconds(value, key, 60);
      if (!s.ok()) return s.status();
      opts->grace = std::chrono::seconds(*s);
    } else {
      return CheckKeys(*r, "blobs.retention", {"enabled", "interval_seconds", "grace_seconds"});
    }
  }
  store_cfg->Erase("retention");
  return Status::Ok();
}

Sweeper::Sweeper(std::shared_ptr<BlobStore> store, CollectRefs collect, SweeperOptions opts, const Clock& clock)
    : store_(std::move(store)), collect_(std::move(collect)), opts_(opts), clock_(clock) {}

Sweeper::~Sweeper() { Stop(); }

void Sweeper::Start() {
  if (!opts_.enabled || thread_.joinable()) return;
  thread_ = std::thread([this] {
    SetThreadName("cxb-blob-sweep");
    Loop();
  });
}

void Sweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<SweepStats> Sweeper::RunOnce() {
  std::lock_guard<std::mutex> run(run_mu_);
  // References are collected after the listing (Sweep asks only then), so an event stored while
  // the store is listed is still seen; blobs younger than the grace period are never asked about.
  std::optional<Result<std::unordered_set<std::string>>> refs;
  auto is_referenced = [&](std::string_view sha) -> Result<bool> {
    if (!refs) refs.emplace(collect_());
    if (!refs->ok()) return refs->status();
    return (*refs)->count(std::string(sha)) > 0;
  };
  auto stats = Sweep(*store_, is_referenced, opts_.grace, clock_);
  if (refs && !refs->ok()) {
    return Status(refs->status().code(), "blob retention kept every blob: " + refs->status().message());
  }
  return stats;
}

void Sweeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (cv_.wait_for(lock, opts_.interval, [this] { return stop_; })) return;
    lock.unlock();
    auto stats = RunOnce();
    if (!stats.ok()) {
      spdlog::warn("blob retention: {}", stats.status().ToString());
    } else if (stats->deleted > 0 || stats->errors > 0) {
      spdlog::info("blob retention: {} blobs listed, {} deleted ({} bytes), {} referenced, {} young, {} errors",
                   stats->scanned, stats->deleted, stats->deleted_bytes, stats->kept_referenced,
                   stats->kept_young, stats->errors);
    }
    lock.lock();
  }
}

}  // namespace cxbridge::blob
