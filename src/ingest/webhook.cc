#include "ingest/webhook.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/json.h"
#include "ingest/config_util.h"
#include "ingest/envelope_fast.h"

namespace cxbridge::ingest {
namespace {

// The envelope's fields, carried with the event (never scraped from its text again).
void FillFromEnvelope(Envelope env, bus::IncomingEvent* e) {
  e->kind = env.relayed ? bus::SourceKind::kDataActionRelay : bus::SourceKind::kWebhook;
  e->id = std::move(env.id);
  e->source = std::move(env.source);
  e->detail_type = std::move(env.detail_type);
  e->time_ms = env.time_ms;
  e->idempotency_key = std::move(env.idempotency_key);
}

const char* AcceptLabel(bus::AcceptOutcome outcome) {
  switch (outcome) {
    case bus::AcceptOutcome::kStored: return "stored";
    case bus::AcceptOutcome::kQuarantined: return "quarantined";
    case bus::AcceptOutcome::kDuplicate: return "duplicate";
    case bus::AcceptOutcome::kRejected: return "rejected";
    case bus::AcceptOutcome::kUnavailable: break;
  }
  return "unavailable";
}

}  // namespace

http::Response AcceptResponse(const bus::AcceptResult& result, const std::string& event_id) {
  std::string body;
  switch (result.outcome) {
    case bus::AcceptOutcome::kStored:
      body = "{\"status\":\"stored\",\"id\":" + json::Quote(event_id) + "}";
      return http::Response::Json(202, std::move(body));
    case bus::AcceptOutcome::kQuarantined:
      body = "{\"status\":\"quarantined\",\"id\":" + json::Quote(event_id) + "}";
      return http::Response::Json(202, std::move(body));
    case bus::AcceptOutcome::kDuplicate:
      return http::Response::Json(200, "{\"status\":\"duplicate\"}");
    case bus::AcceptOutcome::kRejected:
      return http::Response::Error(400, "Rejected", result.reason);
    case bus::AcceptOutcome::kUnavailable: {
      http::Response r = http::Response::Error(503, "Unavailable", result.reason);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
  }
  return http::Response::Error(500, "Internal", "unknown outcome");
}

WebhookHandler::WebhookHandler(bus::EventSink& sink, Clock& clock, prometheus::Registry& metrics)
    : sink_(sink), clock_(clock), sources_(std::make_shared<SourceMap>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("cxbridge_ingest_requests_total")
                   .Help("Webhook requests by result (accepted, duplicate, or the rejection reason)")
                   .Register(metrics);
  ack_latency_ = &prometheus::BuildHistogram()
                      .Name("cxbridge_ingest_ack_seconds")
                      .Help("Webhook request received → answered (stored requests include the fsync)")
                      .Register(metrics)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01,
                                                                       0.02, 0.05, 0.1, 0.25, 1});
}

Result<std::shared_ptr<Source>> WebhookHandler::BuildSource(
    const config::SourceConfig& sc, const std::string& account, const std::string& region,
    const std::vector<std::string>& buses, const std::shared_ptr<blob::BlobStore>& blobs,
    bool check_only) {
  // The parts are independent: every part's problems are reported, one per line.
  std::string problems;
  auto note = [&problems](const Status& st) {
    if (st.ok()) return;
    if (!problems.empty()) problems += "\n";
    problems += st.message();
  };
  // Every key of the mapping is someone's: the webhook's own, or the envelope's.
  std::vector<std::string_view> keys = {"type", "auth", "bus", "claim_check"};
  keys.insert(keys.end(), EnvelopeKeys().begin(), EnvelopeKeys().end());
  note(CheckKeys(sc.raw, "", keys));
  if (const json::Value* t = sc.raw.Find("type"); t && !(t->is_string() && t->as_string() == "webhook")) {
    note(Status::InvalidArgument("type must be webhook (the default) or genesys-notifications"));
  }
  auto src = std::make_shared<Source>();
  src->name = sc.name;
  if (const json::Value* b = sc.raw.Find("bus"); b && b->is_string()) src->bus = b->as_string();
  if (std::find(buses.begin(), buses.end(), src->bus) == buses.end()) {
    note(Status::InvalidArgument("unknown bus " + src->bus));
  }
  const json::Value* auth = sc.raw.Find("auth");
  if (auth == nullptr) {
    note(Status::InvalidArgument("needs an auth section (use {scheme: none} to accept unsigned requests)"));
  } else if (auto a = MakeAuthenticator(*auth); !a.ok()) {
    note(a.status());
  } else {
    src->auth = std::move(*a);
  }
  if (const json::Value* cc = sc.raw.Find("claim_check"); cc && !cc->is_null()) {
    auto policy = blob::ParseClaimCheckPolicy(*cc);
    if (!policy.ok()) {
      note(Status::InvalidArgument("claim_check: " + policy.status().message()));
    } else if (!blobs && !check_only) {
      note(Status::InvalidArgument("claim_check needs a blob store"));
    } else if (blobs) {
      src->claim_check = std::make_shared<const blob::ClaimCheck>(std::move(*policy), blobs);
    }
  }
  json::Value raw = sc.raw;
  raw.Erase("claim_check");
  if (raw.Find("name") == nullptr) raw.Set("name", json::Value::String(sc.name));
  if (auto env = ParseEnvelopeOptions(raw, account, region); !env.ok()) {
    note(env.status());
  } else {
    src->envelope = std::move(*env);
  }
  if (!problems.empty()) return Status::InvalidArgument(std::move(problems));
  return src;
}

