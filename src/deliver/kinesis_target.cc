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
#include "deliver/aws_target_kind.h"

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

struct KinesisWire {
  static constexpr std::string_view kName = "kinesis";
  static constexpr std::string_view kService = "kinesis";
  static constexpr std::string_view kWhat = "Kinesis target";
  static constexpr std::string_view kArnForm = "arn:aws:kinesis:<region>:<account>:stream/<name>";

  struct Config {
    std::string stream_name;
    std::string key_path;  // "" : the event id
  };

  static Result<Config> Parse(const bus::TargetDef& def, const aws::Arn& arn) {
    auto name = aws::ResourceName(arn, "stream");
    if (!arn.resource.starts_with("stream/") || !name || name->find_first_of(":/") != std::string::npos) {
      return Status::InvalidArgument("Kinesis target " + def.arn + " is not a stream ARN (" +
                                     std::string(kArnForm) + ")");
    }
    Config c{*name, ""};
    if (const json::Value* p = def.raw.Find("KinesisParameters"); p != nullptr) {
      const json::Value* k = p->is_object() ? p->Find("PartitionKeyPath") : nullptr;
      if (!p->is_object() || k == nullptr || !k->is_string() || !k->as_string().starts_with("$.") ||
          k->as_string().size() > 256) {
        return Status::InvalidArgument(
            "KinesisParameters.PartitionKeyPath must be a JSON path like $.detail.id (at most 256 "
            "characters)");
      }
      c.key_path = k->as_string();
    }
    return c;
  }

  static BatchLimits Limits(const Config&, const AwsSettings&) {
    return {kMaxRecords, kMaxRequestBytes, kMaxRecordBytes, 0};
  }

  static std::variant<EncodedEntry, SendResult> Encode(const Config& c, const SendRequest& req) {
    std::string key = req.event_id;
    if (!c.key_path.empty()) {
      key = MessageGroupIdFor(c.key_path, req, 256);
      if (key.empty()) {
        return SendResult{SendResult::kPermanent, "NO_PARTITION_KEY",
                          "KinesisParameters.PartitionKeyPath " + c.key_path +
                              " names nothing in this event (stream " + c.stream_name + ")"};
      }
    }
    return EncodeKinesisRecord(req.payload, key);
  }

  static AwsCall Request(const Config& c, std::vector<std::string> records) {
    AwsCall call;
    call.content_type = "application/x-amz-json-1.1";
    call.op = "Kinesis_20131202.PutRecords";
    call.body = KinesisRequestBody(c.stream_name, records);
    return call;
  }

  static std::vector<SendResult> Map(const Config&, const http::ClientResponse& resp,
                                     size_t entries) {
    return MapKinesisResponse(resp, entries);
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewKinesisTargetKind() {
  return std::make_unique<BatchedAwsTargetKind<KinesisWire>>();
}

}  // namespace cxbridge::deliver
