#include "deliver/scheduler.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "blob/claim_check.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/thread_name.h"
#include "store/storage.h"

namespace cxbridge::deliver {

Scheduler::Scheduler(store::DeliveryQueue& store, store::EventLog& log, const TargetRegistry& registry, TargetEnv env,
                     Clock& clock, prometheus::Registry& metrics, SchedulerOptions options)
    : store_(store), log_(log), registry_(registry), env_(std::move(env)), clock_(clock), options_(options) {
  depth_family_ = &prometheus::BuildGauge()
                       .Name("cxbridge_target_queue_depth")
                       .Help("Deliveries pending per target, including in flight")
                       .Register(metrics);
  circuit_family_ = &prometheus::BuildGauge()
                         .Name("cxbridge_target_circuit_state")
                         .Help("0 closed, 1 open, 2 half-open, 3 paused by hand")
                         .Register(metrics);
  transitions_ = &prometheus::BuildCounter()
                      .Name("cxbridge_target_circuit_transitions_total")
                      .Help("Circuit breaker state changes per target")
                      .Register(metrics);
  auto& outcomes = prometheus::BuildCounter()
                       .Name("cxbridge_deliveries_total")
                       .Help("Delivery attempts' outcomes")
                       .Register(metrics);
  delivered_ = &outcomes.Add({{"outcome", "delivered"}});
  retried_ = &outcomes.Add({{"outcome", "retried"}});
  dead_lettered_ = &outcomes.Add({{"outcome", "dead_lettered"}});
  // As EventBridge's InvocationsSentToDLQ and InvocationsFailedToBeSentToDLQ.
  sent_to_dlq_ = &outcomes.Add({{"outcome", "sent_to_dlq"}});
  failed_to_send_to_dlq_ = &outcomes.Add({{"outcome", "failed_to_send_to_dlq"}});
  e2e_latency_ = &prometheus::BuildHistogram()
                      .Name("cxbridge_delivery_latency_seconds")
                      .Help("Time from ingest to successful delivery")
                      .Register(metrics)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.002, 0.005, 0.01, 0.02,
                                                                       0.05, 0.1, 0.5, 1, 5, 30, 300});
}

Scheduler::~Scheduler() { Stop(0); }

Status Scheduler::Recover() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_table_) {
      auto t = pending_table_;
      pending_table_.reset();
      ApplyTable(t);
    }
  }
  size_t n = 0;
  Status st = store_.ForEachPending([&](const store::RouteId& route, uint64_t seq, const store::DeliveryRecord& r) {
    Item it;
    it.seq = seq;
    it.attempts = r.attempts;
    it.first_ms = r.first_ms;
    it.due_ms = r.next_due_ms;
    it.last_error = r.last_error;
    AddItem(route, std::move(it));
    ++n;
  });
  if (st.ok() && n > 0) spdlog::info("recovered {} pending deliveries", n);
  return st;
}

void Scheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = false;
  if (!thread_.joinable())
    thread_ = std::thread([this] {
      SetThreadName("cxb-deliver");
      Loop();
    });
}

void Scheduler::Stop(int drain_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (total_in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (blob_workers_) {
    // Claim checks not yet started are dropped (their deliveries stay in the store for the next
    // start); the running ones finish.
    blob_workers_->stop();
    blob_workers_->join();
  }
  // Release the targets while what they send through (the HttpClient) is still alive: some own
  // threads that would otherwise outlive it (AWS targets' batchers, which flush what they hold).
  for (auto& [key, q] : queues_) q.target.reset();
}

void Scheduler::OnTable(std::shared_ptr<const bus::RouteTable> table) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_table_ = std::move(table);
    woken_ = true;
  }
  cv_.notify_one();
}

void Scheduler::Enqueue(std::vector<bus::StoredEvent> events) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& e : events) inbox_.push_back(std::move(e));
    woken_ = true;
  }
  cv_.notify_one();
}

void Scheduler::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

