// AcceptWriter: cluster mode's one write on the accept path (docs/cluster.md §3) — the dedup
// claim for the whole TTL and the accept records, pipelined, resolved into the outcomes the
// storage seam's EventLog reports.
//
// For a request with an idempotency key:
//   1. claim: create `<dedup bucket>/<key hash>` = {event, expires, state: pending} (MsgId
//      "c.<event id>", so a retried claim after a timeout is recognised as ours). If the key
//      exists: stored and live → kDuplicate, nothing written; expired or deleted → take it over
//      by CAS; pending → an earlier copy was accepted somewhere and not confirmed: publish anyway,
//      with the message ids every copy of this key uses, so JetStream's MsgId window tells
//      whether that copy was stored.
//   2. publish every accept record (MsgId "<key hash>.<partition>", or "<event id>.<partition>"
//      without a key), each retried with its MsgId on a timeout until accept_timeout_ms.
//   3. answer; then confirm the claim (state: stored, CAS) in the background.
// Outcomes (each with the caller's next step, as store::EventLog's):
//   kStored     every record has a PubAck (a quorum has it with R3): answer 2xx
//   kDuplicate  the key was stored within its TTL (by any node): answer 200, nothing written
//   kFailed     nothing was written (stream full, refused): answer 503
//   kUnknown    a claim or publish stayed unresolved until accept_timeout_ms: some of it may
//               have landed; answer 503 — the sender's retry is caught by the claim (keyed), or
//               may be stored twice (unkeyed: at-least-once)
// Thread-safety: Write is safe from any thread; `done` runs on the writer's thread (cxb-accept)
// or on the caller's when failing fast, and must not block.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/client.h"
#include "cluster/kv.h"
#include "cluster/publisher.h"
#include "cluster/topology.h"
#include "common/clock.h"

namespace cxbridge::cluster {

struct AcceptRecord {
  int partition = 0;
  std::string body;  // the encoded accept record (records.h)
};

struct AcceptRequest {
  std::string event_id;
  std::string dedup_key;  // source-scoped idempotency key; empty: no dedup
  int64_t dedup_ttl_ms = 24 * 3600 * 1000LL;
  std::vector<AcceptRecord> records;  // at least one
};

struct AcceptResult {
  enum Kind { kStored, kDuplicate, kFailed, kUnknown };
  Kind kind = kFailed;
  std::vector<uint64_t> seqs;  // kStored: each record's stream sequence, in request order
  std::string error;           // kFailed, kUnknown
};

struct AcceptStats {
  uint64_t stored = 0, duplicates = 0, failed = 0, unknown = 0;
  uint64_t republished_pending = 0;  // copies published over a pending (unconfirmed) claim
  uint64_t publish_retries = 0;      // publishes retried after a timeout
};

class AcceptWriter {
 public:
  struct Options {
    int64_t accept_timeout_ms = 10000;  // after this, kUnknown
    int64_t attempt_timeout_ms = 2000;  // one publish's wait for its PubAck
    int64_t max_pending = 4096;         // publishes in flight
  };
  // `conn` and `js` must outlive the writer; `dedup` is the dedup bucket.
  AcceptWriter(Connection& conn, JetStream& js, KeyValue& dedup, const Names& names, Clock& clock,
               Options options);
  ~AcceptWriter();  // Stop()

  Status Start();
  // Answers what is in flight (kUnknown after their deadlines at the latest), then stops.
  void Stop();

  void Write(AcceptRequest request, std::function<void(AcceptResult)> done);

  // False after a write ended kUnknown (or a publish timed out) until one succeeds.
  bool healthy() const { return healthy_.load(); }
  AcceptStats stats() const;

  // The dedup bucket's key for a source-scoped idempotency key (128-bit hash, hex).
  static std::string KeyHash(std::string_view dedup_key);

 private:
  struct Op;
  void Post(std::function<void()> fn, int64_t delay_ms = 0);
  void Loop();
  void Claim(std::shared_ptr<Op> op, std::optional<uint64_t> expect_seq);
  void OnClaim(std::shared_ptr<Op> op, Result<PubAck> r);
  void OnClaimExists(std::shared_ptr<Op> op);
  void PublishAll(std::shared_ptr<Op> op);
  void PublishOne(std::shared_ptr<Op> op, size_t i);
  void OnPublished(std::shared_ptr<Op> op, size_t i, Result<PubAck> r);
  bool Expired(const Op& op) const;
  void Finish(std::shared_ptr<Op> op, AcceptResult r);
  void Confirm(std::shared_ptr<Op> op);

  Connection& conn_;
  JetStream& js_;
  KeyValue& dedup_;
  const Names names_;
  Clock& clock_;
  const Options options_;
  std::unique_ptr<AsyncPublisher> publisher_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> work_;                // guarded by mu_
  std::multimap<int64_t, std::function<void()>> timers_;  // by steady due ms; guarded by mu_
  bool stopping_ = false;                                 // guarded by mu_
  size_t in_flight_ = 0;  // requests not yet answered; guarded by mu_
  AcceptStats stats_;     // guarded by mu_
  std::thread thread_;
  std::atomic<bool> healthy_{true};
};

}  // namespace cxbridge::cluster
