// Pipeline: the accept path, written once for every source kind (source_kind.h):
//
//   [source kind: Verify → Envelope] → ClaimCheck → Normalize → (serialize once) → Route →
//   Dedup+Log → [source kind: Acknowledge]
//
// A source kind verifies its input and builds the event (IncomingEvent: parsed, as a document,
// or as text), then Submit carries that one event through the stages:
//   ClaimCheck  refuses claim-check references in content a sender wrote (a forged `$ref` would
//               make a ResolveClaimCheck target receive another sender's blob), then applies the
//               source's claim-check policy: large payloads to the blob store, durably, first.
//   Normalize   the `schemas:` rule sets (SetSchemas); an event that cannot be normalized is
//               quarantined (stored, 2xx) — or, replayed from the quarantine, refused.
//   Route       the event's text is serialized here, once, and matched against its bus.
//   Dedup+Log   the idempotency key, the event and its deliveries in one synced write (group
//               commit on the EventLog's committer thread).
// `done` gets one AcceptOutcome per event (the closed outcome type every source kind maps to its
// protocol in one function); kStored only after fsync. docs/pipeline.md draws the flow.
//
// Threads: the stages up to Route run on the caller's thread (HTTP I/O threads, in parallel; the
// claim check blocks on the blob store there); `done` runs on the committer thread.
// Thread-safety: Submit is safe from any thread; SetSchemas too (the rule sets swap whole).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/event_sink.h"
#include "bus/router.h"
#include "common/clock.h"
#include "store/storage.h"
#include "transform/normalizer.h"

namespace cxbridge::bus {

// An event that is now durable, with the deliveries created for it.
struct StoredEvent {
  uint64_t seq = 0;
  int64_t ingest_ms = 0;
  std::shared_ptr<const std::string> event_json;
  std::vector<std::shared_ptr<const RouteTarget>> targets;
  std::string id, source, detail_type;  // carried from the source (IncomingEvent)
};

class Pipeline : public EventSink {
 public:
  struct Options {
    int64_t dedup_ttl_ms = 24 * 3600 * 1000LL;
  };
  Pipeline(Router& router, store::EventLog& log, Clock& clock, prometheus::Registry& registry,
           Options options);

  void Submit(std::vector<IncomingEvent> events,
              std::function<void(std::vector<AcceptResult>)> done) override;

  // Receives every durably stored batch (on the committer thread), matched events and unmatched
  // ones (no targets: nothing to deliver, but the delivery history records them). Set before serving.
  void SetOnStored(std::function<void(std::vector<StoredEvent>)> fn) { on_stored_ = std::move(fn); }
  // The Normalize stage's rule sets (null: none). Safe while serving (config reload).
  void SetSchemas(std::shared_ptr<const transform::Normalizer> schemas) { schemas_.store(std::move(schemas)); }
  // Compiles the `schemas:` config section for SetSchemas (null section: no rule sets).
  static Result<std::shared_ptr<const transform::Normalizer>> CompileSchemas(const json::Value& schemas);

 private:
  struct Staged;
  // The stages between the source's envelope and the log, in order (docs/pipeline.md).
  Status ClaimCheckStage(Staged& s) const;
  // kQuarantine: `*record` and `*record_id` are the event's quarantine entry. kRefuse: a kind
  // that does not quarantine; `*refused` says why.
  enum class Normalized { kPass, kQuarantine, kRefuse };
  Normalized NormalizeStage(Staged& s, const transform::Normalizer& schemas, int64_t now_ms,
                            std::string* record, std::string* record_id, AcceptResult* refused) const;

  Router& router_;
  store::EventLog& log_;
  Clock& clock_;
  Options options_;
  std::function<void(std::vector<StoredEvent>)> on_stored_;
  std::atomic<std::shared_ptr<const transform::Normalizer>> schemas_;
  // Metrics, declared together.
  prometheus::Counter* stored_;
  prometheus::Counter* duplicates_;
  prometheus::Counter* quarantined_;
  prometheus::Counter* store_failures_;
  prometheus::Counter* matched_;
  prometheus::Counter* unmatched_;
  prometheus::Counter* claim_checked_;
  prometheus::Counter* forged_refs_;
  prometheus::Histogram* commit_latency_;
};

}  // namespace cxbridge::bus
