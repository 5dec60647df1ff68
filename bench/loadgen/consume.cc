// Consume mode (--consume QUEUE_URL): drains --count messages from a queue over the SQS JSON
// protocol (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.*`, unsigned: for cxbridge's built-in queues
// without api.access_keys). Each of --connections keep-alive connections loops
//   ReceiveMessage (MaxNumberOfMessages 10, WaitTimeSeconds 1, VisibilityTimeout 300)
//   → DeleteMessageBatch of what it got → ReceiveMessage …
// so up to --connections requests are in flight. It stops when --count distinct messages were
// deleted, or when no new message arrived for --timeout seconds (the rest count as missing).
//
// Verification: distinct MessageIds received and deleted, MessageIds received again
// (duplicates: a visibility timeout ran out or the queue redelivered), and, for bodies carrying a
// loadgen eventId (an event a load run sent, delivered by the gateway), distinct events and
// events that arrived in two different messages (the gateway delivered them twice).
//
// Output: one line on stdout,
//   CONSUME name=<n> count=<n> received=<n> deleted=<n> missing=<n> duplicates=<n> events=<n>
//     event_duplicates=<n> receives=<n> empty_receives=<n> delete_failed=<n> errors=<n>
//     seconds=<x> msgs_per_s=<x> per_receive=<x> recv_p50_ms=<x> recv_p99_ms=<x>
//     del_p50_ms=<x> del_p99_ms=<x> sent_first_ms=<n> sent_last_ms=<n>
// seconds runs from the first request to the deletion that reached --count; msgs_per_s =
// deleted / seconds. sent_first/last_ms: the earliest and latest SentTimestamp (epoch ms, the
// queue's clock) among the messages, i.e. when the producer put the first and last one in.
// With --cpu-pids, a CPU line as in load mode (us_per_message instead of us_per_request).
// Not thread-safe: one run, one thread, one epoll loop.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "loadgen/cpu.h"
#include "loadgen/http_message.h"
#include "loadgen/json_scan.h"
#include "loadgen/loadgen.h"

namespace cxbridge::loadgen {
namespace {

constexpr std::string_view kReceiveTail =
    "\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1,\"VisibilityTimeout\":300,"
    "\"MessageSystemAttributeNames\":[\"SentTimestamp\"]}";

// The loadgen sequence number in a message body (a JSON string still escaped, so the eventId
// reads \"eventId\":\"lg-<nonce>-<seq>\").
bool FindEscapedSeq(std::string_view body, uint64_t* seq) {
  for (size_t at = body.find("eventId"); at != kNpos; at = body.find("eventId", at + 1)) {
    size_t p = at + 7;
    while (p < body.size() &&
           (body[p] == '\\' || body[p] == '"' || body[p] == ':' || body[p] == ' '))
      ++p;
    if (body.substr(p, 3) != "lg-") continue;
    const size_t dash = body.find('-', p + 3);
    if (dash == kNpos || body.size() < dash + 1 + kSeqDigits) continue;
    uint64_t v = 0;
    bool digits = true;
    for (size_t k = 0; k < kSeqDigits; ++k) {
      const char ch = body[dash + 1 + k];
      digits = digits && ch >= '0' && ch <= '9';
      v = v * 10 + uint64_t(ch - '0');
    }
    if (!digits) continue;
    *seq = v;
    return true;
  }
  return false;
}

double Percentile(std::vector<int64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t rank = std::max<size_t>(1, size_t(std::ceil(q * double(v.size()))));
  return double(v[std::min(rank, v.size()) - 1]) / 1e6;
}

class ConsumeRun {
 public:
  explicit ConsumeRun(const Options& o) : o_(o) {}
  int Run();

 private:
  struct Conn {
    int fd = -1;
    bool deleting = false;           // the request in flight is a DeleteMessageBatch
    std::vector<std::string> batch;  // MessageIds of that batch, by entry Id
    std::string out;
    size_t written = 0;
    std::vector<char> rbuf = std::vector<char>(64 * 1024);
    size_t rlen = 0;
    int64_t sent_ns = 0;
  };

