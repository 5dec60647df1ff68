// ReplayEngine: runs EventBridge replays. Each job scans an archive (ArchiveStore) over its event
// time window in batches, tags every event with "replay-name" (between "region" and "resources",
// as AWS delivers it) and submits it to the same bus through the EventSink, optionally only to the
// given rules. Progress (state, EventLastReplayedTime) is reported through a callback.
//
// Threading: one worker thread (StartThread) runs all jobs round-robin, one batch per job per
// turn; it blocks on the sink's completion, never on the caller. Add/Cancel/Stop are safe from any
// thread. The progress callback runs on the worker thread (or the RunOnce caller) with no engine
// lock held, so it may take the caller's own locks. Stop() waits for the worker to exit; jobs
// still running stay in their last reported state (the owner resumes them after a restart).
// Delivery is at-least-once: a batch that the sink could not store is retried, and a resumed job
// restarts at its last replayed time, so a consumer may see an event twice (same `id`).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/event_sink.h"
#include "common/clock.h"
#include "store/archive_store.h"

namespace cxbridge::api {

struct ReplayJob {
  std::string name;
  std::string archive;
  std::string bus;
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // exclusive
  std::vector<std::string> only_rules;  // rule names; empty: every rule of the bus
  int64_t resume_from_ms = -1;          // >= start_ms when resuming
};

struct ReplayProgress {
  std::string name;
  std::string state;   // RUNNING, COMPLETED, CANCELLED, FAILED
  std::string reason;  // for FAILED
  int64_t last_replayed_ms = -1;  // time of the last replayed event; -1 when none yet
  int64_t now_ms = 0;
};

class ReplayEngine {
 public:
  using ProgressFn = std::function<void(const ReplayProgress&)>;

  // `batch_size`: events per archive scan and per sink submission.
  ReplayEngine(store::ArchiveStore& archives, bus::EventSink& sink, Clock& clock, ProgressFn progress,
               size_t batch_size = 100, int max_store_failures = 20);
  ~ReplayEngine();
  ReplayEngine(const ReplayEngine&) = delete;
  ReplayEngine& operator=(const ReplayEngine&) = delete;

  void Add(ReplayJob job);
  // Asks a job to stop; it reports CANCELLED at its next turn. False when no such job runs.
  bool Cancel(const std::string& name);
  size_t ActiveCount() const;

  // Gives every active job one turn. Returns true while jobs remain. For the worker and tests.
  bool RunOnce();

  void StartThread();
  void Stop();

  // The archived event with "replay-name" inserted before "resources"; empty when not an object.
  static std::string TagWithReplayName(std::string_view event_json, const std::string& replay_name,
                                       bus::IncomingEvent* out);

 private:
  struct Active {
    ReplayJob job;
    int64_t cursor_ms = 0;   // next scan starts here
    uint64_t skip = 0;       // events at cursor_ms already replayed
    int64_t last_ms = -1;
    int failures = 0;
    bool cancel = false;
    bool started = false;
  };
  // One batch for one job; fills `report` and returns false when the job is finished.
  bool Step(Active& a, ReplayProgress* report);

  store::ArchiveStore& archives_;
  bus::EventSink& sink_;
  Clock& clock_;
  ProgressFn progress_;
  const size_t batch_size_;
  const int max_store_failures_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Active> jobs_;  // guarded by mu_
  bool stop_ = false;                   // guarded by mu_
  std::thread worker_;
};

}  // namespace cxbridge::api
