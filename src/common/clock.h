// Clock: the one way the code reads time, so tests can advance a fake clock (STYLE.md, LevelDB Env).
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace cxbridge {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, milliseconds since the Unix epoch (event `time`, TTLs, ages).
  virtual int64_t NowMs() const = 0;
  // Monotonic time in milliseconds, for timeouts and scheduling.
  virtual int64_t SteadyMs() const = 0;
};

// The process-wide real clock.
Clock& SystemClock();

// A clock that only moves when told to. Both readings advance together.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  int64_t SteadyMs() const override { return now_.load(); }
  void AdvanceMs(int64_t ms) { now_ += ms; }
  void SetMs(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace cxbridge
