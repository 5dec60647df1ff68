// Scheduler: delivers stored events to their targets, at least once.
//
// One scheduler thread owns every per-target queue (no locks on them); other threads hand it
// work through inboxes: new deliveries (from the Pipeline, after fsync), attempt results (from
// targets, on their own threads) and claim checks done by the blob workers. Per target: a ready
// set ordered by due time, a concurrency limit, and in-flight attempts. Targets send
// asynchronously and blob I/O runs off the thread, so one slow or dead target (or blob store)
// only fills its own in-flight slots and never delays another.
//
// Flow control per target (flow.h): concurrency, rate limit (token bucket; over-limit deliveries
// wait), circuit breaker (pauses a continuously failing target, probes, resumes by itself; also
// paused/resumed by hand), strict ordering per group key (one in flight per group; later events
// of the group wait for the earlier one to be delivered or dead-lettered, across retries and
// restarts), and a backlog bound (hold, or dead-letter the oldest with BACKLOG_LIMIT).
//
// Failure handling, per target RetryPolicy (EventBridge's fields): retryable failures back off
// exponentially with full jitter (delay = random(0, min(max, base·2^(n-1))), at least the peer's
// Retry-After); permanent failures, MaximumRetryAttempts exhausted or MaximumEventAgeInSeconds
// passed → dead-letter queue with the reason. Nothing is dropped: a removed target's pending
// deliveries are dead-lettered too (TARGET_NOT_FOUND).
//
// Durability: the delivery record (store) is the source of truth; completion deletes it
// (unsynced: a crash can only cause a repeat, never a loss); retries persist their next due time.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "blob/claim_check.h"
#include "bus/pipeline.h"
#include "bus/router.h"
#include "common/clock.h"
#include "deliver/dead_letter_queue.h"
#include "deliver/flow.h"
#include "deliver/target.h"
#include "store/storage.h"

namespace cxbridge::deliver {

struct SchedulerOptions {
  int64_t backoff_base_ms = 1000;
  int64_t backoff_max_ms = 300'000;
  int concurrency = 16;                 // in-flight attempts per target (Target "Concurrency" overrides)
  int64_t event_retention_ms = 3600'000;  // keep delivered events in the log this long
};

// What one delivery attempt came to, for the delivery history (history_recorder.h). The
// references live only during the call.
struct AttemptReport {
  const std::string& key;  // the route's key (store::RouteId::Key)
  uint64_t seq;
  const std::shared_ptr<const std::string>& event;  // the event's JSON; null when not loaded
  uint32_t number;          // 1-based; a dead-letter before any send: attempts + 1
  int64_t time_ms;
  const char* outcome;      // "delivered" | "retry" | "dead-lettered"
  int http_status;          // 0 when not HTTP or no answer
  const std::string& code;  // "" when delivered
  const std::string& message;
  int64_t latency_ms;       // send → answer; -1 when nothing was sent
  int64_t next_retry_ms;    // retries only, else 0
};

class DeliveryObserver {
 public:
  virtual ~DeliveryObserver() = default;
  // Called on the scheduler thread for every attempt's outcome: must not block.
  virtual void OnAttempt(const AttemptReport& report) = 0;
};

struct TargetStats {
  std::string key, bus, rule, target, arn;
  size_t depth = 0;  // pending, including in flight
  int in_flight = 0;
  std::string circuit;  // closed | open | half-open
  bool paused = false;  // paused by hand
  std::string error;    // the target could not be built
};

class Scheduler {
 public:
  // `log` is asked to trim events no pending delivery needs after the event retention.
  Scheduler(store::DeliveryQueue& store, store::EventLog& log, const TargetRegistry& registry, TargetEnv env,
            Clock& clock,
            prometheus::Registry& metrics, SchedulerOptions options);
  ~Scheduler();

