// Pipeline: the accept path after a source has verified and enveloped an event, written once:
//
//   normalize (schema rules) → route (match the bus's automaton) → log (dedup + durable append
//   of event and its deliveries, group commit) → acknowledge → hand deliveries to the scheduler
//
// Matching runs on the caller's thread (HTTP I/O threads), in parallel; the durable append runs
// on the EventLog's committer. `done` is called on the committer thread once the batch's fate is
// durable: kStored only after fsync.
// Thread-safety: Submit is safe from any thread.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/event_sink.h"
#include "bus/router.h"
#include "common/clock.h"
#include "store/storage.h"

namespace cxbridge::bus {

// An event that is now durable, with the deliveries created for it.
struct StoredEvent {
  uint64_t seq = 0;
  int64_t ingest_ms = 0;
  std::shared_ptr<const std::string> event_json;
  std::vector<std::shared_ptr<const RouteTarget>> targets;
};

// Rewrites an event before routing (schema normalization). Returns false with a reason when the
// event must be quarantined instead of routed (then the original bytes are quarantined, durably,
// and the sender still gets 2xx: it did nothing wrong). May replace event->event_json.
// Thread-safe: called concurrently from I/O threads.
using Normalizer = std::function<bool(IncomingEvent* event, std::string* reason)>;

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
  // Set before serving (not synchronized); swap rule sets inside the callback for reloads.
  void SetNormalizer(Normalizer fn) { normalizer_ = std::move(fn); }

 private:
  Router& router_;
  store::EventLog& log_;
  Clock& clock_;
  Options options_;
  std::function<void(std::vector<StoredEvent>)> on_stored_;
  Normalizer normalizer_;
  // Metrics, declared together.
  prometheus::Counter* stored_;
  prometheus::Counter* duplicates_;
  prometheus::Counter* quarantined_;
  prometheus::Counter* store_failures_;
  prometheus::Counter* matched_;
  prometheus::Counter* unmatched_;
  prometheus::Histogram* commit_latency_;
};

}  // namespace cxbridge::bus
