#include "store/embedded_history.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <map>

#include "common/json.h"

namespace cxbridge::store {
namespace {

constexpr size_t kMaxDeletedPerCall = 100'000;

void PutBe64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetBe64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}
std::string EventKey(uint64_t seq) {
  std::string k = "e";
  PutBe64(&k, seq);
  return k;
}
std::string AttemptPrefix(std::string_view event_id) {
  std::string k = "a";
  k += event_id;
  k += '\0';
  return k;
}
// Attempts sort by delivery, then by the delivery's sequence (a redrive or redelivery is a new
// one, whose attempts count from 1 again), then by number.
std::string AttemptKey(const HistoryAttempt& a, uint32_t number) {
  std::string k = AttemptPrefix(a.event_id);
  k += a.rule;
  k += '\x1f';
  k += a.target;
  k += '\0';
  PutBe64(&k, a.seq);
  for (int i = 3; i >= 0; --i) k.push_back(static_cast<char>((number >> (8 * i)) & 0xff));
  return k;
}

// The records are written straight as JSON text (one per stored event and attempt, on the
// history thread: no document to build and free); DecodeEvent/DecodeAttempt read them back.
void AppendField(std::string* out, std::string_view key, std::string_view value) {
  if (out->back() != '{') out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
  json::AppendQuoted(out, value);
}
void AppendField(std::string* out, std::string_view key, int64_t value) {
  if (out->back() != '{') out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
  out->append(std::to_string(value));
}

std::string EncodeEvent(const HistoryEvent& e) {
  std::string out = "{";
  out.reserve(128 + e.id.size() + e.source.size() + e.detail_type.size() + e.bus.size() + 96 * e.routes.size());
  AppendField(&out, "id", e.id);
  AppendField(&out, "time", e.time_ms);
  AppendField(&out, "source", e.source);
  AppendField(&out, "detailType", e.detail_type);
  AppendField(&out, "bus", e.bus);
  out.append(",\"routes\":[");
  for (size_t i = 0; i < e.routes.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('{');
    AppendField(&out, "rule", e.routes[i].rule);
    AppendField(&out, "target", e.routes[i].target);
    AppendField(&out, "arn", e.routes[i].arn);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string Str(const json::Value& o, std::string_view k) {
  const json::Value* v = o.Find(k);
  return v && v->is_string() ? v->as_string() : "";
}
int64_t Int(const json::Value& o, std::string_view k, int64_t fallback = 0) {
  const json::Value* v = o.Find(k);
  int64_t out = fallback;
  if (v && v->is_number() && v->as_int64(&out)) return out;
  return fallback;
}

Result<HistoryEvent> DecodeEvent(uint64_t seq, std::string_view text) {
  auto doc = json::Parse(text);
  if (!doc.ok() || !doc->is_object()) return Status::Corruption("history event record does not decode");
  HistoryEvent e;
  e.seq = seq;
  e.id = Str(*doc, "id");
  e.time_ms = Int(*doc, "time");
  e.source = Str(*doc, "source");
  e.detail_type = Str(*doc, "detailType");
  e.bus = Str(*doc, "bus");
  if (const json::Value* rs = doc->Find("routes"); rs && rs->is_array()) {
    for (const auto& r : rs->items()) e.routes.push_back({Str(r, "rule"), Str(r, "target"), Str(r, "arn")});
  }
  return e;
}

std::string EncodeAttempt(const HistoryAttempt& a) {
  std::string out = "{";
  out.reserve(96 + a.outcome.size() + a.code.size() + std::min(a.message.size(), kMaxMessageBytes + 3));
  AppendField(&out, "n", static_cast<int64_t>(a.number));
  AppendField(&out, "time", a.time_ms);
  AppendField(&out, "outcome", a.outcome);
  if (a.http_status) AppendField(&out, "status", static_cast<int64_t>(a.http_status));
  if (!a.code.empty()) AppendField(&out, "code", a.code);
  if (!a.message.empty()) {
    AppendField(&out, "message", a.message.size() > kMaxMessageBytes ? a.message.substr(0, kMaxMessageBytes) + "…"
                                                                      : a.message);
  }
  if (a.latency_ms >= 0) AppendField(&out, "latency", a.latency_ms);
  if (a.next_retry_ms) AppendField(&out, "next", a.next_retry_ms);
  out.push_back('}');
  return out;
}

HistoryAttempt DecodeAttempt(uint64_t seq, std::string rule, std::string target, std::string_view text) {
  HistoryAttempt a;
  a.seq = seq;  // the delivery's sequence
  a.rule = std::move(rule);
  a.target = std::move(target);
  auto doc = json::Parse(text);
  if (!doc.ok()) {
    a.outcome = "unreadable";
    return a;
  }
  a.number = static_cast<uint32_t>(Int(*doc, "n"));
  a.time_ms = Int(*doc, "time");
  a.outcome = Str(*doc, "outcome");
  a.http_status = static_cast<int>(Int(*doc, "status"));
  a.code = Str(*doc, "code");
  a.message = Str(*doc, "message");
  a.latency_ms = Int(*doc, "latency", -1);
  a.next_retry_ms = Int(*doc, "next");
  return a;
}

}  // namespace

std::string DeliveryState(const std::vector<HistoryAttempt>& attempts) {
  if (attempts.empty()) return "pending";
  const std::string& last = attempts.back().outcome;
  if (last == "delivered") return "delivered";
  if (last == "dead-lettered") return "dead-lettered";
  return "pending";
}

std::string EventState(const std::vector<TargetHistory>& targets) {
  if (targets.empty()) return "unmatched";
  bool all_delivered = true;
  for (const auto& t : targets) {
    if (t.state == "dead-lettered") return "dead-lettered";
    all_delivered = all_delivered && t.state == "delivered";
  }
  return all_delivered ? "delivered" : "pending";
}

Status EmbeddedHistoryStore::Write(const std::vector<HistoryEvent>& events,
                                   const std::vector<HistoryAttempt>& attempts) {
  rocksdb::WriteBatch wb;
  auto* cf = db_.history();
  for (const auto& e : events) {
    wb.Put(cf, EventKey(e.seq), EncodeEvent(e));
    std::string seq;
    PutBe64(&seq, e.seq);
    wb.Put(cf, "i" + e.id, seq);
  }
  for (HistoryAttempt a : attempts) {
    if (a.event_id.empty()) {
      // The id from the event's record (written in this batch or before).
      for (const auto& e : events) {
        if (e.seq == a.seq) a.event_id = e.id;
      }
      if (a.event_id.empty()) {
        std::string value;
        auto s = db_.raw()->Get(rocksdb::ReadOptions(), cf, EventKey(a.seq), &value);
        if (!s.ok()) continue;  // an event recorded before the history existed: nothing to attach to
        auto ev = DecodeEvent(a.seq, value);
        if (!ev.ok()) continue;
        a.event_id = ev->id;
      }
    }
    wb.Put(cf, AttemptKey(a, a.number), EncodeAttempt(a));
    // Bounded: keep the first attempts and the latest ones.
    if (a.number > kFirstAttemptsKept + kLatestAttemptsKept) {
      wb.Delete(cf, AttemptKey(a, a.number - kLatestAttemptsKept));
    }
  }
  if (wb.Count() == 0) return Status::Ok();
  // No write-ahead log: the history is diagnostic, so it does not pay for a second copy of every
  // record. What is in the memtable reaches disk when RocksDB flushes it and at a clean
  // shutdown; a crash loses the history of the time since the last flush, never an event.
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  // Diagnostic data goes no further than new data from outside: it stops with ingest.
  return db_.WriteWith(wo, &wb, WriteUse::kAccept);
}

Result<EventHistory> EmbeddedHistoryStore::Load(uint64_t seq, std::string_view event_value) {
  auto ev = DecodeEvent(seq, event_value);
  if (!ev.ok()) return ev.status();
  EventHistory h;
  h.event = std::move(*ev);
  // Attempts grouped by delivery, in key order (rule, target, number).
  std::map<std::pair<std::string, std::string>, std::vector<HistoryAttempt>> by_target;
  const std::string prefix = AttemptPrefix(h.event.id);
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.history()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view rest(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    size_t sep = rest.find('\x1f');
    size_t end = rest.find('\0', sep == std::string_view::npos ? 0 : sep);
    if (sep == std::string_view::npos || end == std::string_view::npos || rest.size() < end + 13) continue;
    std::string rule(rest.substr(0, sep)), target(rest.substr(sep + 1, end - sep - 1));
    const uint64_t delivery_seq = GetBe64(rest.substr(end + 1, 8));
    HistoryAttempt a =
        DecodeAttempt(delivery_seq, rule, target, std::string_view(it->value().data(), it->value().size()));
    a.event_id = h.event.id;
    by_target[{rule, target}].push_back(std::move(a));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "history read");
  for (const auto& r : h.event.routes) {
    TargetHistory t;
    t.route = r;
    if (auto f = by_target.find({r.rule, r.target}); f != by_target.end()) {
      t.attempts = std::move(f->second);
      by_target.erase(f);
    }
    h.targets.push_back(std::move(t));
  }
  // Deliveries added after the event was recorded (a redrive to a target renamed since, ...).
  for (auto& [k, attempts] : by_target) {
    TargetHistory t;
    t.route = {k.first, k.second, ""};
    t.attempts = std::move(attempts);
    h.targets.push_back(std::move(t));
  }
  for (auto& t : h.targets) {
    t.state = DeliveryState(t.attempts);
    // Per delivery (sequence), numbers run from 1: what is missing in between was not kept.
    for (size_t i = 0; i < t.attempts.size(); ++i) {
      const bool first_of_delivery = i == 0 || t.attempts[i - 1].seq != t.attempts[i].seq;
      const uint32_t expected = first_of_delivery ? 1 : t.attempts[i - 1].number + 1;
      if (t.attempts[i].number > expected) t.omitted += t.attempts[i].number - expected;
    }
  }
  h.state = EventState(h.targets);
  return h;
}

Result<EventHistory> EmbeddedHistoryStore::Get(std::string_view event_id) {
  std::string seq_text;
  auto s = db_.raw()->Get(rocksdb::ReadOptions(), db_.history(), "i" + std::string(event_id), &seq_text);
  if (s.IsNotFound()) return Status::NotFound("no event " + std::string(event_id) + " in the history");
  if (!s.ok()) return FromRocks(s, "history read");
  const uint64_t seq = GetBe64(seq_text);
  std::string value;
  s = db_.raw()->Get(rocksdb::ReadOptions(), db_.history(), EventKey(seq), &value);
  if (s.IsNotFound()) return Status::NotFound("no event " + std::string(event_id) + " in the history");
  if (!s.ok()) return FromRocks(s, "history read");
  return Load(seq, value);
}

Result<std::vector<EventHistory>> EmbeddedHistoryStore::Find(const HistoryQuery& q) {
  std::vector<EventHistory> out;
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.history()));
  size_t scanned = 0;
  for (it->SeekForPrev(EventKey(UINT64_MAX)); it->Valid() && it->key().starts_with("e"); it->Prev()) {
    if (++scanned > kMaxScannedPerQuery || out.size() >= q.limit) break;
    const uint64_t seq = GetBe64(std::string_view(it->key().data() + 1, it->key().size() - 1));
    if (seq <= q.after_seq) break;
    std::string_view value(it->value().data(), it->value().size());
    auto ev = DecodeEvent(seq, value);
    if (!ev.ok()) continue;
    if (ev->time_ms > q.to_ms) continue;
    if (ev->time_ms < q.from_ms) break;  // older from here on
    if (!q.source.empty() && ev->source != q.source) continue;
    if (!q.detail_type_prefix.empty() && !ev->detail_type.starts_with(q.detail_type_prefix)) continue;
    if (!q.rule.empty() &&
        std::none_of(ev->routes.begin(), ev->routes.end(), [&](const auto& r) { return r.rule == q.rule; })) {
      continue;
    }
    auto h = Load(seq, value);
    if (!h.ok()) return h.status();
    if (!q.state.empty() && h->state != q.state) continue;
    out.push_back(std::move(*h));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "history scan");
  return out;
}

