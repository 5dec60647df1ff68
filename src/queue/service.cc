#include "queue/service.h"


#include <algorithm>
#include <climits>
#include <cstring>

#include "common/encoding.h"
#include "common/ids.h"
#include "common/thread_name.h"
#include "queue/md5.h"
#include "store/format.h"

namespace cxbridge::queue {
namespace {

uint64_t RandomNonce() {
  std::string b = RandomBytes(8);
  uint64_t v = 0;
  std::memcpy(&v, b.data(), 8);
  return v | 1;  // never 0 (0 = never received)
}

std::string SequenceNumber(uint64_t seq) {
  std::string s = std::to_string(seq);
  return std::string(20 - std::min<size_t>(20, s.size()), '0') + s;
}

// SQS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (UTF-8).
bool ValidBody(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != 0x9 && c != 0xA && c != 0xD) return false;
      ++i;
      continue;
    }
    int n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = c & (0x7f >> n);
    for (int k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF || cp > 0x10FFFF) return false;
    i += n;
  }
  return true;
}

QueueError CheckAttributes(const json::Value& attrs) {
  if (!attrs.is_object()) return {Errc::kInvalidParameterValue, "MessageAttributes must be a map."};
  if (attrs.members().size() > 10) {
    return {Errc::kInvalidParameterValue, "Number of message attributes [" + std::to_string(attrs.members().size()) +
                                              "] exceeds the allowed maximum [10]."};
  }
  for (const auto& [name, v] : attrs.members()) {
    const json::Value* t = v.Find("DataType");
    if (t == nullptr || !t->is_string() ||
        !(t->as_string().starts_with("String") || t->as_string().starts_with("Number") ||
          t->as_string().starts_with("Binary"))) {
      return {Errc::kInvalidParameterValue, "The message attribute '" + name + "' has an invalid message attribute type."};
    }
    const json::Value* s = v.Find("StringValue");
    const json::Value* b = v.Find("BinaryValue");
    if ((s == nullptr || !s->is_string()) && (b == nullptr || !b->is_string())) {
      return {Errc::kInvalidParameterValue, "The message attribute '" + name + "' must contain a non-empty message attribute value."};
    }
  }
  return {};
}

}  // namespace

std::string MakeReceiptHandle(const std::string& queue, uint64_t seq, uint64_t nonce) {
  std::string raw = queue + "\x1f" + std::to_string(seq) + "\x1f" + std::to_string(nonce);
  return Base64Encode(raw);
}

bool ParseReceiptHandle(const std::string& handle, std::string* queue, uint64_t* seq, uint64_t* nonce) {
  auto raw = Base64Decode(handle);
  if (!raw) return false;
  size_t a = raw->find('\x1f');
  size_t b = a == std::string::npos ? a : raw->find('\x1f', a + 1);
  if (b == std::string::npos) return false;
  *queue = raw->substr(0, a);
  char* end = nullptr;
  std::string s = raw->substr(a + 1, b - a - 1), n = raw->substr(b + 1);
  if (s.empty() || n.empty()) return false;
  *seq = std::strtoull(s.c_str(), &end, 10);
  if (*end != '\0') return false;
  *nonce = std::strtoull(n.c_str(), &end, 10);
  return *end == '\0';
}

