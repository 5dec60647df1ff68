// The `sqs` target kind: a rule target whose Arn is an SQS queue in AWS,
//
//   Arn: arn:aws:sqs:<region>:<account>:<queue name>
//   SqsParameters: {MessageGroupId: "$.detail.eventBody.conversationId"}   (FIFO queues)
//
// in another account or region than cxbridge's own (the own ones are the built-in queues,
// queue_target.cc), or in the same one with `Aws: {Remote: true}`. The body is the (transformed)
// payload, sent with the SQS JSON protocol (AmazonSQS.SendMessage for a lone message,
// AmazonSQS.SendMessageBatch for up to 10; aws_batcher.h) to the queue URL
// <sqs endpoint of the ARN's region>/<account>/<name> (aws.endpoints.sqs overrides the endpoint),
// signed with the `aws:` credentials.
//
// FIFO queues (names ending in .fifo): MessageGroupId from SqsParameters (a literal or a "$."
// path into the original event; required) and MessageDeduplicationId = the event id, so a
// repeated delivery of the same event is dropped by SQS within its 5-minute window (two rules
// sending the same event to one FIFO queue therefore deliver it once). One request is in flight
// at a time, so first attempts reach the queue in the order the scheduler hands them over; set
// the target's OrderingKey to the group path to keep that order across retries too.
//
// Outcomes (the one place: MapSqsResponse): delivered; RequestThrottled/KmsThrottled/5xx/
// transport errors → retry; a batch entry failed with SenderFault=false → retry; anything else
// (QueueDoesNotExist, InvalidMessageContents, access denied, …) → dead-letter with SQS's code and
// message. A group path that names nothing → NO_GROUP_ID; a body over the limit → ENTRY_TOO_LARGE.
// Thread-safety: Send is safe from any thread; results arrive on the HttpClient's thread.
#include "deliver/aws_batcher.h"
#include "deliver/aws_settings.h"
#include "deliver/aws_targets.h"

namespace cxbridge::deliver {

EncodedEntry EncodeSqsEntry(const std::string& body, const std::string& group_id,
                            const std::string& dedup_id) {
  json::Value e = json::Value::Object();
  e.Set("MessageBody", json::Value::String(body));
  if (!group_id.empty()) e.Set("MessageGroupId", json::Value::String(group_id));
  if (!dedup_id.empty())
    e.Set("MessageDeduplicationId", json::Value::String(dedup_id.substr(0, 128)));
  return {json::Serialize(e), body.size()};
}

std::string SqsRequestBody(const std::string& queue_url, const std::vector<std::string>& entries,
                           bool batch) {
  std::string url = json::Serialize(json::Value::String(queue_url));
  if (!batch) {
    // The entry object with QueueUrl added in front: {"QueueUrl":…,"MessageBody":…}.
    return "{\"QueueUrl\":" + url + "," + entries.at(0).substr(1);
  }
  std::string out = "{\"QueueUrl\":" + url + ",\"Entries\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"Id\":\"" + std::to_string(i) + "\"," + entries[i].substr(1);
  }
  return out + "]}";
}

std::vector<SendResult> MapSqsResponse(const http::ClientResponse& resp, size_t entries,
                                       bool batch) {
  auto body = json::Parse(resp.body);
  json::Value doc = body.ok() ? std::move(*body) : json::Value();
  SendResult overall = ClassifyAwsResponse(resp, doc);
  if (overall.kind != SendResult::kOk || !batch) return std::vector<SendResult>(entries, overall);
  std::vector<SendResult> out(entries, {SendResult::kRetryable, "MALFORMED_RESPONSE",
                                        "SendMessageBatch answer does not list this entry"});
  auto index_of = [&](const json::Value& e) -> int64_t {
    const json::Value* id = e.Find("Id");
    if (id == nullptr || !id->is_string()) return -1;
    char* end = nullptr;
    long i = std::strtol(id->as_string().c_str(), &end, 10);
    return (*end == '\0' && i >= 0 && static_cast<size_t>(i) < entries) ? i : -1;
  };
  if (const json::Value* ok = doc.Find("Successful"); ok != nullptr && ok->is_array()) {
    for (const auto& e : ok->items()) {
      if (int64_t i = index_of(e); i >= 0) out[i] = SendResult{};
    }
  }
  if (const json::Value* failed = doc.Find("Failed"); failed != nullptr && failed->is_array()) {
    for (const auto& e : failed->items()) {
      int64_t i = index_of(e);
      if (i < 0) continue;
      const json::Value* sender = e.Find("SenderFault");
      const json::Value* code = e.Find("Code");
      const json::Value* msg = e.Find("Message");
      std::string c = code != nullptr && code->is_string() ? code->as_string() : "SQS_ERROR";
      const bool permanent =
          sender != nullptr && sender->is_bool() && sender->as_bool() && !IsRetryableAwsCode(c);
      out[i] = {permanent ? SendResult::kPermanent : SendResult::kRetryable, c,
                msg != nullptr && msg->is_string() ? msg->as_string() : ""};
    }
  }
  return out;
}

