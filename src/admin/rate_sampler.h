// RateSampler: the overview's rates over the last hour. Every `step` it reads a few counters from
// the Prometheus registry (events accepted, duplicate and quarantined; deliveries delivered,
// retried and dead-lettered) and keeps their totals in a ring of `slots`; rates are differences
// between neighbouring samples. Off every hot path: one registry scan per step.
// Thread-safety: Series() is safe from any thread; Start/Stop from one.
#pragma once

#include <prometheus/registry.h>

#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/json.h"

namespace cxbridge::admin {

class RateSampler {
 public:
  static constexpr size_t kCounters = 6;  // accepted, duplicates, quarantined, delivered, retried, dead-lettered
  RateSampler(prometheus::Registry& registry, Clock& clock, int64_t step_ms = 5000, size_t slots = 720);
  ~RateSampler();
  void Start();
  void Stop();
  // Takes a sample now (Start's thread does it every step).
  void SampleNow();
  // {"step": seconds, "t": [epoch seconds], "accepted": [per second], "duplicates", "quarantined",
  //  "delivered", "retried", "deadLettered"}; the newest point is the rate since the last sample.
  json::Value Series();

 private:
  struct Sample {
    int64_t time_ms = 0;
    std::array<double, kCounters> totals{};
  };
  Sample Read() const;

  prometheus::Registry& registry_;
  Clock& clock_;
  const int64_t step_ms_;
  const size_t slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Sample> samples_;  // guarded by mu_
  bool stop_ = false;           // guarded by mu_
  std::thread thread_;
};

}  // namespace cxbridge::admin
