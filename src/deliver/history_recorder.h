// HistoryRecorder: feeds the delivery history (store/history_store.h) without slowing the paths
// it watches. Accepted() (the committer's hand-over of stored events) and OnAttempt() (the
// scheduler thread, per attempt) copy a few fields and shared pointers into a pending batch
// under a mutex and return; one writer thread ("cxb-history") parses what it needs from the
// events, writes each batch to the store (unsynced) every flush interval, keeps per-target
// latency windows for the console's overview, and applies retention.
// Bounded: beyond kMaxPending records waiting, new ones are dropped and counted
// (cxbridge_history_dropped_total); history is diagnostic and never holds an event back.
// Thread-safety: every method is safe from any thread; Start/Stop from one.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/pipeline.h"
#include "common/clock.h"
#include "deliver/scheduler.h"
#include "store/history_store.h"

namespace cxbridge::deliver {

class HistoryRecorder : public DeliveryObserver {
 public:
  struct Options {
    int64_t flush_ms = 100;                  // how often pending records are written
    int64_t retention_ms = 3600'000;         // storage.event_retention_seconds
    int64_t retention_every_ms = 60'000;     // how often retention runs
    size_t latency_window = 256;             // attempts per target for p50/p99
  };
  static constexpr size_t kMaxPending = 200'000;

  HistoryRecorder(store::HistoryStore& store, Clock& clock, prometheus::Registry* metrics, Options options);
  ~HistoryRecorder() override;
  void Start();
  void Stop();  // writes what is pending, then joins

  // Events durably stored (matched or not): their routes become the history's "rules matched".
  void Accepted(const std::vector<bus::StoredEvent>& events);
  void OnAttempt(const AttemptReport& report) override;

  // Returns once everything recorded before the call is written.
  void Flush();

  struct Latency {
    double p50_ms = 0, p99_ms = 0;
    size_t samples = 0;
  };
  // Send → answer latency per target key over its last attempts.
  std::map<std::string, Latency> Latencies() const;

 private:
  struct PendingEvent {
    uint64_t seq;
    int64_t time_ms;
    std::shared_ptr<const std::string> json;
    std::vector<std::shared_ptr<const bus::RouteTarget>> targets;
    std::string id, source, detail_type;  // carried from the accept path
  };
  void Loop();
  void WriteBatch(std::vector<PendingEvent> events,
                  std::vector<std::pair<std::string, store::HistoryAttempt>> attempts);

  store::HistoryStore& store_;
  Clock& clock_;
  const Options options_;
  prometheus::Counter* dropped_ = nullptr;
  prometheus::Counter* write_failures_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PendingEvent> events_;              // guarded by mu_
  // (target key, attempt): the key is split into bus/rule/target by the writer.
  std::vector<std::pair<std::string, store::HistoryAttempt>> attempts_;  // guarded by mu_
  uint64_t enqueued_ = 0, written_ = 0;           // guarded by mu_ (Flush)
  bool stop_ = false;                             // guarded by mu_
  std::map<std::string, std::deque<int64_t>> latencies_;  // guarded by mu_, by target key
  std::thread thread_;
};

}  // namespace cxbridge::deliver