  // Loads every pending delivery from the store. Call once, after the first routing table is
  // applied and before Start.
  Status Recover();
  void Start();
  // Stops dispatching, waits up to `drain_ms` for in-flight attempts, then stops the thread and
  // releases the targets (call it before the HttpClient in TargetEnv goes away). Undelivered
  // work stays in the store for the next start. A stopped scheduler is not started again.
  void Stop(int drain_ms = 5000);

  // Thread-safe inboxes.
  void OnTable(std::shared_ptr<const bus::RouteTable> table);
  void Enqueue(std::vector<bus::StoredEvent> events);
  // Told every attempt's outcome (the delivery history); set before Start. May be null.
  void SetObserver(DeliveryObserver* observer) { observer_ = observer; }
  // Wakes the thread (tests with a FakeClock call this after advancing time).
  void Wake();

  std::vector<TargetStats> Stats() const;
  // Pauses/resumes a target by hand (`cxbridge targets pause|resume`). NotFound for unknown keys.
  Status SetPaused(const std::string& key, bool paused);
  uint64_t MinPendingSeq() const { return min_pending_seq_.load(); }

 private:
  struct Item {
    uint64_t seq = 0;
    uint32_t attempts = 0;
    int64_t first_ms = 0;
    int64_t due_ms = 0;
    std::string last_error;
    std::shared_ptr<const std::string> json;  // held for fresh events; loaded on demand otherwise
    std::string group;  // ordering key value ("" when the target is unordered)
    bool dead_letter_queue_failed = false;  // its DeadLetterConfig.Arn queue refused it once
    int64_t sent_steady_ms = 0;  // when the current attempt was handed to the target
    bool outcome_reported = false;  // the observer already heard how this delivery ended
  };
  struct Queue {
    std::string key;  // id.Key()
    store::RouteId id;
    std::shared_ptr<const bus::RouteTarget> route;  // null: target no longer configured
    std::shared_ptr<Target> target;
    std::string create_error;
    std::map<uint64_t, Item> waiting;          // by seq
    std::set<std::pair<int64_t, uint64_t>> ready;  // (due ms, seq) of `waiting`
    std::map<uint64_t, Item> in_flight;
    FlowConfig flow;
    bool resolve_claim_check = false;  // Target "ResolveClaimCheck": true
    // Target "ClaimCheck": {threshold_bytes, fields, uri_base}: payloads above the target's own
    // limit are set aside in the server's blob store before sending (null: none).
    std::shared_ptr<const blob::ClaimCheck> claim_check;
    TokenBucket bucket;
    CircuitBreaker breaker;
    // Ordered targets: per group, its pending seqs in order; only the head is in `ready`.
    std::map<std::string, std::deque<uint64_t>> groups;
    int64_t blocked_until_ms = 0;  // rate limit or open circuit: no dispatch before this
    prometheus::Gauge* depth_gauge = nullptr;
    prometheus::Gauge* circuit_gauge = nullptr;
  };
  // Why a delivery is being dead-lettered (kept while its DeadLetterConfig.Arn queue is asked).
  struct DeadLetterReason {
    std::string code, message, exhausted;
  };
  struct Completion {
    std::string key;
    uint64_t seq;
    SendResult result;
    // Set when this answers the send to the target's DeadLetterConfig.Arn (result: kOk when the
    // queue has the event, else the reason it could not take it).
    std::shared_ptr<const DeadLetterReason> dead_letter;
    int64_t done_steady_ms = 0;  // when the target answered (attempt latency)
  };
  struct Control {
    std::string key;
    bool pause;
    std::promise<Status> done;
  };
  // A request whose claim check (resolve and/or apply) ran on a blob worker. On error, `code`
  // names the dead-letter reason, or `retry` says the blob store is unavailable for now.
  struct Prepared {
    std::string key;
    uint64_t seq = 0;
    SendRequest req;
    Status status;
    std::string code;
    bool retry = false;
  };