namespace {

// What the requests of one target share; immutable, kept alive by in-flight requests.
struct QueueEndpoint {
  AwsService aws;
  std::string queue_url;
};

std::vector<SendResult> MapSendMessage(const http::ClientResponse& resp, size_t entries) {
  return MapSqsResponse(resp, entries, false);
}
std::vector<SendResult> MapSendMessageBatch(const http::ClientResponse& resp, size_t entries) {
  return MapSqsResponse(resp, entries, true);
}

void SendToQueue(const std::shared_ptr<const QueueEndpoint>& q, std::vector<BatchEntry> batch,
                 std::function<void()> finished) {
  const bool many = batch.size() > 1;
  std::vector<std::string> encoded = TakeEncoded(&batch);
  q->aws.CallBatch("application/x-amz-json-1.0",
                   many ? "AmazonSQS.SendMessageBatch" : "AmazonSQS.SendMessage",
                   SqsRequestBody(q->queue_url, encoded, many), std::move(batch),
                   many ? MapSendMessageBatch : MapSendMessage, std::move(finished));
}

class SqsTarget : public Target {
 public:
  SqsTarget(std::shared_ptr<const QueueEndpoint> q, bool fifo, std::string group)
      : queue_(q),
        fifo_(fifo),
        group_(std::move(group)),
        batcher_(BatchOptions{10, q->aws.settings->max_request_bytes,
                              q->aws.settings->batch_window_ms, fifo ? 1 : 0},
                 [q](std::vector<BatchEntry> b, std::function<void()> f) {
                   SendToQueue(q, std::move(b), std::move(f));
                 }) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    std::string group, dedup;
    if (fifo_) {
      group = MessageGroupIdFor(group_, req);
      if (group.empty()) {
        return done({SendResult::kPermanent, "NO_GROUP_ID",
                     "SqsParameters.MessageGroupId gave no value for this event (FIFO queue " +
                         queue_->queue_url + ")"});
      }
      dedup = req.event_id;
    }
    EncodedEntry e = EncodeSqsEntry(req.payload, group, dedup);
    if (e.size > queue_->aws.settings->max_request_bytes) {
      return done({SendResult::kPermanent, "ENTRY_TOO_LARGE",
                   "message of " + std::to_string(e.size) + " bytes exceeds the " +
                       std::to_string(queue_->aws.settings->max_request_bytes) + "-byte limit"});
    }
    batcher_.Add(BatchEntry{std::move(e.json), e.size, std::move(done)});
  }

 private:
  const std::shared_ptr<const QueueEndpoint> queue_;
  const bool fifo_;
  const std::string group_;
  AwsBatcher batcher_;  // last: destroyed (flushed) first
};

class SqsTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "sqs"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("arn:aws:sqs:");
  }
  // Own-account queues are the built-in ones (queue_target.cc) unless Aws.Remote says otherwise.
  bool HandlesIn(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto arn = aws::ParseArn(def.arn);
    if (!arn || arn->service != "sqs") return false;
    return ForcedRemote(def) || arn->account != env.account || arn->region != env.region;
  }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto arn = ParseTargetArn(def.arn, "sqs");
    if (!arn || arn->account.size() != 12 ||
        arn->resource.find_first_of(":/") != std::string::npos) {
      return Status::InvalidArgument("SQS target " + def.arn +
                                     " is not a queue ARN (arn:aws:sqs:<region>:<account>:<name>)");
    }
    if (const json::Value* p = def.raw.Find("SqsParameters"); p != nullptr) {
      const json::Value* g = p->is_object() ? p->Find("MessageGroupId") : nullptr;
      if (g != nullptr && (!g->is_string() || g->as_string().empty())) {
        return Status::InvalidArgument("SqsParameters.MessageGroupId must be a non-empty string");
      }
      if (g != nullptr && !arn->resource.ends_with(".fifo")) {
        return Status::InvalidArgument("SqsParameters.MessageGroupId is only for FIFO queues (" +
                                       def.arn + ")");
      }
    }
    if (arn->resource.ends_with(".fifo") && GroupSpec(def).empty()) {
      return Status::InvalidArgument("SQS target " + def.arn +
                                     " is a FIFO queue: SqsParameters.MessageGroupId is required");
    }
    return RequireAwsCredentials(env, "SQS target", def.arn);
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    CXB_RETURN_IF_ERROR(Validate(def, env));
    if (env.http == nullptr) return Status::Internal("SQS target without an HTTP client");
    auto arn = ParseTargetArn(def.arn, "sqs");
    auto q = std::make_shared<QueueEndpoint>();
    q->aws = AwsService::For(env, "sqs", arn->region, def.origin);
    q->queue_url = q->aws.endpoint + "/" + arn->account + "/" + arn->resource;
    const bool fifo = arn->resource.ends_with(".fifo");
    return std::shared_ptr<Target>(std::make_shared<SqsTarget>(std::move(q), fifo, GroupSpec(def)));
  }

 private:
  static std::string GroupSpec(const bus::TargetDef& def) {
    const json::Value* p = def.raw.Find("SqsParameters");
    const json::Value* g = p != nullptr ? p->Find("MessageGroupId") : nullptr;
    return g != nullptr && g->is_string() ? g->as_string() : "";
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewSqsTargetKind() { return std::make_unique<SqsTargetKind>(); }

}  // namespace cxbridge::deliver
