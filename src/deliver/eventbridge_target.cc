// The `eventbridge` target kind: a rule target whose Arn is an event bus in AWS,
//
//   Arn: arn:aws:events:<region>:<account>:event-bus/<name>
//
// in another account or region than cxbridge's own (server.account/region), or in the same
// one with the cxbridge extension `Aws: {Remote: true}`. Each delivery becomes one PutEvents
// entry for that bus (EventBusName = the ARN), sent to the `events` endpoint of the ARN's region
// (aws.endpoints.events overrides it) and signed with the `aws:` credentials. Deliveries are
// batched (aws_batcher.h): up to 10 entries and aws.max_request_bytes (256 KiB) per request,
// lingering at most aws.batch_window_ms.
//
// What is sent: EventBridge forwards an event to a bus target unchanged (its console offers no
// input transformation for bus targets), and so does cxbridge: Source, DetailType, Detail,
// Resources and Time of the event. When the target has Input/InputPath/InputTransformer anyway
// (a cxbridge extension), the rendered payload becomes the Detail (it must be a JSON object,
// or AWS answers MalformedDetail); the other fields still come from the event.
//
// Outcomes (the one place: MapPutEventsResponse): per entry, AWS's EventId → delivered;
// ThrottlingException/InternalFailure → retry; any other ErrorCode → dead-letter with AWS's code
// and message. An entry larger than the request limit is dead-lettered here (ENTRY_TOO_LARGE).
// Config errors refused when the target is saved: no aws credentials, a malformed ARN, the own
// bus without Aws.Remote.
// Thread-safety: Send is safe from any thread; results arrive on the HttpClient's thread.
#include "common/ids.h"
#include "deliver/aws_batcher.h"
#include "deliver/aws_settings.h"
#include "deliver/aws_targets.h"

namespace cxbridge::deliver {

Result<EncodedEntry> EncodePutEventsEntry(const SendRequest& req, bool transformed,
                                          const std::string& bus_arn) {
  // The event: the original one when the payload is a transform of it; otherwise the payload
  // itself (the whole event, with claim-checked parts already resolved when configured).
  const std::string& event_text = transformed && req.event ? *req.event : req.payload;
  auto event = json::Parse(event_text);
  if (!event.ok() || !event->is_object())
    return Status::InvalidArgument("the event is not a JSON object");
  const json::Value* source = event->Find("source");
  const json::Value* detail_type = event->Find("detail-type");
  if (source == nullptr || !source->is_string() || detail_type == nullptr ||
      !detail_type->is_string()) {
    return Status::InvalidArgument("the event has no source or detail-type");
  }
  std::string detail;
  if (transformed) {
    detail = req.payload;
  } else if (const json::Value* d = event->Find("detail"); d != nullptr) {
    detail = json::Serialize(*d);
  } else {
    detail = "{}";
  }
  EncodedEntry out;
  json::Value entry = json::Value::Object();
  entry.Set("Source", *source);
  entry.Set("DetailType", *detail_type);
  out.size = source->as_string().size() + detail_type->as_string().size() + detail.size();
  entry.Set("Detail", json::Value::String(std::move(detail)));
  json::Value resources = json::Value::Array();
  if (const json::Value* r = event->Find("resources"); r != nullptr && r->is_array()) {
    for (const auto& v : r->items()) {
      if (!v.is_string()) continue;
      out.size += v.as_string().size();
      resources.Push(v);
    }
  }
  entry.Set("Resources", std::move(resources));
  if (const json::Value* t = event->Find("time"); t != nullptr && t->is_string()) {
    if (auto ms = ParseRfc3339(t->as_string())) {
      entry.Set("Time", json::Value::Int(*ms / 1000));  // epoch seconds, as the SDKs send it
      out.size += 14;
    }
  }
  entry.Set("EventBusName", json::Value::String(bus_arn));
  out.json = json::Serialize(entry);
  return out;
}

std::vector<SendResult> MapPutEventsResponse(const http::ClientResponse& resp, size_t entries) {
  return MapEntryResults(resp, entries, "Entries", "one PutEvents result per entry");
}

namespace {

// What the requests of one target share; immutable, kept alive by in-flight requests.
struct BusEndpoint {
  AwsService aws;
  std::string bus_arn;
};

void SendPutEvents(const std::shared_ptr<const BusEndpoint>& bus, std::vector<BatchEntry> batch,
                   std::function<void()> finished) {
  std::string body = JsonListBody("{\"Entries\":", TakeEncoded(&batch));
  bus->aws.CallBatch("application/x-amz-json-1.1", "AWSEvents.PutEvents", std::move(body),
                     std::move(batch), MapPutEventsResponse, std::move(finished));
}

class EventBridgeTarget : public Target {
 public:
  EventBridgeTarget(std::shared_ptr<const BusEndpoint> bus, bool transformed)
      : bus_(bus),
        transformed_(transformed),
        batcher_(BatchOptions{10, bus->aws.settings->max_request_bytes,
                              bus->aws.settings->batch_window_ms, 0},
                 [bus](std::vector<BatchEntry> b, std::function<void()> f) {
                   SendPutEvents(bus, std::move(b), std::move(f));
                 }) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    auto entry = EncodePutEventsEntry(req, transformed_, bus_->bus_arn);
    if (!entry.ok())
      return done({SendResult::kPermanent, "INVALID_EVENT", entry.status().message()});
    if (entry->size > bus_->aws.settings->max_request_bytes) {
      return done({SendResult::kPermanent, "ENTRY_TOO_LARGE",
                   "PutEvents entry of " + std::to_string(entry->size) + " bytes exceeds the " +
                       std::to_string(bus_->aws.settings->max_request_bytes) +
                       "-byte request limit"});
    }
    batcher_.Add(BatchEntry{std::move(entry->json), entry->size, std::move(done)});
  }

