// Membership and partition balancing (docs/cluster.md §5).
//
// Membership: every node puts `<node id>` = its info (JSON: address, version, partitions held,
// started, ...) into the nodes bucket every heartbeat_ms. Liveness is judged like leases, by the
// observer's monotonic clock: a node is live while we have seen a heartbeat from it within
// dead_after_ms (the bucket's TTL only tidies; KV expiry makes no watch event).
//
// Balancing: each node aims at ⌈P / live nodes⌉ partitions. It ranks partitions by rendezvous
// hashing (hash(node, p), so nodes prefer different ones), wants its top choices among those not
// held by another live node, and releases what it holds beyond its share (highest rank last).
// Takeover of a dead node's partitions happens through Leases (after the lease time).
//
// Threading: one thread (cxb-balance) heartbeats, watches and rebalances every rebalance_ms;
// `on_acquire`/`on_release` run on the lease thread (Leases' callbacks).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/kv.h"
#include "cluster/leases.h"
#include "common/clock.h"

namespace cxbridge::cluster {

class Balancer {
 public:
  struct Options {
    int partitions = 16;
    int64_t heartbeat_ms = 1000;
    int64_t dead_after_ms = 5000;
    int64_t rebalance_ms = 500;
    // Extra fields for this node's heartbeat (JSON object text, e.g. address and backlog).
    std::function<std::string()> info;
  };
  // Called when this node gains (true) or loses (false) partition p; must return once the
  // partition is running (true) or stopped (false).
  using OnPartition = std::function<void(int partition, bool held)>;

  Balancer(KeyValue& nodes, Leases& leases, Clock& clock, Options options,
           OnPartition on_partition);
  ~Balancer();  // Stop()

  Status Start();
  // Stops wanting partitions (Leases releases them, each stopped first), waits until they are
  // released, and removes this node. Stop it before its Leases.
  void Stop();
  // Stops heartbeating and balancing without releasing anything, as a crash would (tests).
  void Halt();

  std::vector<std::string> LiveNodes() const;
  std::set<int> Held() const;
  static std::string LeaseName(int partition) { return "part." + std::to_string(partition); }

 private:
  void Loop();
  void Heartbeat();
  void Rebalance();

  KeyValue& nodes_;
  Leases& leases_;
  Clock& clock_;
  const Options options_;
  OnPartition on_partition_;

  mutable std::mutex mu_;
  std::map<std::string, int64_t> seen_;  // node id → steady ms of its last heartbeat; guarded
  std::set<int> wanted_;                 // guarded by mu_
  std::set<int> held_;                   // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cxbridge::cluster
