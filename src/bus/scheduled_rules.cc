#include "bus/scheduled_rules.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <vector>

#include "bus/rule_state.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/thread_name.h"

namespace cxbridge::bus {

ScheduledRules::ScheduledRules(EventSink& sink, Clock& clock, std::string account,
                               std::string region, int64_t retry_ms)
    : sink_(sink),
      clock_(clock),
      account_(std::move(account)),
      region_(std::move(region)),
      retry_ms_(retry_ms) {}

ScheduledRules::~ScheduledRules() { Stop(); }

void ScheduledRules::OnTable(const std::shared_ptr<const RouteTable>& table) {
  const int64_t now = clock_.NowMs();
  std::map<std::string, Entry> next;
  for (const auto& [bus_name, bus] : table->buses) {
    for (const auto& [rule_name, rule] : bus->rules) {
      const RuleDef& def = rule.def;
      if (def.schedule_expression.empty() || !RuleStateEnabled(def.state)) continue;
      const std::string key = bus_name + "/" + rule_name;
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = entries_.find(key);
          it != entries_.end() && it->second.expression == def.schedule_expression) {
        next.emplace(key, it->second);
        continue;
      }
      auto schedule = Schedule::Parse(def.schedule_expression);
      if (!schedule.ok()) {
        spdlog::warn("rule {}: not scheduled: {}", key, schedule.status().message());
        continue;
      }
      Entry e{bus_name, rule_name, rule.arn, def.schedule_expression, *schedule, -1};
      e.next_ms = e.schedule.NextAfter(now);
      next.emplace(key, std::move(e));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries_ = std::move(next);
    changed_ = true;
  }
  cv_.notify_all();
}

std::string ScheduledRules::EventJson(const std::string& id, const Entry& e,
                                      int64_t fire_ms) const {
  json::Value ev = json::Value::Object();
  ev.Set("version", json::Value::String("0"));
  ev.Set("id", json::Value::String(id));
  ev.Set("detail-type", json::Value::String("Scheduled Event"));
  ev.Set("source", json::Value::String("aws.events"));
  ev.Set("account", json::Value::String(account_));
  ev.Set("time", json::Value::String(FormatRfc3339(fire_ms)));
  ev.Set("region", json::Value::String(region_));
  json::Value resources = json::Value::Array();
  resources.Push(json::Value::String(e.arn));
  ev.Set("resources", std::move(resources));
  ev.Set("detail", json::Value::Object());
  return json::Serialize(ev);
}

size_t ScheduledRules::RunDue() {
  const int64_t now = clock_.NowMs();
  std::vector<IncomingEvent> events;
  std::vector<std::pair<std::string, int64_t>> fired;  // key, scheduled time
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, e] : entries_) {
      if (e.next_ms < 0 || e.next_ms > now) continue;
      IncomingEvent ev;
      ev.kind = SourceKind::kScheduledRule;
      ev.bus = e.bus;
      ev.id = NewUuid4();
      ev.event_json = EventJson(ev.id, e, e.next_ms);
      ev.source = "aws.events";
      ev.detail_type = "Scheduled Event";
      ev.time_ms = e.next_ms;
      ev.idempotency_key = "schedule:" + e.arn + ":" + std::to_string(e.next_ms);
      ev.scheduled_rule = e.rule;
      events.push_back(std::move(ev));
      fired.emplace_back(key, e.next_ms);
    }
  }
  if (events.empty()) return 0;
  std::promise<std::vector<AcceptResult>> done;
  auto results_future = done.get_future();
  sink_.Submit(std::move(events),
               [&done](std::vector<AcceptResult> r) { done.set_value(std::move(r)); });
  const std::vector<AcceptResult> results = results_future.get();
  size_t stored = 0;
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < fired.size(); ++i) {
    auto it = entries_.find(fired[i].first);
    if (it == entries_.end() || it->second.next_ms != fired[i].second)
      continue;  // changed meanwhile
    Entry& e = it->second;
    const AcceptOutcome outcome =
        i < results.size() ? results[i].outcome : AcceptOutcome::kUnavailable;
    if (outcome == AcceptOutcome::kStored || outcome == AcceptOutcome::kDuplicate) {
      stored += outcome == AcceptOutcome::kStored;
      // The next firing after this one; after a long stall, the next one after now (no catch-up).
      int64_t n = e.schedule.NextAfter(e.next_ms);
      if (n >= 0 && n <= now) n = e.schedule.NextAfter(now);
      e.next_ms = n;
      continue;
    }
    const std::string why = i < results.size() ? results[i].reason : "no answer";
    if (outcome == AcceptOutcome::kRejected) {
      spdlog::error("rule {}: scheduled event refused ({}); skipping this firing", fired[i].first,
                    why);
      e.next_ms = e.schedule.NextAfter(std::max(e.next_ms, now));
    } else {
      spdlog::warn("rule {}: scheduled event not stored ({}); retrying", fired[i].first, why);
      const int64_t following = e.schedule.NextAfter(e.next_ms);
      // Keep the firing due (same time, same idempotency key) until stored or the next is due.
      if (following >= 0 && following <= now + retry_ms_) e.next_ms = following;
    }
  }
  return stored;
}

int64_t ScheduledRules::NextDueMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t best = -1;
  for (const auto& [key, e] : entries_) {
    if (e.next_ms >= 0 && (best < 0 || e.next_ms < best)) best = e.next_ms;
  }
  return best;
}

void ScheduledRules::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    SetThreadName("cxb-schedule");
    Loop();
  });
}

void ScheduledRules::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ScheduledRules::Loop() {
  while (true) {
    const int64_t due = NextDueMs();
    const int64_t now = clock_.NowMs();
    if (due >= 0 && due <= now) {
      RunDue();
      const int64_t again = NextDueMs();
      if (again < 0 || again > clock_.NowMs()) continue;
      // A firing the store refused stays due: wait before trying again.
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(retry_ms_), [this] { return stopping_; });
      if (stopping_) return;
      continue;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;
    // Sleep until the earliest firing, at most a second at a time (the wall clock may jump).
    const int64_t wait_ms = due < 0 ? 1000 : std::clamp<int64_t>(due - now, 1, 1000);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                 [this] { return stopping_ || changed_; });
    if (stopping_) return;
    changed_ = false;
  }
}

}  // namespace cxbridge::bus
