// AsyncPublisher: pipelined JetStream publishes, each completed by its own callback — cluster
// mode's group commit. Many publishes are in flight on one connection; the server's PubAck (a
// quorum has the message, with R3) completes each.
//
// Outcomes given to `done` (exactly once per Publish, on a cnats thread or the caller's; it must
// not block):
//   PubAck (duplicate=false)  stored now
//   PubAck (duplicate=true)   the stream already had this MsgId within its window (stored before)
//   Unavailable               no PubAck within the timeout, or not connected: the message MAY
//                             have been stored (../shared/cluster.md: some were). Retry with the
//                             same MsgId, which resolves it, or report "unknown" upward.
//   FailedPrecondition        a CAS header did not hold (expected last subject sequence)
//   ResourceExhausted         the stream is full (Discard new) or the message too large
// Back-pressure: at most `max_pending` publishes are in flight; a Publish beyond that waits up
// to `stall_ms` for room, then fails with Unavailable (the caller answers 503).
// Thread-safety: Publish is safe from any thread. Destroying the publisher completes every
// pending publish with Unavailable; destroy it after Drain, or after its Connection is closed,
// so that no PubAck callback can still be running.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cluster/client.h"
#include "common/status.h"

namespace cxbridge::cluster {

class AsyncPublisher {
 public:
  using Done = std::function<void(Result<PubAck>)>;
  struct Options {
    int64_t max_pending = 4096;
    int64_t stall_ms = 2000;
    int64_t timeout_ms = 5000;  // per publish, unless PublishOptions::timeout_ms is set
  };
  static Result<std::unique_ptr<AsyncPublisher>> Create(Connection& conn, Options options);
  ~AsyncPublisher();
  AsyncPublisher(const AsyncPublisher&) = delete;
  AsyncPublisher& operator=(const AsyncPublisher&) = delete;

  void Publish(const std::string& subject, std::string_view data, const PublishOptions& o,
               Done done);
  // Waits until nothing is in flight and every callback has returned (or timeout_ms passed:
  // Unavailable).
  Status Drain(int64_t timeout_ms);
  size_t pending() const;

 private:
  AsyncPublisher() = default;
  static void OnAck(jsCtx* js, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self);
  Done Take(natsMsg* msg);
  void Finish(Done& d, Result<PubAck> r);

  jsCtx* js_ = nullptr;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_map<natsMsg*, Done> pending_;  // guarded by mu_
  int running_ = 0;                             // callbacks taken, not yet returned; guarded by mu_
};

}  // namespace cxbridge::cluster