Status Scheduler::SetPaused(const std::string& key, bool paused) {
  std::future<Status> f;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return Status::Unavailable("delivery is not running");
    controls_.push_back(Control{key, paused, {}});
    f = controls_.back().done.get_future();
    woken_ = true;
  }
  cv_.notify_one();
  return f.get();
}

std::vector<TargetStats> Scheduler::Stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

void Scheduler::ApplyTable(const std::shared_ptr<const bus::RouteTable>& table) {
  for (auto& [key, q] : queues_) {
    auto it = table->targets.find(key);
    std::shared_ptr<const bus::RouteTarget> route = it == table->targets.end() ? nullptr : it->second;
    if (route && q.route && route->def.raw == q.route->def.raw && q.target) {
      q.route = route;  // same definition: keep the target (and its connections)
      continue;
    }
    q.route = route;
    q.target.reset();
  }
  for (const auto& [key, route] : table->targets) {
    Queue& q = queues_[key];
    q.key = key;
    q.id = route->id;
    q.route = route;
  }
  for (auto& [key, q] : queues_) {
    if (!q.route || q.target) continue;
    auto flow = ParseFlowConfig(q.route->def.raw, options_.concurrency);
    if (!flow.ok()) {
      q.create_error = flow.status().message();
      spdlog::error("target {} flow control: {}", key, q.create_error);
      continue;
    }
    const bool ordering_changed = flow->ordering_path != q.flow.ordering_path;
    q.flow = *flow;
    if (const json::Value* rc = q.route->def.raw.Find("ResolveClaimCheck")) {
      q.resolve_claim_check = rc->is_bool() && rc->as_bool();
    }
    auto claim_check = ParseTargetClaimCheck(q.route->def);
    if (claim_check.ok() && claim_check->has_value() && env_.blobs == nullptr) {
      claim_check = Status::FailedPrecondition("ClaimCheck: the server has no blob store");
    }
    if (!claim_check.ok()) {
      q.create_error = claim_check.status().message();
      spdlog::error("target {}: {}", key, q.create_error);
      continue;
    }
    q.claim_check.reset();
    if (claim_check->has_value()) {
      // Non-owning: the server's blob store outlives the scheduler.
      q.claim_check = std::make_shared<const blob::ClaimCheck>(
          std::move(**claim_check),
          std::shared_ptr<blob::BlobStore>(std::shared_ptr<blob::BlobStore>(), env_.blobs));
    }
    q.bucket = TokenBucket(q.flow.rate_per_second);
    const bool paused = q.breaker.paused();
    q.breaker = CircuitBreaker(q.flow.breaker_window_ms, q.flow.breaker_probe_ms);
    if (paused) q.breaker.Pause();
    if (ordering_changed && !q.waiting.empty()) {
      // Regroup what is waiting under the new ordering.
      std::vector<Item> items;
      for (auto& [seq, it] : q.waiting) items.push_back(std::move(it));
      q.waiting.clear();
      q.ready.clear();
      q.groups.clear();
      for (auto& it : items) {
        it.group.clear();
        Park(q, std::move(it));
      }
    }
    auto t = registry_.Create(q.route->def, env_);
    if (t.ok()) {
      q.target = *t;
      q.create_error.clear();
    } else {
      q.create_error = t.status().message();
      spdlog::error("target {} cannot be built: {}", key, q.create_error);
    }
    if (q.depth_gauge == nullptr) {
      prometheus::Labels labels{{"bus", q.route->bus}, {"rule", q.route->rule}, {"target", q.route->def.id}};
      q.depth_gauge = &depth_family_->Add(labels);
      q.circuit_gauge = &circuit_family_->Add(labels);
    }
  }
}

void Scheduler::AddItem(const store::RouteId& route, Item item) {
  std::string key = route.Key();
  Queue& q = queues_[key];
  q.key = std::move(key);
  q.id = route;
  Park(q, std::move(item));
}

