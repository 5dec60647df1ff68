// Load mode (the default): N keep-alive connections POST pre-generated, optionally HMAC-signed
// events, closed loop or open loop (--rate: request k is scheduled at t0 + k/R and its latency
// runs from that time, so a stalled server is charged for the requests it delayed), then print
// the RESULT line, and with --cpu-pids a CPU line. Window semantics: main.cc.
// Not thread-safe: one LoadRun, one thread, one epoll loop.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "loadgen/loadgen.h"
#include "loadgen/request.h"

namespace cxbridge::loadgen {

// One timed request: what --sent-log writes and the latency figures are computed from.
struct Sample {
  uint64_t seq;
  int64_t start_ns;  // scheduled (open loop) or actual (closed loop) send time
  int64_t end_ns;    // answer complete; 0 if none
  int status;        // HTTP status; 0 = no answer
};

class LoadRun {
 public:
  explicit LoadRun(const Options& o) : o_(o) {}

  int Run();

 private:
  static constexpr uint64_t kTimerTag = ~0ull;
  // Closed-loop pool sizing: above what one core serves here (nginx `return 200` ~125k/s);
  // signing costs ~1.2 µs and 44 bytes per request.
  static constexpr double kMaxClosedRate = 200'000;

  struct Conn {
    int fd = -1;
    enum class State { kDown, kConnecting, kIdle, kBusy } state = State::kDown;
    std::string req;  // this connection's copy of the template
    size_t written = 0;
    bool want_write = false;
    uint64_t seq = 0;
    int64_t start_ns = 0;
    bool timed = false;  // decided at issue time (open loop, --requests)
    std::vector<char> rbuf;
    size_t rlen = 0;
    int64_t retry_at = 0;
  };

  bool open_loop() const { return o_.rate > 0; }
  int64_t Scheduled(uint64_t k) const { return t0_ + int64_t(double(k) * interval_ns_); }

  void Prepare();
  void Connect(size_t i);
  void ConnectFailed(size_t i, int err);
  void SetWriteInterest(size_t i, bool on);

  // The connection is ready for a request: send one if the schedule has one due.
  void OnIdle(size_t i, int64_t now);

  uint64_t DueK(int64_t now) const {
    if (now < t0_) return 0;
    const uint64_t k = uint64_t(double(now - t0_) / interval_ns_) + 1;
    return std::min(k, total_k_);
  }

  void Issue(size_t i, int64_t start, bool timed);
  void TryWrite(size_t i);
  void Record(Conn& c, int64_t end, int status, const char* error);

  // The connection broke: the in-flight request (if any) is an error; reconnect.
  void Fail(size_t i, const std::string& why);
  void OnReadable(size_t i);
  void OnConnected(size_t i, int64_t now);
  void DispatchDue(int64_t now);

  // Server CPU over the timed window, read as the loop crosses its start and end.
  void SampleCpu(int64_t now);

  // The server's CPU seconds, and everything else's on the machine but this loadgen's: other
  // work on the shared cores shows up there and makes the window's figures suspect.
  void ReadCpu(double* server, double* others, int64_t* at);
  bool Done(int64_t now);
  void Loop();
  int Report();

  const Options& o_;
  RequestTemplate tmpl_;
  std::vector<char> sigs_;
  uint64_t pool_ = 0, next_seq_ = 0;
  bool pool_exhausted_ = false;
  std::vector<Conn> conns_;
  std::vector<size_t> idle_;
  int epfd_ = -1, timerfd_ = -1;
  size_t busy_ = 0, down_ = 0;
  bool stop_issuing_ = false, finishing_ = false;
  int64_t t0_ = 0, ws_ = 0, we_ = 0, last_end_ = 0, last_issue_deadline_ = INT64_MAX;
  double cpu_start_ = -1, cpu_end_ = -1, others_start_ = 0, others_end_ = 0;
  int64_t cpu_start_ns_ = 0, cpu_end_ns_ = 0;
  // Open loop: request k is scheduled at t0 + k * interval; the first warmup_k are not timed.
  double interval_ns_ = 0;
  uint64_t warmup_k_ = 0, total_k_ = 0, issued_k_ = 0, armed_k_ = ~0ull;
  uint64_t timed_target_ = 0, timed_issued_ = 0;
  uint64_t ok_ = 0, non2xx_ = 0, errors_ = 0;
  std::map<int, uint64_t> statuses_;
  std::map<std::string, uint64_t> error_reasons_;
  std::vector<Sample> samples_;
};

}  // namespace cxbridge::loadgen
