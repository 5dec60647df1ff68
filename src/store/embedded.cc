#include "store/embedded.h"

#include <rocksdb/write_batch.h>

#include <memory>

namespace cxbridge::store {
namespace {
std::string ResourceKey(std::string_view kind, std::string_view name) {
  std::string k(kind);
  k.push_back('\0');
  k.append(name);
  return k;
}
std::string ArchivePrefix(std::string_view archive) {
  std::string k(archive);
  k.push_back('\0');
  return k;
}
std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// A resource's value: '\x01', its revision (8 bytes BE), the JSON text. Values written before
// revisions existed are bare JSON (never starting with '\x01') and count as revision 1.
constexpr char kRevisionTag = '\x01';
constexpr char kResourceRevisionKey[] = "resource_revision";  // meta: the last revision given

std::string EncodeResource(uint64_t revision, std::string_view value) {
  std::string v(1, kRevisionTag);
  PutFixed64BE(&v, revision);
  v.append(value);
  return v;
}

void DecodeResource(std::string_view stored, ResourceEntry* out) {
  if (stored.size() >= 9 && stored[0] == kRevisionTag) {
    out->revision = GetFixed64BE(stored.data() + 1);
    out->value.assign(stored.substr(9));
  } else {
    out->revision = 1;
    out->value.assign(stored);
  }
}

Status Changed(std::string_view kind, std::string_view name, uint64_t expected, uint64_t current) {
  return Status::FailedPrecondition(std::string(kind) + " " + std::string(name) + " changed concurrently (revision " +
                                    std::to_string(current) + ", expected " + std::to_string(expected) + ")");
}

}  // namespace

Result<uint64_t> EmbeddedResourceStore::CurrentRevision(std::string_view kind, std::string_view name) {
  auto e = Get(kind, name);
  if (e.ok()) return e->revision;
  if (e.status().code() == StatusCode::kNotFound) return kNoRevision;
  return e.status();
}

Result<uint64_t> EmbeddedResourceStore::Put(std::string_view kind, std::string_view name,
                                            std::string_view value, uint64_t expected_revision) {
  std::lock_guard<std::mutex> lock(mu_);
  if (expected_revision != kAnyRevision) {
    auto cur = CurrentRevision(kind, name);
    if (!cur.ok()) return cur.status();
    if (*cur != expected_revision) return Changed(kind, name, expected_revision, *cur);
  }
  if (last_revision_ == 0) {
    std::string v;
    auto s = db_.raw()->Get(rocksdb::ReadOptions(), db_.meta(), kResourceRevisionKey, &v);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "resource revision");
    last_revision_ = s.ok() && v.size() == 8 ? GetFixed64BE(v.data()) : 1;  // 1: bare entries
  }
  const uint64_t revision = last_revision_ + 1;
  std::string counter;
  PutFixed64BE(&counter, revision);
  rocksdb::WriteBatch wb;
  wb.Put(db_.resources(), ResourceKey(kind, name), EncodeResource(revision, value));
  wb.Put(db_.meta(), kResourceRevisionKey, counter);
  CXB_RETURN_IF_ERROR(db_.WriteSynced(&wb, WriteUse::kAccept));  // API writes: new data from outside
  last_revision_ = revision;
  return revision;
}

Result<ResourceEntry> EmbeddedResourceStore::Get(std::string_view kind, std::string_view name) {
  std::string v;
  auto s = db_.raw()->Get(rocksdb::ReadOptions(), db_.resources(), ResourceKey(kind, name), &v);
  if (s.IsNotFound()) return Status::NotFound(std::string(kind) + " " + std::string(name));
  if (!s.ok()) return FromRocks(s, "resource get");
  ResourceEntry e;
  e.name = std::string(name);
  DecodeResource(v, &e);
  return e;
}

Status EmbeddedResourceStore::Delete(std::string_view kind, std::string_view name, uint64_t expected_revision) {
  std::lock_guard<std::mutex> lock(mu_);
  if (expected_revision != kAnyRevision) {
    auto cur = CurrentRevision(kind, name);
    if (!cur.ok()) return cur.status();
    if (*cur != expected_revision) return Changed(kind, name, expected_revision, *cur);
  }
  rocksdb::WriteBatch wb;
  wb.Delete(db_.resources(), ResourceKey(kind, name));
  return db_.WriteSynced(&wb);
}

Result<std::vector<ResourceEntry>> EmbeddedResourceStore::List(std::string_view kind) {
  std::vector<ResourceEntry> out;
  std::string prefix = ResourceKey(kind, "");
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.resources()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ResourceEntry e;
    e.name = std::string(View(it->key()).substr(prefix.size()));
    DecodeResource(View(it->value()), &e);
    out.push_back(std::move(e));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "resource list");
  return out;
}

