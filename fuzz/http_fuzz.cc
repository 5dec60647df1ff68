// The HTTP request path as a whole on any bytes a client could send on one connection: requests
// are read as the server's sessions read them (http/request_parse.h: the same Beast parser,
// limits and conversion), then dispatched as the server's front handler does to in-process
// handlers: POST /webhooks/{source} to the webhook stage (sources with auth none, api-key and
// hmac; envelope; an in-process sink), X-Amz-Target: AWSEvents.* to the EventBridge API (in-memory
// stores, the real pattern engine). Every request is answered: a refusal (400/413) ends the
// connection, as the server closes it; a handler's answer within 10 s, never a 5xx.
#include <prometheus/registry.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "api/api_test_util.h"
#include "api/events_api.h"
#include "config/config.h"
#include "fuzz/fuzz_sinks.h"
#include "fuzz/fuzz_util.h"
#include "http/request_parse.h"
#include "ingest/webhook.h"

namespace {
using namespace cxbridge;

constexpr size_t kMaxBody = 64 * 1024;

constexpr const char* kConfig = R"(
sources:
  open:
    auth: {scheme: none}
    detail_type: {path: "$.type", default: Plain}
    idempotency_key: {header: X-Id}
  keyed:
    auth: {scheme: api-key, header: X-API-Key, secret: {value: fuzz-key}}
  signed:
    auth: {scheme: hmac, header: X-Signature, encoding: hex, prefix: "sha256=", secret: {value: s}}
    event_source: fuzz.signed
)";

struct Front {
  fuzz::DiscardSink sink;
  FakeClock clock{1'704'067'200'000};
  prometheus::Registry metrics;
  std::unique_ptr<ingest::WebhookHandler> webhooks;
  api::testing::MemResourceStore resources;
  api::testing::MemArchiveStore archives;
  std::unique_ptr<api::EventsApi> events;
  Front() {
    auto cfg = config::ParseConfig(kConfig, "fuzz.yaml");
    if (!cfg.ok()) fuzz::Fail();
    webhooks = std::make_unique<ingest::WebhookHandler>(sink, clock, metrics);
    if (!webhooks->Configure(cfg->sources, "123456789012", "us-east-1", {"default"}).ok()) fuzz::Fail();
    api::ApiOptions o;
    o.run_replay_thread = false;
    events = std::make_unique<api::EventsApi>(o, resources, archives, sink, sink, clock);
    if (!events->Start().ok()) fuzz::Fail();
  }

  http::Response Serve(http::Request req) {
    http::Handler* h = nullptr;
    if (req.path.starts_with("/webhooks/")) {
      h = webhooks.get();
    } else if (req.Header("X-Amz-Target")) {
      h = events.get();
    } else {
      return http::Response::Error(404, "NotFound", "no route");
    }
    auto answer = std::make_shared<std::promise<http::Response>>();
    auto done = answer->get_future();
    h->Handle(std::move(req), [answer](http::Response r) { answer->set_value(std::move(r)); });
    if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) fuzz::Fail();
    return done.get();
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Front* front = new Front();  // for the process: the API's threads outlive statics
  std::string_view bytes = fuzz::AsText(data, size);
  for (int requests = 0; !bytes.empty() && requests < 8; ++requests) {
    http::ParsedRequest p = http::ParseRequestBytes(bytes, kMaxBody);
    if (p.refusal) {
      if (p.refusal->status != 400 && p.refusal->status != 413) fuzz::Fail();
      return 0;
    }
    if (!p.request) return 0;
    if (p.consumed == 0 || p.consumed > bytes.size()) fuzz::Fail();
    http::Response r = front->Serve(std::move(*p.request));
    if (r.status >= 500 && r.status != 503) fuzz::Fail();
    if (!p.keep_alive) return 0;
    bytes.remove_prefix(p.consumed);
  }
  return 0;
}