bool ValidQueueName(const std::string& name) {
  std::string base = name.ends_with(".fifo") ? name.substr(0, name.size() - 5) : name;
  if (name.empty() || name.size() > 80 || base.empty()) return false;
  return std::all_of(base.begin(), base.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

QueueService::QueueService(store::QueueStore& store, Clock& clock, std::string account, std::string region)
    : store_(store), clock_(clock), account_(std::move(account)), region_(std::move(region)) {}

QueueService::~QueueService() { Stop(); }

std::string QueueService::Arn(const std::string& name) const {
  return "arn:aws:sqs:" + region_ + ":" + account_ + ":" + name;
}

QueueError QueueService::NoQueue() {
  return {Errc::kQueueDoesNotExist, "The specified queue does not exist."};
}

Queue* QueueService::Find(const std::string& name) {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second.get();
}

Status QueueService::Write(const store::QueueWrite& wb) {
  if (wb.empty()) return Status::Ok();
  return store_.Write(wb);
}

Status QueueService::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  // Queue definitions first, then messages with their states, then dedup entries.
  Status bad;
  CXB_RETURN_IF_ERROR(store_.Scan(std::string(1, kQueueKey), [&](std::string_view key, std::string_view value) {
    std::string name(key.substr(1));
    QueueConfig cfg;
    int64_t created = 0, modified = 0;
    if (!DecodeQueueDef(value, &cfg, &created, &modified)) {
      bad = Status::Corruption("queue definition of '" + name + "' does not decode");
      return false;
    }
    auto q = std::make_unique<Queue>(name, cfg, created);
    q->set_config(cfg, modified);
    queues_[name] = std::move(q);
    return true;
  }));
  CXB_RETURN_IF_ERROR(bad);
  // Every message's state ('v' keys), read in one pass before the messages ('m' keys).
  std::map<std::pair<std::string, uint64_t>, DeliveryState> states;
  CXB_RETURN_IF_ERROR(store_.Scan(std::string(1, kStateKey), [&](std::string_view key, std::string_view value) {
    std::string name;
    uint64_t seq = 0;
    if (!ParseMessageKey(key, &name, &seq)) return true;
    if (auto st = DecodeState(value)) states[{std::move(name), seq}] = *st;
    return true;
  }));
  CXB_RETURN_IF_ERROR(store_.Scan(std::string(1, kMessageKey), [&](std::string_view key, std::string_view value) {
    std::string name;
    uint64_t seq = 0;
    if (!ParseMessageKey(key, &name, &seq)) return true;
    Queue* q = Find(name);
    auto rec = DecodeMessage(value);
    if (q == nullptr || !rec) return true;
    auto st = states.find({name, seq});
    q->Load(seq, *rec, st == states.end() ? DeliveryState{} : st->second);
    next_seq_ = std::max(next_seq_, seq + 1);
    return true;
  }));
  CXB_RETURN_IF_ERROR(store_.Scan(std::string(1, kDedupKey), [&](std::string_view key, std::string_view value) {
    size_t nul = key.find('\0', 1);
    if (nul == std::string_view::npos) return true;
    Queue* q = Find(std::string(key.substr(1, nul - 1)));
    auto rec = DecodeDedup(value);
    if (q && rec) q->LoadDedup(std::string(key.substr(nul + 1)), *rec);
    return true;
  }));
  auto seq_value = store_.Get(kSeqKey);
  if (seq_value.ok() && seq_value->size() == 8) {
    next_seq_ = std::max(next_seq_, store::GetFixed64BE(seq_value->data()));
  } else if (!seq_value.ok() && seq_value.status().code() != StatusCode::kNotFound) {
    return seq_value.status();
  }
  for (auto& [_, q] : queues_) q->FinishLoad();
  return Status::Ok();
}

void QueueService::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return;
  started_ = true;
  poller_ = std::thread([this] {
    SetThreadName("cxb-queue-poll");
    Loop();
  });
}

void QueueService::Stop() {
  std::vector<Waiter> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    waiters.swap(waiters_);
  }
  cv_.notify_all();
  for (auto& w : waiters) w.done({}, {});
  if (poller_.joinable()) poller_.join();
}

void QueueService::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

