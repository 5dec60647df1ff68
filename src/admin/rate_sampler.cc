#include "admin/rate_sampler.h"

#include "common/thread_name.h"

namespace cxbridge::admin {
namespace {

// Which counter (family, label value of `outcome`) feeds which slot.
struct Source {
  const char* family;
  const char* outcome;
};
constexpr Source kSources[RateSampler::kCounters] = {
    {"cxbridge_events_total", "stored"},          {"cxbridge_events_total", "duplicate"},
    {"cxbridge_events_total", "quarantined"},     {"cxbridge_deliveries_total", "delivered"},
    {"cxbridge_deliveries_total", "retried"},     {"cxbridge_deliveries_total", "dead_lettered"},
};
constexpr const char* kNames[RateSampler::kCounters] = {"accepted",  "duplicates", "quarantined",
                                                        "delivered", "retried",    "deadLettered"};

}  // namespace

RateSampler::RateSampler(prometheus::Registry& registry, Clock& clock, int64_t step_ms, size_t slots)
    : registry_(registry), clock_(clock), step_ms_(step_ms), slots_(slots) {}

RateSampler::~RateSampler() { Stop(); }

void RateSampler::Start() {
  if (thread_.joinable()) return;
  SampleNow();
  thread_ = std::thread([this] {
    SetThreadName("cxb-rates");
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(step_ms_), [this] { return stop_; });
      if (stop_) break;
      lock.unlock();
      SampleNow();
      lock.lock();
    }
  });
}

void RateSampler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RateSampler::Sample RateSampler::Read() const {
  Sample s;
  s.time_ms = clock_.NowMs();
  for (const auto& family : registry_.Collect()) {
    for (size_t i = 0; i < kCounters; ++i) {
      if (family.name != kSources[i].family) continue;
      for (const auto& m : family.metric) {
        for (const auto& l : m.label) {
          if (l.name == "outcome" && l.value == kSources[i].outcome) s.totals[i] += m.counter.value;
        }
      }
    }
  }
  return s;
}

void RateSampler::SampleNow() {
  Sample s = Read();
  std::lock_guard<std::mutex> lock(mu_);
  samples_.push_back(s);
  while (samples_.size() > slots_ + 1) samples_.pop_front();
}

json::Value RateSampler::Series() {
  std::deque<Sample> copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    copy = samples_;
  }
  copy.push_back(Read());  // "now": the newest point is live, not a step old
  json::Value t = json::Value::Array();
  std::array<json::Value, kCounters> series;
  for (auto& v : series) v = json::Value::Array();
  for (size_t k = 1; k < copy.size(); ++k) {
    const double secs = std::max<int64_t>(1, copy[k].time_ms - copy[k - 1].time_ms) / 1000.0;
    t.Push(json::Value::Int(copy[k].time_ms / 1000));
    for (size_t i = 0; i < kCounters; ++i) {
      const double d = std::max(0.0, copy[k].totals[i] - copy[k - 1].totals[i]);
      series[i].Push(json::Value::Double(static_cast<double>(static_cast<int64_t>(d / secs * 100)) / 100));
    }
  }
  json::Value out = json::Value::Object({{"step", json::Value::Int(step_ms_ / 1000)}, {"t", std::move(t)}});
  for (size_t i = 0; i < kCounters; ++i) out.Set(kNames[i], std::move(series[i]));
  return out;
}

}  // namespace cxbridge::admin
