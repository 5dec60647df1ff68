// The `kinesis` target kind: a rule target whose Arn is a Kinesis data stream in AWS,
//
//   Arn: arn:aws:kinesis:<region>:<account>:stream/<name>
//   KinesisParameters: {PartitionKeyPath: "$.detail.eventBody.conversationId"}   (optional)
//
// as EventBridge has it. Each delivery becomes one record: Data = the (transformed) payload,
// PartitionKey = the value at PartitionKeyPath in the original event (at most 256 characters),
// or the event id without it (EventBridge's default). Records go out with
// Kinesis_20131202.PutRecords (JSON 1.1) to the `kinesis` endpoint of the ARN's region
// (aws.endpoints.kinesis overrides it), signed with the `aws:` credentials, batched
// (aws_batcher.h): up to 500 records and 5 MiB (data plus partition keys) per request,
// lingering at most aws.batch_window_ms.
//
// Outcomes (the one place: MapKinesisResponse): per record, a SequenceNumber → delivered;
// ProvisionedThroughputExceededException, InternalFailure and throttling codes → retry; any other
// ErrorCode (KMS access, disabled or missing key, …) → dead-letter with Kinesis's code and
// message. Request-level: ResourceNotFoundException (no such stream), AccessDenied, validation →
// dead-letter; throttling, 5xx, transport → retry. A record over 1 MiB is dead-lettered here
// (ENTRY_TOO_LARGE); a PartitionKeyPath that names nothing in the event → NO_PARTITION_KEY.
// Order: Kinesis keeps the order of one partition key's records within a request; set the
// target's OrderingKey to the same path to keep it across retries.
// Thread-safety: Send is safe from any thread; results arrive on the HttpClient's thread.
#include "common/encoding.h"
#include "deliver/aws_batcher.h"
#include "deliver/aws_settings.h"
#include "deliver/aws_targets.h"

namespace cxbridge::deliver {

namespace {
constexpr size_t kMaxRecordBytes = 1024 * 1024;       // data + partition key, per record
constexpr size_t kMaxRequestBytes = 5 * 1024 * 1024;  // per PutRecords request
constexpr size_t kMaxRecords = 500;
}  // namespace

EncodedEntry EncodeKinesisRecord(const std::string& data, const std::string& partition_key) {
  std::string out = "{\"Data\":\"" + Base64Encode(data) + "\",\"PartitionKey\":";
  json::AppendQuoted(&out, partition_key);
  out += '}';
  return {std::move(out), data.size() + partition_key.size()};
}

std::string KinesisRequestBody(const std::string& stream_name,
                               const std::vector<std::string>& records) {
  std::string prefix = "{\"StreamName\":";
  json::AppendQuoted(&prefix, stream_name);
  return JsonListBody(prefix + ",\"Records\":", records);
}

std::vector<SendResult> MapKinesisResponse(const http::ClientResponse& resp, size_t records) {
  return MapEntryResults(resp, records, "Records", "one PutRecords result per record");
}

namespace {

// What the requests of one target share; immutable, kept alive by in-flight requests.
struct StreamEndpoint {
  AwsService aws;
  std::string stream_name;
};

void PutRecords(const std::shared_ptr<const StreamEndpoint>& s, std::vector<BatchEntry> batch,
                std::function<void()> finished) {
  // The body first: the order in which call arguments are evaluated is unspecified.
  std::string body = KinesisRequestBody(s->stream_name, TakeEncoded(&batch));
  s->aws.CallBatch("application/x-amz-json-1.1", "Kinesis_20131202.PutRecords", std::move(body),
                   std::move(batch), MapKinesisResponse, std::move(finished));
}

class KinesisTarget : public Target {
 public:
  KinesisTarget(std::shared_ptr<const StreamEndpoint> s, std::string key_path)
      : stream_(s),
        key_path_(std::move(key_path)),
        batcher_(BatchOptions{kMaxRecords, kMaxRequestBytes, s->aws.settings->batch_window_ms, 0},
                 [s](std::vector<BatchEntry> b, std::function<void()> f) {
                   PutRecords(s, std::move(b), std::move(f));
                 }) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    std::string key = req.event_id;
    if (!key_path_.empty()) {
      key = MessageGroupIdFor(key_path_, req, 256);
      if (key.empty()) {
        return done({SendResult::kPermanent, "NO_PARTITION_KEY",
                     "KinesisParameters.PartitionKeyPath " + key_path_ +
                         " names nothing in this event (stream " + stream_->stream_name + ")"});
      }
    }
    EncodedEntry e = EncodeKinesisRecord(req.payload, key);
    if (e.size > kMaxRecordBytes) {
      return done({SendResult::kPermanent, "ENTRY_TOO_LARGE",
                   "record of " + std::to_string(e.size) + " bytes exceeds Kinesis's " +
                       std::to_string(kMaxRecordBytes) + "-byte limit"});
    }
    batcher_.Add(BatchEntry{std::move(e.json), e.size, std::move(done)});
  }

 private:
  const std::shared_ptr<const StreamEndpoint> stream_;
  const std::string key_path_;
  AwsBatcher batcher_;  // last: destroyed (flushed) first
};

class KinesisTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "kinesis"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("arn:aws:kinesis:");
  }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto arn = ParseAwsArn(def.arn);
    if (!arn || arn->account.size() != 12 || !arn->resource.starts_with("stream/") ||
        arn->resource.size() == 7 || arn->resource.find_first_of(":/", 7) != std::string::npos) {
      return Status::InvalidArgument(
          "Kinesis target " + def.arn +
          " is not a stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)");
    }
    if (const json::Value* p = def.raw.Find("KinesisParameters"); p != nullptr) {
      const json::Value* k = p->is_object() ? p->Find("PartitionKeyPath") : nullptr;
      if (!p->is_object() || k == nullptr || !k->is_string() || !k->as_string().starts_with("$.") ||
          k->as_string().size() > 256) {
        return Status::InvalidArgument(
            "KinesisParameters.PartitionKeyPath must be a JSON path like $.detail.id (at most 256 "
            "characters)");
      }
    }
    return RequireAwsCredentials(env, "Kinesis target", def.arn);
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    CXB_RETURN_IF_ERROR(Validate(def, env));
    if (env.http == nullptr) return Status::Internal("Kinesis target without an HTTP client");
    auto arn = ParseAwsArn(def.arn);
    auto s = std::make_shared<StreamEndpoint>();
    s->aws = AwsService::For(env, "kinesis", arn->region);
    s->stream_name = arn->resource.substr(7);
    std::string key_path;
    if (const json::Value* p = def.raw.Find("KinesisParameters")) {
      key_path = p->Find("PartitionKeyPath")->as_string();
    }
    return std::shared_ptr<Target>(
        std::make_shared<KinesisTarget>(std::move(s), std::move(key_path)));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewKinesisTargetKind() { return std::make_unique<KinesisTargetKind>(); }

}  // namespace cxbridge::deliver