QueueError QueueService::StartMoveTask(const std::string& source, const std::string& destination,
                                       int max_per_second, MoveTask* out) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* src = Find(source);
  if (src == nullptr) return NoQueue();
  std::vector<std::string> sources;
  for (const auto& [n, q] : queues_)
    if (q->config().dlq_name == source) sources.push_back(n);
  if (sources.empty()) {
    return {Errc::kInvalidParameterValue, "Source queue must be configured as a Dead Letter Queue."};
  }
  std::string dest = destination;
  if (dest.empty()) {
    if (sources.size() != 1) {
      return {Errc::kInvalidParameterValue,
              "Several queues use this dead-letter queue and cxbridge does not record each message's source "
              "queue: give DestinationArn."};
    }
    dest = sources[0];
  }
  Queue* dst = Find(dest);
  if (dst == nullptr) return NoQueue();
  if (dst == src) return {Errc::kInvalidParameterValue, "The destination must differ from the source."};
  if (dst->config().fifo != src->config().fifo) {
    return {Errc::kInvalidParameterValue, "Source and destination queues must be of the same type."};
  }
  MoveTask t;
  t.handle = NewUuid4();
  t.source = Arn(source);
  t.destination = Arn(dest);
  t.max_per_second = max_per_second;
  t.started_ms = clock_.NowMs();
  t.to_move = static_cast<int64_t>(src->Count(t.started_ms).visible);
  t.status = "COMPLETED";
  // In chunks of 10, each one write: a message is in exactly one queue after every chunk.
  for (;;) {
    int64_t now = clock_.NowMs();
    store::QueueWrite wb;
    std::vector<uint64_t> unused;
    std::vector<Handout> got = src->Receive(10, 0, now, 0, &RandomNonce, &wb, &unused);
    if (got.empty()) break;
    store::QueueWrite move;
    for (const Handout& h : got) {
      auto v = store_.Get(MessageKey(kMessageKey, src->name(), h.seq));
      if (!v.ok()) continue;
      auto rec = DecodeMessage(*v);
      if (!rec) continue;
      rec->dedup_id.clear();  // a move is not a new send
      src->Remove(h.seq, &move);
      dst->Add(next_seq_++, *rec, 0, now, &move);
      ++t.moved;
    }
    std::string seq;
    store::PutFixed64BE(&seq, next_seq_);
    move.Put(kSeqKey, seq);
    if (Status st = Write(move); !st.ok()) {
      t.status = "FAILED";
      t.failure_reason = st.message();
      break;
    }
    if (t.moved >= t.to_move) break;  // what arrives meanwhile waits for the next task
  }
  WakeForWaitersLocked();
  cv_.notify_all();
  move_tasks_.push_back(t);
  if (move_tasks_.size() > 1000) move_tasks_.erase(move_tasks_.begin());
  *out = std::move(t);
  return {};
}

std::vector<QueueService::MoveTask> QueueService::MoveTasks(const std::string& source) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MoveTask> out;
  const std::string arn = Arn(source);
  for (auto it = move_tasks_.rbegin(); it != move_tasks_.rend() && out.size() < 100; ++it)
    if (it->source == arn) out.push_back(*it);
  return out;
}

QueueError QueueService::CancelMoveTask(const std::string& handle) {
  (void)handle;
  return {Errc::kResourceNotFound, "The resource that you requested does not exist."};
}

