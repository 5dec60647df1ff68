// KvResources: API resources (rules, targets, buses, archives, connections, ...) in the
// resources KV bucket, shaped as the storage seam's ResourceStore (issue 11): kind + name → JSON
// text with a revision, compare-and-set writes, and a last revision that changes whenever any
// entry changes, whoever wrote it — so every node notices other nodes' writes (docs/cluster.md §6).
//
// Keys: "<escaped kind>.<escaped name>" (EscapeKey: any text, injective). Revisions are the
// bucket's stream sequences: positive, growing with every write to the store, never reused.
// Crash semantics: OK from Put/Delete means a quorum of the bucket's replicas has the change.
// LastRevision is kept current by a watch (no request per call); Changed() blocks until it moves.
// Thread-safety: safe from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cluster/kv.h"
#include "common/status.h"

namespace cxbridge::cluster {

inline constexpr uint64_t kAnyResourceRevision = UINT64_MAX;  // unconditional
inline constexpr uint64_t kNoResourceRevision = 0;            // only if absent (create)

struct ResourceEntry {
  std::string name;
  std::string value;
  uint64_t revision = 0;
};

class KvResources {
 public:
  explicit KvResources(KeyValue& kv) : kv_(kv) {}
  ~KvResources();  // Stop()

  // Starts the watch that keeps LastRevision current (it has seen every existing entry when
  // Start returns).
  Status Start();
  void Stop();

  // Creates or replaces; the new revision. FailedPrecondition ("changed concurrently") when the
  // entry's revision is not `expected_revision` (absent counts as kNoResourceRevision).
  Result<uint64_t> Put(std::string_view kind, std::string_view name, std::string_view value,
                       uint64_t expected_revision = kAnyResourceRevision);
  Result<ResourceEntry> Get(std::string_view kind, std::string_view name);  // NotFound when absent
  Status Delete(std::string_view kind, std::string_view name,
                uint64_t expected_revision = kAnyResourceRevision);
  // All entries of a kind, ordered by name.
  Result<std::vector<ResourceEntry>> List(std::string_view kind);
  // The highest revision written so far (0: none), as this node's watch has seen it.
  uint64_t LastRevision() const { return last_revision_.load(); }
  // Waits until LastRevision() > `seen` or timeout_ms passes; returns LastRevision().
  uint64_t WaitChanged(uint64_t seen, int64_t timeout_ms);

  static std::string Key(std::string_view kind, std::string_view name);

 private:
  void Loop();
  KeyValue& kv_;
  std::unique_ptr<KvWatcher> watcher_;  // replaced only by the watch thread, under mu_
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> last_revision_{0};
  std::mutex mu_;
  std::condition_variable changed_;
};

}  // namespace cxbridge::cluster