std::string Scheduler::GroupOf(const Queue& q, Item& item) {
  if (q.flow.ordering_path.empty()) return "";
  std::shared_ptr<const std::string> json = item.json;
  if (!json) {
    auto rec = store_.GetEvent(item.seq);
    if (!rec.ok()) return "";
    json = std::make_shared<const std::string>(std::move(rec->event_json));
  }
  auto doc = json::Parse(*json);
  if (!doc.ok()) return "";
  const json::Value* v = doc->FindPath(q.flow.ordering_path);
  if (v == nullptr) return "";
  // "" is the group of events without the key: they are ordered among themselves too.
  return "=" + (v->is_string() ? v->as_string() : json::Serialize(*v));
}

void Scheduler::Park(Queue& q, Item item) {
  const uint64_t seq = item.seq;
  bool ready = true;
  if (!q.flow.ordering_path.empty()) {
    if (item.group.empty()) item.group = GroupOf(q, item);
    auto& g = q.groups[item.group];
    auto pos = std::find(g.begin(), g.end(), seq);
    if (pos == g.end()) {
      // Keep the group sorted by seq (recovery and redrive can add out of order).
      auto at = std::lower_bound(g.begin(), g.end(), seq);
      g.insert(at, seq);
    }
    ready = g.front() == seq;
    if (!ready && g.front() > seq) ready = true;
  }
  if (ready) q.ready.emplace(item.due_ms, seq);
  q.waiting[seq] = std::move(item);
}

void Scheduler::Release(Queue& q, const Item& item, int64_t now) {
  if (q.flow.ordering_path.empty()) return;
  auto git = q.groups.find(item.group);
  if (git == q.groups.end()) return;
  auto& g = git->second;
  const bool was_head = !g.empty() && g.front() == item.seq;
  auto pos = std::find(g.begin(), g.end(), item.seq);
  if (pos != g.end()) g.erase(pos);
  if (g.empty()) {
    q.groups.erase(git);
    return;
  }
  if (was_head) {
    auto next = q.waiting.find(g.front());
    if (next != q.waiting.end()) q.ready.emplace(std::max(next->second.due_ms, now), next->first);
  }
}

void Scheduler::EnforceBacklog(Queue& q, int64_t now) {
  if (q.flow.max_backlog == 0 || !q.flow.dead_letter_oldest) return;
  while (q.waiting.size() + q.in_flight.size() > q.flow.max_backlog && !q.waiting.empty()) {
    auto node = q.waiting.extract(q.waiting.begin());
    Item item = std::move(node.mapped());
    q.ready.erase({item.due_ms, item.seq});
    DeadLetter(q, std::move(item), "BACKLOG_LIMIT",
               "target backlog exceeded MaxBacklog " + std::to_string(q.flow.max_backlog), "", now);
  }
}

void Scheduler::SetCircuitGauge(Queue& q) {
  if (!q.circuit_gauge) return;
  double v = q.breaker.paused() ? 3 : static_cast<double>(static_cast<int>(q.breaker.state()));
  q.circuit_gauge->Set(v);
}

int64_t Scheduler::Backoff(uint32_t attempts) {
  int64_t cap = options_.backoff_base_ms;
  for (uint32_t i = 1; i < attempts && cap < options_.backoff_max_ms; ++i) cap *= 2;
  cap = std::min(cap, options_.backoff_max_ms);
  std::uniform_int_distribution<int64_t> d(0, cap);
  return d(rng_);
}

