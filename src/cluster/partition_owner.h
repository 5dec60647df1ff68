// PartitionOwner: runs one delivery partition this node holds the lease of (docs/cluster.md §4):
// replays its subject into a PartitionState, follows the live tail, turns this node's outcomes
// into batched markers, and purges the subject below the floor.
//
// Durability of outcomes: Complete and Reschedule apply at once in memory and reach the stream as
// marker entries within `marker_interval_ms` (async; a lost marker only repeats work after a
// takeover). DeadLetter publishes the dead letter and waits for its PubAck before completing (it
// is the last copy). Purging below the floor is safe without waiting for markers: a record below
// the floor has no pending delivery left — each was delivered or dead-lettered (durably).
//
// Threading: one thread (cxb-part-<p>) reads the subscription and flushes markers; every other
// method is safe from any thread (one mutex). `on_new` runs on the partition thread when
// deliveries arrive after the replay; it must not block.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/client.h"
#include "cluster/partition_state.h"
#include "cluster/publisher.h"
#include "cluster/topology.h"
#include "common/clock.h"

namespace cxbridge::cluster {

class PartitionOwner {
 public:
  struct Options {
    int64_t marker_interval_ms = 5;
    size_t marker_max_entries = 256;
    int64_t purge_every_ms = 5000;
    int64_t replay_timeout_ms = 60'000;
  };
  PartitionOwner(JetStream& js, AsyncPublisher& publisher, const Names& names, int partition,
                 Clock& clock, Options options);
  ~PartitionOwner();  // Stop()

  // Replays the subject to its end (returns once caught up), then follows it on the thread.
  Status Start(std::function<void()> on_new);
  // Stops following and flushes the markers it holds (best effort: unflushed ones only repeat
  // work for the next owner).
  void Stop();

  int partition() const { return partition_; }
  // Calls fn with the pending deliveries under the owner's lock (fn must be quick).
  void WithPending(
      const std::function<void(const std::map<PartitionState::Key, PendingDelivery>&)>& fn) const;
  size_t pending_count() const;

  void Complete(uint64_t seq, uint32_t index);
  void Reschedule(uint64_t seq, uint32_t index, uint32_t attempts, int64_t due_ms,
                  const std::string& last_error);
  // Publishes `entry_json` to the DLQ stream (waits for its PubAck), then completes the delivery.
  Result<uint64_t> DeadLetter(uint64_t seq, uint32_t index, const std::string& entry_json);

  struct Stats {
    uint64_t records = 0, markers_written = 0, corrupt = 0, purges = 0;
    uint64_t floor = 0;
  };
  Stats stats() const;

 private:
  void Loop();
  void FlushMarkers();  // requires mu_ not held
  void MaybePurge(int64_t now);

  JetStream& js_;
  AsyncPublisher& publisher_;
  const Names names_;
  const int partition_;
  const std::string subject_;
  Clock& clock_;
  const Options options_;
  std::function<void()> on_new_;
  std::unique_ptr<Subscription> sub_;

  mutable std::mutex mu_;
  PartitionState state_;              // guarded by mu_
  std::vector<MarkerEntry> markers_;  // guarded by mu_
  int64_t oldest_marker_ms_ = 0;      // guarded by mu_
  Stats stats_;                       // guarded by mu_
  uint64_t purged_below_ = 0;         // partition thread
  int64_t last_purge_ms_ = 0;         // partition thread
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cxbridge::cluster
