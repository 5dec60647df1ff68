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
#include "deliver/aws_settings.h"
#include "deliver/aws_targets.h"
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

struct TopicEndpoint {
  AwsService aws;
  std::string topic_arn;
};

class SnsTarget : public Target {
 public:
  explicit SnsTarget(std::shared_ptr<const TopicEndpoint> t) : topic_(std::move(t)) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    if (req.payload.size() > kMaxMessageBytes) {
      return done({SendResult::kPermanent, "ENTRY_TOO_LARGE",
                   "message of " + std::to_string(req.payload.size()) + " bytes exceeds SNS's " +
                       std::to_string(kMaxMessageBytes) + "-byte limit"});
    }
    topic_->aws.CallOne("application/x-www-form-urlencoded", "",
                        SnsPublishBody(topic_->topic_arn, req.payload), MapSnsResponse,
                        std::move(done));
  }

 private:
  const std::shared_ptr<const TopicEndpoint> topic_;
};

class SnsTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "sns"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("arn:aws:sns:");
  }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto arn = ParseTargetArn(def.arn, "sns");
    if (!arn || arn->account.size() != 12 || arn->resource.empty() || arn->resource.size() > 256 ||
        arn->resource.find_first_of(":/") != std::string::npos) {
      return Status::InvalidArgument(
          "SNS target " + def.arn + " is not a topic ARN (arn:aws:sns:<region>:<account>:<topic>)");
    }
    if (arn->resource.ends_with(".fifo")) {
      return Status::InvalidArgument("SNS target " + def.arn +
                                     " is a FIFO topic; only standard topics are targets (as in "
                                     "EventBridge)");
    }
    return RequireAwsCredentials(env, "SNS target", def.arn);
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    CXB_RETURN_IF_ERROR(Validate(def, env));
    if (env.http == nullptr) return Status::Internal("SNS target without an HTTP client");
    auto t = std::make_shared<TopicEndpoint>();
    t->aws = AwsService::For(env, "sns", ParseTargetArn(def.arn, "sns")->region);
    t->topic_arn = def.arn;
    return std::shared_ptr<Target>(std::make_shared<SnsTarget>(std::move(t)));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewSnsTargetKind() { return std::make_unique<SnsTargetKind>(); }

}  // namespace cxbridge::deliver