  void ParseUrl();
  void Connect(Conn& c);
  void Send(Conn& c, std::string_view op, const std::string& body);
  void Receive(Conn& c) { Send(c, "ReceiveMessage", receive_body_); }
  void Flush(Conn& c);
  void OnReadable(Conn& c);
  void OnAnswer(Conn& c, int status, std::string_view body, int64_t now);
  void Report();

  // Reads the server's CPU seconds and everyone else's (not this process's) at `at`.
  void ReadCpu(double* server, double* others, int64_t* at);

  const Options& o_;
  std::string host_, host_header_, receive_body_;
  int port_ = 0;
  std::vector<Conn> conns_;
  int epfd_ = -1;
  std::unordered_set<std::string> received_, deleted_;
  std::unordered_set<uint64_t> events_;
  uint64_t duplicates_ = 0, event_duplicates_ = 0, receives_ = 0, empty_receives_ = 0;
  uint64_t delete_failed_ = 0, errors_ = 0, received_msgs_ = 0;
  int64_t t0_ = 0, t_end_ = 0, last_new_ = 0, sent_first_ms_ = INT64_MAX, sent_last_ms_ = 0;
  std::vector<int64_t> recv_lat_, del_lat_;
  std::string last_error_;
  double cpu0_ = -1, cpu1_ = -1, others0_ = 0, others1_ = 0;
  int64_t cpu0_ns_ = 0, cpu1_ns_ = 0;
};

void ConsumeRun::ReadCpu(double* server, double* others, int64_t* at) {
  *server = CpuSeconds(o_.cpu_pids);
  *others = MachineBusySeconds() - *server - CpuSeconds({int(getpid())});
  *at = NowNs();
}

void ConsumeRun::ParseUrl() {
  const std::string& url = o_.queue_url;
  if (url.rfind("http://", 0) != 0) Die("--consume needs an http:// queue URL");
  const size_t slash = url.find('/', 7);
  const std::string authority = url.substr(7, slash == kNpos ? kNpos : slash - 7);
  const size_t colon = authority.rfind(':');
  host_ = authority.substr(0, colon);
  port_ = colon == kNpos ? 80 : std::atoi(authority.c_str() + colon + 1);
  if (port_ <= 0 || port_ > 65535) Die("bad port in the queue URL " + url);
  host_header_ = authority;
  receive_body_ = "{\"QueueUrl\":\"" + url + std::string(kReceiveTail);
}

void ConsumeRun::Connect(Conn& c) {
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port_));
  if (inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1)
    Die("the queue URL's host must be IPv4");
  // Loopback: a blocking connect is immediate; the socket turns nonblocking afterwards.
  if (c.fd < 0 || connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    Die(std::string("connect: ") + std::strerror(errno));
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const int flags = fcntl(c.fd, F_GETFL);
  fcntl(c.fd, F_SETFL, flags | O_NONBLOCK);
  c.rlen = 0;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
}

void ConsumeRun::Send(Conn& c, std::string_view op, const std::string& body) {
  c.out = "POST / HTTP/1.1\r\nHost: " + host_header_ +
          "\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS." +
          std::string(op) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
          body;
  c.written = 0;
  c.sent_ns = NowNs();
  Flush(c);
}

void ConsumeRun::Flush(Conn& c) {
  while (c.written < c.out.size()) {
    const ssize_t n = send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
    if (n > 0) {
      c.written += size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EAGAIN: EPOLLOUT below; an error shows up as a failed read
    }
  }
  epoll_event ev{};
  ev.events = EPOLLIN | (c.written < c.out.size() ? EPOLLOUT : 0u);
  ev.data.ptr = &c;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void ConsumeRun::OnReadable(Conn& c) {
  bool broken = false;
  for (;;) {
    if (c.rlen == c.rbuf.size()) c.rbuf.resize(c.rbuf.size() * 2);
    const ssize_t n = recv(c.fd, c.rbuf.data() + c.rlen, c.rbuf.size() - c.rlen, 0);
    if (n > 0) {
      c.rlen += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    broken = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    break;
  }
  Message m;
  std::string chunked;
  const Frame f = ParseMessage(c.rbuf.data(), c.rlen, true, &m, &chunked);
  if (f == Frame::kComplete) {
    const std::string_view body = m.chunked
                                      ? std::string_view(chunked)
                                      : std::string_view(c.rbuf.data() + m.body_off, m.body_len);
    const size_t total = m.total;
    OnAnswer(c, m.status, body, NowNs());
    std::memmove(c.rbuf.data(), c.rbuf.data() + total, c.rlen - total);
    c.rlen -= total;
    if (m.close) broken = true;
  } else if (f == Frame::kMalformed) {
    broken = true;
  }
  if (broken) {  // the request in flight is lost: its messages reappear after the visibility
                 // timeout
    ++errors_;
    last_error_ = "connection broken or malformed answer";
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    if (t_end_ != 0) return;
    Connect(c);
    Receive(c);
  }
}

void ConsumeRun::OnAnswer(Conn& c, int status, std::string_view body, int64_t now) {
  if (status != 200) {
    ++errors_;
    last_error_ = "HTTP " + std::to_string(status) + ": " + std::string(body.substr(0, 200));
  } else if (c.deleting) {
    del_lat_.push_back(now - c.sent_ns);
    ForEach(body, SkipWs(body, 0), [&](std::string_view key, std::string_view v) {
      if (key == "Failed") {
        ForEach(v, 0, [&](std::string_view, std::string_view) { ++delete_failed_; });
      } else if (key == "Successful") {
        ForEach(v, 0, [&](std::string_view, std::string_view item) {
          ForEach(item, 0, [&](std::string_view k, std::string_view id) {
            const size_t at =
                k == "Id" ? size_t(std::atoll(std::string(Unquote(id)).c_str())) : kNpos;
            if (at < c.batch.size()) deleted_.insert(c.batch[at]);
          });
        });
      }
    });
    if (deleted_.size() >= o_.count && t_end_ == 0) t_end_ = now;
  } else {
    recv_lat_.push_back(now - c.sent_ns);
    ++receives_;
    std::string del = "{\"QueueUrl\":\"" + o_.queue_url + "\",\"Entries\":[";
    c.batch.clear();
    const bool ok =
        ForEach(body, SkipWs(body, 0), [&](std::string_view key, std::string_view list) {
          if (key != "Messages") return;
          ForEach(list, 0, [&](std::string_view, std::string_view msg) {
            std::string_view id, receipt, text;
            ForEach(msg, 0, [&](std::string_view k, std::string_view v) {
              if (k == "MessageId") id = Unquote(v);
              if (k == "ReceiptHandle") receipt = Unquote(v);
              if (k == "Body") text = Unquote(v);
              if (k == "Attributes") {
                ForEach(v, 0, [&](std::string_view a, std::string_view t) {
                  if (a != "SentTimestamp") return;
                  const int64_t ms = std::atoll(std::string(Unquote(t)).c_str());
                  sent_first_ms_ = std::min(sent_first_ms_, ms);
                  sent_last_ms_ = std::max(sent_last_ms_, ms);
                });
              }
            });
            ++received_msgs_;
            if (!received_.emplace(id).second)
              ++duplicates_;
            else
              last_new_ = now;
            uint64_t seq;
            if (FindEscapedSeq(text, &seq) && !events_.insert(seq).second) ++event_duplicates_;
            del += std::string(c.batch.empty() ? "" : ",") + "{\"Id\":\"" +
                   std::to_string(c.batch.size()) + "\",\"ReceiptHandle\":\"" +
                   std::string(receipt) + "\"}";
            c.batch.emplace_back(id);
          });
        });
    if (!ok) {
      ++errors_;
      last_error_ = "malformed ReceiveMessage answer";
    }
    if (!c.batch.empty()) {
      c.deleting = true;
      Send(c, "DeleteMessageBatch", del + "]}");
      return;
    }
    ++empty_receives_;
  }
  c.deleting = false;
  if (t_end_ == 0) Receive(c);
}

int ConsumeRun::Run() {
  if (o_.count == 0) Die("--consume needs --count N (> 0)");
  ParseUrl();
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  conns_.resize(size_t(o_.connections));
  for (auto& c : conns_) Connect(c);
  if (!o_.cpu_pids.empty()) ReadCpu(&cpu0_, &others0_, &cpu0_ns_);
  t0_ = last_new_ = NowNs();
  for (auto& c : conns_) Receive(c);
  std::vector<epoll_event> events(conns_.size());
  while (t_end_ == 0) {
    const int n = epoll_wait(epfd_, events.data(), int(events.size()), 100);
    if (n < 0 && errno != EINTR) Die(std::string("epoll_wait: ") + std::strerror(errno));
    for (int e = 0; e < n && t_end_ == 0; ++e) {
      Conn& c = *static_cast<Conn*>(events[size_t(e)].data.ptr);
      if (events[size_t(e)].events & EPOLLOUT) Flush(c);
      if (events[size_t(e)].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) OnReadable(c);
    }
    if (t_end_ == 0 && NowNs() - last_new_ > int64_t(o_.timeout_s * kNsPerSec)) {
      t_end_ = last_new_;  // the window ends with the last message that came in
      std::fprintf(stderr, "loadgen %s: no new message for %.0f s; stopping\n", o_.name.c_str(),
                   o_.timeout_s);
    }
  }
  if (!o_.cpu_pids.empty()) ReadCpu(&cpu1_, &others1_, &cpu1_ns_);
  for (auto& c : conns_) close(c.fd);
  Report();
  return 0;
}

void ConsumeRun::Report() {
  const double seconds = double(t_end_ - t0_) / 1e9;
  const uint64_t nonempty = receives_ - empty_receives_;
  if (!last_error_.empty())
    std::fprintf(stderr, "loadgen %s: last error: %s\n", o_.name.c_str(), last_error_.c_str());
  std::printf(
      "CONSUME name=%s count=%llu received=%zu deleted=%zu missing=%llu duplicates=%llu events=%zu "
      "event_duplicates=%llu receives=%llu empty_receives=%llu delete_failed=%llu errors=%llu "
      "seconds=%.3f msgs_per_s=%.1f per_receive=%.2f recv_p50_ms=%.3f recv_p99_ms=%.3f "
      "del_p50_ms=%.3f del_p99_ms=%.3f sent_first_ms=%lld sent_last_ms=%lld\n",
      o_.name.c_str(), (unsigned long long)o_.count, received_.size(), deleted_.size(),
      (unsigned long long)(o_.count > deleted_.size() ? o_.count - deleted_.size() : 0),
      (unsigned long long)duplicates_, events_.size(), (unsigned long long)event_duplicates_,
      (unsigned long long)receives_, (unsigned long long)empty_receives_,
      (unsigned long long)delete_failed_, (unsigned long long)errors_, seconds,
      seconds > 0 ? double(deleted_.size()) / seconds : 0.0,
      nonempty ? double(received_msgs_) / double(nonempty) : 0.0, Percentile(recv_lat_, 0.5),
      Percentile(recv_lat_, 0.99), Percentile(del_lat_, 0.5), Percentile(del_lat_, 0.99),
      (long long)(sent_first_ms_ == INT64_MAX ? 0 : sent_first_ms_), (long long)sent_last_ms_);
  if (!o_.cpu_pids.empty()) {
    // Over [start, stop of the loop]: after a --timeout stop that includes the idle wait.
    const double wall = double(cpu1_ns_ - cpu0_ns_) / 1e9;
    const bool valid = cpu0_ >= 0 && cpu1_ >= 0 && wall > 0;
    const double cpu = valid ? cpu1_ - cpu0_ : 0;
    std::printf("CPU name=%s server_cpu_s=%.2f util=%.3f us_per_message=%.1f others_cores=%.2f\n",
                o_.name.c_str(), cpu, valid ? cpu / wall : 0.0,
                valid && !deleted_.empty() ? cpu * 1e6 / double(deleted_.size()) : 0.0,
                valid ? std::max(0.0, others1_ - others0_) / wall : 0.0);
  }
  std::fflush(stdout);
}

}  // namespace

int RunConsume(const Options& o) {
  ConsumeRun run(o);
  return run.Run();
}

}  // namespace cxbridge::loadgen
