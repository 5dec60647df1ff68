#include "cluster/accept_writer.h"

#include <spdlog/spdlog.h>

#include "common/encoding.h"
#include "common/json.h"
#include "common/thread_name.h"

namespace cxbridge::cluster {

// One request's state; touched only on the writer thread.
struct AcceptWriter::Op {
  AcceptRequest req;
  std::function<void(AcceptResult)> done;
  int64_t deadline_ms = 0;  // steady
  std::string key_hash;     // empty: unkeyed
  bool own_claim = false;   // this request created (or took over) the claim
  uint64_t claim_rev = 0;   // the claim's revision to confirm (0: none)
  std::vector<uint64_t> seqs;
  std::vector<bool> acked;
  size_t remaining = 0;
  size_t duplicates = 0;
  int retries = 0;  // publish retries so far: their back-off grows (a leader election fails fast)
  bool finished = false;
  std::string last_error;
};

std::string AcceptWriter::KeyHash(std::string_view dedup_key) {
  return Sha256Hex(dedup_key).substr(0, 32);
}

AcceptWriter::AcceptWriter(Connection& conn, JetStream& js, KeyValue& dedup, const Names& names,
                           Clock& clock, Options options)
    : conn_(conn), js_(js), dedup_(dedup), names_(names), clock_(clock), options_(options) {}

AcceptWriter::~AcceptWriter() { Stop(); }

Status AcceptWriter::Start() {
  AsyncPublisher::Options po;
  po.max_pending = options_.max_pending;
  po.timeout_ms = options_.attempt_timeout_ms;
  po.stall_ms = 0;  // never block a caller: a full pipeline is an overload (503)
  auto p = AsyncPublisher::Create(conn_, po);
  if (!p.ok()) return p.status();
  publisher_ = std::move(*p);
  thread_ = std::thread([this] {
    SetThreadName("cxb-accept");
    Loop();
  });
  return Status::Ok();
}

void AcceptWriter::Stop() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
    // Everything in flight is answered by its deadline at the latest.
    cv_.wait_for(
        lock, std::chrono::milliseconds(options_.accept_timeout_ms + options_.attempt_timeout_ms),
        [this] { return in_flight_ == 0; });
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (publisher_) {
    (void)publisher_->Drain(options_.attempt_timeout_ms);
    publisher_.reset();
  }
}

void AcceptWriter::Post(std::function<void()> fn, int64_t delay_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (delay_ms > 0) {
      timers_.emplace(clock_.SteadyMs() + delay_ms, std::move(fn));
    } else {
      work_.push_back(std::move(fn));
    }
  }
  cv_.notify_all();
}

void AcceptWriter::Loop() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (;;) {
        if (!work_.empty()) {
          fn = std::move(work_.front());
          work_.pop_front();
          break;
        }
        const int64_t now = clock_.SteadyMs();
        if (!timers_.empty() && timers_.begin()->first <= now) {
          fn = std::move(timers_.begin()->second);
          timers_.erase(timers_.begin());
          break;
        }
        if (stopping_) return;
        if (timers_.empty()) {
          cv_.wait(lock);
        } else {
          cv_.wait_for(lock, std::chrono::milliseconds(timers_.begin()->first - now));
        }
      }
    }
    fn();
  }
}

AcceptStats AcceptWriter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

bool AcceptWriter::Expired(const Op& op) const { return clock_.SteadyMs() >= op.deadline_ms; }

void AcceptWriter::Write(AcceptRequest request, std::function<void(AcceptResult)> done) {
  if (request.records.empty()) {
    done(AcceptResult{AcceptResult::kFailed, {}, "nothing to write"});
    return;
  }
  auto op = std::make_shared<Op>();
  op->req = std::move(request);
  op->done = std::move(done);
  op->deadline_ms = clock_.SteadyMs() + options_.accept_timeout_ms;
  op->seqs.assign(op->req.records.size(), 0);
  op->acked.assign(op->req.records.size(), false);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || !thread_.joinable()) {
      op->done(AcceptResult{AcceptResult::kFailed, {}, "storage is stopping"});
      return;
    }
    ++in_flight_;
  }
  Post([this, op] {
    if (op->req.dedup_key.empty()) {
      PublishAll(op);
    } else {
      op->key_hash = KeyHash(op->req.dedup_key);
      Claim(op, 0);
    }
  });
}

