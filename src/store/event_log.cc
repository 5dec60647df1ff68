#include "store/event_log.h"

#include <future>
#include <unordered_set>

#include "common/thread_name.h"
#include "store/format.h"

namespace cxbridge::store {
namespace {
constexpr char kNextSeqKey[] = "next_seq";
}

EmbeddedEventLog::EmbeddedEventLog(Db& db, Clock& clock, Options options)
    : db_(db), clock_(clock), options_(options) {}

EmbeddedEventLog::~EmbeddedEventLog() { Stop(); }

Status EmbeddedEventLog::Start() {
  std::string v;
  rocksdb::Status s = db_.raw()->Get(rocksdb::ReadOptions(), db_.meta(), kNextSeqKey, &v);
  if (s.ok() && v.size() == 8) {
    next_seq_ = GetFixed64BE(v.data());
  } else if (!s.IsNotFound() && !s.ok()) {
    return FromRocks(s, "read next_seq");
  }
  // Belt and braces: never reuse a sequence number that the events family already holds.
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.events()));
  it->SeekToLast();
  if (it->Valid() && it->key().size() == 8) {
    uint64_t last = GetFixed64BE(it->key().data());
    if (last >= next_seq_) next_seq_ = last + 1;
  }
  std::unique_ptr<rocksdb::Iterator> dit(
      db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.deliveries()));
  for (dit->SeekToFirst(); dit->Valid(); dit->Next()) {
    std::string_view tk;
    uint64_t seq;
    if (ParseDeliveryKey(std::string_view(dit->key().data(), dit->key().size()), &tk, &seq) &&
        seq >= next_seq_) {
      next_seq_ = seq + 1;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = false;
  started_ = true;
  thread_ = std::thread([this] {
    SetThreadName("cxb-commit");
    Loop();
  });
  return Status::Ok();
}

void EmbeddedEventLog::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    stopping_ = true;
    started_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EmbeddedEventLog::Append(std::vector<AppendItem> items, AppendDone done) {
  size_t bytes = 0;
  for (const auto& i : items) bytes += i.event_json.size() + 64;
  auto fail_all = [&](const std::string& why) {
    std::vector<AppendOutcome> out(items.size());
    for (auto& o : out) o.error = why;
    failures_ += items.size();
    done(std::move(out));
  };
  if (failed_.load() || !db_.healthy()) return fail_all("storage is failing; not accepting until it recovers");
  if (!db_.space().accepting()) return fail_all("storage is nearly full; not accepting until space is freed");
  if (pending_bytes_.load() + bytes > options_.max_pending_bytes) {
    return fail_all("overloaded: too many events waiting to be stored");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) {
      // Unlock before calling out: done may re-enter.
    } else {
      pending_bytes_ += bytes;
      queue_.push_back(Pending{std::move(items), std::move(done), {}, bytes});
      cv_.notify_one();
      return;
    }
  }
  fail_all("shutting down");
}

void EmbeddedEventLog::Run(CommitJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) {
      queue_.push_back(Pending{{}, {}, std::move(job), 0});
      cv_.notify_one();
      return;
    }
  }
  job.done(Status::Unavailable("event log is not running"));
}

Status EmbeddedEventLog::RunAndWait(std::function<Status(CommitContext& ctx)> build) {
  std::promise<Status> done;
  auto f = done.get_future();
  Run(CommitJob{std::move(build), [&done](Status st) { done.set_value(std::move(st)); }});
  return f.get();
}

Result<EventRecord> EmbeddedEventLog::Read(uint64_t seq) {
  std::string v;
  auto s = db_.raw()->Get(rocksdb::ReadOptions(), db_.events(), SeqKey(seq), &v);
  if (s.IsNotFound()) return Status::NotFound("no event " + std::to_string(seq));
  if (!s.ok()) return FromRocks(s, "event get");
  auto rec = DecodeEventRecord(v);
  if (!rec) return Status::Corruption("undecodable event record " + std::to_string(seq));
  return std::move(*rec);
}

Status EmbeddedEventLog::ReadFrom(uint64_t from, const std::function<bool(uint64_t, const EventRecord&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.events()));
  for (it->Seek(SeqKey(from)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    auto rec = DecodeEventRecord(std::string_view(it->value().data(), it->value().size()));
    if (!rec) return Status::Corruption("undecodable event record");
    if (!fn(GetFixed64BE(it->key().data()), *rec)) break;
  }
  return FromRocks(it->status(), "event scan");
}

Result<uint64_t> EmbeddedEventLog::Trim(uint64_t below_seq, int64_t cutoff_ms) {
  std::unique_ptr<rocksdb::Iterator> it(db_.raw()->NewIterator(rocksdb::ReadOptions(), db_.events()));
  uint64_t last = 0, n = 0;
  bool any = false;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    uint64_t seq = GetFixed64BE(it->key().data());
    if (seq >= below_seq) break;
    auto rec = DecodeEventRecord(std::string_view(it->value().data(), it->value().size()));
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

EventLogStats EmbeddedEventLog::stats() const {
  EventLogStats s;
  s.batches = batches_.load();
  s.events_stored = stored_.load();
  s.duplicates = duplicates_.load();
  s.failures = failures_.load();
  return s;
}

void EmbeddedEventLog::Loop() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(2), [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        if (stopping_) return;
        if (failed_.load() || !db_.healthy()) {
          lock.unlock();
          CommitBatch(batch);  // empty batch: only tries to resume
        }
        continue;
      }
      // Everything that arrived while the previous fsync ran goes into this one.
      while (!queue_.empty()) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
    batch.clear();
  }
}

