#include "genesys/runtime.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <functional>
#include <future>

#include "common/thread_name.h"

namespace cxbridge::genesys {

struct Runtime::Pending {
  bool done = false;
  std::function<void(http::ClientResponse)> complete;
};

Runtime::Runtime(Clock& clock, int64_t tick_ms)
    : clock_(clock), tick_ms_(tick_ms > 0 ? tick_ms : 1), work_(asio::make_work_guard(io_)) {}

Runtime::~Runtime() { Stop(); }

void Runtime::Start() {
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] {
    SetThreadName("cxb-genesys");
    io_.run();
  });
}

void Runtime::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  if (!thread_.joinable()) return;
  std::promise<void> posted;
  asio::post(io_, [this, &posted] {
    if (on_stop_) on_stop_();
    FailPending();
    posted.set_value();
  });
  posted.get_future().wait();
  work_.reset();
  thread_.join();
}

void Runtime::FailPending() {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    if (p->done) continue;
    p->done = true;
    http::ClientResponse r;
    r.error = "stopping";
    p->complete(std::move(r));
  }
}

asio::awaitable<bool> Runtime::SleepUntil(int64_t steady_ms) {
  asio::steady_timer timer(io_);
  while (!stopping_.load()) {
    const int64_t left = steady_ms - clock_.SteadyMs();
    if (left <= 0) co_return true;
    // Real time and the Clock may run at different speeds (FakeClock): never sleep past a tick.
    timer.expires_after(std::chrono::milliseconds(std::min(left, tick_ms_)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return false;
}

asio::awaitable<http::ClientResponse> Runtime::Fetch(http::ClientRequest req) {
  // The Genesys Cloud API is configured by the operator; its topic listings run to megabytes.
  req.max_response_bytes = std::max<size_t>(req.max_response_bytes, size_t{32} << 20);
  auto initiate = [this, req = std::move(req)](auto handler) mutable {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    auto p = std::make_shared<Pending>();
    p->complete = [h](http::ClientResponse r) { (*h)(std::move(r)); };
    if (stopping_.load()) {
      p->done = true;
      asio::post(io_, [p] {
        http::ClientResponse r;
        r.error = "stopping";
        p->complete(std::move(r));
      });
      return;
    }
    const uint64_t id = next_pending_++;
    pending_[id] = p;
    http_.Send(std::move(req), [this, id, p](http::ClientResponse r) {
      // libcurl's thread: hop to the I/O thread, where `pending_` lives. If the runtime has
      // stopped, the handler is queued and destroyed unrun with the io_context.
      asio::post(io_, [this, id, p, r = std::move(r)]() mutable {
        if (p->done) return;
        p->done = true;
        pending_.erase(id);
        p->complete(std::move(r));
      });
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(http::ClientResponse)>(
      std::move(initiate), asio::use_awaitable);
}

}  // namespace cxbridge::genesys
