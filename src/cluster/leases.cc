#include "cluster/leases.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>
#include <vector>

#include "common/thread_name.h"

namespace cxbridge::cluster {

std::string MakeNodeId() {
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof(host), "node");
  std::string h = EscapeKey(host);
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%04x", static_cast<unsigned>(rd() & 0xffff));
  return h + "-" + std::to_string(::getpid()) + "-" + suffix;
}

Leases::Leases(KeyValue& kv, Clock& clock, Options options)
    : kv_(kv), clock_(clock), options_(std::move(options)) {}

Leases::~Leases() { Stop(); }

Status Leases::Start() {
  if (thread_.joinable()) return Status::Ok();
  // A KV call blocks the lease thread for up to the request timeout, during which a holder
  // cannot notice its deadline: the timeout must fit inside the margin.
  if (kv_.jetstream().request_timeout_ms() > options_.margin_ms / 2) {
    return Status::InvalidArgument("leases: the KV bucket's request timeout (" +
                                   std::to_string(kv_.jetstream().request_timeout_ms()) +
                                   " ms) must be at most half the margin (" +
                                   std::to_string(options_.margin_ms) + " ms)");
  }
  stopping_ = false;
  thread_ = std::thread([this] {
    SetThreadName("cxb-leases");
    Loop();
  });
  return Status::Ok();
}

void Leases::Want(const std::string& name, OnChange on_change) {
  std::lock_guard<std::mutex> lock(mu_);
  unwanted_.erase(name);
  Wanted& w = wanted_[name];
  w.on_change = std::move(on_change);
}

void Leases::Unwant(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (wanted_.count(name)) unwanted_.insert(name);
}

bool Leases::Holds(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = wanted_.find(name);
  return it != wanted_.end() && it->second.held;
}

std::map<std::string, std::string> Leases::Holders() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [name, s] : seen_) out[name] = s.holder;
  return out;
}

void Leases::Apply(const KvEntry& e, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (e.op == KvEntry::Op::kPut) {
    seen_[e.key] = Seen{e.value, e.revision, now};
  } else {
    seen_.erase(e.key);
  }
}

void Leases::Lose(const std::string& name, Wanted& w, const char* why) {
  // Called without mu_ held; `w` stays valid (entries are erased only on this thread).
  {
    std::lock_guard<std::mutex> lock(mu_);
    w.held = false;
  }
  spdlog::warn("lease {}: no longer held ({})", name, why);
  OnChange cb;
  {
    std::lock_guard<std::mutex> lock(mu_);  // Want may replace it meanwhile
    cb = w.on_change;
  }
  if (cb) cb(false);
}

void Leases::Tick(int64_t now) {
  const int64_t renew_every = std::max<int64_t>(options_.lease_ms / 5, 50);
  // Work on a snapshot of names; KV calls are made without the lock.
  std::vector<std::string> names, releases;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [n, w] : wanted_) names.push_back(n);
    releases.assign(unwanted_.begin(), unwanted_.end());
    unwanted_.clear();
  }
  for (const auto& name : releases) {
    Wanted w;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = wanted_.find(name);
      if (it == wanted_.end()) continue;
      w = std::move(it->second);
      wanted_.erase(it);
    }
    if (w.held) {
      if (w.on_change) w.on_change(false);  // stop acting first, then let others in
      Status st = kv_.Delete(name, w.revision);
      if (!st.ok()) spdlog::info("lease {}: release: {} (it lapses by itself)", name, st.message());
    }
  }
  for (const auto& name : names) {
    Wanted* w = nullptr;
    Seen seen;
    bool present = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = wanted_.find(name);
      if (it == wanted_.end()) continue;
      w = &it->second;
      auto s = seen_.find(name);
      if (s != seen_.end()) {
        seen = s->second;
        present = true;
      }
    }
    if (w->held) {
      if (now - w->last_ok_send_ms >= options_.lease_ms - options_.margin_ms) {
        Lose(name, *w, "could not renew in time");
        continue;
      }
      if (now - w->last_try_ms < renew_every) continue;
      w->last_try_ms = now;
      auto r = kv_.Update(name, options_.node_id, w->revision);
      if (r.ok()) {
        w->revision = *r;
        w->last_ok_send_ms = now;
      } else if (r.status().code() == StatusCode::kFailedPrecondition) {
        Lose(name, *w, "taken by another node");
      }  // else: unreachable for now; try again next tick, give up at the deadline above
      continue;
    }
    // Not held: take it if free, or if its holder stopped renewing lease_ms ago (by our clock).
    if (now - w->last_try_ms < renew_every) continue;
    Result<uint64_t> r = Status::Unavailable("");
    if (!present) {
      w->last_try_ms = now;
      r = kv_.Create(name, options_.node_id);
    } else if (now - seen.seen_ms >= options_.lease_ms) {
      w->last_try_ms = now;
      r = kv_.Update(name, options_.node_id, seen.revision);
      if (r.ok()) spdlog::info("lease {}: taken over from {}", name, seen.holder);
    } else {
      continue;
    }
    if (!r.ok()) continue;  // someone else was first, or unreachable: the watch tells
    {
      std::lock_guard<std::mutex> lock(mu_);
      w->held = true;
    }
    w->revision = *r;
    w->last_ok_send_ms = now;
    OnChange cb;
    {
      std::lock_guard<std::mutex> lock(mu_);  // Want may replace it meanwhile
      cb = w->on_change;
    }
    if (cb) cb(true);
  }
}

void Leases::Loop() {
  std::unique_ptr<KvWatcher> watcher;
  const int64_t tick_ms = std::max<int64_t>(options_.lease_ms / 10, 20);
  int64_t next_tick = 0;
  while (!stopping_.load()) {
    if (!watcher) {
      auto w = kv_.Watch(">");
      if (w.ok()) {
        watcher = std::move(*w);
      } else {
        spdlog::warn("leases: cannot watch {}: {}", kv_.bucket(), w.status().message());
      }
    }
    if (watcher) {
      auto e = watcher->Next(tick_ms);
      if (!e.ok()) {
        watcher.reset();  // broken: make a new one (the current values come again)
      } else if (e->kind == WatchEvent::kEntry) {
        Apply(e->entry, clock_.SteadyMs());
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(tick_ms));
    }
    const int64_t now = clock_.SteadyMs();
    if (now >= next_tick) {
      Tick(now);
      next_tick = now + tick_ms;
    }
  }
}

void Leases::Halt() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  wanted_.clear();
  unwanted_.clear();
}

void Leases::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [n, w] : wanted_) unwanted_.insert(n);
  }
  // Release on the lease thread's last tick.
  stopping_ = true;
  thread_.join();
  Tick(clock_.SteadyMs());
}

}  // namespace cxbridge::cluster
