// AwsBatcher: groups the deliveries of one AWS target into batch requests (PutEvents,
// SendMessageBatch: at most 10 entries and `max_bytes` per request).
//
// Entries wait at most `window_ms` after the first of them arrives for others to join; a batch
// leaves earlier when it is full (entry count or bytes). The scheduler hands a target its ready
// deliveries in one burst, so a window of a few milliseconds is enough to fill batches under load
// while a lone event is delayed by no more than the window. `max_in_flight` bounds the requests
// outstanding at once (1 keeps the order of first attempts, as FIFO queues need); 0 = no bound.
//
// The window is measured on the steady clock, not the injectable Clock: it is a linger timer of a
// few milliseconds, not a business time, and tests wait for it for real.
//
// Threading: one flusher thread per batcher calls `send` (which must not block: it starts an
// asynchronous request). `send` receives the batch and a `finished` callback that it must call
// exactly once, from any thread, after every entry's `done` has run; `finished` stays valid after
// the batcher is destroyed. Destruction sends what is still pending at once (ignoring the window
// and max_in_flight, so no delivery is left without an answer) and joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "deliver/target.h"

namespace cxbridge::deliver {

struct BatchEntry {
  std::string encoded;  // the entry's JSON object, built by the target
  size_t size = 0;      // its size as the service counts it against max_bytes
  std::function<void(SendResult)> done;
};

struct BatchOptions {
  size_t max_entries = 10;
  size_t max_bytes = 256 * 1024;
  int64_t window_ms = 2;
  int max_in_flight = 0;
};

class AwsBatcher {
 public:
  using Send = std::function<void(std::vector<BatchEntry> batch, std::function<void()> finished)>;

  AwsBatcher(BatchOptions options, Send send);
  ~AwsBatcher();
  AwsBatcher(const AwsBatcher&) = delete;
  AwsBatcher& operator=(const AwsBatcher&) = delete;

  // Queues one entry. Its size must not exceed max_bytes (the target refuses larger ones).
  // Safe from any thread.
  void Add(BatchEntry entry);

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<BatchEntry> pending;                             // guarded by mu
    std::deque<std::chrono::steady_clock::time_point> arrived;  // per pending entry; guarded by mu
    size_t pending_bytes = 0;                                   // guarded by mu
    int in_flight = 0;                                          // guarded by mu
    bool stopping = false;                                      // guarded by mu
  };
  void Loop();
  // Takes the next batch off `pending` (at least one entry). Requires s.mu held.
  std::vector<BatchEntry> TakeBatch();

  const BatchOptions options_;
  const Send send_;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace cxbridge::deliver
