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
#include "deliver/aws_target_kind.h"

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

struct FirehoseWire {
  static constexpr std::string_view kName = "firehose";
  static constexpr std::string_view kService = "firehose";
  static constexpr std::string_view kWhat = "Firehose target";
  static constexpr std::string_view kArnForm =
      "arn:aws:firehose:<region>:<account>:deliverystream/<name>";

  struct Config {
    std::string name;
  };

  static Result<Config> Parse(const bus::TargetDef& def, const aws::Arn& arn) {
    if (!arn.resource.starts_with(kStreamPrefix) || arn.resource.size() == kStreamPrefix.size() ||
        arn.resource.find_first_of(":/", kStreamPrefix.size()) != std::string::npos) {
      return Status::InvalidArgument("Firehose target " + def.arn + " is not a delivery stream ARN (" +
                                     std::string(kArnForm) + ")");
    }
    return Config{arn.resource.substr(kStreamPrefix.size())};
  }

  static BatchLimits Limits(const Config&, const AwsSettings&) {
    return {kMaxRecords, kMaxRequestBytes, kMaxRecordBytes, 0};
  }

  static std::variant<EncodedEntry, SendResult> Encode(const Config&, const SendRequest& req) {
    return EncodeFirehoseRecord(req.payload);
  }

  static AwsCall Request(const Config& c, std::vector<std::string> records) {
    AwsCall call;
    call.content_type = "application/x-amz-json-1.1";
    call.op = "Firehose_20150804.PutRecordBatch";
    call.body = FirehoseRequestBody(c.name, records);
    return call;
  }

  static std::vector<SendResult> Map(const Config&, const http::ClientResponse& resp, size_t entries) {
    return MapFirehoseResponse(resp, entries);
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewFirehoseTargetKind() {
  return std::make_unique<BatchedAwsTargetKind<FirehoseWire>>();
}

}  // namespace cxbridge::deliver