QueueError QueueService::CreateQueue(const std::string& name, const std::map<std::string, std::string>& attributes,
                                     const std::map<std::string, std::string>& tags) {
  if (!ValidQueueName(name)) {
    return {Errc::kInvalidParameterValue,
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"};
  }
  QueueConfig cfg;
  if (auto e = ApplyAttributes(attributes, /*creating=*/true, &cfg); !e.ok()) return e;
  if (cfg.fifo != name.ends_with(".fifo")) {
    return {Errc::kInvalidParameterValue,
            cfg.fifo ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                       "underscores, must end with .fifo suffix and be 1 to 80 in length."
                     : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"};
  }
  if (auto e = CheckTags(tags); !e.ok()) return e;
  cfg.tags = tags;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto e = CheckDeadLetterTarget(cfg); !e.ok()) return e;
  if (Queue* q = Find(name)) {
    auto have = ConfigAttributes(q->config());
    for (const auto& [k, v] : ConfigAttributes(cfg)) {
      if (attributes.count(k) && have[k] != v) {
        return {Errc::kQueueNameExists, "A queue already exists with the same name and a different value for attribute " + k};
      }
    }
    return {};
  }
  int64_t now = clock_.NowMs();
  store::QueueWrite wb;
  wb.Put(QueueDefKey(name), EncodeQueueDef(cfg, now, now));
  Status s = store_.WriteSynced(wb);
  if (!s.ok()) return {Errc::kUnavailable, s.message()};
  queues_[name] = std::make_unique<Queue>(name, cfg, now);
  return {};
}

QueueError QueueService::DeleteQueue(const std::string& name) {
  std::vector<Waiter> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Queue* q = Find(name);
    if (q == nullptr) return NoQueue();
    store::QueueWrite wb;
    q->Purge(&wb);
    std::string d = QueuePrefix(kDedupKey, name);
    wb.DeleteRange(d, d + std::string(1, '\xff'));
    wb.Delete(QueueDefKey(name));
    Status s = store_.WriteSynced(wb);
    if (!s.ok()) return {Errc::kUnavailable, s.message()};
    queues_.erase(name);
    auto it = std::stable_partition(waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.in.queue != name; });
    std::move(it, waiters_.end(), std::back_inserter(gone));
    waiters_.erase(it, waiters_.end());
  }
  for (auto& w : gone) w.done({}, {});
  return {};
}

QueueError QueueService::SetAttributes(const std::string& name, const std::map<std::string, std::string>& attributes) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  QueueConfig cfg = q->config();
  if (auto e = ApplyAttributes(attributes, /*creating=*/false, &cfg); !e.ok()) return e;
  if (auto e = CheckDeadLetterTarget(cfg); !e.ok()) return e;
  return SaveConfig(*q, std::move(cfg));
}

QueueError QueueService::GetAttributes(const std::string& name, const std::vector<std::string>& names,
                                       std::map<std::string, std::string>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  int64_t now = clock_.NowMs();
  auto all = ConfigAttributes(q->config());
  Queue::Counts c = q->Count(now);
  all["ApproximateNumberOfMessages"] = std::to_string(c.visible);
  all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(c.in_flight);
  all["ApproximateNumberOfMessagesDelayed"] = std::to_string(c.delayed);
  // Not an SQS attribute (CloudWatch has it as a metric); cxbridge answers it when asked.
  all["ApproximateAgeOfOldestMessage"] = std::to_string(c.oldest_sent_ms ? (now - c.oldest_sent_ms) / 1000 : 0);
  all["CreatedTimestamp"] = std::to_string(q->created_ms() / 1000);
  all["LastModifiedTimestamp"] = std::to_string(q->modified_ms() / 1000);
  all["QueueArn"] = Arn(name);
  // Defaults AWS reports for queues where they were never set.
  if (!all.count("SqsManagedSseEnabled")) all["SqsManagedSseEnabled"] = all.count("KmsMasterKeyId") ? "false" : "true";
  if (q->config().fifo) {
    if (!all.count("DeduplicationScope")) all["DeduplicationScope"] = "queue";
    if (!all.count("FifoThroughputLimit")) all["FifoThroughputLimit"] = "perQueue";
  }
  for (const auto& n : names) {
    if (n == "All") {
      *out = all;
      out->erase("ApproximateAgeOfOldestMessage");
      return {};
    }
    auto it = all.find(n);
    if (it != all.end()) {
      (*out)[n] = it->second;
    } else if (n != "RedrivePolicy" && n != "ContentBasedDeduplication" && n != "FifoQueue" &&
               n != "Policy" && n != "KmsMasterKeyId" && n != "RedriveAllowPolicy" &&
               n != "KmsDataKeyReusePeriodSeconds" && n != "DeduplicationScope" &&
               n != "FifoThroughputLimit") {
      return {Errc::kInvalidAttributeName, "Unknown Attribute " + n + "."};
    }
  }
  return {};
}