void EmbeddedEventLog::CommitBatch(std::vector<Pending>& batch) {
  if (failed_.load() || !db_.healthy()) {
    // RocksDB resumes by itself after a lack of space (its SstFileManager polls); this covers
    // the other errors and our own failed flag.
    int64_t now = clock_.SteadyMs();
    if (now - last_resume_try_ms_ >= 2000) {
      last_resume_try_ms_ = now;
      if (db_.Resume()) failed_ = false;
    }
  }
  if (batch.empty()) return;

  const int64_t now_ms = clock_.NowMs();
  rocksdb::WriteBatch wb;
  std::vector<std::vector<AppendOutcome>> outcomes(batch.size());
  std::vector<Status> job_status(batch.size());
  std::unordered_set<std::string_view> keys_in_batch;  // views of keys that outlive the batch
  uint64_t seq = next_seq_;
  Status st = failed_.load() ? Status::Unavailable("storage is failing; not accepting until it recovers")
                             : Status::Ok();
  size_t stored = 0, dups = 0;

  // Claims `key` in this batch: true when first seen (the claim is added to the batch), false
  // when a live claim exists in the database or earlier in this batch.
  auto claim = [&](const std::string& key, int64_t ttl_ms) -> Result<bool> {
    if (keys_in_batch.count(key) > 0) return false;
    std::string v;
    rocksdb::Status gs = db_.raw()->Get(rocksdb::ReadOptions(), db_.dedup(), key, &v);
    if (gs.ok()) {
      if (v.size() == 8 && static_cast<int64_t>(GetFixed64BE(v.data())) >= now_ms) return false;
    } else if (!gs.IsNotFound()) {
      return FromRocks(gs, "dedup lookup");
    }
    keys_in_batch.insert(key);
    std::string expiry;
    PutFixed64BE(&expiry, static_cast<uint64_t>(now_ms + ttl_ms));
    wb.Put(db_.dedup(), key, expiry);
    return true;
  };
  CommitContext ctx{&wb, &seq, claim};

  for (size_t p = 0; st.ok() && p < batch.size(); ++p) {
    Pending& pend = batch[p];
    if (pend.job.build) {
      // A job's failure affects only that job; its partial writes are rolled back.
      wb.SetSavePoint();
      uint64_t before = seq;
      job_status[p] = pend.job.build(ctx);
      if (!job_status[p].ok()) {
        (void)wb.RollbackToSavePoint();
        seq = before;
      }
      continue;
    }
    auto& out = outcomes[p];
    out.resize(pend.items.size());
    for (size_t i = 0; i < pend.items.size(); ++i) {
      AppendItem& item = pend.items[i];
      if (!item.idempotency_key.empty()) {
        auto first = claim(item.idempotency_key, item.dedup_ttl_ms);
        if (!first.ok()) {
          st = first.status();
          break;
        }
        if (!*first) {
          out[i].kind = AppendOutcome::kDuplicate;
          ++dups;
          continue;
        }
      }
      const uint64_t s = seq++;
      if (!item.quarantine_record.empty()) {
        wb.Put(db_.quarantine(), item.quarantine_id, item.quarantine_record);
        out[i].kind = AppendOutcome::kQuarantined;
        out[i].seq = s;
        ++stored;
        continue;
      }
      EventRecord rec{item.ingest_ms ? item.ingest_ms : now_ms, item.bus, std::move(item.event_json)};
      wb.Put(db_.events(), SeqKey(s), EncodeEventRecord(rec));
      DeliveryRecord d;
      d.first_ms = rec.ingest_ms;
      d.next_due_ms = rec.ingest_ms;
      const std::string dval = EncodeDeliveryRecord(d);
      for (const auto& r : item.routes) wb.Put(db_.deliveries(), DeliveryKey(r.Key(), s), dval);
      out[i].kind = AppendOutcome::kStored;
      out[i].seq = s;
      ++stored;
    }
  }

  if (st.ok() && wb.Count() > 0) {
    std::string ns;
    PutFixed64BE(&ns, seq);
    wb.Put(db_.meta(), kNextSeqKey, ns);
    st = db_.WriteSynced(&wb, WriteUse::kAccept);
    ++batches_;
    if (!st.ok() && st.code() != StatusCode::kResourceExhausted && db_.healthy()) {
      // The synced write failed: whether any of it reached the disk is unknowable. Fail safe:
      // answer 503 for all of it and stop acknowledging until the database resumes.
      failed_ = true;
      last_resume_try_ms_ = clock_.SteadyMs();
    }
  }
  if (st.ok()) {
    next_seq_ = seq;
    stored_ += stored;
    duplicates_ += dups;
  }

  for (size_t p = 0; p < batch.size(); ++p) {
    Pending& pend = batch[p];
    if (pend.job.done) {
      pend.job.done(st.ok() ? job_status[p] : st);
      continue;
    }
    auto& out = outcomes[p];
    out.resize(pend.items.size());
    if (!st.ok()) {
      for (auto& o : out) o = AppendOutcome{AppendOutcome::kFailed, 0, st.message()};
      failures_ += out.size();
    }
    pending_bytes_ -= pend.bytes;
    if (pend.done) pend.done(std::move(out));
  }
}

}  // namespace cxbridge::store
