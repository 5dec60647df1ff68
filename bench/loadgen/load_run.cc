// Load mode (load_run.h): connections, the send schedule, answers, the timed window, CPU
// accounting and the report.
#include "loadgen/load_run.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "loadgen/cpu.h"
#include "loadgen/http_message.h"

namespace cxbridge::loadgen {

int LoadRun::Run() {
  Prepare();
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  timerfd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epfd_ < 0 || timerfd_ < 0) Die(std::string("epoll/timerfd: ") + std::strerror(errno));
  epoll_event tev{};
  tev.events = EPOLLIN;
  tev.data.u64 = kTimerTag;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, timerfd_, &tev);
  prctl(PR_SET_TIMERSLACK, 1000UL);  // 1 µs: open-loop sends leave on time

  conns_.resize(size_t(o_.connections));
  for (auto& c : conns_) {
    c.req = tmpl_.bytes;
    c.rbuf.resize(16 * 1024);
  }
  t0_ = NowNs();
  if (open_loop()) {
    interval_ns_ = double(kNsPerSec) / o_.rate;
    warmup_k_ = uint64_t(std::floor(o_.warmup_s * o_.rate));
    total_k_ = warmup_k_ + timed_target_;
    ws_ = Scheduled(warmup_k_);
    we_ = Scheduled(total_k_);
  } else {
    ws_ = t0_ + int64_t(o_.warmup_s * kNsPerSec);
    we_ = o_.requests > 0 ? INT64_MAX : ws_ + int64_t(o_.duration_s * kNsPerSec);
  }
  for (size_t i = 0; i < conns_.size(); ++i) Connect(i);
  Loop();
  return Report();
}

void LoadRun::Prepare() {
  tmpl_ = MakeTemplate(o_, RandomNonce());
  if (open_loop()) {
    timed_target_ = o_.requests > 0 ? o_.requests : uint64_t(std::llround(o_.duration_s * o_.rate));
    pool_ = uint64_t(std::floor(o_.warmup_s * o_.rate)) + timed_target_;
  } else if (o_.requests > 0) {
    timed_target_ = o_.requests;
    // The closed-loop warmup's request count is not known in advance: allow kMaxClosedRate.
    pool_ = o_.requests + uint64_t(o_.warmup_s * kMaxClosedRate) + uint64_t(o_.connections);
  } else {
    // If the pool runs out anyway, the window ends there and a warning says so.
    pool_ = uint64_t((o_.warmup_s + o_.duration_s) * kMaxClosedRate) + uint64_t(o_.connections);
  }
  if (o_.pool > 0) pool_ = o_.pool;
  const int64_t t = NowNs();
  sigs_ = MakeSignatures(o_, tmpl_, pool_);
  std::fprintf(stderr, "loadgen %s: %zu-byte requests (%zu-byte body), %llu pre-generated in %.2f s\n",
               o_.name.c_str(), tmpl_.bytes.size(), tmpl_.body_len, (unsigned long long)pool_,
               double(NowNs() - t) / 1e9);
  samples_.reserve(open_loop() || o_.requests ? timed_target_ : std::min<uint64_t>(pool_, 4'000'000));
}

void LoadRun::Connect(size_t i) {
  Conn& c = conns_[i];
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) Die(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(o_.port));
  if (inet_pton(AF_INET, o_.host.c_str(), &addr.sin_addr) != 1) Die("--host must be an IPv4 address");
  c.rlen = 0;
  c.written = 0;
  c.want_write = false;
  if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    close(c.fd);
    c.fd = -1;
    ConnectFailed(i, errno);
    return;
  }
  c.state = Conn::State::kConnecting;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = i;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
}

void LoadRun::ConnectFailed(size_t i, int err) {
  Conn& c = conns_[i];
  c.state = Conn::State::kDown;
  const int64_t now = NowNs();
  c.retry_at = now + 10'000'000;  // 10 ms
  ++down_;
  if (now >= ws_ && now <= we_) {
    ++errors_;
    ++error_reasons_[std::string("connect: ") + std::strerror(err)];
  }
}

void LoadRun::SetWriteInterest(size_t i, bool on) {
  Conn& c = conns_[i];
  if (c.want_write == on) return;
  c.want_write = on;
  epoll_event ev{};
  ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
  ev.data.u64 = i;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
}

