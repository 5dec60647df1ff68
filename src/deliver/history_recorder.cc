#include "deliver/history_recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/json.h"
#include "common/thread_name.h"
#include "store/route_id.h"

namespace cxbridge::deliver {
namespace {

double Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(i, v.size() - 1)]);
}

}  // namespace

HistoryRecorder::HistoryRecorder(store::HistoryStore& store, Clock& clock, prometheus::Registry* metrics,
                                 Options options)
    : store_(store), clock_(clock), options_(options) {
  if (metrics != nullptr) {
    auto& family = prometheus::BuildCounter()
                       .Name("cxbridge_history_records_total")
                       .Help("Delivery history records not kept: dropped (the writer fell behind) or failed writes")
                       .Register(*metrics);
    dropped_ = &family.Add({{"outcome", "dropped"}});
    write_failures_ = &family.Add({{"outcome", "write_failed"}});
  }
}

HistoryRecorder::~HistoryRecorder() { Stop(); }

void HistoryRecorder::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    SetThreadName("cxb-history");
    Loop();
  });
}

void HistoryRecorder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HistoryRecorder::Accepted(const std::vector<bus::StoredEvent>& events) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : events) {
    if (events_.size() + attempts_.size() >= kMaxPending) {
      if (dropped_) dropped_->Increment();
      continue;
    }
    events_.push_back(PendingEvent{e.seq, e.ingest_ms, e.event_json, e.targets, e.id, e.source, e.detail_type});
    ++enqueued_;
  }
}

void HistoryRecorder::OnAttempt(const AttemptReport& r) {
  store::HistoryAttempt a;
  a.seq = r.seq;
  if (r.event) {
    // The id is near the start of an envelope we built: a short scan, no parse.
    const std::string& j = *r.event;
    size_t p = j.find("\"id\":\"");
    size_t e = p == std::string::npos ? p : j.find('"', p + 6);
    if (e != std::string::npos) a.event_id = j.substr(p + 6, e - p - 6);
  }
  a.number = r.number;
  a.time_ms = r.time_ms;
  a.outcome = r.outcome;
  a.http_status = r.http_status;
  a.code = r.code;
  a.message = r.message.size() > store::kMaxMessageBytes ? r.message.substr(0, store::kMaxMessageBytes) : r.message;
  a.latency_ms = r.latency_ms;
  a.next_retry_ms = r.next_retry_ms;
  std::lock_guard<std::mutex> lock(mu_);
  if (events_.size() + attempts_.size() >= kMaxPending) {
    if (dropped_) dropped_->Increment();
    return;
  }
  attempts_.emplace_back(r.key, std::move(a));
  ++enqueued_;
}

void HistoryRecorder::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = enqueued_;
  cv_.notify_all();
  cv_.wait(lock, [&] { return written_ >= target || (stop_ && !thread_.joinable()); });
}

std::map<std::string, HistoryRecorder::Latency> HistoryRecorder::Latencies() const {
  std::map<std::string, std::deque<int64_t>> copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    copy = latencies_;
  }
  std::map<std::string, Latency> out;
  for (auto& [key, window] : copy) {
    std::vector<int64_t> v(window.begin(), window.end());
    out[key] = Latency{Percentile(v, 0.5), Percentile(v, 0.99), v.size()};
  }
  return out;
}

void HistoryRecorder::Loop() {
  int64_t last_retention = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait_for(lock, std::chrono::milliseconds(options_.flush_ms),
                 [&] { return stop_ || written_ < enqueued_; });
    // Let a burst gather into one batch (unless stopping or someone waits in Flush).
    if (!stop_) cv_.wait_for(lock, std::chrono::milliseconds(options_.flush_ms / 4 + 1), [&] { return stop_; });
    std::vector<PendingEvent> events;
    std::vector<std::pair<std::string, store::HistoryAttempt>> attempts;
    events.swap(events_);
    attempts.swap(attempts_);
    const uint64_t batch = enqueued_;
    const bool stopping = stop_;
    lock.unlock();
    if (!events.empty() || !attempts.empty()) WriteBatch(std::move(events), std::move(attempts));
    const int64_t now = clock_.NowMs();
    if (now - last_retention >= options_.retention_every_ms) {
      last_retention = now;
      Status st = store_.DeleteBefore(now - options_.retention_ms);
      if (!st.ok()) spdlog::warn("delivery history retention failed: {}", st.ToString());
    }
    lock.lock();
    written_ = batch;
    cv_.notify_all();
    if (stopping && events_.empty() && attempts_.empty()) return;
  }
}

void HistoryRecorder::WriteBatch(std::vector<PendingEvent> events,
                                 std::vector<std::pair<std::string, store::HistoryAttempt>> attempts) {
  std::vector<store::HistoryEvent> out_events;
  out_events.reserve(events.size());
  for (auto& e : events) {
    store::HistoryEvent h;
    h.seq = e.seq;
    h.time_ms = e.time_ms;
    h.id = std::move(e.id);
    h.source = std::move(e.source);
    h.detail_type = std::move(e.detail_type);
    for (const auto& t : e.targets) {
      if (!t) continue;
      if (h.bus.empty()) h.bus = t->bus;
      h.routes.push_back(store::HistoryRoute{t->rule, t->def.id, t->def.arn});
    }
    if (h.bus.empty()) h.bus = "default";
    out_events.push_back(std::move(h));
  }
  std::vector<store::HistoryAttempt> out_attempts;
  out_attempts.reserve(attempts.size());
  std::vector<std::pair<std::string, int64_t>> latencies;
  for (auto& [key, a] : attempts) {
    if (auto id = store::RouteId::FromKey(key)) {
      a.rule = std::move(id->rule);
      a.target = std::move(id->target);
    }
    if (a.latency_ms >= 0) latencies.emplace_back(key, a.latency_ms);
    out_attempts.push_back(std::move(a));
  }
  if (!latencies.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, ms] : latencies) {
      auto& w = latencies_[key];
      w.push_back(ms);
      while (w.size() > options_.latency_window) w.pop_front();
    }
  }
  Status st = store_.Write(out_events, out_attempts);
  if (!st.ok()) {
    if (write_failures_) write_failures_->Increment(static_cast<double>(out_events.size() + out_attempts.size()));
    // Low disk space is logged once, where it is measured (store/disk_space.cc).
    if (st.code() != StatusCode::kResourceExhausted) spdlog::warn("delivery history not written: {}", st.ToString());
  }
}

}  // namespace cxbridge::deliver
