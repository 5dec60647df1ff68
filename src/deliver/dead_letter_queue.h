// A target's DeadLetterConfig.Arn, as EventBridge uses it: an event whose delivery failed for
// good is sent to that SQS queue — the original event as the message body, with the message
// attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION (when
// retries ran out) and RETRY_ATTEMPTS (String attributes, as EventBridge sends them).
//
// The queue is a built-in queue when its ARN names cxbridge's own account and region (written
// durably, as SendMessage is), otherwise an SQS queue in AWS (SendMessage, JSON protocol, signed
// with the `aws:` credentials). When it cannot take the message (no such queue, AWS unreachable,
// no credentials), the scheduler keeps the event in cxbridge's own dead-letter store instead,
// with the reason (scheduler.cc), so nothing is lost.
//
// Thread-safety: immutable after construction; Send is safe from any thread, and its `done` runs
// on the calling thread (built-in queue) or on the HTTP client's thread (AWS).
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "deliver/target.h"

namespace cxbridge::deliver {

struct DeadLetterMessage {
  std::string event;  // the original event, JSON text
  std::string rule_arn, target_arn, error_code, error_message;
  std::string exhausted_condition;  // MaximumRetryAttempts | MaximumEventAgeInSeconds | ""
  uint32_t retry_attempts = 0;
};

// The SQS SendMessage MessageAttributes object for `m` (JSON text).
std::string DeadLetterAttributes(const DeadLetterMessage& m);

class DeadLetterQueue {
 public:
  // `env` must outlive the object (the scheduler's own TargetEnv).
  explicit DeadLetterQueue(const TargetEnv& env) : env_(env) {}

  // Whether `arn` can be a target's DeadLetterConfig.Arn: a standard (not FIFO) SQS queue ARN;
  // one in AWS needs the `aws:` credentials. Checked where targets are saved.
  static Status Validate(const std::string& arn, const TargetEnv& env);

  // Sends `m` to the queue `arn`; `done` gets OK once the queue has it.
  void Send(const std::string& arn, const DeadLetterMessage& m,
            std::function<void(Status)> done) const;

 private:
  const TargetEnv& env_;
};

}  // namespace cxbridge::deliver
