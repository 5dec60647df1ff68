// Server: an HTTP/1.1 server on Boost.Beast/Asio. One io_context run by `threads` threads; each
// connection is a strand, reads one request at a time (keep-alive and pipelining supported),
// hands it to the Handler, and writes the response when the handler calls `respond` (from any
// thread). Bodies above `max_body_bytes` are answered 413 and the connection is closed.
// At most `max_connections` connections are open at once (and never more than half the process's
// file-descriptor limit): at the cap the server stops accepting, so further clients wait in the
// listen backlog, until a connection closes. An accept that fails (EMFILE, ENFILE, ENOBUFS, …) is
// retried after kAcceptRetryMs, not at once: a tight retry loop would spin a core.
// Thread-safety: Start/Stop from one controlling thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace cxbridge::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8088;  // 0 = any free port (see Server::port())
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  int idle_timeout_seconds = 60;
  int max_connections = 4096;
};

inline constexpr int kAcceptRetryMs = 100;

class Server {
 public:
  Server(ServerOptions options, Handler& handler);
  ~Server();

  // Binds and starts serving. Fails with kUnavailable when the address is in use.
  Status Start();
  uint16_t port() const;
  // Stops accepting new connections; in-flight requests continue.
  void StopAccepting();
  // Waits up to `drain_ms` for in-flight requests to be answered, then stops all threads.
  void Stop(int drain_ms = 10000);
  uint64_t in_flight() const;
  int connections() const;          // open now
  uint64_t accept_errors() const;   // accepts that failed since Start

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackAddress(const std::string& address);

}  // namespace cxbridge::http
