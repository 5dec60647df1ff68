// Flow control for one target, as small clock-driven state machines (no threads, no I/O), owned
// by the scheduler thread. Not thread-safe.
//
// Target config (cxbridge extensions on the Target object; all optional):
//   Concurrency: 16                      in-flight attempts at most
//   RateLimitPerSecond: 50               token bucket (burst = max(1, rate)); over-limit deliveries wait
//   CircuitBreaker: {FailureWindowSeconds: 60, ProbeIntervalSeconds: 30}
//   OrderingKey: "$.detail.eventBody.conversationId"   strict order per key value
//   MaxBacklog: 100000                   pending deliveries before BacklogPolicy applies
//   BacklogPolicy: hold | dead-letter-oldest
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::deliver {

class TokenBucket {
 public:
  TokenBucket() = default;  // unlimited
  explicit TokenBucket(double rate_per_second);
  bool limited() const { return rate_ > 0; }
  // Takes a token if one is available at now_ms.
  bool TryTake(int64_t now_ms);
  // When the next token will be available (now_ms if one is).
  int64_t NextAvailableMs(int64_t now_ms);

 private:
  void Refill(int64_t now_ms);
  double rate_ = 0;  // tokens per second; 0 = unlimited
  double burst_ = 1;
  double tokens_ = 1;
  int64_t last_ms_ = -1;
};

// Closed → (failures with no success for FailureWindowSeconds) → Open (paused, nothing sent)
// → after ProbeIntervalSeconds → HalfOpen (one probe attempt) → success: Closed; failure: Open.
// A manual pause holds it Open until resumed.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  CircuitBreaker() = default;  // disabled: always closed
  CircuitBreaker(int64_t failure_window_ms, int64_t probe_interval_ms);

  bool enabled() const { return window_ms_ > 0; }
  State state() const { return state_; }
  bool paused() const { return manual_pause_; }
  // May an attempt start now? In HalfOpen, only one probe at a time.
  bool Allow(int64_t now_ms, int in_flight);
  // When Allow could next become true (for timers); INT64_MAX when paused by hand.
  int64_t NextProbeMs() const;
  // Returns true when the state changed (the caller logs and counts transitions).
  bool OnSuccess(int64_t now_ms);
  bool OnFailure(int64_t now_ms);
  void Pause() { manual_pause_ = true; }
  // Resuming closes the circuit.
  void Resume(int64_t now_ms);
  static const char* Name(State s);

 private:
  int64_t window_ms_ = 0, probe_ms_ = 0;
  State state_ = State::kClosed;
  int64_t failing_since_ms_ = -1;  // first failure after the last success
  int64_t opened_ms_ = 0;
  bool manual_pause_ = false;
};

struct FlowConfig {
  int concurrency = 16;
  double rate_per_second = 0;
  int64_t breaker_window_ms = 0, breaker_probe_ms = 30'000;
  std::string ordering_path;  // dotted path into the event, from "$.a.b"
  size_t max_backlog = 0;     // 0 = unbounded
  bool dead_letter_oldest = false;
};

// Reads the flow-control fields of a Target object; `default_concurrency` when absent.
Result<FlowConfig> ParseFlowConfig(const json::Value& target, int default_concurrency);

}  // namespace cxbridge::deliver
