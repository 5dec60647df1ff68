#include "genesys/factory.h"

#include "ingest/envelope.h"

namespace cxbridge::genesys {
namespace {

class IngestEnveloper : public FrameEnveloper {
 public:
  explicit IngestEnveloper(ingest::EnvelopeOptions opts) : opts_(std::move(opts)) {}

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
    return e;
  }

 private:
  const ingest::EnvelopeOptions opts_;
};

}  // namespace

Result<std::unique_ptr<FrameEnveloper>> MakeIngestEnveloper(const NotificationsSettings& settings) {
  json::Value raw = settings.raw;
  if (raw.Find("name") == nullptr) raw.Set("name", json::Value::String(settings.name));
  auto opts = ingest::ParseEnvelopeOptions(raw, settings.account, settings.aws_region);
  if (!opts.ok()) return opts.status();
  // Frames are always Genesys notifications; never mistake one for an EventBridge event.
  opts->recognize_eventbridge = false;
  opts->recognize_genesys = true;
  return std::unique_ptr<FrameEnveloper>(std::make_unique<IngestEnveloper>(std::move(*opts)));
}

Result<std::unique_ptr<NotificationSource>> MakeNotificationSource(const config::SourceConfig& sc,
                                                                   const std::string& account,
                                                                   const std::string& region,
                                                                   bus::EventSink& sink, Clock& clock,
                                                                   prometheus::Registry* metrics) {
  auto where = [&](const Status& st) {
    return Status(st.code(), "source " + sc.name + " (line " + std::to_string(sc.line) + "): " + st.message());
  };
  auto settings = ParseNotificationsSettings(sc.name, sc.raw, account, region);
  if (!settings.ok()) return where(settings.status());
  auto enveloper = MakeIngestEnveloper(*settings);
  if (!enveloper.ok()) return where(enveloper.status());
  auto source = std::make_unique<NotificationSource>(std::move(*settings), std::move(*enveloper), sink, clock);
  if (metrics != nullptr) source->ExportMetrics(*metrics);
  return source;
}

}  // namespace cxbridge::genesys