namespace {

std::string ClaimValue(const std::string& event_id, int64_t expires_ms, bool stored) {
  std::string v = "{\"e\":";
  json::AppendQuoted(&v, event_id);
  v += ",\"x\":" + std::to_string(expires_ms) + ",\"s\":\"" + (stored ? "s" : "p") + "\"}";
  return v;
}

struct ClaimState {
  std::string event_id;
  int64_t expires_ms = 0;
  bool stored = false;
};

std::optional<ClaimState> ParseClaim(std::string_view v) {
  auto doc = json::Parse(v);
  if (!doc.ok()) return std::nullopt;
  ClaimState c;
  const json::Value* e = doc->Find("e");
  const json::Value* x = doc->Find("x");
  const json::Value* s = doc->Find("s");
  if (!e || !e->is_string() || !x || !x->as_int64(&c.expires_ms) || !s || !s->is_string())
    return std::nullopt;
  c.event_id = e->as_string();
  c.stored = s->as_string() == "s";
  return c;
}

}  // namespace

void AcceptWriter::Claim(std::shared_ptr<Op> op, std::optional<uint64_t> expect_seq) {
  PublishOptions o;
  o.msg_id = "c." + op->req.event_id;  // a retried claim of ours comes back Duplicate
  o.expect_last_subject_seq = expect_seq;
  o.timeout_ms = options_.attempt_timeout_ms;
  const int64_t expires = clock_.NowMs() + op->req.dedup_ttl_ms;
  publisher_->Publish(dedup_.Subject(op->key_hash), ClaimValue(op->req.event_id, expires, false), o,
                      [this, op](Result<PubAck> r) {
                        Post([this, op, r = std::move(r)]() mutable { OnClaim(op, std::move(r)); });
                      });
}

void AcceptWriter::OnClaim(std::shared_ptr<Op> op, Result<PubAck> r) {
  if (r.ok()) {
    op->own_claim = true;
    op->claim_rev = r->seq;
    PublishAll(op);
    return;
  }
  switch (r.status().code()) {
    case StatusCode::kFailedPrecondition:  // the key exists (or changed since we looked)
      OnClaimExists(op);
      return;
    case StatusCode::kUnavailable:
      if (Expired(*op)) {
        Finish(op, AcceptResult{AcceptResult::kUnknown,
                                {},
                                "idempotency claim unresolved: " + r.status().message()});
      } else {
        Post([this, op] { Claim(op, 0); }, 100);
      }
      return;
    default:
      Finish(op,
             AcceptResult{
                 AcceptResult::kFailed, {}, "idempotency claim refused: " + r.status().message()});
  }
}

void AcceptWriter::OnClaimExists(std::shared_ptr<Op> op) {
  // A blocking read on this thread: rare (duplicates and takeovers), and the bucket's JetStream
  // context has a short request timeout.
  auto e = dedup_.Get(op->key_hash);
  if (e.ok()) {
    auto c = ParseClaim(e->value);
    if (!c) {
      spdlog::warn("dedup claim {} does not decode; taking it over", op->key_hash);
      Claim(op, e->revision);
      return;
    }
    if (c->expires_ms <= clock_.NowMs()) {
      Claim(op, e->revision);  // expired: take it over (CAS on its revision)
      return;
    }
    if (c->stored) {
      Finish(op, AcceptResult{AcceptResult::kDuplicate, {}, ""});
      return;
    }
    // Pending: an earlier copy was accepted somewhere and not confirmed (in flight, or its node
    // died). Publish with the ids every copy of this key uses: the MsgId window says whether it
    // was stored. Either way, confirm the claim afterwards.
    op->claim_rev = e->revision;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.republished_pending;
    }
    PublishAll(op);
    return;
  }
  if (e.status().code() == StatusCode::kNotFound) {
    // Deleted (a delete marker sits on the subject) or removed by MaxAge meanwhile.
    auto last = js_.GetLastMessage(dedup_.stream(), dedup_.Subject(op->key_hash));
    if (last.ok()) {
      Claim(op, last->seq);
    } else {
      Claim(op, 0);
    }
    return;
  }
  if (Expired(*op)) {
    Finish(op, AcceptResult{AcceptResult::kUnknown,
                            {},
                            "idempotency claim unreadable: " + e.status().message()});
    return;
  }
  Post([this, op] { OnClaimExists(op); }, 100);
}