Status WebhookHandler::CheckSource(const config::SourceConfig& source, const std::string& account,
                                   const std::string& region, const std::vector<std::string>& buses) {
  return BuildSource(source, account, region, buses, nullptr, /*check_only=*/true).status();
}

Status WebhookHandler::Configure(const std::vector<config::SourceConfig>& sources,
                                 const std::string& account, const std::string& region,
                                 const std::vector<std::string>& buses,
                                 std::shared_ptr<blob::BlobStore> blobs) {
  auto map = std::make_shared<SourceMap>();
  for (const auto& sc : sources) {
    auto src = BuildSource(sc, account, region, buses, blobs, /*check_only=*/false);
    if (!src.ok()) {
      return Status::InvalidArgument("source " + sc.name + " (line " + std::to_string(sc.line) +
                                     "): " + src.status().message());
    }
    (*map)[sc.name] = std::move(*src);
  }
  std::lock_guard<std::mutex> lock(mu_);
  sources_ = std::move(map);
  return Status::Ok();
}

std::vector<std::string> WebhookHandler::source_names() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : *sources_) out.push_back(k);
  return out;
}

void WebhookHandler::Reject(const char* reason, int status, std::string code, std::string message,
                            const http::Respond& respond) {
  requests_->Add({{"result", reason}}).Increment();
  respond(http::Response::Error(status, code, message));
}

void WebhookHandler::Handle(http::Request req, http::Respond respond) {
  const int64_t start = clock_.SteadyMs();
  if (req.method != "POST") {
    return Reject("method", 405, "MethodNotAllowed", "webhooks accept POST only", respond);
  }
  std::string_view name = std::string_view(req.path).substr(std::string_view("/webhooks/").size());
  std::shared_ptr<const SourceMap> sources;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sources = sources_;
  }
  auto it = sources->find(name);
  if (it == sources->end()) {
    return Reject("unknown_source", 404, "UnknownSource", "no source named '" + std::string(name) + "'", respond);
  }
  std::shared_ptr<const Source> src = it->second;
  RequestView view;
  view.method = req.method;
  view.path = req.path;
  view.body = req.body;
  view.header = [&req](std::string_view n) { return req.Header(n); };
  const int64_t now = clock_.NowMs();
  AuthResult auth = src->auth->Verify(view, now);
  if (auth.outcome != AuthOutcome::kOk) {
    const char* why = auth.outcome == AuthOutcome::kMissing ? "auth_missing"
                      : auth.outcome == AuthOutcome::kStale ? "auth_stale"
                                                            : "auth_invalid";
    return Reject(why, 401, "Unauthorized", auth.reason, respond);
  }
  // Envelope: straight from the body's bytes where that gives the same event, else through a
  // document, which then travels on parsed.
  bus::IncomingEvent e;
  if (std::optional<Envelope> direct = TryBuildEnvelopeDirect(view, src->envelope, now)) {
    e.event_json = std::move(direct->event_json);
    FillFromEnvelope(std::move(*direct), &e);
  } else {
    json::Value doc;
    auto env = BuildEnvelope(view, src->envelope, now, &doc);
    if (!env.ok()) return Reject("malformed", 400, "BadRequest", env.status().message(), respond);
    e.doc = std::move(doc);
    FillFromEnvelope(std::move(*env), &e);
  }
  e.bus = src->bus;
  e.claim_check = src->claim_check;  // the ClaimCheck stage applies it (bus/pipeline.h)
  std::string id = e.id;
  std::vector<bus::IncomingEvent> batch;
  batch.push_back(std::move(e));
  sink_.Submit(std::move(batch), [this, id = std::move(id), respond = std::move(respond),
                                  start](std::vector<bus::AcceptResult> results) {
    const bus::AcceptResult& r = results.at(0);
    std::atomic<prometheus::Counter*>& counter = outcome_requests_[static_cast<size_t>(r.outcome)];
    prometheus::Counter* c = counter.load(std::memory_order_acquire);
    if (c == nullptr) {
      c = &requests_->Add({{"result", AcceptLabel(r.outcome)}});
      counter.store(c, std::memory_order_release);
    }
    c->Increment();
    ack_latency_->Observe((clock_.SteadyMs() - start) / 1000.0);
    respond(AcceptResponse(r, id));
  });
}

}  // namespace cxbridge::ingest
