// The EventBridge API (EventsApi) on any operation and body: "<Operation>\n<JSON body>", through
// its request decoding (JSON parse, the model's validation) into the operation itself, with
// in-memory stores, the real pattern engine and an in-process sink. Every call is answered
// (within 10 s), never with a 5xx (only a failure of ours would be one), and with a JSON body
// when the request was valid UTF-8 (error messages may quote the request's bytes as they are).
#include <simdjson.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "api/api_test_util.h"
#include "api/events_api.h"
#include "common/json.h"
#include "fuzz/fuzz_sinks.h"
#include "fuzz/fuzz_util.h"

namespace {
using namespace cxbridge;

struct Api {
  api::testing::MemResourceStore resources;
  api::testing::MemArchiveStore archives;
  fuzz::DiscardSink sink;
  FakeClock clock{1'704'067'200'000};
  std::unique_ptr<api::EventsApi> events;
  Api() {
    api::ApiOptions o;
    o.run_replay_thread = false;
    events = std::make_unique<api::EventsApi>(o, resources, archives, sink, sink, clock);
    if (!events->Start().ok()) fuzz::Fail();
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Api* api = new Api();  // lives for the process (its threads outlive static destruction)
  auto [op, body] = fuzz::SplitLine(fuzz::AsText(data, size));
  auto answer = std::make_shared<std::promise<http::Response>>();
  auto done = answer->get_future();
  http::Request req;
  req.method = "POST";
  req.target = req.path = "/";
  req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "AWSEvents." + std::string(op)}};
  req.body = std::string(body);
  api->events->Handle(std::move(req), [answer](http::Response r) { answer->set_value(std::move(r)); });
  if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) fuzz::Fail();
  http::Response r = done.get();
  if (r.status >= 500) fuzz::Fail();
  if (simdjson::validate_utf8(reinterpret_cast<const char*>(data), size) && !json::Parse(r.body).ok()) fuzz::Fail();
  return 0;
}
