// Runtime: the one I/O thread of a Genesys source and the asynchronous primitives its
// coroutines use. Every time decision goes through the injected Clock: a wait is "until the
// clock reads T", checked every `tick_ms` of real time, so tests drive hours of channel upkeep by
// advancing a FakeClock. REST calls run on the Runtime's own HttpClient (libcurl multi thread)
// and resume the awaiting coroutine on the I/O thread.
//
// Threading: Start() runs io() on one owned thread; Stop() (from the controlling thread) sets
// stopping(), completes every pending Fetch with status 0 / error "stopping", and joins the
// thread once every coroutine has returned. All coroutine state lives on the I/O thread and needs
// no locks. No detached threads.
#pragma once

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <thread>

#include "common/clock.h"
#include "http/client.h"

namespace cxbridge::genesys {

namespace asio = boost::asio;

class Runtime {
 public:
  Runtime(Clock& clock, int64_t tick_ms);
  ~Runtime();  // calls Stop()
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  asio::io_context& io() { return io_; }
  Clock& clock() { return clock_; }
  int64_t tick_ms() const { return tick_ms_; }
  bool stopping() const { return stopping_.load(); }

  // Starts the I/O thread (once).
  void Start();
  // Idempotent; see the header comment. Must not be called from the I/O thread.
  void Stop();
  // Called on the I/O thread when Stop() begins, before pending fetches are failed (the source
  // closes its sockets here).
  void OnStop(std::function<void()> f) { on_stop_ = std::move(f); }

  // Resumes when clock().SteadyMs() >= steady_ms; false when the runtime is stopping.
  asio::awaitable<bool> SleepUntil(int64_t steady_ms);
  asio::awaitable<bool> SleepFor(int64_t ms) { return SleepUntil(clock_.SteadyMs() + ms); }

  // One HTTP exchange (no retries here; see ApiClient).
  asio::awaitable<http::ClientResponse> Fetch(http::ClientRequest req);

 private:
  struct Pending;
  void FailPending();

  Clock& clock_;
  const int64_t tick_ms_;
  std::atomic<bool> stopping_{false};
  std::function<void()> on_stop_;
  asio::io_context io_;  // declared before http_: queued completions must outlive the client
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  http::HttpClient http_;
  std::map<uint64_t, std::shared_ptr<Pending>> pending_;  // I/O thread only
  uint64_t next_pending_ = 1;                              // I/O thread only
  std::thread thread_;
  bool stopped_ = false;  // controlling thread only
};

}  // namespace cxbridge::genesys
