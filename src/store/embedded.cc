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
}  // namespace

Status EmbeddedResourceStore::Put(std::string_view kind, std::string_view name, std::string_view value) {
  rocksdb::WriteBatch wb;
  wb.Put(db_.resources(), ResourceKey(kind, name), rocksdb::Slice(value.data(), value.size()));
  return db_.WriteSynced(&wb);
}

Result<std::string> EmbeddedResourceStore::Get(std::string_view kind, std::string_view name) {
  std::string v;
  auto s = db_.raw()->Get(rocksdb::ReadOptions(), db_.resources(), ResourceKey(kind, name), &v);
  if (s.IsNotFound()) return Status::NotFound(std::string(kind) + " " + std::string(name));
  if (!s.ok()) return FromRocks(s, "resource get");
  return v;
}

Status EmbeddedResourceStore::Delete(std::string_view kind, std::string_view name) {
  rocksdb::WriteBatch wb;
  wb.Delete(db_.resources(), ResourceKey(kind, name));
  return db_.WriteSynced(&wb);
}

Result<std::vector<std::pair<std::string, std::string>>> EmbeddedResourceStore::List(
    std::string_view kind) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string prefix = ResourceKey(kind, "");
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.resources()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    out.emplace_back(std::string(View(it->key()).substr(prefix.size())), it->value().ToString());
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

Status DeliveryStore::ForEachPending(
    const std::function<void(std::string_view, uint64_t, const DeliveryRecord&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.deliveries()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view tk;
    uint64_t seq;
    auto rec = DecodeDeliveryRecord(View(it->value()));
    if (!ParseDeliveryKey(View(it->key()), &tk, &seq) || !rec) {
      return Status::Corruption("undecodable delivery record");
    }
    fn(tk, seq, *rec);
  }
  return FromRocks(it->status(), "delivery scan");
}

Result<EventRecord> DeliveryStore::GetEvent(uint64_t seq) {
  std::string v;
  auto s = db_.raw()->Get(rocksdb::ReadOptions(), db_.events(), SeqKey(seq), &v);
  if (!s.ok()) return FromRocks(s, "event get");
  auto rec = DecodeEventRecord(v);
  if (!rec) return Status::Corruption("undecodable event record " + std::to_string(seq));
  return std::move(*rec);
}

Status DeliveryStore::Complete(std::string_view target_key, uint64_t seq) {
  rocksdb::WriteBatch wb;
  wb.Delete(db_.deliveries(), DeliveryKey(target_key, seq));
  return db_.Write(&wb);
}

Status DeliveryStore::Reschedule(std::string_view target_key, uint64_t seq, const DeliveryRecord& rec) {
  rocksdb::WriteBatch wb;
  wb.Put(db_.deliveries(), DeliveryKey(target_key, seq), EncodeDeliveryRecord(rec));
  return db_.Write(&wb);
}

Status DeliveryStore::DeadLetter(std::string_view target_key, uint64_t seq, const DlqEntry& entry) {
  rocksdb::WriteBatch wb;
  wb.Delete(db_.deliveries(), DeliveryKey(target_key, seq));
  wb.Put(db_.dlq(), entry.id, entry.json);
  return db_.WriteSynced(&wb);
}

Result<std::vector<DlqEntry>> DeliveryStore::ListRecords(rocksdb::ColumnFamilyHandle* cf,
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

Result<DlqEntry> DeliveryStore::GetRecord(rocksdb::ColumnFamilyHandle* cf, std::string_view id,
                                          const char* what) {
  std::string v;
  auto s = db_.raw()->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(id.data(), id.size()), &v);
  if (s.IsNotFound()) return Status::NotFound(std::string("no ") + what + " " + std::string(id));
  if (!s.ok()) return FromRocks(s, what);
  return DlqEntry{std::string(id), std::move(v)};
}

Result<std::vector<DlqEntry>> DeliveryStore::ListDlq(std::string_view after, size_t limit) {
  return ListRecords(db_.dlq(), after, limit, "dead-letter entry");
}

Result<DlqEntry> DeliveryStore::GetDlq(std::string_view id) {
  return GetRecord(db_.dlq(), id, "dead-letter entry");
}

Result<std::vector<DlqEntry>> DeliveryStore::ListQuarantine(std::string_view after, size_t limit) {
  return ListRecords(db_.quarantine(), after, limit, "quarantined event");
}

Result<DlqEntry> DeliveryStore::GetQuarantine(std::string_view id) {
  return GetRecord(db_.quarantine(), id, "quarantined event");
}

Status DeliveryStore::DeleteQuarantine(std::string_view id) {
  rocksdb::WriteBatch wb;
  wb.Delete(db_.quarantine(), rocksdb::Slice(id.data(), id.size()));
  return db_.WriteSynced(&wb);
}

Result<uint64_t> DeliveryStore::CountDlq() {
  uint64_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.dlq()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

Status DeliveryStore::StageRedrive(rocksdb::WriteBatch* wb, std::string_view target_key, uint64_t seq,
                                  int64_t now_ms, std::string_view bus, std::string_view event_json,
                                  std::string_view dlq_id) {
  wb->Put(db_.events(), SeqKey(seq),
          EncodeEventRecord({now_ms, std::string(bus), std::string(event_json)}));
  wb->Put(db_.deliveries(), DeliveryKey(target_key, seq),
          EncodeDeliveryRecord(DeliveryRecord{0, now_ms, now_ms, ""}));
  wb->Delete(db_.dlq(), rocksdb::Slice(dlq_id.data(), dlq_id.size()));
  return Status::Ok();
}

Result<uint64_t> DeliveryStore::TrimEvents(uint64_t below_seq, int64_t cutoff_ms) {
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.events()));
  uint64_t last = 0, n = 0;
  bool any = false;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    uint64_t seq = GetFixed64BE(it->key().data());
    if (seq >= below_seq) break;
    auto rec = DecodeEventRecord(View(it->value()));
    if (rec && rec->ingest_ms >= cutoff_ms) break;
    last = seq;
    any = true;
    ++n;
  }
  if (!any) return uint64_t{0};
  rocksdb::WriteBatch wb;
  wb.DeleteRange(db_.events(), SeqKey(0), SeqKey(last + 1));
  CXB_RETURN_IF_ERROR(db_.Write(&wb));
  return n;
}

}  // namespace cxbridge::store
