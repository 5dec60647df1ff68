#include "queue/queue.h"

#include <algorithm>
#include <climits>

#include "common/json.h"

namespace cxbridge::queue {
namespace {

bool ParseInt(const std::string& s, int lo, int hi, int* out) {
  if (s.empty() || s.size() > 10) return false;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

QueueError Bad(const std::string& name, const std::string& why) {
  return {Errc::kInvalidAttributeValue, "Invalid value for the parameter " + name + ". Reason: " + why};
}

// Accepted and kept, but cxbridge does not act on them (encryption, policies, throughput modes).
const char* const kStoredOnly[] = {"Policy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
                                   "SqsManagedSseEnabled", "DeduplicationScope", "FifoThroughputLimit",
                                   "RedriveAllowPolicy"};

}  // namespace

QueueError ApplyAttributes(const std::map<std::string, std::string>& attrs, bool creating, QueueConfig* cfg) {
  struct IntAttr {
    const char* name;
    int lo, hi;
    int* field;
  } ints[] = {
      {"DelaySeconds", 0, 900, &cfg->delay_seconds},
      {"MaximumMessageSize", 1024, 1048576, &cfg->maximum_message_size},
      {"MessageRetentionPeriod", 60, 1209600, &cfg->retention_seconds},
      {"ReceiveMessageWaitTimeSeconds", 0, 20, &cfg->receive_wait_seconds},
      {"VisibilityTimeout", 0, 43200, &cfg->visibility_timeout_seconds},
  };
  for (const auto& [name, value] : attrs) {
    bool done = false;
    for (auto& ia : ints) {
      if (name == ia.name) {
        if (!ParseInt(value, ia.lo, ia.hi, ia.field)) {
          return Bad(name, "must be an integer from " + std::to_string(ia.lo) + " to " + std::to_string(ia.hi) + ".");
        }
        done = true;
      }
    }
    if (done) continue;
    if (name == "FifoQueue") {
      if (value != "true" && value != "false") return Bad(name, "must be true or false.");
      if (!creating && (value == "true") != cfg->fifo) {
        return {Errc::kInvalidAttributeName, "Unknown Attribute FifoQueue."};
      }
      cfg->fifo = value == "true";
    } else if (name == "ContentBasedDeduplication") {
      if (value != "true" && value != "false") return Bad(name, "must be true or false.");
      cfg->content_based_dedup = value == "true";
    } else if (name == "RedrivePolicy") {
      if (value.empty()) {
        cfg->redrive_policy.clear();
        cfg->dlq_name.clear();
        cfg->max_receive_count = 0;
        continue;
      }
      auto j = json::Parse(value);
      if (!j.ok() || !j->is_object()) return Bad(name, "Invalid JSON.");
      const json::Value* arn = j->Find("deadLetterTargetArn");
      const json::Value* max = j->Find("maxReceiveCount");
      if (arn == nullptr || !arn->is_string() || max == nullptr) {
        return Bad(name, "Redrive policy requires deadLetterTargetArn and maxReceiveCount.");
      }
      int n = 0;
      std::string max_text = max->is_string() ? max->as_string() : max->number_text();
      if (!ParseInt(max_text, 1, 1000, &n)) return Bad(name, "maxReceiveCount must be an integer from 1 to 1000.");
      const std::string& a = arn->as_string();
      size_t colon = a.rfind(':');
      if (!a.starts_with("arn:") || colon == std::string::npos || colon + 1 == a.size()) {
        return Bad(name, "deadLetterTargetArn must be an SQS queue ARN.");
      }
      // Kept as SQS answers it: maxReceiveCount a number, whatever type it was sent as.
      cfg->redrive_policy = "{\"deadLetterTargetArn\":" + json::Serialize(*arn) +
                            ",\"maxReceiveCount\":" + std::to_string(n) + "}";
      cfg->dlq_name = a.substr(colon + 1);
      cfg->max_receive_count = n;
    } else if (std::find(std::begin(kStoredOnly), std::end(kStoredOnly), name) != std::end(kStoredOnly)) {
      if (value.empty()) {
        cfg->other.erase(name);  // Policy="" removes the policy, as in SQS
      } else {
        cfg->other[name] = value;
      }
    } else {
      return {Errc::kInvalidAttributeName, "Unknown Attribute " + name + "."};
    }
  }
  if (!cfg->fifo && cfg->content_based_dedup) {
    return {Errc::kInvalidAttributeName, "Unknown Attribute ContentBasedDeduplication."};
  }
  return {};
}

std::map<std::string, std::string> ConfigAttributes(const QueueConfig& cfg) {
  std::map<std::string, std::string> a = cfg.other;
  a["DelaySeconds"] = std::to_string(cfg.delay_seconds);
  a["MaximumMessageSize"] = std::to_string(cfg.maximum_message_size);
  a["MessageRetentionPeriod"] = std::to_string(cfg.retention_seconds);
  a["ReceiveMessageWaitTimeSeconds"] = std::to_string(cfg.receive_wait_seconds);
  a["VisibilityTimeout"] = std::to_string(cfg.visibility_timeout_seconds);
  if (!cfg.redrive_policy.empty()) a["RedrivePolicy"] = cfg.redrive_policy;
  if (cfg.fifo) {
    a["FifoQueue"] = "true";
    a["ContentBasedDeduplication"] = cfg.content_based_dedup ? "true" : "false";
  }
  return a;
}

std::string EncodeQueueDef(const QueueConfig& cfg, int64_t created_ms, int64_t modified_ms) {
  json::Value attrs = json::Value::Object();
  for (const auto& [k, v] : ConfigAttributes(cfg)) attrs.Set(k, json::Value::String(v));
  json::Value def = json::Value::Object();
  def.Set("attributes", std::move(attrs));
  if (!cfg.tags.empty()) {
    json::Value tags = json::Value::Object();
    for (const auto& [k, v] : cfg.tags) tags.Set(k, json::Value::String(v));
    def.Set("tags", std::move(tags));
  }
  def.Set("created", json::Value::Int(created_ms));
  def.Set("modified", json::Value::Int(modified_ms));
  return json::Serialize(def);
}

bool DecodeQueueDef(std::string_view text, QueueConfig* cfg, int64_t* created_ms, int64_t* modified_ms) {
  auto j = json::Parse(text);
  if (!j.ok()) return false;
  const json::Value* attrs = j->Find("attributes");
  if (attrs == nullptr || !attrs->is_object()) return false;
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : attrs->members()) m[k] = v.as_string();
  if (!ApplyAttributes(m, /*creating=*/true, cfg).ok()) return false;
  if (const json::Value* t = j->Find("tags"); t != nullptr && t->is_object()) {
    for (const auto& [k, v] : t->members()) cfg->tags[k] = v.is_string() ? v.as_string() : "";
  }
  if (const json::Value* c = j->Find("created")) c->as_int64(created_ms);
  if (const json::Value* c = j->Find("modified")) c->as_int64(modified_ms);
  return true;
}

Queue::Queue(std::string name, QueueConfig cfg, int64_t created_ms)
    : name_(std::move(name)), cfg_(std::move(cfg)), created_ms_(created_ms), modified_ms_(created_ms) {}

void Queue::set_config(QueueConfig cfg, int64_t now_ms) {
  cfg_ = std::move(cfg);
  modified_ms_ = now_ms;
}

bool Queue::IsGroupHead(uint64_t seq, const Msg& m) const {
  if (!cfg_.fifo) return true;
  auto g = groups_.find(m.group);
  return g != groups_.end() && !g->second.empty() && g->second.front() == seq;
}

void Queue::Index(uint64_t seq, const Msg& m) {
  if (IsGroupHead(seq, m)) ready_.emplace(m.st.visible_at_ms, seq);
}

void Queue::Unindex(uint64_t seq, const Msg& m) { ready_.erase({m.st.visible_at_ms, seq}); }

void Queue::PutState(uint64_t seq, const Msg& m, store::QueueWrite* wb) {
  wb->Put(MessageKey(kStateKey, name_, seq), EncodeState(m.st));
}

void Queue::Load(uint64_t seq, const MessageRecord& rec, const DeliveryState& st) {
  Msg m{rec.message_id, rec.group_id, rec.sent_ms, st};
  if (cfg_.fifo) groups_[m.group].push_back(seq);  // loaded in seq order
  auto [it, _] = messages_.emplace(seq, std::move(m));
  if (!cfg_.fifo) Index(seq, it->second);
}

void Queue::FinishLoad() {
  for (const auto& [group, seqs] : groups_) {
    if (!seqs.empty()) Index(seqs.front(), messages_.at(seqs.front()));
  }
}

void Queue::LoadDedup(const std::string& dedup_id, const DedupRecord& rec) {
  dedup_[dedup_id] = rec;
  dedup_expiry_.emplace_back(rec.expires_ms, dedup_id);
}

const DedupRecord* Queue::FindDuplicate(const std::string& dedup_id, int64_t now_ms) {
  auto it = dedup_.find(dedup_id);
  if (it == dedup_.end() || it->second.expires_ms <= now_ms) return nullptr;
  return &it->second;
}

void Queue::Add(uint64_t seq, const MessageRecord& rec, int64_t delay_ms, int64_t now_ms, store::QueueWrite* wb) {
  Msg m{rec.message_id, rec.group_id, rec.sent_ms, DeliveryState{}};
  m.st.visible_at_ms = now_ms + delay_ms;
  wb->Put(MessageKey(kMessageKey, name_, seq), EncodeMessage(rec));
  PutState(seq, m, wb);
  if (cfg_.fifo) {
    groups_[m.group].push_back(seq);
    if (!rec.dedup_id.empty()) {
      DedupRecord d{now_ms + kDedupWindowMs, rec.message_id, seq};
      dedup_[rec.dedup_id] = d;
      dedup_expiry_.emplace_back(d.expires_ms, rec.dedup_id);
      wb->Put(DedupKey(name_, rec.dedup_id), EncodeDedup(d));
    }
  }
  auto [it, _] = messages_.emplace(seq, std::move(m));
  Index(seq, it->second);
}

std::vector<Handout> Queue::Receive(int max, int64_t visibility_ms, int64_t now_ms, int max_receive_count,
                                    uint64_t (*nonce)(), store::QueueWrite* wb, std::vector<uint64_t>* to_dlq) {
  std::vector<Handout> out;
  std::set<uint64_t> taken;  // handed out in this call (a 0 visibility re-indexes them at `now`)
  auto hand_out = [&](uint64_t seq, Msg& m) {
    Unindex(seq, m);
    m.st.receive_count++;
    if (m.st.first_receive_ms == 0) m.st.first_receive_ms = now_ms;
    m.st.visible_at_ms = now_ms + visibility_ms;
    m.st.nonce = nonce();
    PutState(seq, m, wb);
    Index(seq, m);
    taken.insert(seq);
    out.push_back(Handout{seq, m.message_id, m.st});
  };
  // Past maxReceiveCount: the message leaves for the DLQ instead of being handed out.
  auto exhausted = [&](const Msg& m) {
    return max_receive_count > 0 && m.st.receive_count >= static_cast<uint32_t>(max_receive_count);
  };
  while (static_cast<int>(out.size()) < max) {
    auto it = ready_.begin();
    while (it != ready_.end() && it->first <= now_ms && taken.count(it->second)) ++it;
    if (it == ready_.end() || it->first > now_ms) break;
    uint64_t seq = it->second;
    Msg& m = messages_.at(seq);
    if (exhausted(m)) {
      to_dlq->push_back(seq);
      Remove(seq, wb);
      continue;
    }
    std::string group = m.group;
    hand_out(seq, m);
    if (!cfg_.fifo) continue;
    // FIFO: the rest of the group, in order, while visible (they are not in the ready index).
    const auto& q = groups_[group];
    for (size_t i = 1; i < q.size() && static_cast<int>(out.size()) < max; ++i) {
      uint64_t next = q[i];
      Msg& n = messages_.at(next);
      if (n.st.visible_at_ms > now_ms || exhausted(n)) break;
      hand_out(next, n);
    }
  }
  return out;
}

QueueError Queue::Delete(uint64_t seq, uint64_t nonce, store::QueueWrite* wb) {
  auto it = messages_.find(seq);
  if (it == messages_.end()) return {};           // already deleted: success, as SQS
  if (it->second.st.nonce != nonce) return {};    // an older receipt: no-op, as SQS
  Remove(seq, wb);
  return {};
}

QueueError Queue::ChangeVisibility(uint64_t seq, uint64_t nonce, int64_t visibility_ms, int64_t now_ms,
                                   store::QueueWrite* wb) {
  auto it = messages_.find(seq);
  if (it == messages_.end() || it->second.st.nonce != nonce) {
    return {Errc::kInvalidParameterValue,
            "Value for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."};
  }
  Msg& m = it->second;
  if (m.st.receive_count == 0 || m.st.visible_at_ms <= now_ms) {
    return {Errc::kMessageNotInflight, "The message referred to isn't in flight."};
  }
  Unindex(seq, m);
  m.st.visible_at_ms = now_ms + visibility_ms;
  PutState(seq, m, wb);
  Index(seq, m);
  return {};
}

void Queue::Remove(uint64_t seq, store::QueueWrite* wb) {
  auto it = messages_.find(seq);
  if (it == messages_.end()) return;
  Msg& m = it->second;
  Unindex(seq, m);
  wb->Delete(MessageKey(kMessageKey, name_, seq));
  wb->Delete(MessageKey(kStateKey, name_, seq));
  if (cfg_.fifo) {
    auto g = groups_.find(m.group);
    if (g != groups_.end()) {
      auto& q = g->second;
      bool was_head = !q.empty() && q.front() == seq;
      q.erase(std::remove(q.begin(), q.end(), seq), q.end());
      if (q.empty()) {
        groups_.erase(g);
      } else if (was_head) {
        Index(q.front(), messages_.at(q.front()));  // the next of the group may go now
      }
    }
  }
  messages_.erase(it);
}

void Queue::Forget(uint64_t seq, const std::string& dedup_id) {
  store::QueueWrite unused;
  Remove(seq, &unused);
  if (!dedup_id.empty()) {
    auto it = dedup_.find(dedup_id);
    if (it != dedup_.end() && it->second.seq == seq) dedup_.erase(it);  // its expiry entry goes stale
  }
}

void Queue::Purge(store::QueueWrite* wb) {
  std::string m = QueuePrefix(kMessageKey, name_), v = QueuePrefix(kStateKey, name_);
  wb->DeleteRange(m, m + std::string(9, '\xff'));
  wb->DeleteRange(v, v + std::string(9, '\xff'));
  messages_.clear();
  ready_.clear();
  groups_.clear();
}

size_t Queue::Expire(int64_t now_ms, store::QueueWrite* wb) {
  size_t n = 0;
  const int64_t cutoff = now_ms - static_cast<int64_t>(cfg_.retention_seconds) * 1000;
  while (!messages_.empty() && messages_.begin()->second.sent_ms < cutoff) {
    Remove(messages_.begin()->first, wb);
    ++n;
  }
  while (!dedup_expiry_.empty() && dedup_expiry_.front().first <= now_ms) {
    auto [at, id] = dedup_expiry_.front();
    dedup_expiry_.pop_front();
    auto it = dedup_.find(id);
    if (it != dedup_.end() && it->second.expires_ms == at) {
      dedup_.erase(it);
      wb->Delete(DedupKey(name_, id));
    }
  }
  return n;
}

bool Queue::HasVisible(int64_t now_ms) const { return !ready_.empty() && ready_.begin()->first <= now_ms; }

int64_t Queue::NextVisibleMs() const { return ready_.empty() ? INT64_MAX : ready_.begin()->first; }

Queue::Counts Queue::Count(int64_t now_ms) const {
  Counts c;
  for (const auto& [seq, m] : messages_) {
    if (c.oldest_sent_ms == 0 || m.sent_ms < c.oldest_sent_ms) c.oldest_sent_ms = m.sent_ms;
    if (m.st.visible_at_ms <= now_ms) {
      c.visible++;
    } else if (m.st.receive_count > 0) {
      c.in_flight++;
    } else {
      c.delayed++;
    }
  }
  return c;
}

}  // namespace cxbridge::queue