std::vector<std::string> QueueService::ListQueues(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, _] : queues_) {
    if (name.starts_with(prefix)) out.push_back(name);
  }
  return out;
}

std::optional<bool> QueueService::IsFifo(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return std::nullopt;
  return q->config().fifo;
}

std::vector<std::pair<QueueError, SendOutput>> QueueService::Send(const std::string& name,
                                                                  std::vector<SendInput> entries, bool durable) {
  std::vector<std::pair<QueueError, SendOutput>> results(entries.size());
  bool wrote = false, wake = false;
  // SendMessage brings new data (kAccept: refused first when space runs low); a rule target's
  // delivery moves an accepted event on (kInternal: refused later, so deliveries drain a while).
  const auto purpose = durable ? store::QueueWrite::Purpose::kNewData : store::QueueWrite::Purpose::kInternal;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Queue* q = Find(name);
    if (q == nullptr) {
      for (auto& r : results) r.first = NoQueue();
      return results;
    }
    const QueueConfig& cfg = q->config();
    int64_t now = clock_.NowMs();
    store::QueueWrite wb;
    wb.set_purpose(purpose);
    std::vector<std::pair<uint64_t, std::string>> added;  // (seq, dedup id) indexed for this batch
    for (size_t i = 0; i < entries.size(); ++i) {
      SendInput& e = entries[i];
      auto& [err, out] = results[i];
      if (e.body.empty()) {
        err = {Errc::kMissingParameter, "The request must contain the parameter MessageBody."};
        continue;
      }
      if (!ValidBody(e.body)) {
        err = {Errc::kInvalidMessageContents, "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | "
                                              "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"};
        continue;
      }
      if (auto ae = CheckAttributes(e.attributes); !ae.ok()) {
        err = ae;
        continue;
      }
      std::string attrs_json = json::Serialize(e.attributes);
      if (e.body.size() + attrs_json.size() > static_cast<size_t>(cfg.maximum_message_size)) {
        err = {Errc::kInvalidParameterValue, "One or more parameters are invalid. Reason: Message must be shorter than " +
                                                 std::to_string(cfg.maximum_message_size) + " bytes."};
        continue;
      }
      if (e.delay_seconds < -1 || e.delay_seconds > 900) {
        err = {Errc::kInvalidParameterValue, "Value " + std::to_string(e.delay_seconds) +
                                                 " for parameter DelaySeconds is invalid. Reason: must be between 0 and 900."};
        continue;
      }
      if (cfg.fifo) {
        if (e.group_id.empty()) {
          err = {Errc::kMissingParameter, "The request must contain the parameter MessageGroupId."};
          continue;
        }
        if (e.delay_seconds > 0) {
          err = {Errc::kInvalidParameterValue, "Value " + std::to_string(e.delay_seconds) +
                                                   " for parameter DelaySeconds is invalid. Reason: The request include "
                                                   "parameter that is not valid for this queue type."};
          continue;
        }
        if (e.dedup_id.empty()) {
          if (!cfg.content_based_dedup) {
            err = {Errc::kInvalidParameterValue,
                   "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"};
            continue;
          }
          e.dedup_id = Sha256Hex(e.body);
        }
      } else if (!e.dedup_id.empty()) {
        err = {Errc::kInvalidParameterValue, "Value " + e.dedup_id + " for parameter MessageDeduplicationId is invalid. "
                                                 "Reason: The request include parameter that is not valid for this queue type."};
        continue;
      }
      out.md5_body = Md5Hex(e.body);
      out.md5_attributes = MessageAttributesMd5(e.attributes);
      if (cfg.fifo) {
        if (const DedupRecord* dup = q->FindDuplicate(e.dedup_id, now)) {
          out.message_id = dup->message_id;
          out.sequence_number = SequenceNumber(dup->seq);
          continue;  // accepted, not enqueued again
        }
      }
      uint64_t seq = next_seq_++;
      MessageRecord rec;
      rec.message_id = NewUuid4();
      rec.body = std::move(e.body);
      rec.attributes_json = std::move(attrs_json);
      rec.group_id = e.group_id;
      rec.dedup_id = e.dedup_id;
      rec.sent_ms = now;
      rec.sender_id = e.sender_id;
      rec.has_digests = true;
      rec.md5_body = out.md5_body;
      rec.md5_attributes = out.md5_attributes;
      int64_t delay_ms = static_cast<int64_t>(e.delay_seconds >= 0 ? e.delay_seconds : cfg.delay_seconds) * 1000;
      q->Add(seq, rec, delay_ms, now, &wb);
      added.emplace_back(seq, rec.dedup_id);
      out.message_id = rec.message_id;
      if (cfg.fifo) out.sequence_number = SequenceNumber(seq);
    }
    if (wb.size() > 0) {
      std::string s;
      store::PutFixed64BE(&s, next_seq_);
      wb.Put(kSeqKey, s);
      // Written under the lock so the WAL order matches the in-memory order (a delete of
      // these messages can only follow them in the log).
      Status st = Write(wb);
      if (!st.ok()) {
        // Not readable from the store (a failed write leaves nothing in the memtable): take them
        // out of the index again, or a receive would hand out a message it cannot read and a
        // FIFO retry would be answered as a duplicate of a message that does not exist. The
        // sender retries; if the WAL kept the record after all, a restart shows a duplicate.
        for (const auto& [seq, dedup_id] : added) q->Forget(seq, dedup_id);
        for (auto& r : results) {
          if (r.first.ok()) r.first = {Errc::kUnavailable, st.message()};
        }
        return results;
      }
      wrote = true;
      wake = WakeForWaitersLocked();  // parked receives may be served now
    }
  }
  if (wake) cv_.notify_all();
  if (wrote && durable) {
    // The fsync happens outside the lock; concurrent senders each wait for theirs.
    Status s = store_.Sync();
    if (!s.ok()) {
      for (auto& r : results) {
        if (r.first.ok()) r.first = {Errc::kUnavailable, "sync failed: " + s.ToString()};
      }
    }
  }
  return results;
}