Status EmbeddedArchiveStore::Append(std::string_view archive, int64_t event_time_ms,
                                    std::string_view event_json) {
  std::string key = ArchivePrefix(archive);
  PutFixed64BE(&key, static_cast<uint64_t>(event_time_ms));
  // A per-process counter plus wall time keeps keys unique across restarts.
  PutFixed64BE(&key, (static_cast<uint64_t>(SystemClock().NowMs()) << 16) | (counter_++ & 0xffff));
  rocksdb::WriteBatch wb;
  wb.Put(db_.archive(), key, rocksdb::Slice(event_json.data(), event_json.size()));
  return db_.WriteSynced(&wb);
}

Status EmbeddedArchiveStore::Scan(std::string_view archive, int64_t start_ms, int64_t end_ms,
                                  const std::function<bool(int64_t, std::string_view)>& fn) {
  std::string prefix = ArchivePrefix(archive);
  std::string from = prefix;
  PutFixed64BE(&from, static_cast<uint64_t>(std::max<int64_t>(start_ms, 0)));
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.archive()));
  for (it->Seek(from); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto key = View(it->key());
    if (key.size() != prefix.size() + 16) continue;
    int64_t t = static_cast<int64_t>(GetFixed64BE(key.data() + prefix.size()));
    if (t >= end_ms) break;
    if (!fn(t, View(it->value()))) break;
  }
  return FromRocks(it->status(), "archive scan");
}

Status EmbeddedArchiveStore::DeleteBefore(std::string_view archive, int64_t cutoff_ms) {
  std::string from = ArchivePrefix(archive);
  std::string to = from;
  PutFixed64BE(&to, static_cast<uint64_t>(std::max<int64_t>(cutoff_ms, 0)));
  if (cutoff_ms == INT64_MAX) {
    to = ArchivePrefix(archive);
    to.back() = '\x01';  // everything of this archive
  }
  rocksdb::WriteBatch wb;
  wb.DeleteRange(db_.archive(), from, to);
  return db_.WriteSynced(&wb);
}

Result<uint64_t> EmbeddedArchiveStore::Count(std::string_view archive) {
  uint64_t n = 0;
  CXB_RETURN_IF_ERROR(Scan(archive, 0, INT64_MAX, [&](int64_t, std::string_view) {
    ++n;
    return true;
  }));
  return n;
}

void EmbeddedQueueStore::Build(const QueueWrite& w, rocksdb::WriteBatch* wb) {
  for (const auto& op : w.ops()) {
    switch (op.kind) {
      case QueueWrite::Op::kPut:
        wb->Put(db_.queues(), op.a, op.b);
        break;
      case QueueWrite::Op::kDelete:
        wb->Delete(db_.queues(), op.a);
        break;
      case QueueWrite::Op::kDeleteRange:
        wb->DeleteRange(db_.queues(), op.a, op.b);
        break;
    }
  }
}

namespace {
WriteUse UseFor(QueueWrite::Purpose p) {
  switch (p) {
    case QueueWrite::Purpose::kNewData: return WriteUse::kAccept;
    case QueueWrite::Purpose::kInternal: return WriteUse::kInternal;
    case QueueWrite::Purpose::kRelease: return WriteUse::kRelease;
  }
  return WriteUse::kInternal;
}
}  // namespace

Status EmbeddedQueueStore::Write(const QueueWrite& w) {
  if (w.empty()) return Status::Ok();
  rocksdb::WriteBatch wb;
  Build(w, &wb);
  return db_.Write(&wb, UseFor(w.purpose()));
}

Status EmbeddedQueueStore::WriteSynced(const QueueWrite& w) {
  rocksdb::WriteBatch wb;
  Build(w, &wb);
  return db_.WriteSynced(&wb, UseFor(w.purpose()));
}

Status EmbeddedQueueStore::Sync() { return db_.SyncWal(); }

Result<std::string> EmbeddedQueueStore::Get(std::string_view key) {
  std::string v;
  auto s = db_.raw()->Get(rocksdb::ReadOptions(), db_.queues(), rocksdb::Slice(key.data(), key.size()), &v);
  if (s.IsNotFound()) return Status::NotFound("no queue record");
  if (!s.ok()) return FromRocks(s, "queue record");
  return v;
}

Status EmbeddedQueueStore::Scan(std::string_view prefix,
                                const std::function<bool(std::string_view, std::string_view)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.queues()));
  const rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    if (!fn(View(it->key()), View(it->value()))) break;
  }
  return FromRocks(it->status(), "queue scan");
}

Result<EmbeddedDedupStore::Claimed> EmbeddedDedupStore::Claim(std::string_view key, int64_t ttl_ms) {
  const std::string k(key);  // outlives the commit (RunAndWait waits for it)
  bool first = false;
  CXB_RETURN_IF_ERROR(log_.RunAndWait([&](CommitContext& ctx) -> Status {
    auto r = ctx.claim(k, ttl_ms);
    if (!r.ok()) return r.status();
    first = *r;
    return Status::Ok();
  }));
  return first ? kFirst : kDuplicate;
}

