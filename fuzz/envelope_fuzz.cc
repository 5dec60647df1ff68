// The webhook envelope on any body (the request's bytes after authentication), under three
// sources' options: defaults, a detail-type path with idempotency paths and headers, and a
// constant detail-type with recognition off. An accepted body gives an event that is a JSON
// object with the envelope's fields in AWS's order. When the direct path (envelope_fast.h: the
// event written from the body's own bytes) takes a body, the document path must accept it too
// and give the same bytes, detail-type, source, time, idempotency key and kind (the random id
// aside).
#include <string>

#include "common/json.h"
#include "fuzz/fuzz_util.h"
#include "ingest/envelope.h"
#include "ingest/envelope_fast.h"

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
      Options(R"({"name":"n","detail_type":{"path":"$.n"},"idempotency_key":"none"})"),
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
  const ingest::EnvelopeOptions& opts = Opts(data[0] % 4);
  constexpr int64_t kNow = 1'773'842'531'123;
  auto env = ingest::BuildEnvelope(req, opts, kNow);
  if (std::optional<ingest::Envelope> direct = ingest::TryBuildEnvelopeDirect(req, opts, kNow)) {
    if (!env.ok()) fuzz::Fail();  // the direct path took a body the document path refuses
    std::string want = env->event_json;
    const size_t at = want.find(env->id);
    if (at == std::string::npos) fuzz::Fail();
    want.replace(at, env->id.size(), direct->id);
    if (direct->event_json != want || direct->detail_type != env->detail_type ||
        direct->source != env->source || direct->time_ms != env->time_ms ||
        direct->idempotency_key != env->idempotency_key || direct->kind != env->kind) {
      fuzz::Fail();
    }
  }
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
