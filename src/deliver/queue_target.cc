// The `queue` target kind: a rule target whose Arn is an SQS ARN in cxbridge's own account and
// region is the built-in queue of that name (queue/service.h).
//
//   Arn: arn:aws:sqs:<region>:<account>:<queue name>
//   SqsParameters: {MessageGroupId: "$.detail.eventBody.conversationId"}   (FIFO queues)
//
// MessageGroupId is a literal (as in EventBridge) or, when it starts with "$.", a path into the
// original event. FIFO messages are deduplicated by the event id (MessageDeduplicationId), so a
// repeated delivery of the same event is dropped by the queue. The body is the (transformed)
// payload. Set the target's OrderingKey to the same path when per-group order must also hold
// across delivery retries; a local send rarely fails, so in practice the queue sees events in
// the order they were accepted.
//
// Outcomes (the one place): stored → delivered; the queue does not exist or refuses the message
// (too large, no group id) → permanent (NO_RESOURCE / INVALID_MESSAGE / NO_GROUP_ID); storage
// unavailable → retryable. Sends are written without an fsync: the delivery record this
// completes is deleted by a later write to the same log, so a crash cannot keep the deletion
// and lose the message.
// Thread-safety: Send is safe from any thread and completes before it returns.
#include "common/json.h"
#include "deliver/target.h"
#include "queue/service.h"

namespace cxbridge::deliver {
namespace {

class QueueTarget : public Target {
 public:
  QueueTarget(queue::QueueService* service, std::string queue, std::string group)
      : service_(service), queue_(std::move(queue)), group_(std::move(group)) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    auto fifo = service_->IsFifo(queue_);
    if (!fifo) return done({SendResult::kPermanent, "NO_RESOURCE", "queue " + queue_ + " does not exist"});
    queue::SendInput in;
    in.body = req.payload;
    if (*fifo) {
      in.group_id = GroupId(req);
      if (in.group_id.empty()) {
        return done({SendResult::kPermanent, "NO_GROUP_ID",
                     "SqsParameters.MessageGroupId gave no value for this event (FIFO queue " + queue_ + ")"});
      }
      in.dedup_id = req.event_id.empty() ? std::string() : req.event_id;
    }
    in.sender_id = "cxbridge";
    std::vector<queue::SendInput> one;
    one.push_back(std::move(in));
    auto results = service_->Send(queue_, std::move(one), /*durable=*/false);
    const queue::QueueError& e = results[0].first;
    SendResult r;
    switch (e.code) {
      case queue::Errc::kOk:
        break;
      case queue::Errc::kUnavailable:
      case queue::Errc::kInternal:
        r = {SendResult::kRetryable, "QUEUE_UNAVAILABLE", e.message};
        break;
      case queue::Errc::kQueueDoesNotExist:
        r = {SendResult::kPermanent, "NO_RESOURCE", "queue " + queue_ + " does not exist"};
        break;
      default:
        r = {SendResult::kPermanent, "INVALID_MESSAGE", e.message};
        break;
    }
    done(std::move(r));
  }

 private:
  std::string GroupId(const SendRequest& req) const {
    if (!group_.starts_with("$.")) return group_;
    auto ev = json::Parse(req.event ? *req.event : req.payload);
    if (!ev.ok()) return "";
    const json::Value* v = ev->FindPath(group_.substr(2));
    if (v == nullptr || v->is_null()) return "";
    std::string s = v->is_string() ? v->as_string() : json::Serialize(*v);
    return s.substr(0, 128);  // SQS's MessageGroupId limit
  }

  queue::QueueService* service_;
  const std::string queue_, group_;
};

class QueueTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "queue"; }
  bool Handles(const bus::TargetDef& def) const override { return def.arn.starts_with("arn:aws:sqs:"); }
  // The SQS ARNs the AWS kind does not take (sqs_target.cc) land here, malformed ones included:
  // refused when saved, not only when built.
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    std::string local = "arn:aws:sqs:" + env.region + ":" + env.account + ":";
    if (!def.arn.starts_with(local) || def.arn.size() == local.size()) {
      return Status::InvalidArgument("SQS target " + def.arn + " is not a queue of this cxbridge (" + local +
                                     "<name>) nor a queue ARN in AWS (arn:aws:sqs:<region>:<account>:<name>)");
    }
    return Status::Ok();
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def, const TargetEnv& env) const override {
    std::string local = "arn:aws:sqs:" + env.region + ":" + env.account + ":";
    if (!def.arn.starts_with(local) || def.arn.size() == local.size()) {
      return Status::InvalidArgument("SQS target " + def.arn + " is not a queue of this cxbridge (" + local +
                                     "<name>); forwarding to AWS SQS is not configured");
    }
    if (env.queues == nullptr) return Status::Internal("queue target without the queue service");
    std::string group;
    if (const json::Value* p = def.raw.Find("SqsParameters"); p != nullptr && p->is_object()) {
      if (const json::Value* g = p->Find("MessageGroupId")) {
        if (!g->is_string() || g->as_string().empty()) {
          return Status::InvalidArgument("SqsParameters.MessageGroupId must be a non-empty string");
        }
        group = g->as_string();
      }
    }
    return std::shared_ptr<Target>(std::make_shared<QueueTarget>(env.queues, def.arn.substr(local.size()), group));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewQueueTargetKind() { return std::make_unique<QueueTargetKind>(); }

}  // namespace cxbridge::deliver