// The connection is ready for a request: send one if the schedule has one due.
void LoadRun::OnIdle(size_t i, int64_t now) {
  Conn& c = conns_[i];
  c.state = Conn::State::kIdle;
  if (open_loop()) {
    if (issued_k_ < DueK(now)) {
      const uint64_t k = issued_k_++;
      Issue(i, Scheduled(k), k >= warmup_k_);
      return;
    }
  } else if (!stop_issuing_) {
    if (o_.requests > 0) {
      const bool timed = now >= ws_;
      if (!timed || timed_issued_ < timed_target_) {
        if (timed && timed_issued_++ == 0) ws_ = now;
        Issue(i, now, timed);
        if (timed_issued_ == timed_target_) stop_issuing_ = true;
        return;
      }
    } else if (now < we_) {
      Issue(i, now, false);
      return;
    }
  }
  idle_.push_back(i);
}

void LoadRun::Issue(size_t i, int64_t start, bool timed) {
  Conn& c = conns_[i];
  if (next_seq_ >= pool_) {
    if (!pool_exhausted_) {
      pool_exhausted_ = true;
      std::fprintf(stderr, "loadgen %s: WARNING: the %llu pre-generated requests ran out; the window "
                   "ends here (raise --pool)\n", o_.name.c_str(), (unsigned long long)pool_);
      if (!open_loop() && o_.requests == 0) we_ = std::min(we_, NowNs());
    }
    stop_issuing_ = true;
    if (timed) {  // counted, never silently dropped
      ++errors_;
      ++error_reasons_["pool exhausted"];
    }
    c.state = Conn::State::kIdle;
    idle_.push_back(i);
    return;
  }
  c.seq = next_seq_++;
  c.start_ns = start;
  c.timed = timed;
  WriteSeq(&c.req[tmpl_.seq_off], c.seq);
  if (tmpl_.sig_len) std::memcpy(&c.req[tmpl_.sig_off], &sigs_[c.seq * tmpl_.sig_len], tmpl_.sig_len);
  c.written = 0;
  c.state = Conn::State::kBusy;
  ++busy_;
  if (!open_loop()) c.start_ns = NowNs();
  TryWrite(i);
}

void LoadRun::TryWrite(size_t i) {
  Conn& c = conns_[i];
  while (c.written < c.req.size()) {
    ssize_t n = send(c.fd, c.req.data() + c.written, c.req.size() - c.written, MSG_NOSIGNAL);
    if (n > 0) {
      c.written += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      SetWriteInterest(i, true);
      return;
    }
    Fail(i, n < 0 ? std::string("send: ") + std::strerror(errno) : "send: no progress");
    return;
  }
  SetWriteInterest(i, false);
}

void LoadRun::Record(Conn& c, int64_t end, int status, const char* error) {
  bool timed = c.timed;
  if (!open_loop() && o_.requests == 0) timed = end >= ws_ && end <= we_;
  if (!timed) return;
  if (status >= 200 && status < 300) {
    ++ok_;
  } else if (status > 0) {
    ++non2xx_;
  } else {
    ++errors_;
    ++error_reasons_[error];
  }
  if (status > 0) ++statuses_[status];
  samples_.push_back({c.seq, c.start_ns, status > 0 ? end : 0, status});
  last_end_ = std::max(last_end_, end);
}

// The connection broke: the in-flight request (if any) is an error; reconnect.
void LoadRun::Fail(size_t i, const std::string& why) {
  Conn& c = conns_[i];
  const int64_t now = NowNs();
  if (c.state == Conn::State::kBusy) {
    --busy_;
    Record(c, now, 0, why.c_str());
  }
  epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  c.fd = -1;
  if (finishing_) {
    c.state = Conn::State::kDown;
    c.retry_at = INT64_MAX;
    return;
  }
  Connect(i);
}