void Scheduler::Loop() {
  for (;;) {
    std::deque<bus::StoredEvent> inbox;
    std::deque<Completion> done;
    std::deque<Control> controls;
    std::deque<Prepared> prepared;
    std::shared_ptr<const bus::RouteTable> table;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      inbox.swap(inbox_);
      done.swap(completions_);
      controls.swap(controls_);
      prepared.swap(prepared_);
      table = std::move(pending_table_);
      pending_table_.reset();
      woken_ = false;
    }
    if (table) ApplyTable(table);
    int64_t now = clock_.NowMs();
    for (auto& c : controls) {
      auto it = queues_.find(c.key);
      if (it == queues_.end() || !it->second.route) {
        c.done.set_value(Status::NotFound("no target " + c.key));
        continue;
      }
      Queue& q = it->second;
      if (c.pause) {
        q.breaker.Pause();
      } else {
        q.breaker.Resume(now);
        q.blocked_until_ms = 0;
      }
      spdlog::warn("target {} {} by hand", c.key, c.pause ? "paused" : "resumed");
      transitions_->Add({{"target", c.key}, {"to", c.pause ? "paused" : "closed"}}).Increment();
      SetCircuitGauge(q);
      c.done.set_value(Status::Ok());
    }
    for (auto& e : inbox) {
      for (const auto& t : e.targets) {
        Item it;
        it.seq = e.seq;
        it.first_ms = e.ingest_ms;
        it.due_ms = e.ingest_ms;
        it.json = e.event_json;
        AddItem(t->id, std::move(it));
      }
    }
    for (auto& c : done) {
      if (c.dead_letter) {
        CompleteDeadLetter(c, now);
      } else {
        Complete(c, now);
      }
    }
    for (auto& p : prepared) OnPrepared(p, now);

    int64_t next_due = now + 1000;
    for (auto& [key, q] : queues_) {
      EnforceBacklog(q, now);
      Dispatch(q, now);
      if (!q.ready.empty() && static_cast<int>(q.in_flight.size()) < q.flow.concurrency) {
        next_due = std::min(next_due, std::max(q.ready.begin()->first, q.blocked_until_ms));
      }
    }
    PublishStats();
    Trim(now);

    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) break;
    if (woken_ || !inbox_.empty() || !completions_.empty() || !controls_.empty() ||
        !prepared_.empty() || pending_table_) {
      continue;
    }
    int64_t wait = std::max<int64_t>(1, next_due - clock_.NowMs());
    cv_.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(wait, 1000)),
                 [&] { return stopping_ || woken_; });
  }
}

void Scheduler::Dispatch(Queue& q, int64_t now) {
  while (!q.ready.empty() && q.ready.begin()->first <= now &&
         static_cast<int>(q.in_flight.size()) < q.flow.concurrency) {
    if (q.route && q.target) {
      // Flow control: an open circuit or an empty token bucket holds everything (durably).
      if (!q.breaker.Allow(now, static_cast<int>(q.in_flight.size()))) {
        q.blocked_until_ms = q.breaker.NextProbeMs();
        SetCircuitGauge(q);
        return;
      }
      if (!q.bucket.TryTake(now)) {
        q.blocked_until_ms = q.bucket.NextAvailableMs(now);
        return;
      }
      q.blocked_until_ms = 0;
    }
    uint64_t seq = q.ready.begin()->second;
    q.ready.erase(q.ready.begin());
    auto node = q.waiting.extract(seq);
    if (node.empty()) continue;
    Item item = std::move(node.mapped());

    if (!q.route) {
      DeadLetter(q, std::move(item), "TARGET_NOT_FOUND",
                 "the rule or target was removed before the event was delivered", "", now);
      continue;
    }
    if (!q.target) {
      DeadLetter(q, std::move(item), "TARGET_CONFIG", q.create_error, "", now);
      continue;
    }
    const bus::RouteTarget& route = *q.route;
    if (now - item.first_ms >= route.retry.maximum_event_age_seconds * 1000) {
      std::string why = item.last_error.empty() ? "event older than MaximumEventAgeInSeconds"
                                                : item.last_error;
      DeadLetter(q, std::move(item), "EVENT_TOO_OLD", why, "MaximumEventAgeInSeconds", now);
      continue;
    }
    if (!item.json) {
      auto rec = store_.GetEvent(seq);
      if (!rec.ok()) {
        DeadLetter(q, std::move(item), "EVENT_UNREADABLE", rec.status().message(), "", now);
        continue;
      }
      item.json = std::make_shared<const std::string>(std::move(rec->event_json));
    }
    SendRequest req;
    req.rule_arn = route.rule_arn;
    req.event = item.json;
    req.attempt = item.attempts + 1;
    if (route.input && route.input->mode() != transform::InputMode::kWholeEvent) {
      // Input / InputPath / InputTransformer. A render that fails (a path that names nothing,
      // output that is not valid JSON) is a delivery failure with its reason, never a drop.
      auto event = json::Parse(*item.json);
      Status st = event.ok() ? Status::Ok() : event.status();
      if (st.ok()) {
        transform::RenderContext ctx{route.rule_arn, route.rule, item.first_ms, false};
        st = transform::RenderTo(*route.input, *event, ctx, &req.payload);
      }
      if (!st.ok()) {
        DeadLetter(q, std::move(item), "TRANSFORM_FAILED", st.message(), "", now);
        continue;
      }
    } else {
      req.payload = *item.json;
    }
    // The event id, for the Idempotency-Key header (cheap scan; the id is near the start).
    size_t p = item.json->find("\"id\":\"");
    if (p != std::string::npos) {
      size_t e = item.json->find('"', p + 6);
      if (e != std::string::npos) req.event_id = item.json->substr(p + 6, e - p - 6);
    }
    // ResolveClaimCheck: the target takes large bodies, put the claim-checked payloads back.
    // ClaimCheck: over the target's own limit, set the large parts aside.
    const bool resolve =
        env_.blobs && q.resolve_claim_check && req.payload.find("\"$ref\"") != std::string::npos;
    const bool apply =
        q.claim_check && (resolve || req.payload.size() > q.claim_check->policy().threshold_bytes);
    q.in_flight.emplace(seq, std::move(item));
    total_in_flight_++;
    if (resolve || apply) {
      PrepareBlobs(q, seq, std::move(req), resolve, apply);
    } else {
      Send(q, seq, req);
    }
  }
}

