// Sink mode (--sink): an HTTP receiver that answers 200 to everything and records when each
// loadgen event (found by its "eventId") first arrives; GET /stats reports the counts;
// SIGTERM/SIGINT writes --arrivals ("seq arrival_ns" per line, by seq) and exits.
// GET /stats answers one line: arrivals=<distinct events> duplicates=<n> requests=<n>
// body_bytes=<sum over event POSTs> first_ns=<first new event> last_ns=<latest new event>
// (CLOCK_MONOTONIC, 0 before the first event), so a drain can be timed by the sink's own clock.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loadgen/http_message.h"
#include "loadgen/loadgen.h"

namespace cxbridge::loadgen {

namespace {

// The loadgen sequence number in a body, found by its "eventId" (the gateway may re-serialize the
// event, so whitespace around the colon is allowed). Returns false if there is none.
bool FindSeq(std::string_view body, uint64_t* seq) {
  for (size_t at = body.find("\"eventId\""); at != std::string_view::npos;
       at = body.find("\"eventId\"", at + 1)) {
    size_t p = at + 9;
    while (p < body.size() && (body[p] == ' ' || body[p] == ':')) ++p;
    if (body.substr(p, 4) != "\"lg-") continue;
    const size_t dash = body.find('-', p + 4);
    if (dash == std::string_view::npos || body.size() < dash + 1 + kSeqDigits) continue;
    uint64_t v = 0;
    bool digits = true;
    for (size_t k = 0; k < kSeqDigits; ++k) {
      const char ch = body[dash + 1 + k];
      if (ch < '0' || ch > '9') digits = false;
      v = v * 10 + uint64_t(ch - '0');
    }
    if (!digits) continue;
    *seq = v;
    return true;
  }
  return false;
}

}  // namespace

int RunSink(const Options& o) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) Die("--host must be an IPv4 address");
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 1024) != 0)
    Die(std::string("sink: bind/listen: ") + std::strerror(errno));
  socklen_t alen = sizeof addr;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);
  const int port = ntohs(addr.sin_port);
  if (!o.port_file.empty()) {
    const std::string tmp = o.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), o.port_file.c_str());
  }
  std::fprintf(stderr, "loadgen sink: listening on %s:%d\n", o.host.c_str(), port);

  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  auto add = [&](int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  };
  add(sfd);
  add(lfd);
  struct SinkConn {
    std::string buf;
  };
  std::unordered_map<int, SinkConn> conns;
  std::unordered_map<uint64_t, int64_t> first_arrival;
  uint64_t requests = 0, duplicates = 0, unknown = 0, body_bytes = 0;
  int64_t first_ns = 0, last_ns = 0;  // first and latest new event's arrival (0: none yet)
  std::vector<epoll_event> events(256);
  std::string decoded;
  char chunk[64 * 1024];
  auto drop = [&](int fd) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns.erase(fd);
  };
  for (bool running = true; running;) {
    const int n = epoll_wait(epfd, events.data(), int(events.size()), -1);
    if (n < 0 && errno != EINTR) Die(std::string("epoll_wait: ") + std::strerror(errno));
    for (int e = 0; e < n; ++e) {
      const int fd = events[size_t(e)].data.fd;
      if (fd == sfd) {
        running = false;
        continue;
      }
      if (fd == lfd) {
        for (;;) {
          const int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conns[c];
          add(c);
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      std::string& buf = it->second.buf;
      bool closed = false;
      for (;;) {
        const ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r > 0) {
          buf.append(chunk, size_t(r));
          if (size_t(r) < sizeof chunk) break;
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        closed = true;
        break;
      }
      const int64_t now = NowNs();
      std::string out;
      bool close_after = false;
      while (!buf.empty()) {
        Message m;
        const Frame f = ParseMessage(buf.data(), buf.size(), false, &m, &decoded);
        if (f == Frame::kIncomplete) break;
        if (f == Frame::kMalformed) {
          out += "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          close_after = true;
          buf.clear();
          break;
        }
        ++requests;
        if (m.method == "GET" && m.target == "/stats") {
          const std::string body = "arrivals=" + std::to_string(first_arrival.size()) +
                                   " duplicates=" + std::to_string(duplicates) +
                                   " requests=" + std::to_string(requests) +
                                   " body_bytes=" + std::to_string(body_bytes) +
                                   " first_ns=" + std::to_string(first_ns) +
                                   " last_ns=" + std::to_string(last_ns) + "\n";
          out += "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
        } else {
          std::string_view body = m.chunked ? std::string_view(decoded)
                                            : std::string_view(buf).substr(m.body_off, m.body_len);
          uint64_t seq;
          body_bytes += body.size();
          if (FindSeq(body, &seq)) {
            if (first_arrival.emplace(seq, now).second) {
              if (first_ns == 0) first_ns = now;
              last_ns = now;
            } else {
              ++duplicates;
            }
          } else {
            ++unknown;
          }
          out += "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        }
        if (m.close) close_after = true;
        buf.erase(0, m.total);
        if (close_after) break;
      }
      if (!out.empty()) {
        // Answers are tiny; a blocking-style loop on a nonblocking socket is fine here.
        size_t off = 0;
        while (off < out.size()) {
          const ssize_t w = send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
          if (w > 0) {
            off += size_t(w);
          } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
          } else {
            closed = true;
            break;
          }
        }
      }
      if (closed || close_after) drop(fd);
    }
  }
  if (!o.arrivals.empty()) {
    std::vector<std::pair<uint64_t, int64_t>> rows(first_arrival.begin(), first_arrival.end());
    std::sort(rows.begin(), rows.end());
    std::FILE* f = std::fopen(o.arrivals.c_str(), "w");
    if (!f) Die("cannot write " + o.arrivals);
    for (const auto& [seq, t] : rows) std::fprintf(f, "%llu %lld\n", (unsigned long long)seq, (long long)t);
    std::fclose(f);
  }
  std::fprintf(stderr, "loadgen sink: %llu requests, %zu distinct events, %llu duplicates, %llu without an eventId\n",
               (unsigned long long)requests, first_arrival.size(), (unsigned long long)duplicates,
               (unsigned long long)unknown);
  return 0;
}

}  // namespace cxbridge::loadgen
