#include "bus/pipeline.h"

#include <prometheus/counter.h>

#include "blob/claim_check.h"
#include "common/ids.h"
#include "common/json.h"
#include "store/storage.h"

namespace cxbridge::bus {

// One event on its way through the stages: parsed (e.doc) when the source built it as a
// document or a stage needed one, as text (e.event_json) when the source gave text or Route
// needed it. Each form is made at most once, unless a stage changes the document.
struct Pipeline::Staged {
  explicit Staged(IncomingEvent& ev) : e(ev), text_current(!ev.doc.has_value()) {}
  IncomingEvent& e;
  bool text_current;  // e.event_json is the event

  Result<json::Value*> Doc() {
    if (!e.doc) {
      auto d = json::Parse(e.event_json);
      if (!d.ok()) return d.status();
      if (!d->is_object()) return Status::InvalidArgument("the event is not a JSON object");
      e.doc = std::move(*d);
    }
    return &*e.doc;
  }
  const std::string& Text() {
    if (!text_current) {
      e.event_json = json::Serialize(*e.doc);
      text_current = true;
    }
    return e.event_json;
  }
  void Changed() { text_current = false; }  // a stage rewrote the document
};

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
  auto& claim = prometheus::BuildCounter()
                    .Name("cxbridge_claim_check_events_total")
                    .Help("Claim check stage: events whose payloads were set aside, and events refused "
                          "for carrying a claim-check reference of their own")
                    .Register(registry);
  claim_checked_ = &claim.Add({{"result", "set_aside"}});
  forged_refs_ = &claim.Add({{"result", "reference_refused"}});
  commit_latency_ = &prometheus::BuildHistogram()
                         .Name("cxbridge_ingest_commit_seconds")
                         .Help("Time from submit to durable (fsync'd) storage")
                         .Register(registry)
                         .Add({}, prometheus::Histogram::BucketBoundaries{
                                      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1});
}

Result<std::shared_ptr<const transform::Normalizer>> Pipeline::CompileSchemas(const json::Value& schemas) {
  if (schemas.is_null()) return std::shared_ptr<const transform::Normalizer>();
  auto n = transform::CompileNormalizer(schemas);
  if (!n.ok()) return Status::InvalidArgument("schemas: " + n.status().message());
  return *n;
}

// ClaimCheck stage. kInvalidArgument: refuse the event (4xx); any other error: not stored (503).
Status Pipeline::ClaimCheckStage(Staged& s) const {
  const bool sender_content = Info(s.e.kind).sender_content;
  if (sender_content) {
    // A reference in what a sender wrote is forged: only this server makes them. Text that has
    // no `ref"` anywhere (the key spelled plainly or escaped) cannot hold one, unparsed.
    if (s.e.doc || s.e.event_json.find("ref\"") != std::string::npos) {
      auto doc = s.Doc();
      if (!doc.ok()) return Status::InvalidArgument(doc.status().message());
      if (std::optional<std::string> path = blob::FindRef(**doc)) {
        forged_refs_->Increment();
        return Status::InvalidArgument("the event carries a claim-check reference (" + std::string(blob::kRefKey) +
                                       " at " + *path + "); only this server makes them");
      }
    }
  }
  if (!s.e.claim_check) return Status::Ok();
  const blob::ClaimCheck& check = *s.e.claim_check;
  if (s.Text().size() <= check.policy().threshold_bytes) return Status::Ok();
  auto doc = s.Doc();
  if (!doc.ok()) return Status::InvalidArgument(doc.status().message());
  // The references already in an event of this server's own (a replay) stay as they are.
  auto out = sender_content ? check.Apply(*doc) : check.ApplyToPayload(*doc);
  if (!out.ok()) return out.status();
  if (!out->refs.empty()) {
    s.Changed();
    claim_checked_->Increment();
  }
  return Status::Ok();
}