void Scheduler::Send(Queue& q, uint64_t seq, const SendRequest& req) {
  if (auto it = q.in_flight.find(seq); it != q.in_flight.end()) it->second.sent_steady_ms = clock_.SteadyMs();
  q.target->Send(req, [this, key = q.key, seq](SendResult r) {
    const int64_t answered = clock_.SteadyMs();
    {
      std::lock_guard<std::mutex> lock(mu_);
      completions_.push_back(Completion{key, seq, std::move(r), nullptr, answered});
      woken_ = true;
    }
    cv_.notify_one();
  });
}

void Scheduler::PrepareBlobs(const Queue& q, uint64_t seq, SendRequest req, bool resolve,
                             bool apply) {
  if (!blob_workers_) blob_workers_ = std::make_unique<boost::asio::thread_pool>(4);
  // The task owns what it reads: the queue may be reconfigured while it runs.
  boost::asio::post(*blob_workers_, [this, key = q.key, seq, req = std::move(req), resolve,
                                     claim_check = apply ? q.claim_check : nullptr]() mutable {
    Prepared p{key, seq, {}, Status::Ok(), "", false};
    auto doc = json::Parse(req.payload);
    Status st = doc.ok() ? Status::Ok() : doc.status();
    if (st.ok() && resolve) {
      auto n = blob::ResolveRefs(*env_.blobs, &*doc);
      if (!n.ok()) {
        st = n.status();
        p.code = "CLAIM_CHECK_RESOLVE";
        p.retry =
            st.code() == StatusCode::kUnavailable;  // the blob store is down: not the event's fault
      }
    }
    if (st.ok() && claim_check) {
      std::string resolved = resolve ? json::Serialize(*doc) : std::string();
      // Resolving may have shrunk nothing and grown the payload; the threshold is on what is sent.
      if (!resolve || resolved.size() > claim_check->policy().threshold_bytes) {
        auto applied = claim_check->ApplyToPayload(&*doc);
        if (!applied.ok()) {
          st = applied.status();
          p.code = "CLAIM_CHECK_APPLY";
          p.retry = st.code() == StatusCode::kUnavailable || st.code() == StatusCode::kIOError;
        }
      }
    }
    if (st.ok()) {
      req.payload = json::Serialize(*doc);
    } else if (p.code.empty()) {
      p.code = resolve ? "CLAIM_CHECK_RESOLVE" : "CLAIM_CHECK_APPLY";
    }
    p.req = std::move(req);
    p.status = std::move(st);
    {
      std::lock_guard<std::mutex> lock(mu_);
      prepared_.push_back(std::move(p));
      woken_ = true;
    }
    cv_.notify_one();
  });
}

