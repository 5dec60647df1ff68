// QueueService's queue configuration beyond attributes: tags, permissions (the Policy
// attribute), dead-letter sources, and the checks a RedrivePolicy and tags must pass. The queue
// definition (attributes + tags) is one record, written synced (record.h).
#include "common/json.h"
#include "queue/service.h"
#include "store/format.h"

namespace cxbridge::queue {

QueueError QueueService::CheckDeadLetterTarget(const QueueConfig& cfg) {
  if (cfg.dlq_name.empty()) return {};
  Queue* dlq = Find(cfg.dlq_name);
  if (dlq == nullptr) {
    return {Errc::kInvalidParameterValue, "Value " + cfg.redrive_policy +
                                              " for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist."};
  }
  if (dlq->config().fifo != cfg.fifo) {
    return {Errc::kInvalidParameterValue,
            "Value " + cfg.redrive_policy +
                " for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source."};
  }
  return {};
}

QueueError QueueService::CheckTags(const std::map<std::string, std::string>& tags) {
  if (tags.size() > 50) return {Errc::kInvalidParameterValue, "Too many tags added for queue. Maximum 50 tags per queue."};
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) return {Errc::kInvalidParameterValue, "Tag keys must be between 1 and 128 characters in length."};
    if (v.size() > 256) return {Errc::kInvalidParameterValue, "Tag values must be at most 256 characters in length."};
  }
  return {};
}

QueueError QueueService::SaveConfig(Queue& q, QueueConfig cfg) {
  int64_t now = clock_.NowMs();
  store::QueueWrite wb;
  wb.Put(QueueDefKey(q.name()), EncodeQueueDef(cfg, q.created_ms(), now));
  Status s = store_.WriteSynced(wb);
  if (!s.ok()) return {Errc::kUnavailable, s.message()};
  q.set_config(std::move(cfg), now);
  return {};
}

QueueError QueueService::TagQueue(const std::string& name, const std::map<std::string, std::string>& tags) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  QueueConfig cfg = q->config();
  for (const auto& [k, v] : tags) cfg.tags[k] = v;
  if (auto e = CheckTags(cfg.tags); !e.ok()) return e;
  return SaveConfig(*q, std::move(cfg));
}

QueueError QueueService::UntagQueue(const std::string& name, const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  QueueConfig cfg = q->config();
  for (const auto& k : keys) cfg.tags.erase(k);
  return SaveConfig(*q, std::move(cfg));
}

QueueError QueueService::ListTags(const std::string& name, std::map<std::string, std::string>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  *out = q->config().tags;
  return {};
}

QueueError QueueService::DeadLetterSources(const std::string& name, std::vector<std::string>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Find(name) == nullptr) return NoQueue();
  for (const auto& [n, q] : queues_) {
    if (q->config().dlq_name == name) out->push_back(n);
  }
  return {};
}

QueueError QueueService::AddPermission(const std::string& name, const std::string& label,
                                       const std::vector<std::string>& accounts,
                                       const std::vector<std::string>& actions) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  QueueConfig cfg = q->config();
  json::Value policy = json::Value::Object();
  if (auto it = cfg.other.find("Policy"); it != cfg.other.end()) {
    if (auto p = json::Parse(it->second); p.ok() && p->is_object()) policy = std::move(*p);
  }
  if (policy.Find("Version") == nullptr) policy.Set("Version", json::Value::String("2012-10-17"));
  json::Value statements = json::Value::Array();
  if (const json::Value* st = policy.Find("Statement"); st != nullptr && st->is_array()) statements = *st;
  for (const auto& s : statements.items()) {
    const json::Value* sid = s.Find("Sid");
    if (sid != nullptr && sid->is_string() && sid->as_string() == label) {
      return {Errc::kInvalidParameterValue,
              "Value " + label + " for parameter Label is invalid. Reason: Already exists."};
    }
  }
  json::Value principals = json::Value::Array();
  for (const auto& a : accounts) principals.Push(json::Value::String("arn:aws:iam::" + a + ":root"));
  json::Value acts = json::Value::Array();
  for (const auto& a : actions) acts.Push(json::Value::String("SQS:" + a));
  json::Value principal = json::Value::Object();
  principal.Set("AWS", std::move(principals));
  json::Value st = json::Value::Object();
  st.Set("Sid", json::Value::String(label));
  st.Set("Effect", json::Value::String("Allow"));
  st.Set("Principal", std::move(principal));
  st.Set("Action", std::move(acts));
  st.Set("Resource", json::Value::String(Arn(name)));
  statements.Push(std::move(st));
  policy.Set("Statement", std::move(statements));
  cfg.other["Policy"] = json::Serialize(policy);
  return SaveConfig(*q, std::move(cfg));
}

QueueError QueueService::RemovePermission(const std::string& name, const std::string& label) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  QueueConfig cfg = q->config();
  auto it = cfg.other.find("Policy");
  auto policy = it != cfg.other.end() ? json::Parse(it->second) : Result<json::Value>(Status::NotFound(""));
  const json::Value* st = policy.ok() ? policy->Find("Statement") : nullptr;
  json::Value kept = json::Value::Array();
  bool found = false;
  if (st != nullptr && st->is_array()) {
    for (const auto& s : st->items()) {
      const json::Value* sid = s.Find("Sid");
      if (sid != nullptr && sid->is_string() && sid->as_string() == label) {
        found = true;
      } else {
        kept.Push(s);
      }
    }
  }
  if (!found) {
    return {Errc::kInvalidParameterValue,
            "Value " + label + " for parameter Label is invalid. Reason: can't find label on existing policy."};
  }
  if (kept.items().empty()) {
    cfg.other.erase("Policy");
  } else {
    policy->Set("Statement", std::move(kept));
    cfg.other["Policy"] = json::Serialize(*policy);
  }
  return SaveConfig(*q, std::move(cfg));
}

}  // namespace cxbridge::queue