QueueError QueueService::ReceiveLocked(Queue& q, const ReceiveInput& in, std::vector<ReceivedMessage>* out) {
  int64_t now = clock_.NowMs();
  const QueueConfig& cfg = q.config();
  int64_t vis_ms = static_cast<int64_t>(in.visibility_seconds >= 0 ? in.visibility_seconds : cfg.visibility_timeout_seconds) * 1000;
  Queue* dlq = cfg.dlq_name.empty() ? nullptr : Find(cfg.dlq_name);
  int max_receive = dlq != nullptr ? cfg.max_receive_count : 0;
  store::QueueWrite wb;
  std::vector<uint64_t> to_dlq;
  std::vector<Handout> got = q.Receive(in.max_messages, vis_ms, now, max_receive, &RandomNonce, &wb, &to_dlq);
  // Messages past maxReceiveCount move to the DLQ (same id, body and sent time) in this batch.
  for (uint64_t seq : to_dlq) {
    auto v = store_.Get(MessageKey(kMessageKey, q.name(), seq));
    if (!v.ok()) continue;
    auto rec = DecodeMessage(*v);
    if (!rec) continue;
    uint64_t nseq = next_seq_++;
    if (!dlq->config().fifo) rec->group_id.clear();
    rec->dedup_id.clear();  // a move is not a new send
    dlq->Add(nseq, *rec, 0, now, &wb);
  }
  if (!to_dlq.empty()) {
    std::string s;
    store::PutFixed64BE(&s, next_seq_);
    wb.Put(kSeqKey, s);
  }
  for (const Handout& h : got) {
    auto v = store_.Get(MessageKey(kMessageKey, q.name(), h.seq));
    auto rec = v.ok() ? DecodeMessage(*v) : std::nullopt;
    if (!rec) return {Errc::kInternal, "message " + h.message_id + " is unreadable"};
    ReceivedMessage m;
    m.message_id = rec->message_id;
    m.receipt_handle = MakeReceiptHandle(q.name(), h.seq, h.state.nonce);
    m.attributes_json = rec->attributes_json.empty() ? "{}" : rec->attributes_json;
    if (rec->has_digests) {
      m.md5_body = std::move(rec->md5_body);
      m.md5_attributes = std::move(rec->md5_attributes);
    } else {  // written by an older cxbridge
      m.md5_body = Md5Hex(rec->body);
      if (auto a = json::Parse(m.attributes_json); a.ok())
        m.md5_attributes = MessageAttributesMd5(*a);
    }
    m.body = std::move(rec->body);
    m.group_id = rec->group_id;
    m.dedup_id = rec->dedup_id;
    if (cfg.fifo) m.sequence_number = SequenceNumber(h.seq);
    m.sender_id = rec->sender_id;
    m.sent_ms = rec->sent_ms;
    m.first_receive_ms = h.state.first_receive_ms;
    m.receive_count = h.state.receive_count;
    out->push_back(std::move(m));
  }
  // Receive state is small and overwrites itself: it stays writable until the engine's own
  // reserve (consumers are how a full queue drains); a move to the DLQ copies a body.
  wb.set_purpose(to_dlq.empty() ? store::QueueWrite::Purpose::kRelease : store::QueueWrite::Purpose::kInternal);
  Status s = Write(wb);
  if (!s.ok()) return {Errc::kUnavailable, s.message()};
  return {};
}

