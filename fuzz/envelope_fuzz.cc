// The webhook envelope on any body (the request's bytes after authentication), under three
// sources' options: defaults, a detail-type path with idempotency paths and headers, and a
// constant detail-type with recognition off. An accepted body gives an event that is a JSON
// object with the envelope's fields in AWS's order.
#include <string>

#include "common/json.h"
#include "fuzz/fuzz_util.h"
#include "ingest/envelope.h"

namespace {
using namespace cxbridge;

ingest::EnvelopeOptions Options(const char* config) {
  auto raw = json::Parse(config);
  if (!raw.ok()) fuzz::Fail();
  auto o = ingest::ParseEnvelopeOptions(*raw, "111122223333", "eu-west-1");
  if (!o.ok()) fuzz::Fail();
  return std::move(*o);
}

const ingest::EnvelopeOptions& Opts(size_t i) {
  static const ingest::EnvelopeOptions kOpts[] = {
      Options(R"({"name":"plain"})"),
      Options(R"({"name":"path","detail_type":{"path":"$.kind","default":"Unknown"},)"
              R"("idempotency_key":{"paths":["$.id","$.items[0].id"],"headers":["X-Id"]}})"),
      Options(R"({"name":"raw","recognize":[],"detail_type":"Raw","event_source":"fuzz.src"})"),
  };
  return kOpts[i];
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body = fuzz::AsText(data + 1, size - 1);
  ingest::RequestView req;
  req.method = "POST";
  req.path = "/webhooks/fuzz";
  req.body = body;
  req.header = [](std::string_view name) -> std::optional<std::string_view> {
    if (name == "X-Id" || name == "webhook-id") return std::string_view("h-1");
    return std::nullopt;
  };
  auto env = ingest::BuildEnvelope(req, Opts(data[0] % 3), 1'773'842'531'123);
  if (!env.ok()) return 0;
  auto ev = json::Parse(env->event_json);
  if (!ev.ok() || !ev->is_object() || ev->members().size() < 9) fuzz::Fail();
  static const char* kOrder[] = {"version", "id", "detail-type", "source", "account", "time", "region"};
  for (size_t i = 0; i < 7; ++i) {
    if (ev->members()[i].first != kOrder[i]) fuzz::Fail();
  }
  const json::Value* detail = ev->Find("detail");
  if (detail == nullptr || !detail->is_object()) fuzz::Fail();
  if (ev->Find("id")->as_string() != env->id) fuzz::Fail();
  return 0;
}
