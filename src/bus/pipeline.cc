#include "bus/pipeline.h"

#include <prometheus/counter.h>

#include "common/ids.h"
#include "common/json.h"
#include "store/storage.h"

namespace cxbridge::bus {

Pipeline::Pipeline(Router& router, store::EventLog& log, Clock& clock,
                   prometheus::Registry& registry, Options options)
    : router_(router), log_(log), clock_(clock), options_(options) {
  auto& events = prometheus::BuildCounter()
                     .Name("cxbridge_events_total")
                     .Help("Events through the accept path, by outcome")
                     .Register(registry);
  stored_ = &events.Add({{"outcome", "stored"}});
  duplicates_ = &events.Add({{"outcome", "duplicate"}});
  quarantined_ = &events.Add({{"outcome", "quarantined"}});
  store_failures_ = &events.Add({{"outcome", "store_failed"}});
  auto& routed = prometheus::BuildCounter()
                     .Name("cxbridge_events_routed_total")
                     .Help("Stored events by whether any rule matched")
                     .Register(registry);
  matched_ = &routed.Add({{"matched", "true"}});
  unmatched_ = &routed.Add({{"matched", "false"}});
  commit_latency_ = &prometheus::BuildHistogram()
                         .Name("cxbridge_ingest_commit_seconds")
                         .Help("Time from submit to durable (fsync'd) storage")
                         .Register(registry)
                         .Add({}, prometheus::Histogram::BucketBoundaries{
                                      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1});
}

void Pipeline::Submit(std::vector<IncomingEvent> events,
                      std::function<void(std::vector<AcceptResult>)> done) {
  const int64_t start = clock_.SteadyMs();
  const int64_t now_ms = clock_.NowMs();
  std::vector<AcceptResult> results(events.size());
  std::vector<store::AppendItem> items;
  items.reserve(events.size());
  std::vector<size_t> index;  // items[i] came from events[index[i]]
  auto routes = std::make_shared<std::vector<std::vector<std::shared_ptr<const RouteTarget>>>>();

  for (size_t i = 0; i < events.size(); ++i) {
    IncomingEvent& e = events[i];
    // 1. normalize
    std::string quarantine, quarantine_id;
    if (normalizer_) {
      std::string original = e.event_json;
      std::string reason;
      if (!normalizer_(&e, &reason)) {
        json::Value rec = json::Value::Object();
        // Time-ordered and unique: listing shows the oldest first.
        quarantine_id = store::DlqId(now_ms, 0).substr(0, 13) + "-" + NewUuid4();
        rec.Set("id", json::Value::String(quarantine_id));
        rec.Set("eventId", json::Value::String(e.id));
        rec.Set("time", json::Value::String(FormatRfc3339Millis(now_ms)));
        rec.Set("reason", json::Value::String(reason));
        rec.Set("bus", json::Value::String(e.bus));
        rec.Set("source", json::Value::String(e.source));
        rec.Set("detailType", json::Value::String(e.detail_type));
        quarantine = json::Serialize(rec);
        quarantine.pop_back();  // splice the original event in as an object
        quarantine += ",\"event\":" + original + "}";
        e.event_json = std::move(original);
      }
    }
    // 2. route (quarantined events go nowhere until they are replayed)
    std::vector<std::shared_ptr<const RouteTarget>> targets;
    if (quarantine.empty()) {
      Status st = router_.Route(e, &targets);
      if (!st.ok()) {
        results[i] = {AcceptOutcome::kRejected, st.message()};
        continue;
      }
    }
    store::AppendItem item;
    item.bus = e.bus;
    item.event_json = e.event_json;
    item.idempotency_key = std::move(e.idempotency_key);
    item.dedup_ttl_ms = options_.dedup_ttl_ms;
    item.ingest_ms = now_ms;
    item.quarantine_record = std::move(quarantine);
    item.quarantine_id = std::move(quarantine_id);
    item.event_id = e.id;
    item.routes.reserve(targets.size());
    for (const auto& t : targets) item.routes.push_back(t->id);
    items.push_back(std::move(item));
    routes->push_back(std::move(targets));
    index.push_back(i);
  }
  if (items.empty()) {
    done(std::move(results));
    return;
  }
  // 3. log (dedup + durable append); 4. acknowledge; 5. hand over deliveries.
  auto jsons = std::make_shared<std::vector<std::shared_ptr<const std::string>>>();
  jsons->reserve(items.size());
  for (const auto& it : items) jsons->push_back(std::make_shared<const std::string>(it.event_json));
  log_.Append(std::move(items), [this, start, now_ms, results = std::move(results),
                                 index = std::move(index), routes, jsons,
                                 done = std::move(done)](std::vector<store::AppendOutcome> out) mutable {
    std::vector<StoredEvent> stored;
    for (size_t k = 0; k < out.size(); ++k) {
      AcceptResult& r = results[index[k]];
      switch (out[k].kind) {
        case store::AppendOutcome::kStored: {
          r.outcome = AcceptOutcome::kStored;
          stored_->Increment();
          auto& targets = (*routes)[k];
          (targets.empty() ? unmatched_ : matched_)->Increment();
          // Unmatched events too: they have no delivery, but the delivery history keeps them.
          stored.push_back(StoredEvent{out[k].seq, now_ms, (*jsons)[k], std::move(targets)});
          break;
        }
        case store::AppendOutcome::kQuarantined:
          r.outcome = AcceptOutcome::kQuarantined;
          quarantined_->Increment();
          break;
        case store::AppendOutcome::kDuplicate:
          r.outcome = AcceptOutcome::kDuplicate;
          duplicates_->Increment();
          break;
        case store::AppendOutcome::kFailed:
          r.outcome = AcceptOutcome::kUnavailable;
          r.reason = out[k].error;
          store_failures_->Increment();
          break;
      }
    }
    commit_latency_->Observe((clock_.SteadyMs() - start) / 1000.0);
    done(std::move(results));
    if (!stored.empty() && on_stored_) on_stored_(std::move(stored));
  });
}

}  // namespace cxbridge::bus