void Scheduler::OnPrepared(Prepared& p, int64_t now) {
  auto qit = queues_.find(p.key);
  if (qit == queues_.end()) {
    total_in_flight_--;
    return;
  }
  Queue& q = qit->second;
  if (p.status.ok() && q.target) {
    Send(q, p.seq, p.req);
    return;
  }
  total_in_flight_--;
  auto node = q.in_flight.extract(p.seq);
  if (node.empty()) return;
  Item item = std::move(node.mapped());
  if (p.status.ok()) {  // the target went away while its payload was prepared
    Park(q, std::move(item));
    return;
  }
  if (p.retry) {
    item.due_ms = now + 5000;  // the blob store cannot serve now: try again, do not dead-letter
    Park(q, std::move(item));
    return;
  }
  DeadLetter(q, std::move(item), p.code, p.status.message(), "", now);
}

void Scheduler::Complete(Completion& c, int64_t now) {
  total_in_flight_--;
  auto qit = queues_.find(c.key);
  if (qit == queues_.end()) return;
  Queue& q = qit->second;
  auto node = q.in_flight.extract(c.seq);
  if (node.empty()) return;
  Item item = std::move(node.mapped());
  item.attempts++;
  const SendResult& r = c.result;
  const int64_t latency = item.sent_steady_ms > 0 && c.done_steady_ms >= item.sent_steady_ms
                              ? c.done_steady_ms - item.sent_steady_ms
                              : -1;
  auto transition = [&](bool changed) {
    if (!changed) return;
    const char* to = CircuitBreaker::Name(q.breaker.state());
    spdlog::warn("target {} circuit {}", c.key, to);
    transitions_->Add({{"target", c.key}, {"to", to}}).Increment();
    SetCircuitGauge(q);
  };
  if (r.kind == SendResult::kOk) {
    transition(q.breaker.OnSuccess(now));
    Release(q, item, now);
    Status st = store_.Ack(q.id, c.seq);
    if (!st.ok()) spdlog::warn("delivery {} completed but not recorded: {}", c.seq, st.ToString());
    delivered_->Increment();
    e2e_latency_->Observe(std::max<int64_t>(0, now - item.first_ms) / 1000.0);
    Report(q, item, item.attempts, "delivered", &r, "", "", latency, 0, now);
    return;
  }
  item.last_error = r.error_code + ": " + r.message;
  // Only failures that say the target is unwell count toward opening the circuit.
  if (r.kind == SendResult::kRetryable) transition(q.breaker.OnFailure(now));
  auto dead_letter = [&](const char* exhausted) {
    Report(q, item, item.attempts, "dead-lettered", &r, r.error_code, r.message, latency, 0, now);
    item.outcome_reported = true;
    DeadLetter(q, std::move(item), r.error_code, r.message, exhausted, now);
  };
  if (r.kind == SendResult::kPermanent) return dead_letter("");
  const bus::RetryPolicy retry = q.route ? q.route->retry : bus::RetryPolicy{};
  if (static_cast<int>(item.attempts) > retry.maximum_retry_attempts) return dead_letter("MaximumRetryAttempts");
  int64_t delay = Backoff(item.attempts);
  if (r.retry_after_ms >= 0) delay = std::max(delay, r.retry_after_ms);
  if (now + delay - item.first_ms >= retry.maximum_event_age_seconds * 1000) {
    return dead_letter("MaximumEventAgeInSeconds");
  }
  item.due_ms = now + delay;
  Status st = store_.RetryAt(q.id, c.seq,
                                store::DeliveryRecord{item.attempts, item.first_ms, item.due_ms, item.last_error});
  // Kept in memory and retried from there; the stored record (older state) still exists.
  if (!st.ok() && st.code() != StatusCode::kResourceExhausted) {
    spdlog::warn("retry state of delivery {} not persisted: {}", c.seq, st.ToString());
  }
  retried_->Increment();
  Report(q, item, item.attempts, "retry", &r, r.error_code, r.message, latency, item.due_ms, now);
  Park(q, std::move(item));  // still its group's head: later events of the group keep waiting
}

