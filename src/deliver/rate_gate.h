// RateGate: token buckets shared by every target that sends to the same key (an API
// destination's InvocationRateLimitPerSecond is one limit for all the rules targeting it).
// Work over the limit waits, in arrival order, and is released by the gate's thread as tokens
// come; it is never dropped. The bucket is flow.h's TokenBucket (burst = max(1, rate)).
//
// Time is the clock's SteadyMs. Thread-safety: all methods are safe from any thread. `go` runs
// either on the caller's thread (a token was available) or on the gate's thread, never under the
// gate's lock; it must not block. The thread starts with the first work that has to wait and is
// joined by the destructor.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "deliver/flow.h"

namespace cxbridge::deliver {

class RateGate {
 public:
  explicit RateGate(Clock* clock) : clock_(clock) {}
  ~RateGate();  // cancels what still waits (runs its `cancelled`), then joins the thread

  // Runs `go` when `key`'s bucket (at `rate_per_second`; <= 0 means unlimited) has a token. A
  // changed rate replaces the bucket. `owner` tags the work for Cancel; `cancelled` runs instead
  // of `go` when it is cancelled.
  void Submit(const std::string& key, double rate_per_second, const void* owner,
              std::function<void()> go, std::function<void()> cancelled);
  // Runs `cancelled` for every waiting work of `owner` and waits until no `go` of `owner` is
  // running, so the owner may be destroyed when this returns.
  void Cancel(const void* owner);
  size_t waiting() const;

 private:
  struct Work {
    const void* owner;
    std::function<void()> go, cancelled;
  };
  struct Lane {
    double rate = 0;
    TokenBucket bucket;
    std::deque<Work> waiting;
  };
  void Loop();

  Clock* clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Lane> lanes_;    // guarded by mu_
  const void* running_owner_ = nullptr;  // guarded by mu_: the owner whose `go` runs on the thread
  bool stop_ = false;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace cxbridge::deliver