void AcceptWriter::PublishAll(std::shared_ptr<Op> op) {
  op->remaining = op->req.records.size();
  for (size_t i = 0; i < op->req.records.size(); ++i) PublishOne(op, i);
}

void AcceptWriter::PublishOne(std::shared_ptr<Op> op, size_t i) {
  const AcceptRecord& rec = op->req.records[i];
  PublishOptions o;
  o.msg_id = (op->key_hash.empty() ? op->req.event_id : op->key_hash) + "." +
             std::to_string(rec.partition);
  o.timeout_ms = options_.attempt_timeout_ms;
  publisher_->Publish(
      names_.DeliverySubject(rec.partition), rec.body, o, [this, op, i](Result<PubAck> r) {
        Post([this, op, i, r = std::move(r)]() mutable { OnPublished(op, i, std::move(r)); });
      });
}

void AcceptWriter::OnPublished(std::shared_ptr<Op> op, size_t i, Result<PubAck> r) {
  if (op->finished) return;
  if (r.ok()) {
    op->acked[i] = true;
    op->seqs[i] = r->seq;
    if (r->duplicate) ++op->duplicates;
    if (--op->remaining > 0) return;
    // Every record is in the stream. Duplicates of a pending claim we did not make mean another
    // copy stored them: that is a duplicate to our sender. Our own retries' duplicates are ours.
    const bool duplicate =
        !op->key_hash.empty() && !op->own_claim && op->duplicates == op->req.records.size();
    AcceptResult res;
    res.kind = duplicate ? AcceptResult::kDuplicate : AcceptResult::kStored;
    if (!duplicate) res.seqs = op->seqs;
    healthy_ = true;
    Finish(op, std::move(res));
    if (op->claim_rev != 0) Confirm(op);
    return;
  }
  op->last_error = r.status().message();
  if (r.status().code() == StatusCode::kUnavailable) {
    healthy_ = false;
    if (!Expired(*op)) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.publish_retries;
      }
      // Same MsgId: a copy that landed after all comes back Duplicate. "No responders" during
      // an election fails at once, so back off (50 ms doubling to 1 s) rather than spin.
      const int64_t delay = std::min<int64_t>(1000, int64_t{50} << std::min(op->retries, 5));
      ++op->retries;
      Post([this, op, i] { PublishOne(op, i); }, delay);
      return;
    }
    Finish(op, AcceptResult{AcceptResult::kUnknown,
                            {},
                            "no PubAck within " + std::to_string(options_.accept_timeout_ms) +
                                " ms: " + r.status().message()});
    return;
  }
  bool any_acked = false;
  for (bool a : op->acked) any_acked = any_acked || a;
  // Refused (stream full, message too large, ...). If an earlier record of this event landed,
  // part of it is stored: unknown, not failed.
  Finish(op,
         AcceptResult{
             any_acked ? AcceptResult::kUnknown : AcceptResult::kFailed, {}, r.status().message()});
}

void AcceptWriter::Finish(std::shared_ptr<Op> op, AcceptResult r) {
  if (op->finished) return;
  op->finished = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    switch (r.kind) {
      case AcceptResult::kStored:
        ++stats_.stored;
        break;
      case AcceptResult::kDuplicate:
        ++stats_.duplicates;
        break;
      case AcceptResult::kFailed:
        ++stats_.failed;
        break;
      case AcceptResult::kUnknown:
        ++stats_.unknown;
        healthy_ = false;
        break;
    }
  }
  op->done(std::move(r));
  std::lock_guard<std::mutex> lock(mu_);
  if (--in_flight_ == 0) cv_.notify_all();
}

void AcceptWriter::Confirm(std::shared_ptr<Op> op) {
  // Best effort, after the answer: a lost confirm leaves the claim pending, which makes a later
  // copy publish (deduplicated by MsgId within the window; beyond it, a possible double — never
  // a loss).
  PublishOptions o;
  o.expect_last_subject_seq = op->claim_rev;
  o.timeout_ms = options_.attempt_timeout_ms;
  const int64_t expires = clock_.NowMs() + op->req.dedup_ttl_ms;
  publisher_->Publish(dedup_.Subject(op->key_hash), ClaimValue(op->req.event_id, expires, true), o,
                      [key = op->key_hash](Result<PubAck> r) {
                        if (!r.ok())
                          spdlog::debug("dedup claim {} not confirmed: {}", key,
                                        r.status().message());
                      });
}

}  // namespace cxbridge::cluster