Pipeline::Normalized Pipeline::NormalizeStage(Staged& s, const transform::Normalizer& schemas,
                                              int64_t now_ms, std::string* record, std::string* record_id,
                                              AcceptResult* refused) const {
  IncomingEvent& e = s.e;
  s.Text();  // the bytes a quarantine keeps, should normalization fail
  auto doc = s.Doc();
  if (!doc.ok()) return Normalized::kPass;  // not JSON: routing refuses it
  transform::NormalizeResult r = transform::Normalize(schemas, *doc);
  if (r.outcome == transform::NormalizeOutcome::kNormalized) s.Changed();
  if (r.outcome != transform::NormalizeOutcome::kQuarantine) return Normalized::kPass;
  if (!Info(e.kind).quarantine_on_failure) {
    *refused = {AcceptOutcome::kRejected, "still fails normalization: " + r.reason};
    return Normalized::kRefuse;
  }
  e.doc.reset();  // partly normalized: the original text is what is kept
  json::Value rec = json::Value::Object();
  // Time-ordered and unique: listing shows the oldest first.
  *record_id = store::DlqId(now_ms, 0).substr(0, 13) + "-" + NewUuid4();
  rec.Set("id", json::Value::String(*record_id));
  rec.Set("eventId", json::Value::String(e.id));
  rec.Set("time", json::Value::String(FormatRfc3339Millis(now_ms)));
  rec.Set("reason", json::Value::String(r.reason));
  rec.Set("bus", json::Value::String(e.bus));
  rec.Set("source", json::Value::String(e.source));
  rec.Set("detailType", json::Value::String(e.detail_type));
  *record = json::Serialize(rec);
  record->pop_back();  // splice the original event in as an object
  *record += ",\"event\":" + e.event_json + "}";
  return Normalized::kQuarantine;
}

void Pipeline::Submit(std::vector<IncomingEvent> events,
                      std::function<void(std::vector<AcceptResult>)> done) {
  const int64_t start = clock_.SteadyMs();
  const int64_t now_ms = clock_.NowMs();
  std::vector<AcceptResult> results(events.size());
  std::vector<store::AppendItem> items;
  items.reserve(events.size());
  std::vector<size_t> index;  // items[i] came from events[index[i]]
  auto carried = std::make_shared<std::vector<StoredEvent>>();
  carried->reserve(events.size());
  const std::shared_ptr<const transform::Normalizer> schemas = schemas_.load();

  for (size_t i = 0; i < events.size(); ++i) {
    IncomingEvent& e = events[i];
    Staged s(e);
    // 1. claim check
    if (Status st = ClaimCheckStage(s); !st.ok()) {
      if (st.code() == StatusCode::kInvalidArgument) {
        results[i] = {AcceptOutcome::kRejected, st.message()};
      } else {
        results[i] = {AcceptOutcome::kUnavailable, "claim check: " + st.message()};
      }
      continue;
    }
    // 2. normalize
    std::string quarantine, quarantine_id;
    if (schemas && !schemas->rule_sets().empty() &&
        NormalizeStage(s, *schemas, now_ms, &quarantine, &quarantine_id, &results[i]) == Normalized::kRefuse) {
      continue;
    }
    // 3. serialize, once; route (quarantined events go nowhere until they are replayed)
    s.Text();
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
    StoredEvent stored;
    stored.ingest_ms = now_ms;
    stored.event_json = std::make_shared<const std::string>(std::move(e.event_json));
    stored.id = std::move(e.id);
    stored.source = std::move(e.source);
    stored.detail_type = std::move(e.detail_type);
    stored.targets = std::move(targets);
    carried->push_back(std::move(stored));
    index.push_back(i);
  }
  if (items.empty()) {
    done(std::move(results));
    return;
  }
  // 4. dedup + durable append; 5. acknowledge; 6. hand over deliveries.
  log_.Append(std::move(items), [this, start, results = std::move(results), index = std::move(index),
                                 carried, done = std::move(done)](std::vector<store::AppendOutcome> out) mutable {
    std::vector<StoredEvent> stored;
    for (size_t k = 0; k < out.size(); ++k) {
      AcceptResult& r = results[index[k]];
      switch (out[k].kind) {
        case store::AppendOutcome::kStored: {
          r.outcome = AcceptOutcome::kStored;
          stored_->Increment();
          StoredEvent& ev = (*carried)[k];
          (ev.targets.empty() ? unmatched_ : matched_)->Increment();
          // Unmatched events too: they have no delivery, but the delivery history keeps them.
          ev.seq = out[k].seq;
          stored.push_back(std::move(ev));
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
