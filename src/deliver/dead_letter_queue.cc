#include "deliver/dead_letter_queue.h"

#include "aws/arn.h"
#include "common/json.h"
#include "deliver/aws_settings.h"
#include "queue/service.h"

namespace cxbridge::deliver {
namespace {

bool IsOwn(const aws::Arn& arn, const TargetEnv& env) {
  return arn.account == env.account && arn.region == env.region;
}

}  // namespace

std::string DeadLetterAttributes(const DeadLetterMessage& m) {
  json::Value attrs = json::Value::Object();
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    json::Value a = json::Value::Object();
    a.Set("DataType", json::Value::String("String"));
    a.Set("StringValue", json::Value::String(value));
    attrs.Set(name, std::move(a));
  };
  add("RULE_ARN", m.rule_arn);
  add("TARGET_ARN", m.target_arn);
  add("ERROR_CODE", m.error_code);
  add("ERROR_MESSAGE", m.error_message.substr(0, 4096));
  add("EXHAUSTED_RETRY_CONDITION", m.exhausted_condition);
  add("RETRY_ATTEMPTS", std::to_string(m.retry_attempts));
  return json::Serialize(attrs);
}

Status DeadLetterQueue::Validate(const std::string& arn, const TargetEnv& env) {
  auto a = ParseTargetArn(arn, "sqs");
  if (!a || a->resource.empty() || a->resource.find_first_of(":/") != std::string::npos) {
    return Status::InvalidArgument("DeadLetterConfig.Arn " + arn +
                                   " is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)");
  }
  if (a->resource.ends_with(".fifo")) {
    return Status::InvalidArgument("DeadLetterConfig.Arn " + arn +
                                   " is a FIFO queue; a dead-letter queue must be a standard queue");
  }
  if (IsOwn(*a, env)) return Status::Ok();
  return RequireAwsCredentials(env, "DeadLetterConfig.Arn", arn);
}

void DeadLetterQueue::Send(const std::string& arn, const DeadLetterMessage& m,
                           std::function<void(Status)> done) const {
  auto a = ParseTargetArn(arn, "sqs");
  if (!a) return done(Status::InvalidArgument("not an SQS queue ARN: " + arn));
  if (IsOwn(*a, env_)) {
    if (env_.queues == nullptr) return done(Status::Unavailable("the built-in queues are not running"));
    queue::SendInput in;
    in.body = m.event;
    in.attributes = *json::Parse(DeadLetterAttributes(m));
    in.sender_id = "cxbridge";
    std::vector<queue::SendInput> one;
    one.push_back(std::move(in));
    auto results = env_.queues->Send(a->resource, std::move(one), /*durable=*/true);
    const queue::QueueError& e = results[0].first;
    return done(e.ok() ? Status::Ok() : Status::Unavailable("queue " + a->resource + ": " + e.message));
  }
  if (!env_.aws || !env_.aws->has_credentials() || env_.http == nullptr) {
    return done(Status::Unavailable(std::string("the queue is in AWS, ") + kNoAwsCredentials));
  }
  std::string url = env_.aws->Endpoint("sqs", a->region) + "/" + a->account + "/" + a->resource;
  std::string body = "{\"QueueUrl\":";
  json::AppendQuoted(&body, url);
  body += ",\"MessageBody\":";
  json::AppendQuoted(&body, m.event);
  body += ",\"MessageAttributes\":" + DeadLetterAttributes(m) + "}";
  AwsCall call;
  call.endpoint = env_.aws->Endpoint("sqs", a->region);
  call.region = a->region;
  call.service = "sqs";
  call.content_type = "application/x-amz-json-1.0";
  call.op = "AmazonSQS.SendMessage";
  call.body = std::move(body);
  SendAwsCall(env_.http, *env_.aws, env_.clock, std::move(call),
              [done = std::move(done)](http::ClientResponse resp) {
                auto parsed = json::Parse(resp.body);
                SendResult r = ClassifyAwsResponse(resp, parsed.ok() ? *parsed : json::Value());
                if (r.kind == SendResult::kOk) return done(Status::Ok());
                done(Status::Unavailable(r.error_code + ": " + r.message));
              });
}

}  // namespace cxbridge::deliver
