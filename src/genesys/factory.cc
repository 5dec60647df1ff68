#include "genesys/factory.h"

#include "ingest/envelope.h"

namespace cxbridge::genesys {
namespace {

class IngestEnveloper : public FrameEnveloper {
 public:
  IngestEnveloper(ingest::EnvelopeOptions opts, std::shared_ptr<const blob::ClaimCheck> claim_check)
      : opts_(std::move(opts)), claim_check_(std::move(claim_check)) {}

  Result<bus::IncomingEvent> Envelope(json::Value frame, int64_t now_ms) const override {
    ingest::RequestView view;  // a frame has no method, path or headers
    view.method = "WS";
    bus::IncomingEvent e;
    e.kind = bus::SourceKind::kGenesysWebSocket;
    auto env = ingest::BuildEnvelopeFromValue(std::move(frame), view, opts_, now_ms);
    if (!env.ok()) return env.status();
    e.event_json = std::move(env->event_json);  // serialized once, here
    e.id = std::move(env->id);
    e.source = std::move(env->source);
    e.detail_type = std::move(env->detail_type);
    e.time_ms = env->time_ms;
    e.idempotency_key = std::move(env->idempotency_key);
    e.claim_check = claim_check_;  // the pipeline's ClaimCheck stage applies it
    return e;
  }

 private:
  const ingest::EnvelopeOptions opts_;
  const std::shared_ptr<const blob::ClaimCheck> claim_check_;  // null: none configured
};

}  // namespace

Result<std::unique_ptr<FrameEnveloper>> MakeIngestEnveloper(const NotificationsSettings& settings,
                                                            std::shared_ptr<blob::BlobStore> blobs) {
  json::Value raw = settings.raw;
  std::shared_ptr<const blob::ClaimCheck> claim_check;
  if (const json::Value* cc = raw.Find("claim_check"); cc != nullptr && !cc->is_null()) {
    auto policy = blob::ParseClaimCheckPolicy(*cc);
    if (!policy.ok()) return Status::InvalidArgument("claim_check: " + policy.status().message());
    if (blobs) claim_check = std::make_shared<const blob::ClaimCheck>(std::move(*policy), std::move(blobs));
  }
  raw.Erase("claim_check");
  if (raw.Find("name") == nullptr) raw.Set("name", json::Value::String(settings.name));
  auto opts = ingest::ParseEnvelopeOptions(raw, settings.account, settings.aws_region);
  if (!opts.ok()) return opts.status();
  // Frames are always Genesys notifications; never mistake one for an EventBridge event.
  opts->recognize_eventbridge = false;
  opts->recognize_genesys = true;
  return std::unique_ptr<FrameEnveloper>(std::make_unique<IngestEnveloper>(std::move(*opts), std::move(claim_check)));
}

Result<std::unique_ptr<NotificationSource>> MakeNotificationSource(const config::SourceConfig& sc,
                                                                   const std::string& account,
                                                                   const std::string& region,
                                                                   bus::EventSink& sink, Clock& clock,
                                                                   prometheus::Registry* metrics,
                                                                   std::shared_ptr<blob::BlobStore> blobs) {
  auto where = [&](const Status& st) {
    return Status(st.code(), "source " + sc.name + " (line " + std::to_string(sc.line) + "): " + st.message());
  };
  auto settings = ParseNotificationsSettings(sc.name, sc.raw, account, region);
  if (!settings.ok()) return where(settings.status());
  const json::Value* cc = sc.raw.Find("claim_check");
  if (cc != nullptr && !cc->is_null() && !blobs) return where(Status::InvalidArgument("claim_check needs a blob store"));
  auto enveloper = MakeIngestEnveloper(*settings, std::move(blobs));
  if (!enveloper.ok()) return where(enveloper.status());
  auto source = std::make_unique<NotificationSource>(std::move(*settings), std::move(*enveloper), sink, clock);
  if (metrics != nullptr) source->ExportMetrics(*metrics);
  return source;
}

}  // namespace cxbridge::genesys
