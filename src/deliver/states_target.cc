// The `states` target kind: a rule target whose Arn is a Step Functions state machine,
//
//   Arn: arn:aws:states:<region>:<account>:stateMachine:<name>
//
// (post-call workflows, escalations). Each delivery starts one execution with
// AWSStepFunctions.StartExecution (JSON 1.0) and input = the (transformed) payload, which must be
// JSON, at the `states` endpoint of the ARN's region (aws.endpoints.states overrides it), signed
// with the `aws:` credentials. The execution name is left to Step Functions (a UUID), as
// EventBridge does, so a replayed event starts a new execution; a retried delivery can therefore
// start a second one (at least once, like every target).
//
// Outcomes: 200 → delivered; ExecutionLimitExceeded, throttling, 5xx, transport → retry;
// StateMachineDoesNotExist, StateMachineDeleting, InvalidArn, InvalidExecutionInput (input that is
// not JSON), access denied, … → dead-letter with the service's code and message. Input over
// 256 KiB → ENTRY_TOO_LARGE.
// Thread-safety: Send is safe from any thread; results arrive on the HttpClient's thread.
#include "deliver/aws_target_kind.h"

namespace cxbridge::deliver {

namespace {
constexpr size_t kMaxInputBytes = 256 * 1024;
constexpr std::string_view kMachinePrefix = "stateMachine:";
}  // namespace

std::string StartExecutionBody(const std::string& state_machine_arn, const std::string& input) {
  std::string out = "{\"stateMachineArn\":";
  json::AppendQuoted(&out, state_machine_arn);
  out += ",\"input\":";
  json::AppendQuoted(&out, input);
  return out + "}";
}

SendResult MapStartExecutionResponse(const http::ClientResponse& resp) {
  auto body = json::Parse(resp.body);
  SendResult r = ClassifyAwsResponse(resp, body.ok() ? *body : json::Value());
  // Too many running executions: the state machine's quota, not the event's fault.
  if (r.kind == SendResult::kPermanent && r.error_code == "ExecutionLimitExceeded") {
    r.kind = SendResult::kRetryable;
  }
  return r;
}

namespace {

struct StatesWire {
  static constexpr std::string_view kName = "states";
  static constexpr std::string_view kService = "states";
  static constexpr std::string_view kWhat = "Step Functions target";
  static constexpr std::string_view kArnForm = "arn:aws:states:<region>:<account>:stateMachine:<name>";

  struct Config {
    std::string arn;
  };

  static Result<Config> Parse(const bus::TargetDef& def, const aws::Arn& arn) {
    if (!arn.resource.starts_with(kMachinePrefix) || arn.resource.size() == kMachinePrefix.size() ||
        arn.resource.size() > kMachinePrefix.size() + 80 ||
        arn.resource.find_first_of(":/", kMachinePrefix.size()) != std::string::npos) {
      return Status::InvalidArgument("Step Functions target " + def.arn + " is not a state machine ARN (" +
                                     std::string(kArnForm) + ")");
    }
    return Config{def.arn};
  }

  // One execution per delivery.
  static BatchLimits Limits(const Config&, const AwsSettings&) {
    return {1, kMaxInputBytes, kMaxInputBytes, 0};
  }

  static std::variant<EncodedEntry, SendResult> Encode(const Config&, const SendRequest& req) {
    return EncodedEntry{req.payload, req.payload.size()};
  }

  static AwsCall Request(const Config& c, std::vector<std::string> inputs) {
    AwsCall call;
    call.content_type = "application/x-amz-json-1.0";
    call.op = "AWSStepFunctions.StartExecution";
    call.body = StartExecutionBody(c.arn, inputs.at(0));
    return call;
  }

  static std::vector<SendResult> Map(const Config&, const http::ClientResponse& resp, size_t entries) {
    return std::vector<SendResult>(entries, MapStartExecutionResponse(resp));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewStatesTargetKind() {
  return std::make_unique<BatchedAwsTargetKind<StatesWire>>();
}

}  // namespace cxbridge::deliver
