#include "deliver/rate_gate.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <vector>

#include "common/thread_name.h"

namespace cxbridge::deliver {

RateGate::~RateGate() {
  std::vector<Work> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    for (auto& [key, lane] : lanes_) {
      for (auto& w : lane.waiting) left.push_back(std::move(w));
      lane.waiting.clear();
    }
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& w : left) w.cancelled();
}

void RateGate::Submit(const std::string& key, double rate_per_second, const void* owner,
                      std::function<void()> go, std::function<void()> cancelled) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stop_) {
    lock.unlock();
    cancelled();
    return;
  }
  Lane& lane = lanes_[key];
  if (lane.rate != rate_per_second) {
    lane.rate = rate_per_second;
    lane.bucket = rate_per_second > 0 ? TokenBucket(rate_per_second) : TokenBucket();
  }
  // Work already waiting goes first: a newcomer never overtakes it.
  if (lane.waiting.empty() && lane.bucket.TryTake(clock_->SteadyMs())) {
    lock.unlock();
    go();
    return;
  }
  lane.waiting.push_back({owner, std::move(go), std::move(cancelled)});
  if (!thread_.joinable())
    thread_ = std::thread([this] {
      SetThreadName("cxb-rate-gate");
      Loop();
    });
  lock.unlock();
  cv_.notify_all();
}

void RateGate::Cancel(const void* owner) {
  std::vector<Work> mine;
  {
    std::unique_lock<std::mutex> lock(mu_);
    for (auto& [key, lane] : lanes_) {
      for (auto it = lane.waiting.begin(); it != lane.waiting.end();) {
        if (it->owner == owner) {
          mine.push_back(std::move(*it));
          it = lane.waiting.erase(it);
        } else {
          ++it;
        }
      }
    }
    cv_.wait(lock, [&] { return running_owner_ != owner; });
  }
  for (auto& w : mine) w.cancelled();
}

size_t RateGate::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [key, lane] : lanes_) n += lane.waiting.size();
  return n;
}

void RateGate::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const int64_t now = clock_->SteadyMs();
    int64_t next = std::numeric_limits<int64_t>::max();
    Work* ready = nullptr;
    Lane* ready_lane = nullptr;
    for (auto& [key, lane] : lanes_) {
      if (lane.waiting.empty()) continue;
      int64_t at = lane.bucket.NextAvailableMs(now);
      if (at <= now && lane.bucket.TryTake(now)) {
        ready = &lane.waiting.front();
        ready_lane = &lane;
        break;
      }
      next = std::min(next, std::max(at, now + 1));
    }
    if (ready != nullptr) {
      Work w = std::move(*ready);
      ready_lane->waiting.pop_front();
      running_owner_ = w.owner;
      lock.unlock();
      w.go();
      lock.lock();
      running_owner_ = nullptr;
      cv_.notify_all();
      continue;
    }
    if (next == std::numeric_limits<int64_t>::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, std::chrono::milliseconds(next - now));
    }
  }
}

}  // namespace cxbridge::deliver