void Scheduler::Report(const Queue& q, const Item& item, uint32_t number, const char* outcome,
                       const SendResult* r, const std::string& code, const std::string& message,
                       int64_t latency_ms, int64_t next_ms, int64_t now) {
  if (observer_ == nullptr) return;
  observer_->OnAttempt(AttemptReport{q.key, item.seq, item.json, number, now, outcome,
                                     r != nullptr ? r->http_status : 0, code, message, latency_ms, next_ms});
}

void Scheduler::DeadLetter(Queue& q, Item item, const std::string& code, const std::string& message,
                           const std::string& exhausted, int64_t now) {
  // Dead-lettered before (another) send: the history records it as the delivery's last word.
  if (!item.outcome_reported) {
    Report(q, item, item.attempts + 1, "dead-lettered", nullptr, code, message, -1, 0, now);
    item.outcome_reported = true;
  }
  const std::string dlq_arn = q.route ? q.route->dead_letter_arn : "";
  if (dlq_arn.empty() || item.dead_letter_queue_failed) {
    return StoreDeadLetter(q, std::move(item), code, message, exhausted, now);
  }
  DeadLetterMessage m;
  if (item.json) {
    m.event = *item.json;
  } else if (auto rec = store_.GetEvent(item.seq); rec.ok()) {
    m.event = std::move(rec->event_json);
  }
  m.rule_arn = q.route->rule_arn;
  m.target_arn = q.route->def.arn;
  m.error_code = code;
  m.error_message = message;
  m.exhausted_condition = exhausted;
  m.retry_attempts = item.attempts > 0 ? item.attempts - 1 : 0;
  auto reason = std::make_shared<const DeadLetterReason>(DeadLetterReason{code, message, exhausted});
  const uint64_t seq = item.seq;
  // In flight until the queue answers: its group stays blocked, as for a delivery attempt.
  q.in_flight.emplace(seq, std::move(item));
  dead_letter_queue_.Send(dlq_arn, m, [this, key = q.key, seq, reason](Status st) {
    SendResult r;
    if (!st.ok()) r = {SendResult::kRetryable, "DLQ_UNAVAILABLE", st.message()};
    {
      std::lock_guard<std::mutex> lock(mu_);
      completions_.push_back(Completion{key, seq, std::move(r), reason});
      woken_ = true;
    }
    cv_.notify_one();
  });
}

void Scheduler::CompleteDeadLetter(Completion& c, int64_t now) {
  auto qit = queues_.find(c.key);
  if (qit == queues_.end()) return;
  Queue& q = qit->second;
  auto node = q.in_flight.extract(c.seq);
  if (node.empty()) return;
  Item item = std::move(node.mapped());
  const DeadLetterReason& why = *c.dead_letter;
  if (c.result.kind == SendResult::kOk) {
    Release(q, item, now);
    Status st = store_.Ack(q.id, c.seq);
    if (!st.ok()) spdlog::warn("delivery {} sent to its DLQ but not recorded: {}", c.seq, st.ToString());
    sent_to_dlq_->Increment();
    spdlog::warn("delivery sent to its dead-letter queue: target={} seq={} code={} message={}", q.key,
                 c.seq, why.code, why.message);
    return;
  }
  // The queue could not take it: cxbridge's own dead-letter store keeps it, with both reasons.
  failed_to_send_to_dlq_->Increment();
  item.dead_letter_queue_failed = true;
  StoreDeadLetter(q, std::move(item), why.code,
                  why.message + " (not sent to DeadLetterConfig.Arn " +
                      (q.route ? q.route->dead_letter_arn : std::string("?")) + ": " +
                      c.result.message + ")",
                  why.exhausted, now);
}

