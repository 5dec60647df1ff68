#include "deliver/aws_batcher.h"

#include "common/thread_name.h"

namespace cxbridge::deliver {

AwsBatcher::AwsBatcher(BatchOptions options, Send send)
    : options_(options), send_(std::move(send)), state_(std::make_shared<State>()) {
  thread_ = std::thread([this] {
    SetThreadName("cxb-aws-batch");
    Loop();
  });
}

AwsBatcher::~AwsBatcher() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  thread_.join();
}

void AwsBatcher::Add(BatchEntry entry) {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->arrived.push_back(std::chrono::steady_clock::now());
    state_->pending_bytes += entry.size;
    state_->pending.push_back(std::move(entry));
  }
  state_->cv.notify_all();
}

std::vector<BatchEntry> AwsBatcher::TakeBatch() {
  State& s = *state_;
  std::vector<BatchEntry> batch;
  size_t bytes = 0;
  while (!s.pending.empty() && batch.size() < options_.max_entries &&
         (batch.empty() || bytes + s.pending.front().size <= options_.max_bytes)) {
    bytes += s.pending.front().size;
    s.pending_bytes -= s.pending.front().size;
    batch.push_back(std::move(s.pending.front()));
    s.pending.pop_front();
    s.arrived.pop_front();
  }
  return batch;
}

void AwsBatcher::Loop() {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  for (;;) {
    if (s.pending.empty()) {
      if (s.stopping) return;
      s.cv.wait(lock, [&] { return s.stopping || !s.pending.empty(); });
      continue;
    }
    const bool slot = options_.max_in_flight <= 0 || s.in_flight < options_.max_in_flight;
    const bool full =
        s.pending.size() >= options_.max_entries || s.pending_bytes >= options_.max_bytes;
    // The oldest entry's window; entries left over from a full batch get their own.
    const auto due = s.arrived.front() + std::chrono::milliseconds(options_.window_ms);
    const bool ripe = full || std::chrono::steady_clock::now() >= due;
    if (!s.stopping && !(slot && ripe)) {
      if (!slot) {
        s.cv.wait(lock);  // a finished request or a new entry wakes us
      } else {
        s.cv.wait_until(lock, due);
      }
      continue;
    }
    std::vector<BatchEntry> batch = TakeBatch();
    s.in_flight++;
    lock.unlock();
    std::weak_ptr<State> weak = state_;
    send_(std::move(batch), [weak] {
      if (auto st = weak.lock()) {
        {
          std::lock_guard<std::mutex> l(st->mu);
          st->in_flight--;
        }
        st->cv.notify_all();
      }
    });
    lock.lock();
  }
}

}  // namespace cxbridge::deliver
