// WebhookHandler: `POST /webhooks/{source}`, the webhook source kind (bus/source_kind.h; a body
// relayed by a Genesys data action is the data-action-relay kind). It adapts one request:
//   find source (404) → Verify auth (401) → Envelope (400) → the accept pipeline (claim check
//   with the source's `claim_check:`, normalize, route, dedup, durable log; bus/pipeline.h) →
//   Acknowledge.
// Outcomes map to HTTP statuses in exactly one place, AcceptResponse().
// Thread-safety: Handle runs on any I/O thread; sources are immutable after Configure and
// swapped as a whole on reload.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bus/event_sink.h"
#include "common/clock.h"
#include "config/config.h"
#include "blob/claim_check.h"
#include "http/message.h"
#include "ingest/auth.h"
#include "ingest/envelope.h"

namespace cxbridge::ingest {

struct Source {
  std::string name;
  std::string bus = "default";
  std::unique_ptr<Authenticator> auth;
  EnvelopeOptions envelope;
  // Claim check (`claim_check:` in the source): large payloads set aside before the append.
  std::shared_ptr<const blob::ClaimCheck> claim_check;
};

class WebhookHandler : public http::Handler {
 public:
  WebhookHandler(bus::EventSink& sink, Clock& clock, prometheus::Registry& metrics);

  // Builds every configured source (resolving secrets); all or nothing. `buses` lists the bus
  // names that exist, so a source cannot name a missing one.
  // `blobs` backs the sources' claim checks (null: a source with claim_check is an error).
  Status Configure(const std::vector<config::SourceConfig>& sources, const std::string& account,
                   const std::string& region, const std::vector<std::string>& buses,
                   std::shared_ptr<blob::BlobStore> blobs = nullptr);
  // Builds one source as Configure would, for `cxbridge config check`: every problem of its
  // parts (keys, auth, claim check, envelope) one per line, unprefixed; the source is discarded.
  // A claim check is taken to have the server's blob store.
  static Status CheckSource(const config::SourceConfig& source, const std::string& account,
                            const std::string& region, const std::vector<std::string>& buses);
  void Handle(http::Request req, http::Respond respond) override;
  std::vector<std::string> source_names() const;

 private:
  using SourceMap = std::map<std::string, std::shared_ptr<const Source>, std::less<>>;
  static Result<std::shared_ptr<Source>> BuildSource(const config::SourceConfig& sc,
                                                     const std::string& account,
                                                     const std::string& region,
                                                     const std::vector<std::string>& buses,
                                                     const std::shared_ptr<blob::BlobStore>& blobs,
                                                     bool check_only);
  void Reject(const char* reason, int status, std::string code, std::string message,
              const http::Respond& respond);

  bus::EventSink& sink_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const SourceMap> sources_;  // guarded by mu_
  prometheus::Family<prometheus::Counter>* requests_;
  // requests_'s series per accept outcome, found on first use (Family::Add hashes and locks).
  std::array<std::atomic<prometheus::Counter*>, 5> outcome_requests_{};
  prometheus::Histogram* ack_latency_;
};

// The one mapping from an accept outcome to the sender's answer: 202 stored, 200 duplicate,
// 503 + Retry-After when we could not store it (never a 4xx for our own failure), 400 rejected.
http::Response AcceptResponse(const bus::AcceptResult& result, const std::string& event_id);

}  // namespace cxbridge::ingest