void LoadRun::OnReadable(size_t i) {
  Conn& c = conns_[i];
  const int fd = c.fd;
  std::string broken;  // set when the connection ended; answers read before it still count
  for (;;) {
    if (c.rlen == c.rbuf.size()) c.rbuf.resize(c.rbuf.size() * 2);
    const size_t room = c.rbuf.size() - c.rlen;
    ssize_t n = recv(c.fd, c.rbuf.data() + c.rlen, room, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      broken = n == 0 ? "closed by server" : std::string("recv: ") + std::strerror(errno);
      break;
    }
    c.rlen += size_t(n);
    if (size_t(n) < room) break;  // drained; level-triggered epoll reports anything newer
  }
  const int64_t now = NowNs();
  while (c.rlen > 0) {
    Message m;
    const Frame f = ParseMessage(c.rbuf.data(), c.rlen, true, &m);
    if (f == Frame::kIncomplete) break;
    if (f == Frame::kMalformed || c.state != Conn::State::kBusy) {
      Fail(i, f == Frame::kMalformed ? "malformed response" : "unsolicited response");
      return;
    }
    std::memmove(c.rbuf.data(), c.rbuf.data() + m.total, c.rlen - m.total);
    c.rlen -= m.total;
    --busy_;
    Record(c, now, m.status, nullptr);
    const bool request_unsent = c.written < c.req.size();  // answered early (e.g. 413)
    c.state = Conn::State::kIdle;
    if (m.close || request_unsent || c.rlen > 0) {
      epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
      c.fd = -1;
      c.state = Conn::State::kDown;
      if (!finishing_) Connect(i);
      return;
    }
    OnIdle(i, now);
  }
  if (!broken.empty() && c.fd == fd) Fail(i, broken);
}

void LoadRun::OnConnected(size_t i, int64_t now) {
  Conn& c = conns_[i];
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    ConnectFailed(i, err);
    return;
  }
  c.want_write = true;
  SetWriteInterest(i, false);
  OnIdle(i, now);
}

void LoadRun::DispatchDue(int64_t now) {
  while (!idle_.empty() && issued_k_ < DueK(now)) {
    const size_t i = idle_.back();
    idle_.pop_back();
    if (conns_[i].state != Conn::State::kIdle) continue;
    const uint64_t k = issued_k_++;
    Issue(i, Scheduled(k), k >= warmup_k_);
  }
  // Wake at the next scheduled send; requests already due wait for a free connection, which
  // wakes the loop by itself.
  const uint64_t next = std::max(issued_k_, DueK(now));
  if (next < total_k_ && next != armed_k_) {
    const int64_t at = Scheduled(next);
    itimerspec ts{};
    ts.it_value.tv_sec = at / kNsPerSec;
    ts.it_value.tv_nsec = at % kNsPerSec;
    timerfd_settime(timerfd_, TFD_TIMER_ABSTIME, &ts, nullptr);
    armed_k_ = next;
  }
}

// Server CPU over the timed window, read as the loop crosses its start and end.
void LoadRun::SampleCpu(int64_t now) {
  if (o_.cpu_pids.empty()) return;
  if (cpu_start_ < 0 && now >= ws_) ReadCpu(&cpu_start_, &others_start_, &cpu_start_ns_);
  if (cpu_end_ < 0 && cpu_start_ >= 0 && now >= we_) ReadCpu(&cpu_end_, &others_end_, &cpu_end_ns_);
}

// The server's CPU seconds, and everything else's on the machine but this loadgen's: other
// work on the shared cores shows up there and makes the window's figures suspect.
void LoadRun::ReadCpu(double* server, double* others, int64_t* at) {
  *server = CpuSeconds(o_.cpu_pids);
  *others = MachineBusySeconds() - *server - CpuSeconds({int(getpid())});
  *at = NowNs();
}

bool LoadRun::Done(int64_t now) {
  if (open_loop()) {
    if (issued_k_ >= total_k_ && busy_ == 0) return true;
    return now > we_ + int64_t(o_.timeout_s * kNsPerSec);
  }
  if (o_.requests > 0) {
    if (stop_issuing_ && busy_ == 0) return true;
    return stop_issuing_ && now > last_issue_deadline_;
  }
  // Closed loop by time: stop issuing at the window's end, then let in-flight requests finish
  // (they do not count) so the server is not left with half-read requests.
  if (now >= we_ && !stop_issuing_) stop_issuing_ = true;
  if (stop_issuing_ && busy_ == 0) return true;
  return now > we_ + int64_t(o_.timeout_s * kNsPerSec);
}