Status EmbeddedHistoryStore::DeleteBefore(int64_t time_ms) {
  rocksdb::WriteBatch wb;
  auto* cf = db_.history();
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), cf));
  uint64_t end_seq = 0;
  size_t n = 0;
  for (it->Seek("e"); it->Valid() && it->key().starts_with("e") && n < kMaxDeletedPerCall; it->Next(), ++n) {
    const uint64_t seq = GetBe64(std::string_view(it->key().data() + 1, it->key().size() - 1));
    auto ev = DecodeEvent(seq, std::string_view(it->value().data(), it->value().size()));
    if (ev.ok() && ev->time_ms >= time_ms) break;
    end_seq = seq + 1;
    if (!ev.ok()) continue;
    // The id's index and attempts go with its newest record only (a replay records it again).
    std::string newest;
    auto s = db_.raw()->Get(rocksdb::ReadOptions(), cf, "i" + ev->id, &newest);
    if (s.ok() && GetBe64(newest) > seq) continue;
    wb.Delete(cf, "i" + ev->id);
    std::string from = AttemptPrefix(ev->id), to = from;
    to.back() = '\x01';
    wb.DeleteRange(cf, from, to);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "history trim");
  if (end_seq == 0) return Status::Ok();
  wb.DeleteRange(cf, EventKey(0), EventKey(end_seq));
  return db_.Write(&wb);
}

}  // namespace cxbridge::store