  void Loop();
  void ApplyTable(const std::shared_ptr<const bus::RouteTable>& table);
  void AddItem(const store::RouteId& route, Item item);
  // Makes `item` wait in `q` (ready when it is its group's head) — the one way items enter a queue.
  void Park(Queue& q, Item item);
  // Removes a finished item (delivered or dead-lettered) from its group; promotes the next.
  void Release(Queue& q, const Item& item, int64_t now);
  std::string GroupOf(const Queue& q, Item& item);
  void EnforceBacklog(Queue& q, int64_t now);
  void SetCircuitGauge(Queue& q);
  void Dispatch(Queue& q, int64_t now);
  void Complete(Completion& c, int64_t now);
  void Report(const Queue& q, const Item& item, uint32_t number, const char* outcome, const SendResult* r,
              const std::string& code, const std::string& message, int64_t latency_ms, int64_t next_ms,
              int64_t now);
  // Blob I/O (ResolveClaimCheck reads, per-target ClaimCheck writes) on the blob workers, so a
  // slow blob store (S3) holds only the deliveries that need it.
  void PrepareBlobs(const Queue& q, uint64_t seq, SendRequest req, bool resolve, bool apply);
  void OnPrepared(Prepared& p, int64_t now);
  void Send(Queue& q, uint64_t seq, const SendRequest& req);
  // Sends the event to the target's DeadLetterConfig.Arn queue when it has one (the answer comes
  // back as a Completion, see CompleteDeadLetter), else keeps it in the dead-letter store.
  void DeadLetter(Queue& q, Item item, const std::string& code, const std::string& message,
                  const std::string& exhausted, int64_t now);
  void CompleteDeadLetter(Completion& c, int64_t now);
  // Keeps the event in cxbridge's own dead-letter store.
  void StoreDeadLetter(Queue& q, Item item, const std::string& code, const std::string& message,
                       const std::string& exhausted, int64_t now);
  int64_t Backoff(uint32_t attempts);
  void PublishStats();
  void Trim(int64_t now);

  store::DeliveryQueue& store_;
  store::EventLog& log_;
  const TargetRegistry& registry_;
  TargetEnv env_;
  Clock& clock_;
  SchedulerOptions options_;
  DeliveryObserver* observer_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<bus::StoredEvent> inbox_;          // guarded by mu_
  std::deque<Completion> completions_;          // guarded by mu_
  std::deque<Control> controls_;                // guarded by mu_
  std::deque<Prepared> prepared_;               // guarded by mu_
  std::shared_ptr<const bus::RouteTable> pending_table_;  // guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
  bool woken_ = false;                          // guarded by mu_
  std::thread thread_;
  // Created on first use (most servers never claim-check on delivery); joined by Stop.
  std::unique_ptr<boost::asio::thread_pool> blob_workers_;

  // Scheduler thread only.
  std::map<std::string, Queue> queues_;
  std::mt19937_64 rng_{std::random_device{}()};
  int64_t last_trim_ms_ = 0;
  uint64_t dlq_counter_ = 0;

  mutable std::mutex stats_mu_;
  std::vector<TargetStats> stats_;  // guarded by stats_mu_
  std::atomic<uint64_t> min_pending_seq_{UINT64_MAX};
  std::atomic<int> total_in_flight_{0};

  prometheus::Family<prometheus::Gauge>* depth_family_;
  prometheus::Family<prometheus::Gauge>* circuit_family_;
  prometheus::Family<prometheus::Counter>* transitions_;
  prometheus::Counter* delivered_;
  prometheus::Counter* retried_;
  prometheus::Counter* dead_lettered_;
  prometheus::Counter* sent_to_dlq_;         // went to the target's DeadLetterConfig.Arn queue
  prometheus::Counter* failed_to_send_to_dlq_;  // that queue refused; kept in the store instead
  DeadLetterQueue dead_letter_queue_{env_};
  prometheus::Histogram* e2e_latency_;
};

}  // namespace cxbridge::deliver
