#include "deliver/flow.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cxbridge::deliver {

TokenBucket::TokenBucket(double rate) : rate_(rate), burst_(std::max(1.0, rate)), tokens_(burst_) {}

void TokenBucket::Refill(int64_t now_ms) {
  if (last_ms_ < 0) last_ms_ = now_ms;
  if (now_ms > last_ms_) {
    tokens_ = std::min(burst_, tokens_ + (now_ms - last_ms_) * rate_ / 1000.0);
    last_ms_ = now_ms;
  }
}

bool TokenBucket::TryTake(int64_t now_ms) {
  if (!limited()) return true;
  Refill(now_ms);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

int64_t TokenBucket::NextAvailableMs(int64_t now_ms) {
  if (!limited()) return now_ms;
  Refill(now_ms);
  if (tokens_ >= 1.0) return now_ms;
  return now_ms + static_cast<int64_t>(std::ceil((1.0 - tokens_) * 1000.0 / rate_));
}

CircuitBreaker::CircuitBreaker(int64_t failure_window_ms, int64_t probe_interval_ms)
    : window_ms_(failure_window_ms), probe_ms_(probe_interval_ms) {}

bool CircuitBreaker::Allow(int64_t now_ms, int in_flight) {
  if (manual_pause_) return false;
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (now_ms - opened_ms_ >= probe_ms_) {
        state_ = State::kHalfOpen;
        return in_flight == 0;
      }
      return false;
    case State::kHalfOpen:
      return in_flight == 0;
  }
  return true;
}

int64_t CircuitBreaker::NextProbeMs() const {
  if (manual_pause_) return std::numeric_limits<int64_t>::max();
  if (state_ == State::kOpen) return opened_ms_ + probe_ms_;
  return 0;
}

bool CircuitBreaker::OnSuccess(int64_t) {
  failing_since_ms_ = -1;
  if (state_ != State::kClosed) {
    state_ = State::kClosed;
    return true;
  }
  return false;
}

bool CircuitBreaker::OnFailure(int64_t now_ms) {
  if (!enabled()) return false;
  if (failing_since_ms_ < 0) failing_since_ms_ = now_ms;
  if (state_ == State::kHalfOpen ||
      (state_ == State::kClosed && now_ms - failing_since_ms_ >= window_ms_)) {
    state_ = State::kOpen;
    opened_ms_ = now_ms;
    return true;
  }
  return false;
}

void CircuitBreaker::Resume(int64_t) {
  manual_pause_ = false;
  state_ = State::kClosed;
  failing_since_ms_ = -1;
}

const char* CircuitBreaker::Name(State s) {
  switch (s) {
    case State::kClosed: return "closed";
    case State::kOpen: return "open";
    case State::kHalfOpen: return "half-open";
  }
  return "?";
}

Result<FlowConfig> ParseFlowConfig(const json::Value& t, int default_concurrency) {
  FlowConfig f;
  f.concurrency = default_concurrency;
  int64_t v;
  if (const json::Value* c = t.Find("Concurrency")) {
    if (!c->as_int64(&v) || v < 1 || v > 1024) return Status::InvalidArgument("Concurrency must be 1-1024");
    f.concurrency = static_cast<int>(v);
  }
  if (const json::Value* r = t.Find("RateLimitPerSecond")) {
    if (!r->is_number() || r->as_double() <= 0 || r->as_double() > 1e6) {
      return Status::InvalidArgument("RateLimitPerSecond must be a positive number");
    }
    f.rate_per_second = r->as_double();
  }
  if (const json::Value* cb = t.Find("CircuitBreaker"); cb && cb->is_object()) {
    f.breaker_window_ms = 60'000;
    if (const json::Value* w = cb->Find("FailureWindowSeconds")) {
      if (!w->as_int64(&v) || v < 1) return Status::InvalidArgument("CircuitBreaker.FailureWindowSeconds must be ≥ 1");
      f.breaker_window_ms = v * 1000;
    }
    if (const json::Value* p = cb->Find("ProbeIntervalSeconds")) {
      if (!p->as_int64(&v) || v < 1) return Status::InvalidArgument("CircuitBreaker.ProbeIntervalSeconds must be ≥ 1");
      f.breaker_probe_ms = v * 1000;
    }
  }
  if (const json::Value* o = t.Find("OrderingKey")) {
    if (!o->is_string() || !o->as_string().starts_with("$.") || o->as_string().size() < 3) {
      return Status::InvalidArgument("OrderingKey must be a JSON path like $.detail.eventBody.conversationId");
    }
    f.ordering_path = o->as_string().substr(2);
  } else if (const json::Value* sqs = t.Find("SqsParameters"); sqs && sqs->is_object()) {
    if (const json::Value* g = sqs->Find("MessageGroupId"); g && g->is_string() && g->as_string().starts_with("$.")) {
      f.ordering_path = g->as_string().substr(2);
    }
  }
  if (const json::Value* m = t.Find("MaxBacklog")) {
    if (!m->as_int64(&v) || v < 1) return Status::InvalidArgument("MaxBacklog must be ≥ 1");
    f.max_backlog = static_cast<size_t>(v);
  }
  if (const json::Value* p = t.Find("BacklogPolicy")) {
    if (!p->is_string() || (p->as_string() != "hold" && p->as_string() != "dead-letter-oldest")) {
      return Status::InvalidArgument("BacklogPolicy must be hold or dead-letter-oldest");
    }
    f.dead_letter_oldest = p->as_string() == "dead-letter-oldest";
  }
  return f;
}

}  // namespace cxbridge::deliver
