// Scheduled blob retention: every `interval`, delete the claim-check blobs that no stored event
// references any more (retention.h's Sweep, with the referenced set computed once per sweep).
//
// Config (the `retention` member of the top-level `blobs:` section):
//   blobs:
//     type: local
//     retention: {enabled: true, interval_seconds: 3600, grace_seconds: 86400}
// Defaults as shown. `grace_seconds` protects blobs written recently (their event may not be
// stored yet, or a replay may be about to re-reference them); it must be at least 60.
// Thread-safety: RunOnce may be called from any thread; one sweep runs at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "blob/retention.h"
#include "common/json.h"

namespace cxbridge::blob {

struct SweeperOptions {
  bool enabled = true;
  std::chrono::seconds interval{3600};
  std::chrono::seconds grace{86400};
};

// Splits the `blobs:` section into the store's own config (`store_cfg`, without `retention`)
// and the sweeper's options. Errors name the offending key.
Status SplitRetention(const json::Value& blobs_cfg, json::Value* store_cfg, SweeperOptions* opts);

// Every sha256 a stored event still references (store/blob_refs.h computes it for the server).
using CollectRefs = std::function<Result<std::unordered_set<std::string>>()>;

class Sweeper {
 public:
  Sweeper(std::shared_ptr<BlobStore> store, CollectRefs collect, SweeperOptions opts, const Clock& clock);
  ~Sweeper();  // Stop()

  // Starts the background thread (nothing when disabled). The first sweep runs one interval later.
  void Start();
  void Stop();
  // One sweep now: list, then collect references (only if some blob is old enough), then delete.
  Result<SweepStats> RunOnce();

 private:
  void Loop();

  std::shared_ptr<BlobStore> store_;
  CollectRefs collect_;
  SweeperOptions opts_;
  const Clock& clock_;
  std::mutex run_mu_;  // one sweep at a time
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace cxbridge::blob
