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
#include "deliver/aws_settings.h"
#include "deliver/aws_targets.h"

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

struct StateMachine {
  AwsService aws;
  std::string arn;
};

class StatesTarget : public Target {
 public:
  explicit StatesTarget(std::shared_ptr<const StateMachine> m) : machine_(std::move(m)) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    if (req.payload.size() > kMaxInputBytes) {
      return done({SendResult::kPermanent, "ENTRY_TOO_LARGE",
                   "execution input of " + std::to_string(req.payload.size()) +
                       " bytes exceeds Step Functions' " + std::to_string(kMaxInputBytes) +
                       "-byte limit"});
    }
    machine_->aws.CallOne("application/x-amz-json-1.0", "AWSStepFunctions.StartExecution",
                          StartExecutionBody(machine_->arn, req.payload), MapStartExecutionResponse,
                          std::move(done));
  }

 private:
  const std::shared_ptr<const StateMachine> machine_;
};

class StatesTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "states"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("arn:aws:states:");
  }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto arn = ParseTargetArn(def.arn, "states");
    if (!arn || arn->account.size() != 12 || !arn->resource.starts_with(kMachinePrefix) ||
        arn->resource.size() == kMachinePrefix.size() ||
        arn->resource.size() > kMachinePrefix.size() + 80 ||
        arn->resource.find_first_of(":/", kMachinePrefix.size()) != std::string::npos) {
      return Status::InvalidArgument(
          "Step Functions target " + def.arn +
          " is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)");
    }
    return RequireAwsCredentials(env, "Step Functions target", def.arn);
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    CXB_RETURN_IF_ERROR(Validate(def, env));
    if (env.http == nullptr)
      return Status::Internal("Step Functions target without an HTTP client");
    auto m = std::make_shared<StateMachine>();
    m->aws = AwsService::For(env, "states", ParseTargetArn(def.arn, "states")->region);
    m->arn = def.arn;
    return std::shared_ptr<Target>(std::make_shared<StatesTarget>(std::move(m)));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewStatesTargetKind() { return std::make_unique<StatesTargetKind>(); }

}  // namespace cxbridge::deliver