Status EmbeddedDeliveryQueue::ForEachPending(
    const std::function<void(const RouteId&, uint64_t, const DeliveryRecord&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.deliveries()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view tk;
    uint64_t seq;
    auto rec = DecodeDeliveryRecord(View(it->value()));
    if (!ParseDeliveryKey(View(it->key()), &tk, &seq) || !rec) {
      return Status::Corruption("undecodable delivery record");
    }
    auto route = RouteId::FromKey(tk);
    if (!route) return Status::Corruption("undecodable delivery key");
    fn(*route, seq, *rec);
  }
  return FromRocks(it->status(), "delivery scan");
}

Status EmbeddedDeliveryQueue::Ack(const RouteId& route, uint64_t seq) {
  rocksdb::WriteBatch wb;
  wb.Delete(db_.deliveries(), DeliveryKey(route.Key(), seq));
  return db_.Write(&wb);
}

Status EmbeddedDeliveryQueue::RetryAt(const RouteId& route, uint64_t seq, const DeliveryRecord& rec) {
  rocksdb::WriteBatch wb;
  wb.Put(db_.deliveries(), DeliveryKey(route.Key(), seq), EncodeDeliveryRecord(rec));
  return db_.Write(&wb);
}

Status EmbeddedDeliveryQueue::DeadLetter(const RouteId& route, uint64_t seq, const DlqEntry& entry) {
  rocksdb::WriteBatch wb;
  wb.Delete(db_.deliveries(), DeliveryKey(route.Key(), seq));
  wb.Put(db_.dlq(), entry.id, entry.json);
  return db_.WriteSynced(&wb);
}

Result<std::vector<DlqEntry>> EmbeddedDeliveryQueue::ListRecords(rocksdb::ColumnFamilyHandle* cf,
                                                         std::string_view after, size_t limit,
                                                         const char* what) {
  std::vector<DlqEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), cf));
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(rocksdb::Slice(after.data(), after.size()));
    if (it->Valid() && View(it->key()) == after) it->Next();
  }
  for (; it->Valid() && out.size() < limit; it->Next()) {
    out.push_back({it->key().ToString(), it->value().ToString()});
  }
  if (!it->status().ok()) return FromRocks(it->status(), what);
  return out;
}

Result<DlqEntry> EmbeddedDeliveryQueue::GetRecord(rocksdb::ColumnFamilyHandle* cf, std::string_view id,
                                          const char* what) {
  std::string v;
  auto s = db_.raw()->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(id.data(), id.size()), &v);
  if (s.IsNotFound()) return Status::NotFound(std::string("no ") + what + " " + std::string(id));
  if (!s.ok()) return FromRocks(s, what);
  return DlqEntry{std::string(id), std::move(v)};
}

Result<std::vector<DlqEntry>> EmbeddedDeliveryQueue::ListDlq(std::string_view after, size_t limit) {
  return ListRecords(db_.dlq(), after, limit, "dead-letter entry");
}

Result<DlqEntry> EmbeddedDeliveryQueue::GetDlq(std::string_view id) {
  return GetRecord(db_.dlq(), id, "dead-letter entry");
}

Result<std::vector<DlqEntry>> EmbeddedDeliveryQueue::ListQuarantine(std::string_view after, size_t limit) {
  return ListRecords(db_.quarantine(), after, limit, "quarantined event");
}

Result<DlqEntry> EmbeddedDeliveryQueue::GetQuarantine(std::string_view id) {
  return GetRecord(db_.quarantine(), id, "quarantined event");
}

Status EmbeddedDeliveryQueue::DeleteQuarantine(std::string_view id) {
  rocksdb::WriteBatch wb;
  wb.Delete(db_.quarantine(), rocksdb::Slice(id.data(), id.size()));
  return db_.WriteSynced(&wb);
}

Result<uint64_t> EmbeddedDeliveryQueue::CountDlq() {
  uint64_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.dlq()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

Result<uint64_t> EmbeddedDeliveryQueue::Enqueue(const RouteId& route, std::string_view bus,
                                                std::string_view event_json, int64_t now_ms,
                                                std::string_view remove_dlq_id) {
  uint64_t seq = 0;
  const std::string key = route.Key();
  CXB_RETURN_IF_ERROR(log_.RunAndWait([&](CommitContext& ctx) -> Status {
    seq = (*ctx.next_seq)++;
    ctx.batch->Put(db_.events(), SeqKey(seq),
                   EncodeEventRecord({now_ms, std::string(bus), std::string(event_json)}));
    ctx.batch->Put(db_.deliveries(), DeliveryKey(key, seq),
                   EncodeDeliveryRecord(DeliveryRecord{0, now_ms, now_ms, ""}));
    if (!remove_dlq_id.empty()) {
      ctx.batch->Delete(db_.dlq(), rocksdb::Slice(remove_dlq_id.data(), remove_dlq_id.size()));
    }
    return Status::Ok();
  }));
  return seq;
}

}  // namespace cxbridge::store