void Scheduler::StoreDeadLetter(Queue& q, Item item, const std::string& code,
                                const std::string& message, const std::string& exhausted,
                                int64_t now) {
  std::string event_json;
  if (item.json) {
    event_json = *item.json;
  } else if (auto rec = store_.GetEvent(item.seq); rec.ok()) {
    event_json = std::move(rec->event_json);
  }
  const std::string& bus = q.id.bus;
  const std::string& rule = q.id.rule;
  const std::string& target = q.id.target;
  json::Value e = json::Value::Object();
  std::string id = store::DlqId(now, item.seq) + "-" + std::to_string(dlq_counter_++ % 1000);
  e.Set("id", json::Value::String(id));
  e.Set("time", json::Value::String(FormatRfc3339Millis(now)));
  e.Set("deadLetterArn", json::Value::String(q.route ? q.route->dead_letter_arn : ""));
  e.Set("bus", json::Value::String(bus));
  e.Set("rule", json::Value::String(rule));
  e.Set("ruleArn", json::Value::String(q.route ? q.route->rule_arn : ""));
  e.Set("target", json::Value::String(target));
  e.Set("targetArn", json::Value::String(q.route ? q.route->def.arn : ""));
  e.Set("errorCode", json::Value::String(code));
  e.Set("errorMessage", json::Value::String(message));
  e.Set("attempts", json::Value::Int(item.attempts));
  e.Set("exhaustedCondition", exhausted.empty() ? json::Value::Null() : json::Value::String(exhausted));
  e.Set("firstAttemptTime", json::Value::String(FormatRfc3339Millis(item.first_ms)));
  e.Set("lastAttemptTime", json::Value::String(FormatRfc3339Millis(now)));
  e.Set("seq", json::Value::Int(static_cast<int64_t>(item.seq)));
  std::string text = json::Serialize(e);
  // Splice the original event in as an object (it is valid JSON text already).
  text.pop_back();
  text += ",\"event\":";
  text += event_json.empty() ? "null" : event_json;
  text += "}";
  Status st = store_.DeadLetter(q.id, item.seq, store::DlqEntry{id, text});
  if (!st.ok()) {
    // Keep it: the delivery record still exists; try again shortly rather than lose it.
    spdlog::error("dead-lettering delivery {} failed, will retry: {}", item.seq, st.ToString());
    item.due_ms = now + 5000;
    Park(q, std::move(item));
    return;
  }
  Release(q, item, now);
  dead_lettered_->Increment();
  spdlog::warn("dead-lettered delivery: target={} seq={} code={} message={}", q.key, item.seq, code, message);
}

void Scheduler::PublishStats() {
  std::vector<TargetStats> out;
  uint64_t min_seq = UINT64_MAX;
  for (auto& [key, q] : queues_) {
    TargetStats s;
    s.key = key;
    s.bus = q.id.bus;
    s.rule = q.id.rule;
    s.target = q.id.target;
    s.arn = q.route ? q.route->def.arn : "";
    s.depth = q.waiting.size() + q.in_flight.size();
    s.in_flight = static_cast<int>(q.in_flight.size());
    s.circuit = CircuitBreaker::Name(q.breaker.state());
    s.paused = q.breaker.paused();
    s.error = q.create_error;
    if (q.depth_gauge) q.depth_gauge->Set(static_cast<double>(s.depth));
    if (!q.waiting.empty()) min_seq = std::min(min_seq, q.waiting.begin()->first);
    if (!q.in_flight.empty()) min_seq = std::min(min_seq, q.in_flight.begin()->first);
    out.push_back(std::move(s));
  }
  min_pending_seq_ = min_seq;
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_ = std::move(out);
}

void Scheduler::Trim(int64_t now) {
  if (now - last_trim_ms_ < 30'000) return;
  last_trim_ms_ = now;
  auto n = log_.Trim(min_pending_seq_.load(), now - options_.event_retention_ms);
  if (!n.ok()) spdlog::warn("event log trim failed: {}", n.status().ToString());
}

}  // namespace cxbridge::deliver