void QueueService::Receive(const ReceiveInput& in, ReceiveDone done) {
  if (in.max_messages < 1 || in.max_messages > 10) {
    return done({Errc::kInvalidParameterValue, "Value " + std::to_string(in.max_messages) +
                                                   " for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
                {});
  }
  if (in.wait_seconds > 20 || in.wait_seconds < -1) {
    return done({Errc::kInvalidParameterValue, "Value " + std::to_string(in.wait_seconds) +
                                                   " for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."},
                {});
  }
  if (in.visibility_seconds > 43200 || in.visibility_seconds < -1) {
    return done({Errc::kInvalidParameterValue, "Value " + std::to_string(in.visibility_seconds) +
                                                   " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200."},
                {});
  }
  std::vector<ReceivedMessage> out;
  QueueError err;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Queue* q = Find(in.queue);
    if (q == nullptr) {
      err = NoQueue();
    } else {
      err = ReceiveLocked(*q, in, &out);
      int wait = in.wait_seconds >= 0 ? in.wait_seconds : q->config().receive_wait_seconds;
      if (err.ok() && out.empty() && wait > 0 && started_ && !stopping_) {
        waiters_.push_back(Waiter{in, clock_.NowMs() + wait * 1000LL, std::move(done)});
        woken_ = true;
        cv_.notify_all();
        return;
      }
    }
  }
  done(std::move(err), std::move(out));
}

QueueError QueueService::DeleteMessage(const std::string& name, const std::string& receipt_handle) {
  return DeleteMessages(name, {receipt_handle})[0];
}

std::vector<QueueError> QueueService::DeleteMessages(
    const std::string& name, const std::vector<std::string>& receipt_handles) {
  std::vector<QueueError> results(receipt_handles.size());
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Queue* q = Find(name);
    if (q == nullptr) return std::vector<QueueError>(receipt_handles.size(), NoQueue());
    store::QueueWrite wb;
    for (size_t i = 0; i < receipt_handles.size(); ++i) {
      std::string qn;
      uint64_t seq = 0, nonce = 0;
      if (!ParseReceiptHandle(receipt_handles[i], &qn, &seq, &nonce) || qn != name) {
        results[i] = {Errc::kReceiptHandleIsInvalid, "The input receipt handle \"" +
                                                         receipt_handles[i] +
                                                         "\" is not a valid receipt handle."};
        continue;
      }
      results[i] = q->Delete(seq, nonce, &wb);
    }
    // One write for the batch (not synced: a delete lost in a crash only repeats a message).
    wb.set_purpose(store::QueueWrite::Purpose::kRelease);
    Status s = Write(wb);
    if (!s.ok()) {
      for (auto& r : results) {
        if (r.ok()) r = {Errc::kUnavailable, s.message()};
      }
      return results;
    }
    wake = WakeForWaitersLocked();  // a FIFO group may be free now
  }
  if (wake) cv_.notify_all();
  return results;
}

