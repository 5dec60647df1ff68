// WsConnection: one client WebSocket (ws:// or wss://) on Boost.Beast, used through coroutines
// on the Runtime's I/O thread. Text frames only, as the Notifications API sends.
// Thread-safety: not thread-safe; use from the I/O thread. At most one Read and one Write may be
// outstanding at a time (Beast's rule); Close and Abort may be called while a Read is pending
// (the Read then completes with an error after the frames already received were returned).
#pragma once

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace cxbridge::genesys {

struct WsUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query, "/" at least
};
// Parses ws://host[:port]/path or wss://...; kInvalidArgument otherwise.
Result<WsUrl> ParseWsUrl(const std::string& url);

class WsConnection {
 public:
  virtual ~WsConnection() = default;

  // Resolves, connects and completes the WebSocket handshake within `timeout_ms` (real time:
  // network timeouts are not part of the simulated clock). TLS verifies the peer and sends SNI.
  static boost::asio::awaitable<Result<std::shared_ptr<WsConnection>>> Connect(
      boost::asio::io_context& io, const std::string& url, int64_t timeout_ms);

  // The next text message. kUnavailable once the socket is closed or fails.
  virtual boost::asio::awaitable<Result<std::string>> Read() = 0;
  virtual boost::asio::awaitable<Status> Write(std::string text) = 0;
  // Graceful close handshake (bounded by a short timeout).
  virtual boost::asio::awaitable<void> Close() = 0;
  // Drops the TCP connection now.
  virtual void Abort() = 0;
};

}  // namespace cxbridge::genesys