 private:
  const std::shared_ptr<const BusEndpoint> bus_;
  const bool transformed_;
  AwsBatcher batcher_;  // last: destroyed (flushed) first
};

bool HasTransform(const bus::TargetDef& def) {
  return def.raw.Find("Input") != nullptr || def.raw.Find("InputPath") != nullptr ||
         def.raw.Find("InputTransformer") != nullptr;
}

class EventBridgeTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "eventbridge"; }
  bool Handles(const bus::TargetDef& def) const override {
    auto arn = aws::ParseArn(def.arn);
    return arn && arn->service == "events" && arn->resource.starts_with("event-bus/");
  }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto arn = ParseTargetArn(def.arn, "events");
    if (!arn || arn->resource.size() <= 10 || arn->account.size() != 12) {
      return Status::InvalidArgument(
          "event bus target " + def.arn +
          " is not an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)");
    }
    if (arn->account == env.account && arn->region == env.region && !ForcedRemote(def)) {
      return Status::InvalidArgument(
          "event bus target " + def.arn +
          " is in cxbridge's own account and region; "
          "delivering to a cxbridge bus is not supported (set Aws: {Remote: true} "
          "to forward to the AWS bus with this ARN)");
    }
    return RequireAwsCredentials(env, "event bus target", def.arn);
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    CXB_RETURN_IF_ERROR(Validate(def, env));
    if (env.http == nullptr) return Status::Internal("event bus target without an HTTP client");
    auto bus = std::make_shared<BusEndpoint>();
    bus->aws = AwsService::For(env, "events", ParseTargetArn(def.arn, "events")->region, def.origin);
    bus->bus_arn = def.arn;
    return std::shared_ptr<Target>(
        std::make_shared<EventBridgeTarget>(std::move(bus), HasTransform(def)));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewEventBridgeTargetKind() {
  return std::make_unique<EventBridgeTargetKind>();
}

}  // namespace cxbridge::deliver
