// The `sns` target kind: a rule target whose Arn is an SNS topic in AWS,
//
//   Arn: arn:aws:sns:<region>:<account>:<topic name>
//
// for alerting fan-out (e-mail, SMS, chat webhooks, SQS subscribers). Each delivery is one
// Publish (the SNS query protocol: a form-encoded POST, Version 2010-03-31) with Message = the
// (transformed) payload, to the `sns` endpoint of the ARN's region (aws.endpoints.sns overrides
// it), signed with the `aws:` credentials. One request per delivery; the target's Concurrency
// bounds how many are in flight. FIFO topics (names ending in .fifo) are refused when saved, as
// EventBridge does not offer them as targets either.
//
// Outcomes (the one place: MapSnsResponse): 200 → delivered; throttling (429, Throttling*),
// 5xx, InternalError and transport errors → retry; any other error (NotFound, AuthorizationError,
// InvalidParameter, KMS errors, …) → dead-letter with SNS's code and message. A message over
// 256 KiB is dead-lettered here (ENTRY_TOO_LARGE).
// Thread-safety: Send is safe from any thread; results arrive on the HttpClient's thread.
#include "deliver/aws_target_kind.h"
#include "deliver/http_parameters.h"

namespace cxbridge::deliver {

namespace {
constexpr size_t kMaxMessageBytes = 256 * 1024;
}  // namespace

std::string SnsPublishBody(const std::string& topic_arn, const std::string& message) {
  return "Action=Publish&Version=2010-03-31&TopicArn=" + PercentEncode(topic_arn) +
         "&Message=" + PercentEncode(message);
}

SendResult MapSnsResponse(const http::ClientResponse& resp) {
  if (resp.status == 200) return {};
  if (resp.status == 0) return ClassifyAwsResponse(resp, json::Value());
  std::string code = aws::XmlElement(resp.body, "Code");
  std::string message = aws::XmlElement(resp.body, "Message");
  if (code.empty()) code = "HTTP_" + std::to_string(resp.status);
  if (message.empty()) message = "SNS answered HTTP " + std::to_string(resp.status);
  const bool retry = resp.status == 429 || resp.status >= 500 || IsRetryableAwsCode(code);
  return {retry ? SendResult::kRetryable : SendResult::kPermanent, code, message};
}

namespace {

struct SnsWire {
  static constexpr std::string_view kName = "sns";
  static constexpr std::string_view kService = "sns";
  static constexpr std::string_view kWhat = "SNS target";
  static constexpr std::string_view kArnForm = "arn:aws:sns:<region>:<account>:<topic>";

  struct Config {
    std::string topic_arn;
  };

  static Result<Config> Parse(const bus::TargetDef& def, const aws::Arn& arn) {
    if (arn.resource.empty() || arn.resource.size() > 256 ||
        arn.resource.find_first_of(":/") != std::string::npos) {
      return Status::InvalidArgument("SNS target " + def.arn + " is not a topic ARN (" +
                                     std::string(kArnForm) + ")");
    }
    if (arn.resource.ends_with(".fifo")) {
      return Status::InvalidArgument("SNS target " + def.arn +
                                     " is a FIFO topic; only standard topics are targets (as in "
                                     "EventBridge)");
    }
    return Config{def.arn};
  }

  // One Publish per delivery.
  static BatchLimits Limits(const Config&, const AwsSettings&) {
    return {1, kMaxMessageBytes, kMaxMessageBytes, 0};
  }

  static std::variant<EncodedEntry, SendResult> Encode(const Config&, const SendRequest& req) {
    return EncodedEntry{req.payload, req.payload.size()};
  }

  static AwsCall Request(const Config& c, std::vector<std::string> messages) {
    AwsCall call;
    call.content_type = "application/x-www-form-urlencoded";  // the query protocol: no X-Amz-Target
    call.body = SnsPublishBody(c.topic_arn, messages.at(0));
    return call;
  }

  static std::vector<SendResult> Map(const Config&, const http::ClientResponse& resp, size_t entries) {
    return std::vector<SendResult>(entries, MapSnsResponse(resp));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewSnsTargetKind() {
  return std::make_unique<BatchedAwsTargetKind<SnsWire>>();
}

}  // namespace cxbridge::deliver
