#include "cluster/balancer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/encoding.h"
#include "common/json.h"
#include "common/thread_name.h"

namespace cxbridge::cluster {
namespace {

uint64_t Score(const std::string& node, int partition) {
  std::string h = Sha256(node + "/" + std::to_string(partition));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(h[i]);
  return v;
}

}  // namespace

Balancer::Balancer(KeyValue& nodes, Leases& leases, Clock& clock, Options options,
                   OnPartition on_partition)
    : nodes_(nodes),
      leases_(leases),
      clock_(clock),
      options_(std::move(options)),
      on_partition_(std::move(on_partition)) {}

Balancer::~Balancer() { Stop(); }

Status Balancer::Start() {
  Heartbeat();
  thread_ = std::thread([this] {
    SetThreadName("cxb-balance");
    Loop();
  });
  return Status::Ok();
}

void Balancer::Halt() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
}

void Balancer::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
  std::set<int> wanted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted.swap(wanted_);
  }
  for (int p : wanted) leases_.Unwant(LeaseName(p));
  // The lease thread releases them (calling on_partition(p, false) first); our callbacks must
  // not outlive us, so wait until it has (a few lease ticks).
  const int64_t deadline = clock_.SteadyMs() + 10'000;
  while (!Held().empty() && clock_.SteadyMs() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  (void)nodes_.Delete(leases_.node_id());
}

void Balancer::Heartbeat() {
  std::string v = "{\"node\":";
  json::AppendQuoted(&v, leases_.node_id());
  std::set<int> held = Held();
  v += ",\"partitions\":[";
  bool first = true;
  for (int p : held) {
    if (!first) v += ",";
    first = false;
    v += std::to_string(p);
  }
  v += "],\"heartbeat_ms\":" + std::to_string(clock_.NowMs());
  if (options_.info) {
    std::string extra = options_.info();
    if (extra.size() > 2 && extra.front() == '{' && extra.back() == '}')
      v += "," + extra.substr(1, extra.size() - 2);
  }
  v += "}";
  auto r = nodes_.Put(leases_.node_id(), v);
  if (!r.ok()) spdlog::debug("heartbeat: {}", r.status().message());
}

std::vector<std::string> Balancer::LiveNodes() const {
  const int64_t now = clock_.SteadyMs();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, seen] : seen_) {
    if (now - seen < options_.dead_after_ms) out.push_back(id);
  }
  return out;
}

std::set<int> Balancer::Held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

void Balancer::Rebalance() {
  std::vector<std::string> live = LiveNodes();
  const std::string& me = leases_.node_id();
  if (std::find(live.begin(), live.end(), me) == live.end()) live.push_back(me);
  const int share =
      (options_.partitions + static_cast<int>(live.size()) - 1) / static_cast<int>(live.size());
  const std::set<std::string> live_set(live.begin(), live.end());
  const auto holders = leases_.Holders();
  // My preference order.
  std::vector<int> order(options_.partitions);
  for (int p = 0; p < options_.partitions; ++p) order[p] = p;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return Score(me, a) > Score(me, b); });
  std::set<int> want;
  for (int p : order) {
    if (static_cast<int>(want.size()) >= share) break;
    auto h = holders.find(LeaseName(p));
    const bool held_by_other_live =
        h != holders.end() && h->second != me && live_set.count(h->second);
    if (!held_by_other_live) want.insert(p);
  }
  // Keep what I hold while under my share, even if it ranks low (no needless moves).
  std::set<int> held;
  for (int p = 0; p < options_.partitions; ++p) {
    if (leases_.Holds(LeaseName(p))) held.insert(p);
  }
  for (int p : held) {
    if (static_cast<int>(want.size()) < share) want.insert(p);
  }
  std::set<int> before;
  {
    std::lock_guard<std::mutex> lock(mu_);
    before = wanted_;
    held_ = held;
  }
  // Release beyond the share: held partitions not in `want`.
  for (int p : before) {
    if (!want.count(p)) leases_.Unwant(LeaseName(p));
  }
  for (int p : want) {
    if (!before.count(p)) {
      leases_.Want(LeaseName(p), [this, p](bool h) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (h)
            held_.insert(p);
          else
            held_.erase(p);
        }
        if (on_partition_) on_partition_(p, h);
      });
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  wanted_ = want;
}

void Balancer::Loop() {
  std::unique_ptr<KvWatcher> watcher;
  int64_t next_heartbeat = 0, next_rebalance = 0;
  while (!stopping_.load()) {
    if (!watcher) {
      auto w = nodes_.Watch(">");
      if (w.ok()) watcher = std::move(*w);
    }
    if (watcher) {
      auto e = watcher->Next(100);
      if (!e.ok()) {
        watcher.reset();
      } else if (e->kind == WatchEvent::kEntry) {
        std::lock_guard<std::mutex> lock(mu_);
        if (e->entry.op == KvEntry::Op::kPut)
          seen_[e->entry.key] = clock_.SteadyMs();
        else
          seen_.erase(e->entry.key);  // a node that left
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const int64_t now = clock_.SteadyMs();
    if (now >= next_heartbeat) {
      Heartbeat();
      next_heartbeat = now + options_.heartbeat_ms;
    }
    if (now >= next_rebalance) {
      Rebalance();
      next_rebalance = now + options_.rebalance_ms;
    }
  }
}

}  // namespace cxbridge::cluster