void LoadRun::Loop() {
  std::vector<epoll_event> events(size_t(o_.connections) + 8);
  bool deadline_set = false;
  for (;;) {
    int64_t now = NowNs();
    if (open_loop()) DispatchDue(now);
    if (o_.requests > 0 && !open_loop() && stop_issuing_ && !deadline_set) {
      last_issue_deadline_ = now + int64_t(o_.timeout_s * kNsPerSec);
      deadline_set = true;
    }
    SampleCpu(now);
    if (Done(now)) break;
    if (down_ > 0) {
      for (size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].state == Conn::State::kDown && conns_[i].retry_at <= now) {
          --down_;
          Connect(i);
        }
      }
    }
    const int n = epoll_wait(epfd_, events.data(), int(events.size()), 5);
    if (n < 0 && errno != EINTR) Die(std::string("epoll_wait: ") + std::strerror(errno));
    now = NowNs();
    for (int e = 0; e < n; ++e) {
      const uint64_t tag = events[size_t(e)].data.u64;
      if (tag == kTimerTag) {
        uint64_t expirations;
        (void)!read(timerfd_, &expirations, sizeof expirations);
        continue;
      }
      const size_t i = size_t(tag);
      Conn& c = conns_[i];
      if (c.fd < 0) continue;
      const uint32_t ev = events[size_t(e)].events;
      if (c.state == Conn::State::kConnecting) {
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) OnConnected(i, now);
        continue;
      }
      if ((ev & EPOLLOUT) && c.state == Conn::State::kBusy) TryWrite(i);
      if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) OnReadable(i);
    }
  }
  if (!o_.cpu_pids.empty() && cpu_start_ >= 0 && cpu_end_ < 0) {  // --requests: the window ends now
    ReadCpu(&cpu_end_, &others_end_, &cpu_end_ns_);
  }
  // Whatever is still outstanding never got an answer within --timeout.
  finishing_ = true;
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i].state == Conn::State::kBusy) {
      Conn& c = conns_[i];
      --busy_;
      const int64_t end = NowNs();
      if (!open_loop() && o_.requests == 0) {
        // Closed loop by time: requests cut off after the window do not count.
      } else {
        Record(c, end, 0, "timeout");
      }
      c.state = Conn::State::kIdle;
    }
    if (conns_[i].fd >= 0) close(conns_[i].fd);
    conns_[i].fd = -1;
  }
  if (open_loop() && issued_k_ < total_k_) {  // scheduled, never sent: no free connection in time
    for (uint64_t k = std::max(issued_k_, warmup_k_); k < total_k_; ++k) {
      ++errors_;
      ++error_reasons_["never sent (all connections busy until the timeout)"];
    }
  }
}

int LoadRun::Report() {
  double seconds;
  if (open_loop()) {
    seconds = double(std::max(we_, last_end_) - ws_) / 1e9;
  } else if (o_.requests > 0) {
    seconds = last_end_ > ws_ ? double(last_end_ - ws_) / 1e9 : 0;
  } else {
    seconds = double(we_ - ws_) / 1e9;
  }
  std::vector<int64_t> lat;
  lat.reserve(samples_.size());
  for (const Sample& s : samples_) {
    if (s.status >= 200 && s.status < 300) lat.push_back(s.end_ns - s.start_ns);
  }
  std::string detail;
  for (const auto& [st, n] : statuses_) detail += " " + std::to_string(st) + ":" + std::to_string(n);
  for (const auto& [why, n] : error_reasons_) detail += " [" + why + "]:" + std::to_string(n);
  std::fprintf(stderr, "loadgen %s: window %.3f s, statuses%s\n", o_.name.c_str(), seconds, detail.c_str());
  if (!o_.sent_log.empty()) {
    std::FILE* f = std::fopen(o_.sent_log.c_str(), "w");
    if (!f) Die("cannot write " + o_.sent_log);
    for (const Sample& s : samples_) {
      std::fprintf(f, "%llu %lld %d\n", (unsigned long long)s.seq, (long long)s.start_ns, s.status);
    }
    std::fclose(f);
  }
  PrintResult(o_.name, ok_, non2xx_, errors_, seconds, std::move(lat));
  if (!o_.cpu_pids.empty()) {
    // Utilization of the server's core(s) over the window, and CPU per answered request.
    const uint64_t answered = ok_ + non2xx_;
    const bool valid = cpu_start_ >= 0 && cpu_end_ >= 0 && cpu_end_ns_ > cpu_start_ns_;
    const double cpu = valid ? cpu_end_ - cpu_start_ : 0;
    const double wall = valid ? double(cpu_end_ns_ - cpu_start_ns_) / 1e9 : 0;
    std::printf("CPU name=%s server_cpu_s=%.2f util=%.3f us_per_request=%.1f others_cores=%.2f\n",
                o_.name.c_str(), cpu, valid ? cpu / wall : 0.0,
                valid && answered ? cpu * 1e6 / double(answered) : 0.0,
                valid ? std::max(0.0, others_end_ - others_start_) / wall : 0.0);
  }
  return 0;
}

}  // namespace cxbridge::loadgen