bool QueueService::WakeForWaitersLocked() {
  if (waiters_.empty()) return false;  // nobody is parked: the poller has nothing to answer
  woken_ = true;
  return true;
}

QueueError QueueService::ChangeVisibility(const std::string& name, const std::string& receipt_handle,
                                          int visibility_seconds) {
  if (visibility_seconds < 0 || visibility_seconds > 43200) {
    return {Errc::kInvalidParameterValue, "Value " + std::to_string(visibility_seconds) +
                                              " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200."};
  }
  std::string qn;
  uint64_t seq = 0, nonce = 0;
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  if (!ParseReceiptHandle(receipt_handle, &qn, &seq, &nonce) || qn != name) {
    return {Errc::kReceiptHandleIsInvalid, "The input receipt handle \"" + receipt_handle + "\" is not a valid receipt handle."};
  }
  store::QueueWrite wb;
  QueueError e = q->ChangeVisibility(seq, nonce, visibility_seconds * 1000LL, clock_.NowMs(), &wb);
  if (!e.ok()) return e;
  wb.set_purpose(store::QueueWrite::Purpose::kRelease);
  Status s = Write(wb);
  if (!s.ok()) return {Errc::kUnavailable, s.message()};
  if (WakeForWaitersLocked()) cv_.notify_all();  // a message may be visible now
  return {};
}

QueueError QueueService::Purge(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (q == nullptr) return NoQueue();
  store::QueueWrite wb;
  q->Purge(&wb);
  Status s = Write(wb);
  if (!s.ok()) return {Errc::kUnavailable, s.message()};
  return {};
}

void QueueService::ServeWaiters(int64_t now, std::vector<Answer>* answers) {
  std::vector<Waiter> keep;
  for (auto& w : waiters_) {
    Queue* q = Find(w.in.queue);
    if (q == nullptr) {
      answers->emplace_back(std::move(w.done), std::vector<ReceivedMessage>{});
      continue;
    }
    if (q->HasVisible(now)) {
      std::vector<ReceivedMessage> out;
      QueueError e = ReceiveLocked(*q, w.in, &out);
      if (!out.empty() || !e.ok()) {
        answers->emplace_back(std::move(w.done), std::move(out));
        continue;
      }
    }
    if (w.deadline_ms <= now) {
      answers->emplace_back(std::move(w.done), std::vector<ReceivedMessage>{});
      continue;
    }
    keep.push_back(std::move(w));
  }
  waiters_.swap(keep);
}

void QueueService::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    int64_t now = clock_.NowMs();
    std::vector<Answer> answers;
    ServeWaiters(now, &answers);
    if (now - last_expire_ms_ >= 1000) {
      last_expire_ms_ = now;
      store::QueueWrite wb;
      for (auto& [_, q] : queues_) q->Expire(now, &wb);
      (void)Write(wb);  // best effort: a lost expiry is redone at the next start
    }
    // Next wake-up: a parked receive's deadline or a message of its queue becoming visible.
    int64_t next = now + 1000;
    for (const auto& w : waiters_) {
      next = std::min(next, w.deadline_ms);
      if (Queue* q = Find(w.in.queue)) next = std::min(next, q->NextVisibleMs());
    }
    if (!answers.empty()) {
      lock.unlock();
      for (auto& [done, msgs] : answers) done({}, std::move(msgs));
      lock.lock();
      continue;
    }
    woken_ = false;
    cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, next - now)),
                 [this] { return stopping_ || woken_; });
  }
}

}  // namespace cxbridge::queue
