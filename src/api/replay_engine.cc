#include "api/replay_engine.h"

#include <future>

#include "common/ids.h"
#include "common/json.h"
#include "common/thread_name.h"

namespace cxbridge::api {

ReplayEngine::ReplayEngine(store::ArchiveStore& archives, bus::EventSink& sink, Clock& clock,
                           ProgressFn progress, size_t batch_size, int max_store_failures)
    : archives_(archives),
      sink_(sink),
      clock_(clock),
      progress_(std::move(progress)),
      batch_size_(batch_size),
      max_store_failures_(max_store_failures) {}

ReplayEngine::~ReplayEngine() { Stop(); }

void ReplayEngine::Add(ReplayJob job) {
  std::lock_guard<std::mutex> lock(mu_);
  Active a;
  a.cursor_ms = job.resume_from_ms >= job.start_ms ? job.resume_from_ms : job.start_ms;
  a.job = std::move(job);
  std::string name = a.job.name;
  jobs_[name] = std::move(a);
  cv_.notify_all();
}

bool ReplayEngine::Cancel(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return false;
  it->second.cancel = true;
  cv_.notify_all();
  return true;
}

size_t ReplayEngine::ActiveCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size();
}

std::string ReplayEngine::TagWithReplayName(std::string_view event_json, const std::string& replay_name,
                                            bus::IncomingEvent* out) {
  auto parsed = json::Parse(event_json);
  if (!parsed.ok() || !parsed->is_object()) return "";
  json::Value& ev = *parsed;
  ev.Erase("replay-name");
  ev.InsertBefore("resources", "replay-name", json::Value::String(replay_name));
  out->id = [&] {
    const json::Value* v = ev.Find("id");
    return v && v->is_string() ? v->as_string() : std::string();
  }();
  if (const json::Value* v = ev.Find("source"); v && v->is_string()) out->source = v->as_string();
  if (const json::Value* v = ev.Find("detail-type"); v && v->is_string()) out->detail_type = v->as_string();
  if (const json::Value* v = ev.Find("time"); v && v->is_string()) {
    if (auto ms = ParseRfc3339(v->as_string())) out->time_ms = *ms;
  }
  out->replay_name = replay_name;
  out->event_json = json::Serialize(ev);
  return out->event_json;
}

bool ReplayEngine::Step(Active& a, ReplayProgress* report) {
  report->name = a.job.name;
  report->now_ms = clock_.NowMs();
  if (a.cancel) {
    report->state = "CANCELLED";
    report->last_replayed_ms = a.last_ms;
    return false;
  }
  // Collect one batch: skip the events at cursor_ms that an earlier batch already replayed.
  std::vector<std::pair<int64_t, std::string>> batch;
  uint64_t skipped = 0;
  Status st = archives_.Scan(a.job.archive, a.cursor_ms, a.job.end_ms,
                             [&](int64_t t, std::string_view ev) {
                               if (t == a.cursor_ms && skipped < a.skip) {
                                 ++skipped;
                                 return true;
                               }
                               batch.emplace_back(t, std::string(ev));
                               return batch.size() < batch_size_;
                             });
  if (!st.ok()) {
    if (++a.failures >= max_store_failures_) {
      report->state = "FAILED";
      report->reason = "Reading the archive failed: " + st.message();
      report->last_replayed_ms = a.last_ms;
      return false;
    }
    report->state = "RUNNING";
    report->last_replayed_ms = a.last_ms;
    return true;
  }
  std::vector<bus::IncomingEvent> events;
  events.reserve(batch.size());
  for (const auto& [t, text] : batch) {
    bus::IncomingEvent ev;
    ev.kind = bus::SourceKind::kArchiveReplay;
    ev.bus = a.job.bus;
    ev.only_rules = a.job.only_rules;
    if (TagWithReplayName(text, a.job.name, &ev).empty()) continue;  // unreadable record: skip
    if (ev.time_ms == 0) ev.time_ms = t;
    events.push_back(std::move(ev));
  }
  if (!events.empty()) {
    std::promise<std::vector<bus::AcceptResult>> promise;
    auto future = promise.get_future();
    sink_.Submit(std::move(events), [&promise](std::vector<bus::AcceptResult> r) { promise.set_value(std::move(r)); });
    std::vector<bus::AcceptResult> results = future.get();
    for (const auto& r : results) {
      if (r.outcome == bus::AcceptOutcome::kUnavailable) {
        // Not stored: retry the whole batch on the next turn (at-least-once).
        if (++a.failures >= max_store_failures_) {
          report->state = "FAILED";
          report->reason = "Events could not be stored: " + r.reason;
          report->last_replayed_ms = a.last_ms;
          return false;
        }
        report->state = "RUNNING";
        report->last_replayed_ms = a.last_ms;
        return true;
      }
    }
  }
  a.failures = 0;
  // Advance past the batch.
  for (const auto& [t, text] : batch) {
    if (t == a.cursor_ms) {
      ++a.skip;
    } else {
      a.cursor_ms = t;
      a.skip = 1;
    }
    a.last_ms = t;
  }
  report->last_replayed_ms = a.last_ms;
  if (batch.size() < batch_size_) {
    report->state = "COMPLETED";
    return false;
  }
  report->state = "RUNNING";
  return true;
}

bool ReplayEngine::RunOnce() {
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, a] : jobs_) names.push_back(name);
  }
  for (const auto& name : names) {
    Active a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = jobs_.find(name);
      if (it == jobs_.end()) continue;
      a = it->second;
    }
    ReplayProgress report;
    bool more = Step(a, &report);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = jobs_.find(name);
      if (it != jobs_.end()) {
        bool cancel = it->second.cancel;
        if (!more) {
          jobs_.erase(it);
        } else {
          it->second = a;
          it->second.cancel = cancel;
        }
      }
    }
    progress_(report);
  }
  std::lock_guard<std::mutex> lock(mu_);
  return !jobs_.empty();
}

void ReplayEngine::StartThread() {
  std::lock_guard<std::mutex> lock(mu_);
  if (worker_.joinable()) return;
  stop_ = false;
  worker_ = std::thread([this] {
    SetThreadName("cxb-replay");
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
      }
      RunOnce();
    }
  });
}

void ReplayEngine::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
}

}  // namespace cxbridge::api
