// EndlessServer (tests only): a loopback HTTP peer that answers every request with
// `200 OK` and a chunked body that never ends, written as fast as the client reads it, until the
// client hangs up. It counts the body bytes it managed to write, so a test can check that the
// client stopped reading after its cap rather than after a timeout. A plain socket server
// rather than http::Server, which only answers complete responses.
// Thread-safety: port() and bytes_written() from any thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace cxbridge::http::testing {

class EndlessServer {
 public:
  EndlessServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~EndlessServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  uint64_t bytes_written() const { return written_.load(); }
  int connections() const { return connections_.load(); }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      Serve(c);
      ::close(c);
    }
  }
  void Serve(int c) {
    // Read the request head (and whatever body arrived with it); the content does not matter.
    char buf[4096];
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos && !stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      head.append(buf, static_cast<size_t>(n));
    }
    const std::string start =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (::send(c, start.data(), start.size(), MSG_NOSIGNAL) < 0) return;
    const std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
    size_t at = 0;  // where in `chunk` the next write starts (writes may be partial)
    while (!stop_) {
      pollfd p{c, POLLOUT, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      if (p.revents & (POLLERR | POLLHUP)) return;
      ssize_t n = ::send(c, chunk.data() + at, chunk.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return;  // the client hung up
      written_ += static_cast<uint64_t>(n);
      at = (at + static_cast<size_t>(n)) % chunk.size();
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> written_{0};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace cxbridge::http::testing
