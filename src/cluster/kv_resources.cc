#include "cluster/kv_resources.h"

#include <algorithm>

#include "common/thread_name.h"

namespace cxbridge::cluster {

std::string KvResources::Key(std::string_view kind, std::string_view name) {
  return EscapeKey(kind) + "." + EscapeKey(name);
}

KvResources::~KvResources() { Stop(); }

Status KvResources::Start() {
  auto w = kv_.Watch(">");
  if (!w.ok()) return w.status();
  watcher_ = std::move(*w);
  // Take in the current entries before returning, so LastRevision covers them.
  for (;;) {
    auto e = watcher_->Next(10'000);
    if (!e.ok()) return e.status();
    if (e->kind == WatchEvent::kTimeout)
      return Status::Unavailable("resources: the initial values did not come");
    if (e->kind == WatchEvent::kInitialDone) break;
    last_revision_ = std::max(last_revision_.load(), e->entry.revision);
  }
  thread_ = std::thread([this] {
    SetThreadName("cxb-res-watch");
    Loop();
  });
  return Status::Ok();
}

void KvResources::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);  // the loop replaces watcher_ under mu_
    stopping_ = true;
    if (watcher_) watcher_->Stop();
  }
  if (thread_.joinable()) thread_.join();
  watcher_.reset();
}

void KvResources::Loop() {
  while (!stopping_.load()) {
    auto e = watcher_->Next(500);
    if (!e.ok()) {
      if (stopping_.load()) return;
      // Broken (connection lost for good): make a new one; it replays the current values.
      auto w = kv_.Watch(">");
      if (w.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_.load()) return;
        watcher_ = std::move(*w);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      continue;
    }
    if (e->kind != WatchEvent::kEntry) continue;
    if (e->entry.revision > last_revision_.load()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_revision_ = e->entry.revision;
      }
      changed_.notify_all();
    }
  }
}

uint64_t KvResources::WaitChanged(uint64_t seen, int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                    [&] { return last_revision_.load() > seen; });
  return last_revision_.load();
}

Result<uint64_t> KvResources::Put(std::string_view kind, std::string_view name,
                                  std::string_view value, uint64_t expected_revision) {
  const std::string key = Key(kind, name);
  Result<uint64_t> r = Status::Internal("");
  if (expected_revision == kAnyResourceRevision) {
    r = kv_.Put(key, value);
  } else if (expected_revision == kNoResourceRevision) {
    r = kv_.Create(key, value);
    if (!r.ok() && r.status().code() == StatusCode::kAlreadyExists) {
      return Status::FailedPrecondition(std::string(kind) + " " + std::string(name) +
                                        " changed concurrently (it exists now)");
    }
  } else {
    r = kv_.Update(key, value, expected_revision);
    if (!r.ok() && r.status().code() == StatusCode::kFailedPrecondition) {
      return Status::FailedPrecondition(std::string(kind) + " " + std::string(name) +
                                        " changed concurrently");
    }
  }
  if (r.ok() && *r > last_revision_.load()) last_revision_ = *r;  // our own write, seen at once
  return r;
}

Result<ResourceEntry> KvResources::Get(std::string_view kind, std::string_view name) {
  auto e = kv_.Get(Key(kind, name));
  if (!e.ok()) return e.status();
  return ResourceEntry{std::string(name), std::move(e->value), e->revision};
}

Status KvResources::Delete(std::string_view kind, std::string_view name,
                           uint64_t expected_revision) {
  const std::string key = Key(kind, name);
  if (expected_revision == kAnyResourceRevision) return kv_.Delete(key);
  if (expected_revision == kNoResourceRevision) {
    auto e = kv_.Get(key);
    if (e.status().code() == StatusCode::kNotFound) return Status::Ok();
    return Status::FailedPrecondition(std::string(kind) + " " + std::string(name) +
                                      " changed concurrently");
  }
  Status st = kv_.Delete(key, expected_revision);
  if (st.code() == StatusCode::kFailedPrecondition) {
    return Status::FailedPrecondition(std::string(kind) + " " + std::string(name) +
                                      " changed concurrently");
  }
  return st;
}

Result<std::vector<ResourceEntry>> KvResources::List(std::string_view kind) {
  auto w = kv_.Watch(EscapeKey(kind) + ".>");
  if (!w.ok()) return w.status();
  std::vector<ResourceEntry> out;
  for (;;) {
    auto e = (*w)->Next(10'000);
    if (!e.ok()) return e.status();
    if (e->kind == WatchEvent::kTimeout)
      return Status::Unavailable("listing " + std::string(kind) + " timed out");
    if (e->kind == WatchEvent::kInitialDone) break;
    if (e->entry.op != KvEntry::Op::kPut) continue;
    const std::string& key = e->entry.key;
    out.push_back(ResourceEntry{UnescapeKey(std::string_view(key).substr(key.find('.') + 1)),
                                std::move(e->entry.value), e->entry.revision});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace cxbridge::cluster
