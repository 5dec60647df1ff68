// The `firehose` target kind: a rule target whose Arn is an Amazon Data Firehose delivery stream,
//
//   Arn: arn:aws:firehose:<region>:<account>:deliverystream/<name>
//
// (contact-center events into S3, Redshift, OpenSearch or Splunk for analytics). Each delivery
// becomes one record, Data = the (transformed) payload as EventBridge sends it (no separator is
// added; use an InputTransformer or the stream's processing for newline-delimited output).
// Records go out with Firehose_20150804.PutRecordBatch (JSON 1.1) to the `firehose` endpoint of
// the ARN's region (aws.endpoints.firehose overrides it), signed with the `aws:` credentials,
// batched (aws_batcher.h): up to 500 records and 4 MiB per request, lingering at most
// aws.batch_window_ms.
//
// Outcomes (MapEntryResults over "RequestResponses"): a RecordId → delivered;
// ServiceUnavailableException and throttling → retry; any other ErrorCode → dead-letter.
// Request-level: ResourceNotFoundException (no such stream), access denied, validation →
// dead-letter; throttling, 5xx, transport → retry. A record over 1,000 KiB → ENTRY_TOO_LARGE.
// Thread-safety: Send is safe from any thread; results arrive on the HttpClient's thread.
#include "common/encoding.h"
#include "deliver/aws_batcher.h"
#include "deliver/aws_settings.h"
#include "deliver/aws_targets.h"

namespace cxbridge::deliver {

namespace {
constexpr size_t kMaxRecordBytes = 1000 * 1024;       // per record, before base64
constexpr size_t kMaxRequestBytes = 4 * 1024 * 1024;  // per PutRecordBatch request
constexpr size_t kMaxRecords = 500;
constexpr std::string_view kStreamPrefix = "deliverystream/";
}  // namespace

EncodedEntry EncodeFirehoseRecord(const std::string& data) {
  return {"{\"Data\":\"" + Base64Encode(data) + "\"}", data.size()};
}

std::string FirehoseRequestBody(const std::string& stream_name,
                                const std::vector<std::string>& records) {
  std::string prefix = "{\"DeliveryStreamName\":";
  json::AppendQuoted(&prefix, stream_name);
  return JsonListBody(prefix + ",\"Records\":", records);
}

std::vector<SendResult> MapFirehoseResponse(const http::ClientResponse& resp, size_t records) {
  return MapEntryResults(resp, records, "RequestResponses", "one PutRecordBatch result per record");
}

namespace {

// What the requests of one target share; immutable, kept alive by in-flight requests.
struct DeliveryStream {
  AwsService aws;
  std::string name;
};

void PutRecordBatch(const std::shared_ptr<const DeliveryStream>& s, std::vector<BatchEntry> batch,
                    std::function<void()> finished) {
  // The body first: the order in which call arguments are evaluated is unspecified.
  std::string body = FirehoseRequestBody(s->name, TakeEncoded(&batch));
  s->aws.CallBatch("application/x-amz-json-1.1", "Firehose_20150804.PutRecordBatch",
                   std::move(body), std::move(batch), MapFirehoseResponse, std::move(finished));
}

class FirehoseTarget : public Target {
 public:
  explicit FirehoseTarget(std::shared_ptr<const DeliveryStream> s)
      : batcher_(BatchOptions{kMaxRecords, kMaxRequestBytes, s->aws.settings->batch_window_ms, 0},
                 [s](std::vector<BatchEntry> b, std::function<void()> f) {
                   PutRecordBatch(s, std::move(b), std::move(f));
                 }) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    if (req.payload.size() > kMaxRecordBytes) {
      return done({SendResult::kPermanent, "ENTRY_TOO_LARGE",
                   "record of " + std::to_string(req.payload.size()) +
                       " bytes exceeds Firehose's " + std::to_string(kMaxRecordBytes) +
                       "-byte limit"});
    }
    EncodedEntry e = EncodeFirehoseRecord(req.payload);
    batcher_.Add(BatchEntry{std::move(e.json), e.size, std::move(done)});
  }

 private:
  AwsBatcher batcher_;
};

class FirehoseTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "firehose"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("arn:aws:firehose:");
  }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto arn = ParseTargetArn(def.arn, "firehose");
    if (!arn || arn->account.size() != 12 || !arn->resource.starts_with(kStreamPrefix) ||
        arn->resource.size() == kStreamPrefix.size() ||
        arn->resource.find_first_of(":/", kStreamPrefix.size()) != std::string::npos) {
      return Status::InvalidArgument("Firehose target " + def.arn +
                                     " is not a delivery stream ARN "
                                     "(arn:aws:firehose:<region>:<account>:deliverystream/<name>)");
    }
    return RequireAwsCredentials(env, "Firehose target", def.arn);
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    CXB_RETURN_IF_ERROR(Validate(def, env));
    if (env.http == nullptr) return Status::Internal("Firehose target without an HTTP client");
    auto arn = ParseTargetArn(def.arn, "firehose");
    auto s = std::make_shared<DeliveryStream>();
    s->aws = AwsService::For(env, "firehose", arn->region);
    s->name = arn->resource.substr(kStreamPrefix.size());
    return std::shared_ptr<Target>(std::make_shared<FirehoseTarget>(std::move(s)));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewFirehoseTargetKind() {
  return std::make_unique<FirehoseTargetKind>();
}

}  // namespace cxbridge::deliver
